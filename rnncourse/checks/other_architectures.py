"""Visible checks for 03_other_architectures: PyTorch's own modules as the answer key."""

import numpy as np
import torch
import torch.nn as nn

from rnncourse.checks import CheckFailed, check, passed
from rnncourse.compare import close, rel_error, same

# The named mistakes, in the words both sides use: the visible checks here (the learner's
# machine, public inputs) and the hidden tests (autograder/test_03_other_architectures.py, the
# grader's inputs) import these, so that the self-check and the grade name a mistake alike. The
# ``*_mistakes`` functions compute what the usual wrong answers give on any inputs; the
# ``say`` argument is ``check`` here and ``expect`` in the hidden tests.
GATES = {"rnn": 1, "gru": 3, "lstm": 4}
SPLIT_NN_GRU = ("split_gru_weights failed on a one-layer nn.GRU, whose tensors are named weight_ih_l0, "
                "weight_hh_l0, bias_ih_l0 and bias_hh_l0 ({})")
SPLIT_SHAPES = "weights['{}'] should hold arrays of shapes {}, got {}"
GRU_WRONG = "gru_cell differs from nn.GRUCell: {}"
GRU_GENERIC = "check each gate against the equations (reset, update, new) and the final mix"
EWMA_WRONG = "ewma(x, beta={}{}) is wrong: {}"
EWMA_GENERIC = "s_t = beta * s_{t-1} + (1 - beta) * x_t"
EWMA_SHAPE = "ewma should return the same shape as x, {}, got {}"
EWMA_IN_PLACE = ("ewma changed its input x in place: write the averages to a new tensor "
                 "(torch.empty_like(x) or a list you stack)")
PEEPHOLE_ORDER = "(h_t, c_t) are returned in the wrong order: return h_t first"
HIDDEN_SINGLE = ("for '{}' init_hidden should return a single tensor; only the LSTM has two states (h, c)")
HIDDEN_LSTM_ONE_TENSOR = ("the LSTM hidden was returned as one tensor (shape {}): nn.LSTM takes a tuple "
                          "of two, (h0, c0)")
HIDDEN_LSTM_TUPLE = "for 'lstm' init_hidden should return a tuple (h0, c0), got {}"
COUNT_WRONG = "param_count('{}', {}, {}, {}) should be {} (nn.{} has that many), got {}{}"
COUNT_INT = "param_count should return an int, got {!r}"
CLASSIFIER_SHAPE = ("for x of shape {} and n_classes=3 the logits should be {}, got {} ('{}'): one row of "
                    "logits per sequence, from the last step")
CLASSIFIER_H_N = ("the logits have shape {} instead of {}: they were read from h_n, and h_n has a leading "
                  "layer axis (num_layers, batch, hidden); read the last layer's final state h_n[-1] "
                  "(equal to output[:, -1] with batch_first=True) or output[:, -1]")
BATCH_AS_TIME = ("the recurrent layer reads the batch axis as time: x is (batch, seq), so the layer needs "
                 "batch_first=True (or its input transposed to (seq, batch, features))")
LAST_SYMBOL = ("only the last symbol goes through the recurrent layer, so the logits cannot depend on the "
               "earlier ones: feed the whole sequence")
ONLY_LINEAR_TRAINED = (" Only the linear layer trained: the recurrent output is detached (or computed under "
                       "torch.no_grad()) before the linear layer.")
STEPS_DETACHED = (" The hidden state is detached between steps, so the error at the last step never "
                  "reaches the first symbol.")


def first_match(out, candidates):
    """The description of the first candidate (mistake) the answer equals, or None."""
    for why, value in candidates:
        if close(out, value):
            return why
    return None


