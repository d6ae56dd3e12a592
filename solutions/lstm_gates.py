"""Reference implementations for 02_lstm_gates (COURSE_SPEC.md §4.2)."""

import torch
from torch import nn

#: # Solution walkthrough — 02 LSTM gates
#:
#: For instructors to release with feedback, after the deadline. The reference code is
#: `solutions/lstm_gates.py`; each function is explained line by line: what the line does,
#: and why it is written that way. Shapes: batch `B`, input size `I`, hidden size `H`.


def sigmoid(z):
    """The logistic function, elementwise: sigma(z) = 1 / (1 + exp(-z)).

    Numerically stable: finite and correct for |z| up to 1e4 (no overflow, no nan).
    Written from ``torch.exp``; ``torch.sigmoid`` and ``F.sigmoid`` are off limits here.

    Args:
        z: float32 tensor of any shape S.
    Returns:
        float32 tensor of shape S, every value in [0, 1].
    """
    ### BEGIN SOLUTION
    e = torch.exp(-torch.abs(z))  # in (0, 1]: never overflows
    #: `-|z|` is never positive, so `e = e^{-|z|}` lies in `(0, 1]` for every input: no `inf`, ever.
    #: The naive `torch.exp(-z)` becomes `inf` for `z < -88.7` in float32, and `torch.exp(z)` for
    #: `z > 88.7`; NumPy's `np.exp` also warns `overflow encountered in exp`.
    return torch.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    #: For `z >= 0`, `e = e^{-z}` and `1 / (1 + e^{-z})` is the definition. For `z < 0`, `e = e^{z}`
    #: and `e^{z} / (1 + e^{z})` is the same function (multiply the definition by `e^{z} / e^{z}`).
    #: Both branches only ever divide by a number in `[1, 2]`, so the result is finite and exact to
    #: float32 precision. `torch.where` picks elementwise; both branches are computed, but both are
    #: finite, so there is no `nan` to leak (as there would be with `inf / inf`).
    ### END SOLUTION

#: Common mistakes: `torch.exp(z) / (1 + torch.exp(z))` (`nan` for large `z`), NumPy's
#: `1 / (1 + np.exp(-z))` (correct values, but overflow warnings), returning `float64`, calling
#: `torch.sigmoid` (the exercise forbids it: it is what the answer is checked against).


def split_lstm_weights(lstm):
    """Unpack PyTorch's packed LSTM weights into one (W_x, W_h, b) per gate.

    PyTorch stacks the four gates' weights in the order input, forget, cell, output:
    ``weight_ih`` is (4H, I), ``weight_hh`` is (4H, H), ``bias_ih`` and ``bias_hh`` are (4H,).

    Args:
        lstm: an ``nn.LSTMCell`` (weights ``weight_ih`` ...) or a one-layer ``nn.LSTM``
            (weights ``weight_ih_l0`` ...).
    Returns:
        dict with keys "input", "forget", "cell", "output"; each value is a tuple
        (W_x (H, I), W_h (H, H), b (H,)) where b = bias_ih + bias_hh for that gate.
    """
    ### BEGIN SOLUTION
    suffix = "_l0" if isinstance(lstm, nn.LSTM) else ""
    #: `nn.LSTMCell` names its parameters `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`; `nn.LSTM`
    #: appends the layer number, `weight_ih_l0`, ... One suffix lets the same code read both.
    w_ih = getattr(lstm, "weight_ih" + suffix).detach()
    w_hh = getattr(lstm, "weight_hh" + suffix).detach()
    bias = (getattr(lstm, "bias_ih" + suffix) + getattr(lstm, "bias_hh" + suffix)).detach()
    #: `weight_ih` is `(4H, I)` and `weight_hh` is `(4H, H)`: the four gates stacked along the rows.
    #: PyTorch keeps two biases per gate (one for each matrix, a cuDNN convention); they are always
    #: added together in the cell, so the gate's bias is their sum. `.detach()` gives tensors cut
    #: from autograd: we read these weights, we do not train them here.
    names = ("input", "forget", "cell", "output")  # PyTorch's order: i, f, g, o
    return {name: (W_x, W_h, b) for name, W_x, W_h, b in
            zip(names, w_ih.chunk(4, dim=0), w_hh.chunk(4, dim=0), bias.chunk(4, dim=0))}
            #: `chunk(4, dim=0)` cuts each packed tensor into four blocks of `H` rows, in PyTorch's gate
            #: order: input, forget, cell (the candidate `g`), output. Zipping the three lists pairs block
            #: `k` of each, so `W_x (H, I)`, `W_h (H, H)` and `b (H,)` belong to the same gate.
    ### END SOLUTION

