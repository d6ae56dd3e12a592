# ruff: noqa: E741  (I, H: input and hidden sizes, the course's notation)
"""Visible checks for 02_lstm_gates: one term at a time, on numbers you can verify by hand.

The gate checks start from weights that are all zero except one bias, so a gate's
activation is sigmoid(bias) (0.5 for a zero bias, about 1 for +20, about 0 for -20);
then they switch on W_x alone, W_h alone, and finally everything together.
"""

import warnings

import numpy as np
import torch
from torch import nn

from rnncourse.checks import check, passed
from rnncourse.compare import rel_error

GATES = ("input", "forget", "cell", "output")


def _zero_weights(I, H, **biases):
    """Weights with every W_x, W_h and b zero, except the biases given as {gate: value}."""
    return {g: (torch.zeros(H, I), torch.zeros(H, H), torch.full((H,), float(biases.get(g, 0.0))))
            for g in GATES}


def _random_weights(I, H, seed):
    g = torch.Generator().manual_seed(seed)
    return {name: (torch.randn(H, I, generator=g) * 0.5, torch.randn(H, H, generator=g) * 0.5,
                   torch.randn(H, generator=g) * 0.5) for name in GATES}


def _pack(weights, module):
    """Write per-gate weights into a PyTorch module, stacked in PyTorch's order i, f, g, o."""
    suffix = "_l0" if isinstance(module, nn.LSTM) else ""
    with torch.no_grad():
        getattr(module, "weight_ih" + suffix).copy_(torch.cat([weights[g][0] for g in GATES]))
        getattr(module, "weight_hh" + suffix).copy_(torch.cat([weights[g][1] for g in GATES]))
        getattr(module, "bias_ih" + suffix).copy_(torch.cat([weights[g][2] for g in GATES]) * 0.25)
        getattr(module, "bias_hh" + suffix).copy_(torch.cat([weights[g][2] for g in GATES]) * 0.75)
    return module


def _tensor(out, name):
    check(isinstance(out, torch.Tensor), "{} should return a torch tensor, got {}", name, type(out).__name__)
    return out.detach()


def _fmt(t):
    return np.array2string(np.asarray(t.detach() if hasattr(t, "detach") else t), precision=4,
                           suppress_small=True)


# --- sigmoid ----------------------------------------------------------------------------
def check_sigmoid(sigmoid):
    out = _tensor(sigmoid(torch.tensor([0.0])), "sigmoid")
    check(out.shape == (1,), "sigmoid should keep the input's shape: (1,) in, got {}", tuple(out.shape))
    check(abs(float(out[0]) - 0.5) < 1e-6, "sigmoid(0) should be 1 / (1 + e^0) = 0.5, got {:.4f}", float(out[0]))
    z = torch.tensor([[-2.0, -1.0, 0.0], [1.0, 2.0, 3.0]])
    out = _tensor(sigmoid(z), "sigmoid")
    check(out.dtype == torch.float32, "sigmoid should keep float32, got {}", out.dtype)
    check(tuple(out.shape) == (2, 3), "sigmoid should keep the input's shape (2, 3), got {}", tuple(out.shape))
    check(not rel_error(out, torch.tanh(z)) < 1e-5,
          "sigmoid computes tanh: the logistic function is 1 / (1 + e^-z), "
          "between 0 and 1")
    check(float(out[1, 1]) > 0.5, "sigmoid(2) should be about 0.881, got {:.4f}: is the sign of z in "
          "e^-z flipped?", float(out[1, 1]))
    want = 1 / (1 + np.exp(-z.numpy().astype(np.float64)))
    check(rel_error(out, want) < 1e-5,
          "sigmoid([[-2, -1, 0], [1, 2, 3]]) should be\n{}\ngot\n{}", _fmt(want), _fmt(out))
    big = torch.tensor([-1e4, -1000.0, -100.0, 100.0, 1000.0, 1e4])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = _tensor(sigmoid(big), "sigmoid")
    check(bool(torch.isfinite(out).all()), "sigmoid([-1e4, -1000, -100, 100, 1000, 1e4]) gives {}: "
          "e^z overflows to inf (for z > 88 in float32) and inf / inf is nan. Compute e^(-|z|), which "
          "is never above 1, and choose the formula by the sign of z", _fmt(out))
    check(not caught, "sigmoid raised a warning for large |z| ({}): e^z overflows before the division. "
          "Compute e^(-|z|) instead", caught[0].message if caught else "")
    check(rel_error(out, torch.tensor([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])) < 1e-6,
          "sigmoid should tend to 0 for very negative z and to 1 for very positive z; got {}", _fmt(out))
    passed("sigmoid")