def gru_mistakes(x, h, w):
    """What the usual wrong GRU updates give on (x, h, w)."""
    (W_xr, W_hr, b_r), (W_xz, W_hz, b_z), (W_xn, W_hn, b_xn, b_hn) = w["reset"], w["update"], w["new"]
    r = torch.sigmoid(x @ W_xr.T + h @ W_hr.T + b_r)
    z = torch.sigmoid(x @ W_xz.T + h @ W_hz.T + b_z)
    n = torch.tanh(x @ W_xn.T + b_xn + r * (h @ W_hn.T + b_hn))
    n_before = torch.tanh(x @ W_xn.T + b_xn + (r * h) @ W_hn.T + b_hn)
    n_merged = torch.tanh(x @ W_xn.T + r * (h @ W_hn.T) + b_xn + b_hn)
    n_all = torch.tanh(r * (x @ W_xn.T + b_xn + h @ W_hn.T + b_hn))
    n_no_reset = torch.tanh(x @ W_xn.T + b_xn + h @ W_hn.T + b_hn)
    r_swapped = torch.sigmoid(x @ W_xz.T + h @ W_hz.T + b_z)
    z_swapped = torch.sigmoid(x @ W_xr.T + h @ W_hr.T + b_r)
    n_rz = torch.tanh(x @ W_xn.T + b_xn + r_swapped * (h @ W_hn.T + b_hn))
    return [
        ("the update gate's interpolation is reversed: h_t = (1 - z) * n + z * h_prev "
         "(z near 1 keeps the old state)", z * n + (1 - z) * h),
        ("the reset gate was applied to h before the matmul (W_hn (r * h)); PyTorch's GRU "
         "multiplies r with (W_hn h + b_hn), after the matmul", (1 - z) * n_before + z * h),
        ("the biases of the new gate were merged: b_hn must sit inside the reset gate's "
         "product, r * (W_hn h + b_hn), while b_in stays outside", (1 - z) * n_merged + z * h),
        ("the reset gate multiplies the whole new-memory sum; it should multiply only the "
         "hidden part, r * (W_hn h + b_hn)", (1 - z) * n_all + z * h),
        ("the reset gate is not used in the new memory n", (1 - z) * n_no_reset + z * h),
        ("the reset and update gates are swapped", (1 - z_swapped) * n_rz + z_swapped * h),
        ("h_t is missing the update gate's mix: it should be (1 - z) * n + z * h_prev", n),
    ]


def ewma_mistakes(x, beta, initial):
    """What the usual wrong averages give on (x, beta, initial)."""
    x = torch.as_tensor(x, dtype=torch.float64)
    seq = x.shape[0]

    def run(b, s, start):  # the average with weight b on the old value, from s, mixing from step start
        s = torch.as_tensor(s, dtype=x.dtype).expand_as(x[0])
        steps = [s] if start else []
        for t in range(start, seq):
            steps.append(b * steps[-1] + (1 - b) * x[t] if steps else b * s + (1 - b) * x[t])
        return torch.stack(steps)

    zero = torch.zeros_like(x[0])
    init = zero if initial is None else torch.as_tensor(initial, dtype=torch.float64)
    first = x[0]
    out = [
        ("beta and 1 - beta are swapped: s_t = beta * s_{t-1} + (1 - beta) * x_t keeps beta of the "
         "old average", run(1 - beta, first, 1) if initial is None else run(1 - beta, init, 0)),
        ("the average starts from zero; with initial=None it should start at the first value, s_0 = x_0"
         if initial is None else "`initial` was ignored: the average started from zero instead of from "
         "initial, s_{-1}", run(beta, zero, 0)),
    ]
    if initial is not None:
        out.append(("`initial` was ignored: it is s_{-1}, the average before the first step",
                    run(beta, first, 1)))
        out.append(("`initial` was used as s_0 instead of s_{-1}: the first step should already mix in x_0",
                    run(beta, init, 1)))
    else:
        out.append(("the first value is counted twice: s_0 = x_0, then the loop starts at t = 1",
                    torch.cat([x[:1], run(beta, first, 0)[:-1]])))
    return out


def count_mistakes(cell_type, I, H, L):
    """What the usual wrong parameter counts give."""
    G = GATES[cell_type]
    first, rest = G * (H * I + H * H), G * (2 * H * H)
    return [
        ("each gate has two biases, bias_ih and bias_hh (2 * H per gate block)",
         first + G * H + (L - 1) * (rest + G * H)),
        ("the biases are missing: each gate block has bias_ih and bias_hh", first + (L - 1) * rest),
        ("layers after the first read hidden_size features, not input_size",
         L * (first + 2 * G * H)),
        ("num_layers is ignored: every layer has its own weights", first + 2 * G * H),
    ] + [(f"a {cell_type.upper()} has {G} gate block{'s' * (G > 1)} (RNN 1, GRU 3, LSTM 4), not {g}",
          g * (H * I + H * H + 2 * H) + (L - 1) * g * (2 * H * H + 2 * H)) for g in (1, 3, 4) if g != G]


