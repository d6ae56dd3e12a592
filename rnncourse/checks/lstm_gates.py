# ruff: noqa: E741  (I, H: input and hidden sizes, the course's notation)
"""Visible checks for 02_lstm_gates: one term at a time, on numbers you can verify by hand.

The gate checks start from weights that are all zero except one bias, so a gate's
activation is sigmoid(bias) (0.5 for a zero bias, about 1 for +20, about 0 for -20);
then they switch on W_x alone, W_h alone, and finally everything together.

The named mistakes (the tables of what a known mistake computes, and what to say about it) are
shared with the hidden tests, ``autograder/test_02_lstm_gates.py``, which import them: a mistake
the self-check names is named in the same words by the grade. The visible checks look for them
first, on their own inputs, then go through the terms one at a time.
"""

import warnings

import numpy as np
import torch
from torch import nn

from rnncourse.checks import check, contract, inputs, passed, raised
from rnncourse.compare import close, rel_error

GATES = ("input", "forget", "cell", "output")


# --- named mistakes, shared with the hidden tests -----------------------------------------
# The hidden tests (autograder/test_02_lstm_gates.py) import these: a mistake the self-check
# names is named in the same words by the grade. Each table pairs what a known mistake would
# compute, on any inputs, with what to say about it.
def pre(weights, gate, x, h, bias=True):
    """A gate's pre-activation x W_x^T + h W_h^T (+ b)."""
    w_in, w_rec, offset = weights[gate]
    return x @ w_in.T + h @ w_rec.T + (offset if bias else 0.0)


def sigmoid_alternatives(z):
    return [
        (torch.tanh(z), "sigmoid computes tanh: the logistic function is 1 / (1 + e^-z), with "
                        "values in (0, 1), not (-1, 1)"),
        (torch.sigmoid(-z), "sigmoid has the sign of z flipped: sigma(z) = 1 / (1 + e^-z) "
                            "grows with z (sigma(2) is about 0.88)"),
        (1 / (1 + torch.exp(z)), "sigmoid has the sign of z flipped: sigma(z) = 1 / (1 + e^-z)"),
        (torch.exp(-z) / (1 + torch.exp(-z)), "sigmoid returns 1 - sigma(z): e^-z / (1 + e^-z) is "
                                              "sigma(-z)"),
    ]


def sigmoid_raised(error: str) -> str:
    return (f"sigmoid raised {error[:120]} for large |z| (up to 1e4): e^z overflows. Compute e^(-|z|), which "
            "never exceeds 1, and choose the formula by the sign of z")


BUILD_FROM_EXP = ("the exercise is to build it from torch.exp yourself; torch.sigmoid and F.sigmoid are what "
                  "you check it against")
CANNOT_FOLLOW = ("which the grader cannot follow by reading the code: it checks that sigmoid is built from exp "
                 "by reading sigmoid and the functions it calls, and cannot tell what a name chosen at run "
                 "time (getattr, eval, torch.ops, ...) refers to. Write sigmoid from torch.exp directly, with "
                 "plain names")


def library_sigmoid(what: str, where: str) -> str:
    return f"sigmoid uses a library sigmoid ({what}; {where}): {BUILD_FROM_EXP}"


def split_keys(got) -> str:
    return (f"split_lstm_weights should have the keys {list(GATES)}, got {got}: one entry per gate: chunk "
            "along dim 0 (weight_ih.chunk(4, dim=0)) to cut the packed weights into four blocks of H rows")


def split_transposed(gate, want, got) -> str:
    return (f"weights[{gate!r}]'s W_x is transposed: it should be (H, I) = {want}, like PyTorch's weight_ih "
            f"(rows are gate units), got {got}")


def split_wx_shape(gate, want, got) -> str:
    return (f"weights[{gate!r}]'s W_x should have shape (H, I) = {want}, got {got} (cut weight_ih into 4 "
            "blocks of H rows: chunk along dim 0)")


SPLIT_SWAPPED = ("W_x and W_h are swapped: W_x comes from weight_ih (it multiplies the input x), W_h from "
                 "weight_hh (it multiplies h_prev)")


def split_order(gate, k, j, H, other) -> str:
    return (f"the gate order is mixed up: PyTorch packs the gates as input, forget, cell, output (i, f, g, o), "
            f"so weights[{gate!r}] is rows {k * H}:{(k + 1) * H} of weight_ih; yours are rows "
            f"{j * H}:{(j + 1) * H} (the {other!r} gate)")