# --- split_lstm_weights -----------------------------------------------------------------
def _labelled(module):
    """Each gate's weights filled with its own number: weight_ih with 1, 2, 3, 4 for the
    gates i, f, g, o; weight_hh with 10, 20, 30, 40; bias_ih with 100, ...; bias_hh with 1000, ..."""
    suffix = "_l0" if isinstance(module, nn.LSTM) else ""
    H = module.hidden_size
    with torch.no_grad():
        for scale, name in ((1, "weight_ih"), (10, "weight_hh"), (100, "bias_ih"), (1000, "bias_hh")):
            p = getattr(module, name + suffix)
            for k in range(4):
                p[k * H:(k + 1) * H] = scale * (k + 1)
    return module


def _check_split(split_lstm_weights, module, what):
    I, H = module.input_size, module.hidden_size
    out = split_lstm_weights(_labelled(module))
    check(isinstance(out, dict), "split_lstm_weights should return a dict, got {}", type(out).__name__)
    check(set(out) == set(GATES), "the dict should have the keys {}, got {}", list(GATES), sorted(map(str, out)))
    for k, gate in enumerate(GATES):
        check(isinstance(out[gate], (tuple, list)) and len(out[gate]) == 3,
              "weights[{!r}] should be a tuple (W_x, W_h, b)", gate)
        W_x, W_h, b = (torch.as_tensor(v).detach() for v in out[gate])
        check(tuple(W_x.shape) == (H, I), "for {} with input_size={} and hidden_size={}, weights[{!r}]'s W_x "
              "should be (H, I) = {}, got {} (chunk weight_ih along dim 0, the rows)", what, I, H, gate,
              (H, I), tuple(W_x.shape))
        check(tuple(W_h.shape) == (H, H), "weights[{!r}]'s W_h should be (H, H) = {}, got {}", gate, (H, H),
              tuple(W_h.shape))
        check(tuple(b.shape) == (H,), "weights[{!r}]'s b should be (H,) = {}, got {}", gate, (H,), tuple(b.shape))
        # In the labelled module, gate k's W_x is all k+1, W_h all 10(k+1), b all 1100(k+1).
        seen = float(W_x.flatten()[0])
        check(torch.all(W_x == k + 1), "weights[{!r}]'s W_x should be rows {}:{} of weight_ih, filled with "
              "{} in this check (gates are labelled i=1, f=2, g=3, o=4); got {:g}: PyTorch's gate order is "
              "input, forget, cell, output", gate, k * H, (k + 1) * H, k + 1, seen)
        check(torch.all(W_h == 10 * (k + 1)), "weights[{!r}]'s W_h should come from weight_hh (filled with "
              "{} here); got {:g}{}", gate, 10 * (k + 1), float(W_h.flatten()[0]),
              " (that is weight_ih: W_x and W_h swapped?)" if float(W_h.flatten()[0]) < 10 else "")
        got_b = float(b[0])
        hint = {100 * (k + 1): " (only bias_ih: add bias_hh)", 1000 * (k + 1): " (only bias_hh: add bias_ih)"}
        check(torch.all(b == 1100 * (k + 1)), "weights[{!r}]'s b should be bias_ih + bias_hh = {} + {} = {} "
              "here; got {:g}{}", gate, 100 * (k + 1), 1000 * (k + 1), 1100 * (k + 1), got_b,
              hint.get(int(got_b), ""))