def count_problem(out, want, cell_type, I, H, L, say):
    say(isinstance(out, (int, np.integer)) or (isinstance(out, float) and out.is_integer()), COUNT_INT, out)
    if int(out) != want:
        why = next((w for w, v in count_mistakes(cell_type, I, H, L) if v == int(out)), None)
        say(False, COUNT_WRONG, cell_type, I, H, L, want, cell_type.upper(), out, f": {why}" if why else "")


def zero_state_problem(value, shape, what, say):
    """Says what is wrong with ``value`` as a zero state of ``shape`` (num_layers, batch, hidden)."""
    say(isinstance(value, torch.Tensor), "{} should be a torch tensor (what nn.RNN/GRU/LSTM accept), "
        "got {}", what, type(value).__name__)
    say(tuple(value.shape) == shape or tuple(value.shape) != (shape[1], shape[0], shape[2]),
        "{} has shape {}: the batch axis is second, (num_layers, batch, hidden), even for "
        "batch_first=True modules (batch_first changes only the inputs and outputs)", what,
        tuple(value.shape))
    say(tuple(value.shape) == shape, "{} should have shape (num_layers, batch, hidden) = {}, got {}",
        what, shape, tuple(value.shape))
    say(value.dtype == torch.float32, "{} should be float32, got {}", what, value.dtype)
    say(bool((value == 0).all()), "{} should be all zeros", what)


def split_structure(out, say):
    """Says what is wrong with the shape of split_gru_weights' dict."""
    say(isinstance(out, dict), "split_gru_weights should return a dict, got {}", type(out).__name__)
    say(set(out) == {"reset", "update", "new"},
        "the dict's keys should be 'reset', 'update' and 'new', got {}", sorted(map(str, out)))
    for gate, n in (("reset", 3), ("update", 3), ("new", 4)):
        say(isinstance(out[gate], (tuple, list)) and len(out[gate]) == n,
            "weights['{}'] should be a tuple of {} tensors {}, got {}", gate, n,
            "(W_x, W_h, b_x, b_h): the new gate keeps its two biases apart" if n == 4 else "(W_x, W_h, b)",
            type(out[gate]).__name__ + (f" of length {len(out[gate])}" if hasattr(out[gate], "__len__") else ""))


def diagnose_split(got, want, module, say):
    """Says which piece of split_gru_weights' answer (numpy arrays) differs from ``want``."""
    suffix = "_l0" if isinstance(module, nn.GRU) else ""
    b_ih = getattr(module, "bias_ih" + suffix).detach().numpy()
    b_hh = getattr(module, "bias_hh" + suffix).detach().numpy()
    H = b_ih.shape[0] // 3
    names = ["reset", "update", "new"]
    for gate in names:
        shapes = [np.shape(p) for p in got[gate]]
        say(shapes == [p.shape for p in want[gate]], SPLIT_SHAPES, gate, [p.shape for p in want[gate]], shapes)
    for gate in names:
        for k, label in ((0, "W_x"), (1, "W_h")):
            if not close(got[gate][k], want[gate][k]):
                others = [g for g in names if g != gate and close(got[gate][k], want[g][k])]
                if others:
                    say(False, "weights['{}'] holds the {} gate's rows: the gate order inside "
                        "PyTorch's packed GRU weights is reset, update, new", gate, others[0])
                say(False, "weights['{}'] {} is not rows {}..{} of the packed {} weights", gate, label,
                    H * names.index(gate), H * (names.index(gate) + 1) - 1, "input" if k == 0 else "hidden")
    for gate in ("reset", "update"):
        j = names.index(gate)
        b = got[gate][2]
        if not close(b, want[gate][2]):
            if close(b, b_ih[j * H:(j + 1) * H]) or close(b, b_hh[j * H:(j + 1) * H]):
                say(False, "weights['{}'] b should be the sum of both biases, b_i + b_h; one of "
                    "them is missing", gate)
            say(False, "weights['{}'] b should be bias_ih + bias_hh for that gate", gate)
    b_x, b_h = got["new"][2], got["new"][3]
    wx, wh = want["new"][2], want["new"][3]
    if close(b_x, wx + wh) or close(b_h, wx + wh):
        say(False, "the new gate's biases were merged into one: keep b_in and b_hn apart, "
            "because the reset gate multiplies (W_hn h + b_hn) but not b_in")
    if close(b_x, wh) and close(b_h, wx):
        say(False, "the new gate's biases are swapped: return (W_x, W_h, b_x, b_h) with b_x from "
            "bias_ih and b_h from bias_hh")
    say(close(b_x, wx) and close(b_h, wh), "weights['new'] biases should be (bias_ih, bias_hh) of "
        "the new block, rows {}..{}", 2 * H, 3 * H - 1)