def split_one_bias(gate, name) -> str:
    return (f"weights[{gate!r}]'s b is only {name}: one bias left out. PyTorch adds two biases, so b = "
            "bias_ih + bias_hh for each gate")


def split_value_mistake(got, m, suffix="") -> str | None:
    """What is wrong with ``got`` ({gate: (W_x, W_h, b)}, shapes right) as the split of module ``m``."""
    H = m.hidden_size
    w_ih, w_hh = getattr(m, "weight_ih" + suffix).detach(), getattr(m, "weight_hh" + suffix).detach()
    b_ih, b_hh = getattr(m, "bias_ih" + suffix).detach(), getattr(m, "bias_hh" + suffix).detach()
    for k, gate in enumerate(GATES):
        W_x, W_h, b = got[gate]
        rows = slice(k * H, (k + 1) * H)
        if not close(W_x, w_ih[rows]):
            if close(W_x, w_hh[rows]) or close(W_h, w_ih[rows]):
                return SPLIT_SWAPPED
            for j, other in enumerate(GATES):
                if close(W_x, w_ih[j * H:(j + 1) * H]):
                    return split_order(gate, k, j, H, other)
            return f"weights[{gate!r}]'s W_x should be rows {k * H}:{(k + 1) * H} of weight_ih"
        if not close(W_h, w_hh[rows]):
            return (f"weights[{gate!r}]'s W_h should be rows {k * H}:{(k + 1) * H} of weight_hh (same gate "
                    "order as weight_ih: i, f, g, o)")
        if not close(b, b_ih[rows] + b_hh[rows]):
            for one, name in ((b_ih, "bias_ih"), (b_hh, "bias_hh")):
                if close(b, one[rows]):
                    return split_one_bias(gate, name)
            return (f"weights[{gate!r}]'s b should be bias_ih + bias_hh (rows {k * H}:{(k + 1) * H}); check "
                    "the bias split and the gate order")
    return None


def forget_alternatives(x, h, c, w):
    f = torch.sigmoid(pre(w, "forget", x, h))
    return [
        (f * h, "the forget gate multiplies h_prev; it acts on the long-term memory: f_t * c_prev"),
        (f, "forget_gate returns f_t itself; it should return what is kept, f_t * c_prev"),
        ((1 - f) * c, "forget_gate keeps (1 - f_t) * c_prev; it should keep f_t * c_prev "
                      "(f_t near 1 means remember)"),
        (torch.tanh(pre(w, "forget", x, h)) * c, "the forget gate uses tanh; f_t is a sigmoid, a "
                                                 "fraction in (0, 1) of the memory to keep"),
        (torch.sigmoid(pre(w, "forget", x, h, bias=False)) * c, "the forget gate's bias b_f is left out"),
        (torch.sigmoid(pre(w, "input", x, h)) * c, "the forget gate uses weights['input']; its own "
                                                   "weights are weights['forget']"),
        (torch.sigmoid(pre(w, "output", x, h)) * c, "the forget gate uses weights['output']; its own "
                                                    "weights are weights['forget']"),
    ]


def learn_alternatives(x, h, w):
    pi, pg = pre(w, "input", x, h), pre(w, "cell", x, h)
    s, t = torch.sigmoid, torch.tanh
    return [
        (t(pi) * s(pg), "sigmoid and tanh are swapped (or, the same thing, weights['input'] and "
                        "weights['cell'] are): i_t = sigmoid(input-gate pre-activation) says how much "
                        "to learn, g_t = tanh(cell-gate pre-activation) what to learn"),
        (t(pi) * t(pg), "the learn gate uses tanh for i_t: i_t is a sigmoid, a fraction in (0, 1)"),
        (s(pi) * s(pg), "the learn gate uses sigmoid for g_t: g_t = tanh(...), so the memory can "
                        "also learn negative values"),
        (s(pi) + t(pg), "the learn gate adds i_t and g_t; it multiplies them: i_t * g_t"),
        (t(pg), "the learn gate returns g_t alone; it should return i_t * g_t"),
        (s(pi), "the learn gate returns i_t alone; it should return i_t * g_t"),
        (s(pre(w, "input", x, h, False)) * t(pre(w, "cell", x, h, False)),
         "the learn gate leaves out the biases b_i and b_g"),
        (s(pre(w, "forget", x, h)) * t(pg), "i_t uses weights['forget']; the learn gate's i_t uses "
                                            "weights['input']"),
        (s(pi) * t(pre(w, "output", x, h)), "g_t uses weights['output']; it uses weights['cell']"),
    ]


