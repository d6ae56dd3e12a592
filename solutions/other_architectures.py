"""Reference implementations for 03_other_architectures (COURSE_SPEC.md §4.3)."""

import torch
import torch.nn as nn


def split_gru_weights(gru):
    """Split a GRU's packed weights into one entry per gate.

    Args:
        gru: an ``nn.GRUCell`` or a one-layer ``nn.GRU`` with input size I and hidden size H.
    Returns:
        dict with
          "reset":  (W_x (H, I), W_h (H, H), b (H,))         b = b_ir + b_hr
          "update": (W_x (H, I), W_h (H, H), b (H,))         b = b_iz + b_hz
          "new":    (W_x (H, I), W_h (H, H), b_x (H,), b_h (H,))   kept apart: the reset
                    gate multiplies W_hn h + b_hn, so b_hn cannot be merged into b_in.
        PyTorch packs the gates in the order reset, update, new.
    """
    ### BEGIN SOLUTION
    suffix = "_l0" if isinstance(gru, nn.GRU) else ""
    w_ih = getattr(gru, "weight_ih" + suffix).detach()
    w_hh = getattr(gru, "weight_hh" + suffix).detach()
    b_ih = getattr(gru, "bias_ih" + suffix).detach()
    b_hh = getattr(gru, "bias_hh" + suffix).detach()
    W_xr, W_xz, W_xn = w_ih.chunk(3, dim=0)
    W_hr, W_hz, W_hn = w_hh.chunk(3, dim=0)
    b_xr, b_xz, b_xn = b_ih.chunk(3)
    b_hr, b_hz, b_hn = b_hh.chunk(3)
    return {
        "reset": (W_xr, W_hr, b_xr + b_hr),
        "update": (W_xz, W_hz, b_xz + b_hz),
        "new": (W_xn, W_hn, b_xn, b_hn),
    }
    ### END SOLUTION


def gru_cell(x, h_prev, weights):
    """One step of a GRU.

    Args:
        x: (batch, I) input at this step.
        h_prev: (batch, H) previous hidden state.
        weights: the dict returned by ``split_gru_weights``.
    Returns:
        h_t: (batch, H) = (1 - z) * n + z * h_prev, where
          r = sigmoid(x W_xr^T + h_prev W_hr^T + b_r)                 (reset gate)
          z = sigmoid(x W_xz^T + h_prev W_hz^T + b_z)                 (update gate)
          n = tanh(x W_xn^T + b_xn + r * (h_prev W_hn^T + b_hn))      (new memory)
        Equals ``nn.GRUCell`` with the same weights.
    """
    ### BEGIN SOLUTION
    W_xr, W_hr, b_r = weights["reset"]
    W_xz, W_hz, b_z = weights["update"]
    W_xn, W_hn, b_xn, b_hn = weights["new"]
    r = torch.sigmoid(x @ W_xr.T + h_prev @ W_hr.T + b_r)
    z = torch.sigmoid(x @ W_xz.T + h_prev @ W_hz.T + b_z)
    n = torch.tanh(x @ W_xn.T + b_xn + r * (h_prev @ W_hn.T + b_hn))
    return (1 - z) * n + z * h_prev
    ### END SOLUTION


def ewma(x, beta, initial=None):
    """Exponentially weighted moving average along the first axis.

    Args:
        x: tensor of shape (seq, ...): a sequence of values (scalars or vectors).
        beta: float in [0, 1), how much of the running average each step keeps.
        initial: tensor of shape x.shape[1:] (the average before the first step), or None.
    Returns:
        s: tensor of the same shape as x, with s_t = beta * s_{t-1} + (1 - beta) * x_t,
        where s_{-1} = initial; when initial is None the average starts at the first
        value, s_0 = x_0.
    """
    ### BEGIN SOLUTION
    x = torch.as_tensor(x)
    out = torch.empty_like(x)
    if initial is None:
        s = x[0]
        out[0] = s
        start = 1
    else:
        s = torch.as_tensor(initial, dtype=x.dtype)
        start = 0
    for t in range(start, x.shape[0]):
        s = beta * s + (1 - beta) * x[t]
        out[t] = s
    return out
    ### END SOLUTION