PEEPHOLE_GATES = ("input", "forget", "output")
RIGHT_STATE = {"input": "c_prev", "forget": "c_prev", "output": "c_t"}


def peephole_cell(x, h, c, w, p, where=None):
    """(h_t, c_t) of a peephole LSTM cell in which gate g's peephole term p[g] * state is added to
    gate ``where[g] = (target, state)`` (target None: left out; state "c_prev", "c_t" or "h");
    where=None places every term where the equations put it."""
    where = where or {g: (g, RIGHT_STATE[g]) for g in PEEPHOLE_GATES}

    def pre(g):
        W_x, W_h, b = w[g]
        return x @ W_x.T + h @ W_h.T + b

    extra = {g: 0 for g in PEEPHOLE_GATES}
    for g, (target, state) in where.items():
        if target in ("input", "forget"):
            extra[target] = extra[target] + p[g] * {"c_prev": c, "h": h}[state]
    i, f = torch.sigmoid(pre("input") + extra["input"]), torch.sigmoid(pre("forget") + extra["forget"])
    c_t = f * c + i * torch.tanh(pre("cell"))
    for g, (target, state) in where.items():
        if target == "output":
            extra["output"] = extra["output"] + p[g] * {"c_prev": c, "c_t": c_t, "h": h}[state]
    return torch.sigmoid(pre("output") + extra["output"]) * torch.tanh(c_t), c_t


def peephole_mistakes(x, h, c, w, p):
    """What the usual wrong peephole cells give on (x, (h, c), w, p): why -> (h_t, c_t)."""
    def pre(g):
        W_x, W_h, b = w[g]
        return x @ W_x.T + h @ W_h.T + b

    sig = torch.sigmoid
    i, f, g = sig(pre("input") + p["input"] * c), sig(pre("forget") + p["forget"] * c), torch.tanh(pre("cell"))
    c_t = f * c + i * g
    o = sig(pre("output") + p["output"] * c_t)
    o_prev = sig(pre("output") + p["output"] * c)
    i0, f0, o0 = sig(pre("input")), sig(pre("forget")), sig(pre("output"))
    c0 = f0 * c + i0 * g
    i_s, f_s = sig(pre("input") + p["forget"] * c), sig(pre("forget") + p["input"] * c)
    c_s = f_s * c + i_s * g
    i_h, f_h = sig(pre("input") + p["input"] * h), sig(pre("forget") + p["forget"] * h)
    c_h = f_h * c + i_h * g
    o_h = sig(pre("output") + p["output"] * h)
    return [
        ("the output gate's peephole looks at c_prev; it should look at the new cell state c_t "
         "(o = sigmoid(... + p_o * c_t))", (o_prev * torch.tanh(c_t), c_t)),
        ("the peepholes are ignored: the input and forget gates add p * c_prev, the output gate p_o * c_t",
         (o0 * torch.tanh(c0), c0)),
        ("the input and forget gates' peepholes are swapped", (sig(pre("output") + p["output"] * c_s)
                                                               * torch.tanh(c_s), c_s)),
        ("the peepholes multiply the hidden state h; a peephole lets a gate see the cell state c",
         (o_h * torch.tanh(c_h), c_h)),
        ("h_t is missing the output gate: h_t = o * tanh(c_t)", (torch.tanh(c_t), c_t)),
        ("h_t should be o * tanh(c_t), not o * c_t", (o * c_t, c_t)),
    ]