def remember_alternatives(a, b):
    return [
        (a * b, "remember_gate multiplies; the new memory is the sum: what is kept plus what is learned"),
        (a - b, "remember_gate subtracts; c_t = forgotten + learned"),
        (b - a, "remember_gate subtracts; c_t = forgotten + learned"),
        (torch.tanh(a + b), "remember_gate squashes the sum with tanh; c_t is the plain sum (tanh "
                            "comes later, in the use gate)"),
        (torch.sigmoid(a + b), "remember_gate squashes the sum with a sigmoid; c_t is the plain sum"),
        ((a + b) / 2, "remember_gate averages; c_t is the plain sum"),
    ]


def one_tensor(what, kind, n) -> str:
    return f"{what} should return one tensor, got a {kind} of {n} items"


def use_alternatives(x, h, c, w):
    po = pre(w, "output", x, h)
    s, t = torch.sigmoid, torch.tanh
    return [
        (s(po) * c, "the use gate has no tanh on c_t: h_t = o_t * tanh(c_t)"),
        (s(po) * s(c), "the use gate squashes c_t with sigmoid; it uses tanh: h_t = o_t * tanh(c_t)"),
        (t(po) * t(c), "the use gate's o_t uses tanh; o_t is a sigmoid, how much of the memory to show"),
        (s(po), "use_gate returns o_t alone; it should return o_t * tanh(c_t)"),
        (t(c), "use_gate returns tanh(c_t) alone; multiply by o_t"),
        (s(po) + t(c), "use_gate adds o_t and tanh(c_t); it multiplies them"),
        (s(pre(w, "output", x, h, False)) * t(c), "the use gate's bias b_o is left out"),
        (s(pre(w, "forget", x, h)) * t(c), "the use gate uses weights['forget']; its own weights are "
                                           "weights['output']"),
        (s(pre(w, "input", x, h)) * t(c), "the use gate uses weights['input']; its own weights are "
                                          "weights['output']"),
    ]


CELL_SWAPPED = "lstm_cell returns (c_t, h_t); the order is (h_t, c_t), like nn.LSTMCell"


def cell_alternatives(x, h, c, w):
    s, t = torch.sigmoid, torch.tanh
    i, f = s(pre(w, "input", x, h)), s(pre(w, "forget", x, h))
    g, o = t(pre(w, "cell", x, h)), s(pre(w, "output", x, h))
    c_t = f * c + i * g
    # the same cell read with h_prev and c_prev swapped
    ih, fh = s(pre(w, "input", x, c)), s(pre(w, "forget", x, c))
    gh, oh = t(pre(w, "cell", x, c)), s(pre(w, "output", x, c))
    c_sw = fh * h + ih * gh
    return {
        "h": [
            (o * t(c), "h_t is computed from c_prev where c_t belongs: the use gate reads the new "
                       "memory, h_t = o_t * tanh(c_t)"),
            (o * c_t, "h_t has no tanh on c_t: h_t = o_t * tanh(c_t)"),
            (c_t, "h_t is the cell state: h_t = o_t * tanh(c_t)"),
            (oh * t(c_sw), "the state is unpacked in the wrong order: state is (h_prev, c_prev)"),
        ],
        "c": [
            (f * h + i * g, "the forget gate is applied to h_prev; it acts on c_prev: c_t = f_t * c_prev "
                            "+ i_t * g_t"),
            (c + i * g, "c_t ignores the forget gate: c_t = f_t * c_prev + i_t * g_t"),
            (f * c, "c_t leaves out the learn gate: c_t = f_t * c_prev + i_t * g_t"),
            (f * c * (i * g), "c_t multiplies the two gates; the remember gate adds them"),
            (fh * h + ih * gh, "the state is unpacked in the wrong order: state is (h_prev, c_prev)"),
            (s(pre(w, "forget", x, h)) * c + s(pre(w, "input", x, h)) * s(pre(w, "cell", x, h)),
             "g_t uses sigmoid; it uses tanh"),
        ],
    }


LAYER_HINT = ("x is batch-first, (batch, seq, I): step t reads x[:, t], of shape (batch, I) (x[t] is one "
              "example's whole sequence); state is (h0, c0), each (batch, H), or None")