def check_split_lstm_weights(split_lstm_weights):
    _check_split(split_lstm_weights, nn.LSTMCell(2, 3), "nn.LSTMCell(2, 3)")
    try:
        _check_split(split_lstm_weights, nn.LSTM(2, 3, batch_first=True), "nn.LSTM(2, 3)")
    except AttributeError as exc:
        check(False, "split_lstm_weights failed on nn.LSTM ({}): a one-layer nn.LSTM names its weights "
              "weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0", exc)
    passed("split_lstm_weights", "nn.LSTMCell and nn.LSTM")


# --- the gates --------------------------------------------------------------------------
X = torch.tensor([[1.0, -2.0], [0.5, 3.0]])  # (batch 2, input 2)
H_PREV = torch.tensor([[0.1, -0.2, 0.3], [-0.4, 0.5, -0.6]])  # (batch 2, hidden 3)
C_PREV = torch.tensor([[2.0, -4.0, 6.0], [-1.0, 3.0, 5.0]])


def _s(z):
    return 1 / (1 + torch.exp(-z))


def _pre(w, gate, x, h):
    W_x, W_h, b = w[gate]
    return x @ W_x.T + h @ W_h.T + b


def check_forget_gate(forget_gate):
    out = _tensor(forget_gate(X, H_PREV, C_PREV, _zero_weights(2, 3)), "forget_gate")
    check(tuple(out.shape) == (2, 3), "forget_gate should return (batch, H) = (2, 3), got {}", tuple(out.shape))
    check(not rel_error(out, 0.5 * H_PREV) < 1e-5,
          "with every weight zero, f_t = sigmoid(0) = 0.5 and the gate "
          "should return 0.5 * c_prev; you returned 0.5 * h_prev: the forget gate acts on the long-term "
          "memory c_prev")
    check(rel_error(out, 0.5 * C_PREV) < 1e-5, "with every weight and bias zero, f_t = sigmoid(0) = 0.5, so "
          "forget_gate should return 0.5 * c_prev =\n{}\ngot\n{}\n(is the result f_t * c_prev?)",
          _fmt(0.5 * C_PREV), _fmt(out))
    out = _tensor(forget_gate(X, H_PREV, C_PREV, _zero_weights(2, 3, forget=20.0)), "forget_gate")
    check(rel_error(out, C_PREV) < 1e-6, "with b_f = +20 (all else zero) the forget gate is saturated open "
          "(f_t = 1): it should return c_prev unchanged; got\n{}\n(is b_f = weights['forget'][2] added?)",
          _fmt(out))
    out = _tensor(forget_gate(X, H_PREV, C_PREV, _zero_weights(2, 3, forget=-20.0)), "forget_gate")
    check(float(out.abs().max()) < 1e-6, "with b_f = -20 the forget gate is closed (f_t = 0): it should "
          "return zeros; got\n{}", _fmt(out))
    w = _zero_weights(2, 3)
    W_x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    w["forget"] = (W_x, torch.zeros(3, 3), torch.zeros(3))
    out = _tensor(forget_gate(X, H_PREV, C_PREV, w), "forget_gate")
    want = _s(X @ W_x.T) * C_PREV
    check(rel_error(out, want) < 1e-5,
          "with only W_xf switched on, f_t = sigmoid(x @ W_xf.T): expected\n{}\ngot\n{}\n"
          "(W_x is (H, I): multiply x (batch, I) by its transpose)", _fmt(want), _fmt(out))
    w = _zero_weights(2, 3)
    W_h = torch.eye(3) * 2
    w["forget"] = (torch.zeros(3, 2), W_h, torch.zeros(3))
    out = _tensor(forget_gate(X, H_PREV, C_PREV, w), "forget_gate")
    want = _s(H_PREV @ W_h.T) * C_PREV
    check(rel_error(out, want) < 1e-5,
          "with only W_hf switched on, f_t = sigmoid(h_prev @ W_hf.T): expected\n{}\n"
          "got\n{}\n(does the gate read h_prev?)", _fmt(want), _fmt(out))
    w = _random_weights(2, 3, seed=1)
    out = _tensor(forget_gate(X, H_PREV, C_PREV, w), "forget_gate")
    check(rel_error(out, _s(_pre(w,
          "forget", X, H_PREV)) * C_PREV) < 1e-5, "each term is right alone but not "
          "together, or another gate's weights are used: f_t = sigmoid(x W_xf^T + h_prev W_hf^T + b_f) "
          "with weights['forget']")
    passed("forget_gate")