#: Common mistakes: the order `i, f, o, g` (as in some papers and in Keras), chunking along
#: `dim=1`, keeping only `bias_ih`, swapping `W_x` and `W_h`, reading only `weight_ih` (which
#: fails on `nn.LSTM`).


def forget_gate(x, h_prev, c_prev, weights):
    """What the long-term memory keeps: f_t * c_prev.

    f_t = sigmoid(x W_xf^T + h_prev W_hf^T + b_f)

    Args:
        x: (batch, I) the event, this step's input.
        h_prev: (batch, H) the short-term memory.
        c_prev: (batch, H) the long-term memory.
        weights: the dict of ``split_lstm_weights``; uses weights["forget"].
    Returns:
        (batch, H) tensor, f_t * c_prev.
    """
    ### BEGIN SOLUTION
    W_x, W_h, b = weights["forget"]
    f = sigmoid(x @ W_x.T + h_prev @ W_h.T + b)
    return f * c_prev
    #: The pre-activation is `x W_xf^T + h_prev W_hf^T + b_f`: `x (B, I) @ W_x.T (I, H)` is `(B, H)`,
    #: and so is the recurrent term; `b (H,)` broadcasts over the batch. A sigmoid makes it a
    #: fraction per memory unit. The gate reads the event and the short-term memory, and acts on
    #: the **long-term** memory `c_prev` (multiplying `h_prev` is the classic slip).
    ### END SOLUTION


def learn_gate(x, h_prev, weights):
    """What is learned at this step: i_t * g_t.

    i_t = sigmoid(x W_xi^T + h_prev W_hi^T + b_i)   (how much to learn)
    g_t = tanh(x W_xg^T + h_prev W_hg^T + b_g)      (what to learn)

    Args:
        x: (batch, I); h_prev: (batch, H).
        weights: the dict of ``split_lstm_weights``; uses weights["input"] and weights["cell"].
    Returns:
        (batch, H) tensor, i_t * g_t.
    """
    ### BEGIN SOLUTION
    W_xi, W_hi, b_i = weights["input"]
    W_xg, W_hg, b_g = weights["cell"]
    i = sigmoid(x @ W_xi.T + h_prev @ W_hi.T + b_i)
    g = torch.tanh(x @ W_xg.T + h_prev @ W_hg.T + b_g)
    return i * g
    #: Two layers with their own weights: `i` (sigmoid) is *how much* to learn, `g` (tanh) is *what*
    #: to learn, signed. Their product is what is added to the memory. A sigmoid `g` could only add
    #: positive amounts; a tanh `i` could flip the sign of what is learned.
    ### END SOLUTION


def remember_gate(forgotten, learned):
    """The new long-term memory: c_t = (what is kept) + (what is learned).

    Args:
        forgotten: (batch, H), the forget gate's output f_t * c_prev.
        learned: (batch, H), the learn gate's output i_t * g_t.
    Returns:
        (batch, H) tensor c_t.
    """
    ### BEGIN SOLUTION
    return forgotten + learned
    #: The new long-term memory is a plain sum: no weights, no squashing. This additive update is
    #: why `∂c_t/∂c_{t-1} = f_t` and gradients can survive many steps.
    ### END SOLUTION


def use_gate(x, h_prev, c_t, weights):
    """The new short-term memory (and output): h_t = o_t * tanh(c_t).

    o_t = sigmoid(x W_xo^T + h_prev W_ho^T + b_o)

    Args:
        x: (batch, I); h_prev: (batch, H); c_t: (batch, H), the NEW cell state.
        weights: the dict of ``split_lstm_weights``; uses weights["output"].
    Returns:
        (batch, H) tensor h_t.
    """
    ### BEGIN SOLUTION
    W_x, W_h, b = weights["output"]
    o = sigmoid(x @ W_x.T + h_prev @ W_h.T + b)
    return o * torch.tanh(c_t)
    #: `o` decides how much of each memory unit to show. `tanh(c_t)` bounds the output in `(-1, 1)`
    #: however large the memory has grown. The argument is the **new** memory `c_t`.
    ### END SOLUTION