LAYER_NOT_CARRIED = ("the state is not carried from one step to the next: every step starts from the initial "
                     "state; feed each step's (h_t, c_t) into the next step")
H_N_FIRST = "h_n is taken from the first step; it is the hidden state after the last step"
C_N_INITIAL = "c_n is the initial cell state; it should be the cell state after the last step"
C_N_IS_H_N = "c_n is the hidden state h_n; it should be the cell state after the last step"


def layer_seq_first(got, want) -> str:
    return (f"output has shape (seq, batch, H) = {got}; the course is batch-first: (batch, seq, H) = {want} "
            "(stack the steps along dim 1)")


def layer_axis(want, got) -> str:
    return f"h_n should be (batch, H) = {want}, got {got} (the course's h_n has no layer axis)"


def state_none_failed(error: str) -> str:
    return (f"lstm_forward failed with state=None ({error[:160]}): None means both memories start at zeros, "
            "(batch, H) each")


def param_alternatives(I, H, L):
    return [
        (sum(4 * H * ((I if k == 0 else H) + H) + 4 * H for k in range(L)),
         "the count has one bias per gate; nn.LSTM has two, bias_ih and bias_hh (8H per layer)"),
        (sum(4 * H * ((I if k == 0 else H) + H) for k in range(L)),
         "the count leaves out the biases (bias_ih and bias_hh, 8H per layer)"),
        (L * (4 * H * (I + H) + 8 * H), "every layer is counted with input_size inputs; the layers "
                                        "after the first take the layer below's output, hidden_size"),
        (4 * H * (I + H) + 8 * H, "the count ignores num_layers: every layer has its own weights"),
        (sum(3 * H * ((I if k == 0 else H) + H) + 6 * H for k in range(L)),
         "the count has 3 gates; an LSTM has 4 (input, forget, cell, output)"),
        (sum(4 * H * (I if k == 0 else H) + 8 * H for k in range(L)),
         "the count leaves out the recurrent weights weight_hh (4H x H per layer)"),
    ]


def count_mistake(got, I, H, L) -> str | None:
    """What is wrong with ``got`` as lstm_param_count(I, H, L) (an int), or None."""
    want = sum(p.numel() for p in nn.LSTM(I, H, L).parameters())
    if got == want:
        return None
    for alt, message in param_alternatives(I, H, L):
        if got == alt and alt != want:
            return f"lstm_param_count({I}, {H}, {L}) = {got}, expected {want}: {message}"
    return (f"lstm_param_count({I}, {H}, {L}) = {got}, expected {want}: each layer has 4H x (in + H) weights "
            "and 8H biases")


def named(out, want, alternatives) -> str | None:
    """The message of the first known mistake ``out`` equals, when it is not ``want``; else None."""
    if close(out, want):
        return None
    for alt, message in alternatives:
        if close(out, alt.detach() if hasattr(alt, "detach") else alt):
            return message
    return None


def _call(fn, what, hint="", explain=None):
    """``fn()``; an error it raises becomes a failed check that says what was asked (and why)."""
    return raised(fn, lambda error: explain(error) if explain else
                  f"{what} raised {error}" + (f": {hint}" if hint else ""))