def placement_why(gate, target, state):
    """The words for gate ``gate``'s peephole term placed in ``target`` looking at ``state``."""
    right = RIGHT_STATE[gate]
    if target is None:
        return f"the {gate} gate is wrong: its peephole term p_{gate[0]} * {right} is left out"
    if target != gate:
        return (f"the {gate} gate is wrong: the {gate} gate's peephole is applied in the {target} gate; "
                f"p_{gate[0]} * {right} belongs to the {gate} gate")
    return (f"the {gate} gate is wrong: the {gate} gate's peephole looks at {state}; it should look at "
            f"{right} ({'the new cell state' if right == 'c_t' else 'the previous cell state'})")


def peephole_gate_problem(run, x, h, c, w, p):
    """With one gate's peephole set at a time (the others zero), the first gate whose answer is
    wrong and what is wrong with it; None when the cell is right, or wrong even without peepholes. ``run(p)`` calls the learner's cell and gives
    (h_t, c_t) as arrays."""
    zeros = {g: torch.zeros_like(p[g]) for g in PEEPHOLE_GATES}
    if not any(bool(p[g].abs().sum() > 0) for g in PEEPHOLE_GATES):
        return None
    h_t, c_t = run(zeros)
    want_h, want_c = peephole_cell(x, h, c, w, zeros)
    if not (close(h_t, want_h) and close(c_t, want_c)):
        return None  # wrong without peepholes already: not a peephole's fault
    for gate in PEEPHOLE_GATES:
        only = dict(zeros, **{gate: p[gate]})
        h_t, c_t = run(only)
        want_h, want_c = peephole_cell(x, h, c, w, only)
        if close(h_t, want_h) and close(c_t, want_c):
            continue
        for target in PEEPHOLE_GATES + (None,):
            for state in ("c_prev", "c_t", "h"):
                if (target, state) == (gate, RIGHT_STATE[gate]) or (target in ("input", "forget")
                                                                    and state == "c_t"):
                    continue
                mh, mc = peephole_cell(x, h, c, w, only, {gate: (target, state)})
                if close(h_t, mh) and close(c_t, mc):
                    return placement_why(gate, target, state)
        term = f"p_{gate[0]} * {RIGHT_STATE[gate]}"
        return (f"the {gate} gate is wrong: with only its peephole set, {'c_t' if gate != 'output' else 'h_t'} "
                f"differs; the {gate} gate is sigmoid(W_x{gate[0]} x + W_h{gate[0]} h + b_{gate[0]} + {term})")
    return None


def _module(cls, *args, seed=0, scale=0.5):
    torch.manual_seed(seed)
    module = cls(*args)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape) * scale)
    return module


def _as_tensor(value, what):
    check(isinstance(value, torch.Tensor), "{} should be a torch tensor, got {}", what, type(value).__name__)
    return value


def _packed_gru(module):
    """gate -> the pieces split_gru_weights should give, as numpy arrays (PyTorch's packing order)."""
    suffix = "_l0" if isinstance(module, nn.GRU) else ""
    wi, wh = (getattr(module, n + suffix).detach().numpy() for n in ("weight_ih", "weight_hh"))
    bi, bh = (getattr(module, n + suffix).detach().numpy() for n in ("bias_ih", "bias_hh"))
    H = wh.shape[1]
    part = [slice(k * H, (k + 1) * H) for k in range(3)]
    return {"reset": (wi[part[0]], wh[part[0]], bi[part[0]] + bh[part[0]]),
            "update": (wi[part[1]], wh[part[1]], bi[part[1]] + bh[part[1]]),
            "new": (wi[part[2]], wh[part[2]], bi[part[2]], bh[part[2]])}


def _split_pieces(split_gru_weights, module):
    out = split_gru_weights(module)
    split_structure(out, check)
    return {g: tuple(np.asarray(v.detach() if isinstance(v, torch.Tensor) else v) for v in out[g]) for g in out}


def check_split_gru_weights(split_gru_weights):
    cell = _module(nn.GRUCell, 3, 2, seed=1)
    diagnose_split(_split_pieces(split_gru_weights, cell), _packed_gru(cell), cell, check)
    gru = _module(nn.GRU, 3, 2, seed=2)
    try:
        pieces = _split_pieces(split_gru_weights, gru)
    except CheckFailed:
        raise
    except Exception as exc:
        check(False, SPLIT_NN_GRU, f"{type(exc).__name__}: {exc}")
    diagnose_split(pieces, _packed_gru(gru), gru, check)
    passed("split_gru_weights")


def _random(*shape, gen, scale):
    return torch.randn(*shape, generator=gen) * scale