def lstm_cell(x, state, weights):
    """One LSTM step, built from the four gates; equals ``nn.LSTMCell``.

    Args:
        x: (batch, I), this step's input.
        state: (h_prev, c_prev), each (batch, H).
        weights: the dict of ``split_lstm_weights``.
    Returns:
        (h_t, c_t), each (batch, H).
    """
    ### BEGIN SOLUTION
    h_prev, c_prev = state
    c_t = remember_gate(forget_gate(x, h_prev, c_prev, weights), learn_gate(x, h_prev, weights))
    h_t = use_gate(x, h_prev, c_t, weights)
    return h_t, c_t
    #: The state is `(h, c)`, in PyTorch's order. Forget and learn both read the *previous* state;
    #: remember combines them into `c_t`; only then can the use gate run, on `c_t`. The result is
    #: `(h_t, c_t)`, the order `nn.LSTMCell` returns.
    ### END SOLUTION

#: Common mistakes: `use_gate(..., c_prev, ...)`, returning `(c_t, h_t)`, unpacking the state as
#: `(c, h)`.


def lstm_forward(x, state, weights):
    """Run the LSTM cell along a batch-first sequence; equals one-layer ``nn.LSTM(batch_first=True)``.

    Args:
        x: (batch, seq, I).
        state: (h0, c0), each (batch, H), or None for zeros.
        weights: the dict of ``split_lstm_weights``.
    Returns:
        (output, (h_n, c_n)): output (batch, seq, H) holds h_t for every step;
        h_n and c_n (batch, H) are the state after the last step.
    """
    ### BEGIN SOLUTION
    batch, seq, _ = x.shape
    if state is None:
        H = weights["input"][1].shape[0]
        zeros = torch.zeros(batch, H, dtype=x.dtype, device=x.device)
        state = (zeros, zeros)
        #: `x` is batch-first `(B, T, I)`. With no state, both memories start at zero; `H` comes from any
        #: gate's `W_h (H, H)`. Sharing one zero tensor for `h` and `c` is safe: nothing modifies it in place.
    h, c = state
    outputs = []
    for t in range(seq):
        h, c = lstm_cell(x[:, t], (h, c), weights)
        outputs.append(h)
    return torch.stack(outputs, dim=1), (h, c)
    #: `x[:, t]` is step `t` for the whole batch, `(B, I)`. The state returned by one step is the
    #: state given to the next: that carrying *is* the recurrence. Stacking along `dim=1` gives
    #: `(B, T, H)`, batch-first like `nn.LSTM(batch_first=True)`; the final `(h, c)` is the state
    #: after the last step, so `h_n == output[:, -1]`.
    ### END SOLUTION

#: Common mistakes: starting every step from the initial state, stacking along `dim=0`
#: (time-major), returning the first step's `h`, crashing on `state=None`.


def lstm_param_count(input_size, hidden_size, num_layers=1):
    """The number of parameters of ``nn.LSTM(input_size, hidden_size, num_layers)``.

    Each layer has 4 gates, each with W_x (H, in), W_h (H, H) and two biases (H,);
    the first layer's input is ``input_size``, every later layer's is ``hidden_size``.

    Returns:
        int.
    """
    ### BEGIN SOLUTION
    total = 0
    for layer in range(num_layers):
        layer_input = input_size if layer == 0 else hidden_size
        total += 4 * hidden_size * (layer_input + hidden_size) + 2 * 4 * hidden_size
    return total
    #: Per layer: `weight_ih` has `4H × n` entries, `weight_hh` `4H × H`, and the two biases `4H`
    #: each. The first layer reads the data (`n = I`); every later layer reads the layer below's
    #: output (`n = H`). Checked against `sum(p.numel() for p in nn.LSTM(I, H, L).parameters())`.
    ### END SOLUTION