def peephole_lstm_cell(x, state, weights, peepholes):
    """One step of an LSTM with peephole connections (the cell state feeds the gates).

    Args:
        x: (batch, I) input at this step.
        state: (h_prev, c_prev), each (batch, H).
        weights: dict from ``split_lstm_weights``: gate -> (W_x (H, I), W_h (H, H), b (H,))
            for "input", "forget", "cell", "output".
        peepholes: {"input": p_i, "forget": p_f, "output": p_o}, each (H,).
    Returns:
        (h_t, c_t), each (batch, H), where
          i = sigmoid(x W_xi^T + h_prev W_hi^T + b_i + p_i * c_prev)
          f = sigmoid(x W_xf^T + h_prev W_hf^T + b_f + p_f * c_prev)
          g = tanh(x W_xg^T + h_prev W_hg^T + b_g)
          c_t = f * c_prev + i * g                                     (remember)
          o = sigmoid(x W_xo^T + h_prev W_ho^T + b_o + p_o * c_t)     (peeks at the new c_t)
          h_t = o * tanh(c_t)
        With all peepholes zero this is the ordinary LSTM cell.
    """
    ### BEGIN SOLUTION
    h_prev, c_prev = state

    def affine(gate):
        W_x, W_h, b = weights[gate]
        return x @ W_x.T + h_prev @ W_h.T + b

    i = torch.sigmoid(affine("input") + peepholes["input"] * c_prev)
    f = torch.sigmoid(affine("forget") + peepholes["forget"] * c_prev)
    g = torch.tanh(affine("cell"))
    c_t = f * c_prev + i * g
    o = torch.sigmoid(affine("output") + peepholes["output"] * c_t)
    h_t = o * torch.tanh(c_t)
    return h_t, c_t
    ### END SOLUTION


def init_hidden(cell_type, num_layers, batch_size, hidden_size):
    """The zero initial state that nn.RNN, nn.GRU or nn.LSTM accepts.

    Args:
        cell_type: "rnn", "gru" or "lstm".
        num_layers, batch_size, hidden_size: ints.
    Returns:
        "rnn", "gru": h0, a float32 zero tensor of shape (num_layers, batch_size, hidden_size).
        "lstm": a tuple (h0, c0) of two such tensors.
        The batch axis is second even for batch_first=True modules: batch_first only
        changes the layout of the inputs and outputs, not of the hidden state.
    """
    ### BEGIN SOLUTION
    shape = (num_layers, batch_size, hidden_size)
    if cell_type == "lstm":
        return torch.zeros(shape), torch.zeros(shape)
    if cell_type in ("rnn", "gru"):
        return torch.zeros(shape)
    raise ValueError(f"unknown cell_type {cell_type!r}: use 'rnn', 'gru' or 'lstm'")
    ### END SOLUTION


def param_count(cell_type, input_size, hidden_size, num_layers=1):
    """The number of parameters of nn.RNN / nn.GRU / nn.LSTM(input_size, hidden_size, num_layers).

    Args:
        cell_type: "rnn", "gru" or "lstm".
        input_size, hidden_size, num_layers: ints.
    Returns:
        int. Each layer has G blocks (1, 3 or 4) of W_ih (H, I_layer), W_hh (H, H) and two
        biases (H,) each; the first layer reads input_size features, the others hidden_size.
    """
    ### BEGIN SOLUTION
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[cell_type]
    total = 0
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else hidden_size
        total += gates * (hidden_size * layer_input + hidden_size * hidden_size + 2 * hidden_size)
    return total
    ### END SOLUTION


class SequenceClassifier(nn.Module):
    """Read a sequence of symbols and classify it from the last step.

    Args:
        cell_type: "rnn", "gru" or "lstm": which recurrent layer to use.
        vocab_size: number of distinct input symbols.
        hidden_size: size of the embedding and of the recurrent state.
        n_classes: number of output classes.
    forward(x): x (batch, seq) int64 symbols -> logits (batch, n_classes), computed from
        the recurrent layer's output at the last time step.
    """

    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        ### BEGIN SOLUTION
        layers = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
        self.cell_type = cell_type
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = layers[cell_type](hidden_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_classes)
        ### END SOLUTION

    def forward(self, x):
        """x: (batch, seq) int64 -> logits (batch, n_classes), from the last time step."""
        ### BEGIN SOLUTION
        output, _ = self.rnn(self.embedding(x))
        return self.fc(output[:, -1])
        ### END SOLUTION