def _gru_from_weights(I, H, seed, scale=0.7):
    """Random weights in the form split_gru_weights returns, and an nn.GRUCell that holds them
    (PyTorch's packing order: reset, update, new)."""
    g = torch.Generator().manual_seed(seed)
    w = {"reset": (_random(H, I, gen=g, scale=scale), _random(H, H, gen=g, scale=scale), _random(H, gen=g, scale=scale)),
         "update": (_random(H, I, gen=g, scale=scale), _random(H, H, gen=g, scale=scale), _random(H, gen=g, scale=scale)),
         "new": (_random(H, I, gen=g, scale=scale), _random(H, H, gen=g, scale=scale),
                 _random(H, gen=g, scale=scale), _random(H, gen=g, scale=scale))}
    cell = nn.GRUCell(I, H)
    with torch.no_grad():
        order = ("reset", "update", "new")
        cell.weight_ih.copy_(torch.cat([w[k][0] for k in order]))
        cell.weight_hh.copy_(torch.cat([w[k][1] for k in order]))
        cell.bias_ih.copy_(torch.cat([w["reset"][2], w["update"][2], w["new"][2]]))
        cell.bias_hh.copy_(torch.cat([torch.zeros(2 * H), w["new"][3]]))
    return w, cell


def check_gru_cell(gru_cell):
    w, cell = _gru_from_weights(4, 3, seed=3)
    torch.manual_seed(4)
    x, h = torch.randn(2, 4), torch.randn(2, 3)
    with torch.no_grad():
        out = _as_tensor(gru_cell(x, h, w), "gru_cell's result")
        want = cell(x, h)
        check(tuple(out.shape) == (2, 3), "h_t should have shape (batch, H) = (2, 3), got {}", tuple(out.shape))
        err = rel_error(out, want)
        if err > 1e-5:
            check(False, GRU_WRONG + " (relative error {:.1e})", first_match(out, gru_mistakes(x, h, w))
                  or GRU_GENERIC + ". Check the reset gate: PyTorch computes n = tanh(W_in x + b_in + "
                  "r * (W_hn h + b_hn)), r multiplying after the matmul and b_hn inside the product", err)
    passed("gru_cell", f"relative error {err:.1e}")


def _ewma_case(ewma, x, beta, want, initial=None):
    given = x.clone()
    out = _as_tensor(ewma(given, beta) if initial is None else ewma(given, beta, initial), "ewma's result")
    check(tuple(out.shape) == tuple(x.shape), EWMA_SHAPE, tuple(x.shape), tuple(out.shape))
    if rel_error(out, want) > 1e-6:
        why = first_match(out, ewma_mistakes(x, beta, initial)) or EWMA_GENERIC
        check(False, EWMA_WRONG + "; ewma({}, beta={}{}) should be {}, got {}", beta,
              "" if initial is None else ", initial", why, x.tolist(), beta,
              "" if initial is None else f", initial={float(initial):g}", want, out.tolist())
    check(close(given, x), EWMA_IN_PLACE)


def check_ewma(ewma):
    # worked by hand: s_0 = x_0 = 0, then s_1 = 0.5 * 0 + 0.5 * 4 = 2, s_2 = 0.5 * 2 + 0.5 * 4 = 3, ...
    _ewma_case(ewma, torch.tensor([0.0, 4.0, 4.0, 8.0]), 0.5, [0.0, 2.0, 3.0, 5.5])
    _ewma_case(ewma, torch.tensor([10.0, 10.0, 10.0]), 0.9, [10.0, 10.0, 10.0])
    _ewma_case(ewma, torch.tensor([0.0, 10.0]), 0.8, [0.0, 2.0])  # 0.8 * 0 + 0.2 * 10
    # initial is s_(-1): s_0 = 0.75 * 2 + 0.25 * 4 = 2.5, s_1 = 0.75 * 2.5 + 0.25 * 8 = 3.875
    _ewma_case(ewma, torch.tensor([4.0, 8.0]), 0.75, [2.5, 3.875], initial=torch.tensor(2.0))
    # each column of a (seq, 2) input is averaged along the first axis
    _ewma_case(ewma, torch.arange(6.0).reshape(3, 2), 0.5, [[0.0, 1.0], [1.0, 2.0], [2.5, 3.5]])
    passed("ewma")