def check_learn_gate(learn_gate):
    out = _tensor(learn_gate(X, H_PREV, _zero_weights(2, 3, cell=1.0)), "learn_gate")
    check(tuple(out.shape) == (2, 3), "learn_gate should return (batch, H) = (2, 3), got {}", tuple(out.shape))
    want = 0.5 * np.tanh(1.0)
    if abs(float(out[0, 0])) < 1e-6:
        check(False, "with only b_g = 1 switched on, i_t = sigmoid(0) = 0.5 and g_t = tanh(1) = 0.762, so "
              "learn_gate should give 0.381; you give 0: sigmoid and tanh swapped? i_t uses sigmoid, "
              "g_t uses tanh")
    check(abs(float(out[0, 0]) - 0.5 * _s(torch.tensor(1.0)).item()) > 1e-4,
          "with only b_g = 1 switched on you give 0.5 * sigmoid(1) = 0.366: g_t should use tanh, "
          "tanh(1) = 0.762")
    check(torch.allclose(out, torch.full((2, 3), want, dtype=out.dtype), atol=1e-5),
          "with only b_g = 1 switched on, i_t = sigmoid(0) = 0.5 and g_t = tanh(1) = 0.762, so "
          "learn_gate should return 0.381 everywhere; got\n{}\n(is it i_t * g_t, with b_g = "
          "weights['cell'][2]?)", _fmt(out))
    out = _tensor(learn_gate(X, H_PREV, _zero_weights(2, 3, cell=-1.0)), "learn_gate")
    check(float(out.max()) < 0, "with b_g = -1 the learn gate should learn a negative value (-0.381): "
          "g_t = tanh(...) lies in (-1, 1); got\n{}", _fmt(out))
    out = _tensor(learn_gate(X, H_PREV, _zero_weights(2, 3, input=20.0, cell=1.0)), "learn_gate")
    check(torch.allclose(out, torch.full((2, 3), float(np.tanh(1.0))), atol=1e-5),
          "with b_i = +20 the input gate is wide open (i_t = 1), so learn_gate should return g_t = "
          "tanh(1) = 0.762; got\n{}\n(is b_i = weights['input'][2] added to i_t?)", _fmt(out))
    out = _tensor(learn_gate(X, H_PREV, _zero_weights(2, 3, input=-20.0, cell=1.0)), "learn_gate")
    check(float(out.abs().max()) < 1e-6, "with b_i = -20 the input gate is closed (i_t = 0): nothing is "
          "learned, learn_gate should return zeros; got\n{}", _fmt(out))
    w = _random_weights(2, 3, seed=2)
    out = _tensor(learn_gate(X, H_PREV, w), "learn_gate")
    want = _s(_pre(w, "input", X, H_PREV)) * torch.tanh(_pre(w, "cell", X, H_PREV))
    check(rel_error(out, want) < 1e-5,
          "with random weights: expected\n{}\ngot\n{}\ni_t uses weights['input'], g_t "
          "weights['cell'], both from x and h_prev", _fmt(want), _fmt(out))
    passed("learn_gate")


def check_remember_gate(remember_gate):
    a, b = torch.tensor([[1.0, -2.0, 0.5]]), torch.tensor([[10.0, 20.0, -0.5]])
    out = _tensor(remember_gate(a, b), "remember_gate")
    want = torch.tensor([[11.0, 18.0, 0.0]])
    check(tuple(out.shape) == (1, 3), "remember_gate should keep the shape (1, 3), got {}", tuple(out.shape))
    check(rel_error(out, want) < 1e-5,
          "remember_gate([[1, -2, 0.5]], [[10, 20, -0.5]]) should be [[11, 18, 0]], "
          "what is kept plus what is learned; got {}", _fmt(out))
    passed("remember_gate")


