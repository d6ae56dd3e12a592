"""Reference implementations for 03_other_architectures (COURSE_SPEC.md §4.3)."""

import torch
import torch.nn as nn

#: # Solution walkthrough — 03 Other architectures
#:
#: For instructors to release with feedback, after the deadline. The reference code is
#: `solutions/other_architectures.py`; each function is explained line by line: what the line
#: does, and why it is written that way.


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
    #: `nn.GRUCell` names its tensors `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`; a one-layer
    #: `nn.GRU` adds the layer number, `weight_ih_l0` and so on. One suffix covers both. `.detach()`
    #: gives tensors without the module's autograd history, so using them cannot accumulate
    #: gradients into the module.
    w_hh = getattr(gru, "weight_hh" + suffix).detach()
    b_ih = getattr(gru, "bias_ih" + suffix).detach()
    b_hh = getattr(gru, "bias_hh" + suffix).detach()
    W_xr, W_xz, W_xn = w_ih.chunk(3, dim=0)
    W_hr, W_hz, W_hn = w_hh.chunk(3, dim=0)
    b_xr, b_xz, b_xn = b_ih.chunk(3)
    b_hr, b_hz, b_hn = b_hh.chunk(3)
    #: PyTorch stacks the three blocks along the first axis in the order **reset, update, new**;
    #: `chunk(3)` cuts them into `(H, I)`, `(H, H)` and `(H,)` pieces. The order is the usual trap:
    #: papers often write the update gate first.
    return {
        "reset": (W_xr, W_hr, b_xr + b_hr),
        "update": (W_xz, W_hz, b_xz + b_hz),
        "new": (W_xn, W_hn, b_xn, b_hn),
    }
    #: In the reset and update gates both biases are added to the same pre-activation, so only
    #: their sum matters. In the new memory, `b_hn` sits inside `r * (W_hn h + b_hn)` while `b_in`
    #: stays outside: merging them would change the function, so the new gate keeps both.
    ### END SOLUTION

#: Common mistakes: the order update, reset, new; only `bias_ih` for the gates; the new gate's
#: biases summed; forgetting the `_l0` names of `nn.GRU`.


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
    #: Batch-first row vectors: `x` is `(B, I)` and `W_xr.T` is `(I, H)`, so each product is
    #: `(B, H)`; the bias `(H,)` broadcasts over the batch. Both gates are sigmoids, in (0, 1).
    n = torch.tanh(x @ W_xn.T + b_xn + r * (h_prev @ W_hn.T + b_hn))
    #: The candidate ("new memory"). The reset gate multiplies the **result** of the hidden matmul
    #: plus its bias, PyTorch's (and cuDNN's) convention. `W_hn @ (r * h)`, the form of the
    #: original paper, is a different function and does not match `nn.GRUCell`.
    return (1 - z) * n + z * h_prev
    #: The update gate interpolates: `z` is how much of the old state is kept. Writing
    #: `z * n + (1 - z) * h_prev` is the most common slip; it is a valid GRU in some texts, but not
    #: PyTorch's.
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
    #: A new tensor of the same shape and dtype for the averages; `x` is never written to.
    if initial is None:
        s = x[0]
        out[0] = s
        start = 1
    else:
        s = torch.as_tensor(initial, dtype=x.dtype)
        start = 0
    #: Two ways to start. With no `initial`, the average begins at the first value (`s_0 = x_0`),
    #: which avoids the pull towards zero that a zero start gives (Adam corrects that pull with
    #: its "bias correction"). With `initial`, it is `s_{-1}`: the first step already mixes in `x_0`.
    for t in range(start, x.shape[0]):
        s = beta * s + (1 - beta) * x[t]
        out[t] = s
        #: The recurrence: `beta` weighs the old average, `1 - beta` the new value. `x[t]` may be a
        #: scalar or a vector; the arithmetic broadcasts. This is a GRU unit with `z = beta` and `n = x`.
    return out
    ### END SOLUTION

#: Common mistakes: starting from zero, `beta` and `1 - beta` swapped, using `initial` as `s_0`,
#: writing the averages into `x` in place.


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
        #: The four gates share one shape of computation; a small helper keeps the equations readable.

    i = torch.sigmoid(affine("input") + peepholes["input"] * c_prev)
    f = torch.sigmoid(affine("forget") + peepholes["forget"] * c_prev)
    g = torch.tanh(affine("cell"))
    #: Input and forget gates act before the new cell state exists, so they look at `c_prev`. The
    #: peephole is a vector `(H,)`: one weight per unit, broadcast over the batch, each unit seeing
    #: only its own cell. The candidate `g` has no peephole.
    c_t = f * c_prev + i * g
    o = torch.sigmoid(affine("output") + peepholes["output"] * c_t)
    h_t = o * torch.tanh(c_t)
    return h_t, c_t
    #: The usual LSTM update; then the output gate, computed **after** `c_t`, peeks at the new cell
    #: state. With zero peepholes every added term vanishes and this is `lstm_cell`.
    ### END SOLUTION

#: Common mistakes: the output peephole on `c_prev`, peepholes multiplying `h`, `(c_t, h_t)` in
#: the wrong order.


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
    #: States are layer-first and batch-second, whatever `batch_first` says (it only affects inputs
    #: and outputs). `torch.zeros` is float32 by default. The LSTM gets a **tuple** of two separate
    #: tensors; a single tensor of shape `(2, L, B, H)` is rejected by `nn.LSTM`. An unknown name
    #: raises a clear error instead of silently returning something.
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
        #: Each gate block has `W_ih (H, I_layer)`, `W_hh (H, H)`, and two biases of `H`. The first layer
        #: reads the input; the others read the hidden state of the layer below, so their input size is
        #: `H`. Common mistakes: one bias, `input_size` for every layer, 4 blocks for the GRU.
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
        #: Embedding, one recurrent layer chosen by name, and a linear read-out. `batch_first=True`
        #: matches the `(batch, seq)` input; without it the layer would take the batch axis for time and
        #: mix sequences together (the hidden test's training run catches that: the model cannot learn).
        ### END SOLUTION

    def forward(self, x):
        """x: (batch, seq) int64 -> logits (batch, n_classes), from the last time step."""
        ### BEGIN SOLUTION
        output, _ = self.rnn(self.embedding(x))
        return self.fc(output[:, -1])
        #: `output` is `(B, T, H)` for all three layers; its last step has read the whole sequence. Using
        #: `output[:, 0]` would ignore everything after the first symbol. For the LSTM the discarded
        #: state is the tuple `(h_n, c_n)`; `output[:, -1]` equals `h_n[-1]`.
        ### END SOLUTION


#: ## The experiment
#:
#: `set_forget_bias(model, 2.0)` starts the LSTM's forget gate near `sigmoid(2) = 0.88`; with
#: PyTorch's default (0.5) it forgets half its memory per step before it has learned anything,
#: and fails beyond a few dozen distractors. The plain RNN falls to chance first, because the
#: gradient that would teach it to keep the message vanishes through `tanh` and small recurrent
#: weights; the gated cells pass state and gradient along the additive path.