def _lstm_from_weights(I, H, seed, scale=0.5):
    """Random weights in the form split_lstm_weights returns, and an nn.LSTMCell that holds them
    (PyTorch's packing order: input, forget, cell, output; the bias all in bias_ih)."""
    g = torch.Generator().manual_seed(seed)
    gates = ("input", "forget", "cell", "output")
    w = {k: (_random(H, I, gen=g, scale=scale), _random(H, H, gen=g, scale=scale), _random(H, gen=g, scale=scale))
         for k in gates}
    cell = nn.LSTMCell(I, H)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.cat([w[k][0] for k in gates]))
        cell.weight_hh.copy_(torch.cat([w[k][1] for k in gates]))
        cell.bias_ih.copy_(torch.cat([w[k][2] for k in gates]))
        cell.bias_hh.zero_()
    return w, cell


def _peephole_run(peephole_lstm_cell, x, h, c, w):
    def run(p):
        out = peephole_lstm_cell(x, (h, c), w, p)
        check(isinstance(out, (tuple, list)) and len(out) == 2, "peephole_lstm_cell should return (h_t, c_t)")
        return _as_tensor(out[0], "h_t"), _as_tensor(out[1], "c_t")
    return run


def check_peephole_lstm_cell(peephole_lstm_cell):
    w, cell = _lstm_from_weights(3, 4, seed=5)
    torch.manual_seed(6)
    x, h, c = torch.randn(2, 3), torch.randn(2, 4), torch.randn(2, 4)
    p = {"input": torch.full((4,), 1.5), "forget": torch.full((4,), -3.0), "output": torch.full((4,), 2.0)}
    run = _peephole_run(peephole_lstm_cell, x, h, c, w)
    with torch.no_grad():
        zeros = {k: torch.zeros(4) for k in PEEPHOLE_GATES}
        want_h, want_c = cell(x, (h, c))
        h_t, c_t = run(zeros)
        check(tuple(h_t.shape) == tuple(c_t.shape) == (2, 4), "h_t and c_t should both be (batch, H) = (2, 4), "
              "got {} and {}", tuple(h_t.shape), tuple(c_t.shape))
        if close(h_t, want_c) and close(c_t, want_h):
            check(False, PEEPHOLE_ORDER)
        check(rel_error(c_t, want_c) < 1e-5, "with zero peepholes c_t should equal nn.LSTMCell's: c_t is wrong "
              "(c_t = f * c_prev + i * g); relative error {:.1e}", rel_error(c_t, want_c))
        if rel_error(h_t, want_h) >= 1e-5:
            why = next((why for why, (mh, mc) in peephole_mistakes(x, h, c, w, zeros)
                        if close(h_t, mh) and close(c_t, mc)), f"relative error {rel_error(h_t, want_h):.1e}")
            check(False, "with zero peepholes h_t should equal nn.LSTMCell's (h_t = o * tanh(c_t)); {}", why)
        h_t, c_t = run(p)
        want_h, want_c = peephole_cell(x, h, c, w, p)
        if not (rel_error(h_t, want_h) < 1e-5 and rel_error(c_t, want_c) < 1e-5):
            for why, (mh, mc) in peephole_mistakes(x, h, c, w, p):
                check(not (close(h_t, mh) and close(c_t, mc)), "with peepholes: {}", why)
            check(False, "with peepholes: {}", peephole_gate_problem(run, x, h, c, w, p)
                  or "the peepholes interact wrongly")
    passed("peephole_lstm_cell")


def check_init_hidden(init_hidden):
    h0 = init_hidden("gru", 2, 3, 4)
    check(not isinstance(h0, (tuple, list)), HIDDEN_SINGLE, "gru")
    zero_state_problem(h0, (2, 3, 4), "init_hidden('gru', num_layers=2, batch_size=3, hidden_size=4)", check)
    state = init_hidden("lstm", 1, 5, 2)
    if isinstance(state, torch.Tensor):
        check(False, HIDDEN_LSTM_ONE_TENSOR, tuple(state.shape))
    check(isinstance(state, tuple) and len(state) == 2, HIDDEN_LSTM_TUPLE, type(state).__name__)
    for k, what in enumerate(("h0", "c0")):
        zero_state_problem(state[k], (1, 5, 2), f"init_hidden('lstm', 1, 5, 2)'s {what}", check)
    lstm = nn.LSTM(3, 2, batch_first=True)
    with torch.no_grad():
        lstm(torch.zeros(5, 7, 3), state)
    rnn = nn.RNN(3, 4, num_layers=2, batch_first=True)
    with torch.no_grad():
        rnn(torch.zeros(3, 7, 3), init_hidden("rnn", 2, 3, 4))
    passed("init_hidden")