def check_use_gate(use_gate):
    c_t = torch.tensor([[-2.0, 0.5, 3.0], [0.0, -0.1, 10.0]])
    out = _tensor(use_gate(X, H_PREV, c_t, _zero_weights(2, 3, output=20.0)), "use_gate")
    check(tuple(out.shape) == (2, 3), "use_gate should return (batch, H) = (2, 3), got {}", tuple(out.shape))
    check(not rel_error(out, c_t) < 1e-5,
          "with the output gate open (b_o = +20, o_t = 1) you return c_t itself: "
          "h_t = o_t * tanh(c_t), the memory squashed into (-1, 1)")
    check(rel_error(out, torch.tanh(c_t)) < 1e-6, "with b_o = +20 (all else zero) the output gate is open "
          "(o_t = 1), so use_gate should return tanh(c_t) =\n{}\ngot\n{}", _fmt(torch.tanh(c_t)), _fmt(out))
    out = _tensor(use_gate(X, H_PREV, c_t, _zero_weights(2, 3)), "use_gate")
    check(rel_error(out, 0.5 * torch.tanh(c_t)) < 1e-5,
          "with every weight zero, o_t = sigmoid(0) = 0.5, so use_gate "
          "should return 0.5 * tanh(c_t); got\n{}\n(o_t is a sigmoid)", _fmt(out))
    w = _random_weights(2, 3, seed=3)
    out = _tensor(use_gate(X, H_PREV, c_t, w), "use_gate")
    want = _s(_pre(w, "output", X, H_PREV)) * torch.tanh(c_t)
    check(rel_error(out, want) < 1e-5,
          "with random weights: expected\n{}\ngot\n{}\no_t uses weights['output'], from "
          "x and h_prev", _fmt(want), _fmt(out))
    passed("use_gate")


# --- the cell and the layer -------------------------------------------------------------
def _pair(value, what, names):
    check(isinstance(value, (tuple, list)) and len(value) == 2, "{} should return {}, got {}", what, names,
          type(value).__name__)
    return value


def check_lstm_cell(lstm_cell):
    w = _zero_weights(2, 3, forget=20.0, output=20.0)
    h, c = _pair(lstm_cell(X, (H_PREV, C_PREV), w), "lstm_cell", "(h_t, c_t)")
    h, c = _tensor(h, "lstm_cell's h_t"), _tensor(c, "lstm_cell's c_t")
    want_c = C_PREV + 0.5 * torch.tanh(torch.tensor(0.0))  # learn gate: 0.5 * tanh(0) = 0
    if rel_error(h, want_c) < 1e-5 and rel_error(c, torch.tanh(want_c)) < 1e-5:
        check(False, "lstm_cell returns (c_t, h_t); return (h_t, c_t), like nn.LSTMCell")
    check(rel_error(c, want_c) < 1e-5,
          "with the forget gate open (b_f = +20) and nothing to learn, c_t should "
          "be c_prev; got\n{}\n(c_t = forget_gate(...) + learn_gate(...), the forget gate applied to c_prev)",
          _fmt(c))
    check(rel_error(h, torch.tanh(C_PREV)) < 1e-5, "with the forget and output gates open, h_t should be "
          "tanh(c_t) = tanh(c_prev); got\n{}", _fmt(h))
    w = _random_weights(2, 3, seed=4)
    cell = _pack(w, nn.LSTMCell(2, 3))
    with torch.no_grad():
        want_h, want_c = cell(X, (H_PREV, C_PREV))
    h, c = _pair(lstm_cell(X, (H_PREV, C_PREV), w), "lstm_cell", "(h_t, c_t)")
    h, c = _tensor(h, "lstm_cell's h_t"), _tensor(c, "lstm_cell's c_t")
    check(rel_error(c, want_c) < 1e-5,
          "c_t differs from nn.LSTMCell's: expected\n{}\ngot\n{}", _fmt(want_c), _fmt(c))
    if rel_error(h, _s(_pre(w, "output", X, H_PREV)) * torch.tanh(C_PREV)) < 1e-5:
        check(False, "h_t is computed from c_prev; the use gate needs the new memory c_t")
    check(rel_error(h, want_h) < 1e-5, "h_t differs from nn.LSTMCell's: expected\n{}\ngot\n{}\n(h_t = "
          "use_gate(x, h_prev, c_t, weights))", _fmt(want_h), _fmt(h))
    passed("lstm_cell", "matches nn.LSTMCell")