def _library_ops(fn, z):
    """The names of PyTorch's own sigmoid-like operations that ran while ``fn(z)`` ran."""
    from torch.utils._python_dispatch import TorchDispatchMode

    seen = set()

    class Watch(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            seen.add(func.overloadpacket.__name__)
            return func(*args, **(kwargs or {}))

    try:
        with Watch():
            fn(z)
    except Exception:  # noqa: BLE001  (the values are checked elsewhere)
        pass
    return sorted(seen & {"sigmoid", "sigmoid_", "_softmax", "softmax", "special_expit", "log_sigmoid_forward",
                          "_log_softmax", "logit"})


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
    if isinstance(out, (tuple, list)) and len(out) and not isinstance(out[0], (int, float)):
        check(False, one_tensor(name, type(out).__name__, len(out)))
    check(isinstance(out, torch.Tensor), "{} should return a torch tensor, got {}", name, type(out).__name__)
    return out.detach()


def _fmt(t):
    return np.array2string(np.asarray(t.detach() if hasattr(t, "detach") else t), precision=4,
                           suppress_small=True)


# --- sigmoid ----------------------------------------------------------------------------
def check_sigmoid(sigmoid):
    z = torch.tensor([[-2.0, -1.0, 0.0], [1.0, 2.0, 3.0]])
    out = _tensor(_call(lambda: sigmoid(z), "sigmoid"), "sigmoid")
    if tuple(out.shape) == (2, 3):
        mistake = named(out, 1 / (1 + torch.exp(-z)), sigmoid_alternatives(z))
        check(not mistake, mistake)
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
        out = _tensor(_call(lambda: sigmoid(big), "sigmoid", explain=sigmoid_raised), "sigmoid")
    check(bool(torch.isfinite(out).all()), "sigmoid([-1e4, -1000, -100, 100, 1000, 1e4]) gives {}: "
          "e^z overflows to inf (for z > 88 in float32) and inf / inf is nan. Compute e^(-|z|), which "
          "is never above 1, and choose the formula by the sign of z", _fmt(out))
    check(not caught, "sigmoid raised a warning for large |z| ({}): e^z overflows before the division. "
          "Compute e^(-|z|) instead", caught[0].message if caught else "")
    check(rel_error(out, torch.tensor([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])) < 1e-6,
          "sigmoid should tend to 0 for very negative z and to 1 for very positive z; got {}", _fmt(out))
    ops = _library_ops(sigmoid, z)
    check(not ops, library_sigmoid(f"PyTorch's {', '.join(ops)} ran when sigmoid was called",
          "the grade reads the code of sigmoid and the functions it calls") + ". Reached through a name "
          "chosen at run time, it is a name " + CANNOT_FOLLOW)
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


def _split_named(split_lstm_weights, module, what):
    """The shared named mistakes, on a module with random weights."""
    I, H = module.input_size, module.hidden_size
    suffix = "_l0" if isinstance(module, nn.LSTM) else ""
    value = _call(lambda: split_lstm_weights(module), "split_lstm_weights", f"given {what}")
    check(isinstance(value, dict), "split_lstm_weights should return a dict, got {}", type(value).__name__)
    check(set(value) == set(GATES), split_keys(sorted(map(str, value))))
    out = {}
    for gate in GATES:
        parts = value[gate]
        check(isinstance(parts, (tuple, list)) and len(parts) == 3, "weights[{!r}] should be a tuple (W_x, W_h, b)",
              gate)
        W_x, W_h, b = (torch.as_tensor(v).detach() for v in parts)
        check(not (tuple(W_x.shape) == (I, H) and I != H), split_transposed(gate, (H, I), tuple(W_x.shape)))
        check(not (tuple(W_x.shape) == (H, H) and tuple(W_h.shape) == (H, I) and I != H), SPLIT_SWAPPED)
        check(tuple(W_x.shape) == (H, I), split_wx_shape(gate, (H, I), tuple(W_x.shape)))
        check(tuple(W_h.shape) == (H, H), "weights[{!r}]'s W_h should have shape (H, H) = {}, got {}", gate,
              (H, H), tuple(W_h.shape))
        check(tuple(b.shape) == (H,), "weights[{!r}]'s b should have shape (H,) = {}, got {}", gate, (H,),
              tuple(b.shape))
        out[gate] = (W_x, W_h, b)
    mistake = split_value_mistake(out, module, suffix)
    check(not mistake, mistake)


def check_split_lstm_weights(split_lstm_weights):
    torch.manual_seed(0)
    _split_named(split_lstm_weights, nn.LSTMCell(2, 3), "nn.LSTMCell(2, 3)")
    _split_named(split_lstm_weights, nn.LSTMCell(3, 3), "nn.LSTMCell(3, 3)")
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


def _named_gate(out, want, alternatives):
    mistake = named(out, want, alternatives)
    check(not mistake, mistake)


def check_forget_gate(forget_gate):
    w = _random_weights(2, 3, seed=11)
    out = _tensor(_call(lambda: forget_gate(X, H_PREV, C_PREV, w), "forget_gate"), "forget_gate")
    if tuple(out.shape) == (2, 3):
        _named_gate(out, _s(_pre(w, "forget", X, H_PREV)) * C_PREV, forget_alternatives(X, H_PREV, C_PREV, w))
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
    w = _random_weights(2, 3, seed=12)
    out = _tensor(_call(lambda: learn_gate(X, H_PREV, w), "learn_gate"), "learn_gate")
    if tuple(out.shape) == (2, 3):
        _named_gate(out, _s(_pre(w, "input", X, H_PREV)) * torch.tanh(_pre(w, "cell", X, H_PREV)),
                    learn_alternatives(X, H_PREV, w))
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
    check(close(out, torch.full((2, 3), want, dtype=out.dtype), atol=1e-5, rtol=1e-5),
          "with only b_g = 1 switched on, i_t = sigmoid(0) = 0.5 and g_t = tanh(1) = 0.762, so "
          "learn_gate should return 0.381 everywhere; got\n{}\n(is it i_t * g_t, with b_g = "
          "weights['cell'][2]?)", _fmt(out))
    out = _tensor(learn_gate(X, H_PREV, _zero_weights(2, 3, cell=-1.0)), "learn_gate")
    check(float(out.max()) < 0, "with b_g = -1 the learn gate should learn a negative value (-0.381): "
          "g_t = tanh(...) lies in (-1, 1); got\n{}", _fmt(out))
    out = _tensor(learn_gate(X, H_PREV, _zero_weights(2, 3, input=20.0, cell=1.0)), "learn_gate")
    check(close(out, torch.full((2, 3), float(np.tanh(1.0))), atol=1e-5, rtol=1e-5),
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


@contract
def check_remember_gate(remember_gate, rng=None):
    rng = inputs(rng)
    for shape in ((1, 3), tuple(int(n) for n in rng.integers(2, 7, size=2))):
        a = torch.from_numpy(rng.standard_normal(shape).astype(np.float32))
        b = torch.from_numpy(rng.standard_normal(shape).astype(np.float32) * 3)
        out = _tensor(_call(lambda a=a, b=b: remember_gate(a, b), "remember_gate"), "remember_gate")
        check(tuple(out.shape) == shape, "remember_gate should keep the shape {}, got {}", shape, tuple(out.shape))
        _named_gate(out, a + b, remember_alternatives(a, b))
        check(rel_error(out, a + b) < 1e-5, "remember_gate(a, b) should be a + b, what is kept plus what is "
              "learned, elementwise; for\na = {}\nb = {}\nexpected\n{}\ngot\n{}", _fmt(a), _fmt(b), _fmt(a + b),
              _fmt(out))
    passed("remember_gate")


def check_use_gate(use_gate):
    c_t = torch.tensor([[-2.0, 0.5, 3.0], [0.0, -0.1, 10.0]])
    w = _random_weights(2, 3, seed=13)
    out = _tensor(_call(lambda: use_gate(X, H_PREV, c_t, w), "use_gate"), "use_gate")
    if tuple(out.shape) == (2, 3):
        _named_gate(out, _s(_pre(w, "output", X, H_PREV)) * torch.tanh(c_t), use_alternatives(X, H_PREV, c_t, w))
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
    # the named mistakes first, on random weights against nn.LSTMCell
    w = _random_weights(2, 3, seed=4)
    cell = _pack(w, nn.LSTMCell(2, 3))
    with torch.no_grad():
        want_h, want_c = cell(X, (H_PREV, C_PREV))
    h, c = _pair(_call(lambda: lstm_cell(X, (H_PREV, C_PREV), w), "lstm_cell"), "lstm_cell", "(h_t, c_t)")
    h, c = _tensor(h, "lstm_cell's h_t"), _tensor(c, "lstm_cell's c_t")
    check(not (close(h, want_c) and close(c, want_h)), CELL_SWAPPED)
    alts = cell_alternatives(X, H_PREV, C_PREV, w)
    _named_gate(c, want_c, alts["c"])
    _named_gate(h, want_h, alts["h"])
    # then the open gates, by hand
    w0 = _zero_weights(2, 3, forget=20.0, output=20.0)
    h0, c0 = _pair(lstm_cell(X, (H_PREV, C_PREV), w0), "lstm_cell", "(h_t, c_t)")
    h0, c0 = _tensor(h0, "lstm_cell's h_t"), _tensor(c0, "lstm_cell's c_t")
    want_c0 = C_PREV + 0.5 * torch.tanh(torch.tensor(0.0))  # learn gate: 0.5 * tanh(0) = 0
    check(rel_error(c0, want_c0) < 1e-5,
          "with the forget gate open (b_f = +20) and nothing to learn, c_t should "
          "be c_prev; got\n{}\n(c_t = forget_gate(...) + learn_gate(...), the forget gate applied to c_prev)",
          _fmt(c0))
    check(rel_error(h0, torch.tanh(C_PREV)) < 1e-5, "with the forget and output gates open, h_t should be "
          "tanh(c_t) = tanh(c_prev); got\n{}", _fmt(h0))
    check(rel_error(c, want_c) < 1e-5,
          "c_t differs from nn.LSTMCell's: expected\n{}\ngot\n{}", _fmt(want_c), _fmt(c))
    check(rel_error(h, want_h) < 1e-5, "h_t differs from nn.LSTMCell's: expected\n{}\ngot\n{}\n(h_t = "
          "use_gate(x, h_prev, c_t, weights))", _fmt(want_h), _fmt(h))
    passed("lstm_cell", "matches nn.LSTMCell")


def check_lstm_forward(lstm_forward):
    w = _random_weights(2, 3, seed=5)
    lstm = _pack(w, nn.LSTM(2, 3, batch_first=True))
    cell = _pack(w, nn.LSTMCell(2, 3))
    x = torch.linspace(-1, 1, 2 * 4 * 2).reshape(2, 4, 2)  # (batch 2, seq 4, input 2)
    h0, c0 = H_PREV, C_PREV * 0.1
    result = _pair(_call(lambda: lstm_forward(x, (h0, c0), w), "lstm_forward", LAYER_HINT), "lstm_forward",
                   "(output, (h_n, c_n))")
    output = _tensor(result[0], "lstm_forward's output")
    h_n, c_n = _pair(result[1], "lstm_forward's second value", "(h_n, c_n)")
    h_n, c_n = _tensor(h_n, "h_n"), _tensor(c_n, "c_n")
    check(tuple(output.shape) != (4, 2, 3), layer_seq_first((4, 2, 3), (2, 4, 3)))
    check(tuple(output.shape) == (2, 4, 3), "output should be (batch, seq, H) = (2, 4, 3), got {}",
          tuple(output.shape))
    check(tuple(h_n.shape) != (1, 2, 3), layer_axis((2, 3), (1, 2, 3)))
    check(tuple(h_n.shape) == (2, 3) and tuple(c_n.shape) == (2, 3), "h_n and c_n should be (batch, H) "
          "= (2, 3), got {} and {}", tuple(h_n.shape), tuple(c_n.shape))
    with torch.no_grad():
        want, (wh, wc) = lstm(x, (h0[None], c0[None]))
        from_start = torch.stack([cell(x[:, t], (h0, c0))[0] for t in range(4)], 1)
    check(not close(output, from_start), LAYER_NOT_CARRIED)
    check(rel_error(output[:, 0], want[:, 0]) < 1e-5,
          "the first step differs from nn.LSTM's: step 0 should be "
          "lstm_cell(x[:, 0], state, weights) (x is batch-first: x[:, t] is step t)")
    check(rel_error(output, want) < 1e-5,
          "the first step is right but later ones differ from nn.LSTM's: carry "
          "(h_t, c_t) from each step into the next")
    check(not close(h_n, want[:, 0]), H_N_FIRST)
    check(rel_error(h_n, output[:, -1]) < 1e-5,
          "h_n should be the hidden state after the last step, output[:, -1]")
    check(not close(c_n, c0), C_N_INITIAL)
    check(not close(c_n, wh[0]), C_N_IS_H_N)
    check(rel_error(c_n, wc[0]) < 1e-5, "c_n should be the cell state after the last step")
    result = _call(lambda: lstm_forward(x, None, w), "lstm_forward", explain=state_none_failed)
    with torch.no_grad():
        want, _ = lstm(x)
    check(rel_error(_tensor(result[0],
          "lstm_forward's output"), want) < 1e-5, "with state=None the layer should "
          "start from zeros, (batch, H) each, and match nn.LSTM without an initial state")
    passed("lstm_forward", "matches nn.LSTM")


def check_lstm_param_count(lstm_param_count):
    for args in ((3, 5, 1), (4, 3, 2), (1, 1, 1), (83, 256, 2)):
        out = _call(lambda a=args: lstm_param_count(*a), "lstm_param_count")
        check(isinstance(out, (int, np.integer)) and not isinstance(out, bool),
              "lstm_param_count should return an int, got {}", type(out).__name__)
        mistake = count_mistake(int(out), *args)
        check(not mistake, mistake)
    out = lstm_param_count(3, 5)
    check(out == 200, "num_layers should default to 1: lstm_param_count(3, 5) should be 200, got {}", out)
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