def check_param_count(param_count):
    for cell_type, module in (("rnn", nn.RNN), ("gru", nn.GRU), ("lstm", nn.LSTM)):
        for I, H, L in ((5, 8, 1), (3, 4, 2)):
            want = sum(p.numel() for p in module(I, H, num_layers=L).parameters())
            count_problem(param_count(cell_type, I, H, L), want, cell_type, I, H, L, check)
    passed("param_count")


def check_SequenceClassifier(SequenceClassifier):
    gen = torch.Generator().manual_seed(0)
    # symbol 5 only ever comes first: its embedding row learns only through the first step
    x = torch.cat([torch.full((4, 1), 5), torch.randint(0, 5, (4, 8), generator=gen)], dim=1)
    y = torch.tensor([0, 1, 2, 0])
    for cell_type, G in (("rnn", 1), ("gru", 3), ("lstm", 4)):
        torch.manual_seed(0)
        model = SequenceClassifier(cell_type, 6, 5, 3)
        check(isinstance(model, nn.Module), "SequenceClassifier should be an nn.Module")
        model.eval()  # no dropout: the same input gives the same logits
        out = model(x)
        check(isinstance(out, torch.Tensor), "SequenceClassifier's forward should return a tensor of logits, "
              "got {}", type(out).__name__)
        check(tuple(out.shape) != (1, 4, 3), CLASSIFIER_H_N, tuple(out.shape), (4, 3))
        check(tuple(out.shape) == (4, 3), CLASSIFIER_SHAPE, (4, 9), (4, 3), tuple(out.shape), cell_type)
        shapes = [tuple(p.shape) for n, p in model.named_parameters() if "weight_hh" in n]
        check((G * 5, 5) in shapes, "SequenceClassifier('{}', ...) should use an nn.{} (weight_hh of shape "
              "({} * hidden, hidden)); found recurrent weights {}. Is cell_type used to pick the layer?",
              cell_type, cell_type.upper(), G, shapes)
        with torch.no_grad():
            x2 = x.clone()
            x2[0, 1:] = (x2[0, 1:] + 1) % 5
            check(close(model(x2)[1:], out[1:]), BATCH_AS_TIME + " (changing sequence 0 changed the logits "
                  "of the other sequences)")
            x2 = x.clone()
            x2[:, -1] = (x2[:, -1] + 1) % 5
            check(not same(model(x2), out), "changing the last symbol did not change the logits: "
                  "classify from the output at the last step, output[:, -1] (with batch_first=True)")
            x2 = x.clone()
            x2[:, 0] = 4
            check(not same(model(x2), out), LAST_SYMBOL + " (changing the first symbol did not change "
                  "the logits: on a task that needs it, the accuracy stays at chance)")
        model.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        for name, p in model.named_parameters():
            if "weight_hh" in name:
                check(p.grad is not None and bool(p.grad.abs().sum() > 0), "the loss gives the recurrent "
                      "weight {} no gradient.{}", name, ONLY_LINEAR_TRAINED)
        for module in model.modules():
            if isinstance(module, nn.Embedding) and module.weight.requires_grad and module.weight.shape[0] == 6:
                grad = module.weight.grad
                check(grad is not None and bool(grad[1:5].abs().sum() > 0), "the embedding gets no gradient: "
                      "is its output detached, or its weight frozen?")
                check(bool(grad[5].abs().sum() > 0), "the embedding of a symbol seen only at the first step "
                      "gets no gradient from the logits.{}", STEPS_DETACHED)
    passed("SequenceClassifier", "the hidden tests also train it briefly")


CHECKS = {
    "split_gru_weights": check_split_gru_weights,
    "gru_cell": check_gru_cell,
    "ewma": check_ewma,
    "peephole_lstm_cell": check_peephole_lstm_cell,
    "init_hidden": check_init_hidden,
    "param_count": check_param_count,
    "SequenceClassifier": check_SequenceClassifier,
}