def check_lstm_forward(lstm_forward):
    w = _random_weights(2, 3, seed=5)
    lstm = _pack(w, nn.LSTM(2, 3, batch_first=True))
    x = torch.linspace(-1, 1, 2 * 4 * 2).reshape(2, 4, 2)  # (batch 2, seq 4, input 2)
    h0, c0 = H_PREV, C_PREV * 0.1
    result = _pair(lstm_forward(x, (h0, c0), w), "lstm_forward", "(output, (h_n, c_n))")
    output = _tensor(result[0], "lstm_forward's output")
    h_n, c_n = _pair(result[1], "lstm_forward's second value", "(h_n, c_n)")
    h_n, c_n = _tensor(h_n, "h_n"), _tensor(c_n, "c_n")
    check(tuple(output.shape) == (2, 4, 3), "output should be (batch, seq, H) = (2, 4, 3), got {}{}",
          tuple(output.shape), " (time-major? stack the steps along dim 1)" if tuple(output.shape) == (4, 2, 3)
          else "")
    check(tuple(h_n.shape) == (2, 3) and tuple(c_n.shape) == (2, 3), "h_n and c_n should be (batch, H) "
          "= (2, 3), got {} and {}", tuple(h_n.shape), tuple(c_n.shape))
    with torch.no_grad():
        want, (wh, wc) = lstm(x, (h0[None], c0[None]))
    check(rel_error(output[:, 0], want[:, 0]) < 1e-5,
          "the first step differs from nn.LSTM's: step 0 should be "
          "lstm_cell(x[:, 0], state, weights) (x is batch-first: x[:, t] is step t)")
    check(rel_error(output, want) < 1e-5,
          "the first step is right but later ones differ from nn.LSTM's: carry "
          "(h_t, c_t) from each step into the next")
    check(rel_error(h_n, output[:, -1]) < 1e-5,
          "h_n should be the hidden state after the last step, output[:, -1]")
    check(rel_error(c_n, wc[0]) < 1e-5, "c_n should be the cell state after the last step")
    result = lstm_forward(x, None, w)
    with torch.no_grad():
        want, _ = lstm(x)
    check(rel_error(_tensor(result[0],
          "lstm_forward's output"), want) < 1e-5, "with state=None the layer should "
          "start from zeros, (batch, H) each, and match nn.LSTM without an initial state")
    passed("lstm_forward", "matches nn.LSTM")


def check_lstm_param_count(lstm_param_count):
    out = lstm_param_count(1, 1, 1)
    check(isinstance(out, (int, np.integer)), "lstm_param_count should return an int, got {}",
          type(out).__name__)
    check(out == 16, "nn.LSTM(1, 1) has 16 parameters: 4 gates x (1 input weight + 1 recurrent weight + "
          "2 biases); got {}", out)
    out = lstm_param_count(3, 5, 1)
    check(out == 200, "nn.LSTM(3, 5) has 4*5*(3+5) weights + 2*4*5 biases = 160 + 40 = 200; got {}", out)
    out = lstm_param_count(3, 5)
    check(out == 200, "num_layers should default to 1: lstm_param_count(3, 5) should be 200, got {}", out)
    want = sum(p.numel() for p in nn.LSTM(3, 5, 2).parameters())
    out = lstm_param_count(3, 5, 2)
    check(out == want, "nn.LSTM(3, 5, num_layers=2) has {} parameters, got {}: the second layer's input is "
          "the first layer's output, of size hidden_size", want, out)
    passed("lstm_param_count")


CHECKS = {
    "sigmoid": check_sigmoid,
    "split_lstm_weights": check_split_lstm_weights,
    "forget_gate": check_forget_gate,
    "learn_gate": check_learn_gate,
    "remember_gate": check_remember_gate,
    "use_gate": check_use_gate,
    "lstm_cell": check_lstm_cell,
    "lstm_forward": check_lstm_forward,
    "lstm_param_count": check_lstm_param_count,
}
