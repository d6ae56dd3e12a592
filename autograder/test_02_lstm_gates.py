# ruff: noqa: E741  (I, H: input and hidden sizes, the course's notation)
"""Hidden tests for 02_lstm_gates (COURSE_SPEC.md §4.2).

Every test checks one property of the contract on fresh random weights and says,
when it fails, which property and the likely mistake behind it. Results are compared
with PyTorch's own modules (``nn.LSTMCell``, ``nn.LSTM``) and with the reference.

Each function is graded on its own: while a gate runs, the graded functions it may
call (``sigmoid``; the gates inside ``lstm_cell``; ``lstm_cell`` inside ``lstm_forward``)
are stand-ins answered here, by the reference, in this process (``serve=``): the
learner's process sees only their values, so one mistake is charged once and no
reference code leaves this side.

Only values the learner's functions return are scored. What cannot be seen from
outside their process (warnings, which library functions ran) is not scored; whether
``sigmoid`` is written from exp is judged by reading the notebook's code here.

A named mistake is said in the words of ``rnncourse.checks.lstm_gates`` (imported as ``said``),
the notebook's self-check's words too: the self-check names the mistake the grade names.
"""


import numpy as np
import torch
from torch import nn

from rnncourse.checks import lstm_gates as said
from rnncourse.compare import close, max_diff
from rnncourse.grading.codeview import Notebook
from rnncourse.grading.hidden import (
    LearnerError,
    Mistake,
    array,
    contract_tests,
    expect,
    graded,
    unobservable,
)
from solutions import lstm_gates as ref

GATES = ("input", "forget", "cell", "output")
SHAPES = [(3, 4, 5), (1, 6, 2), (5, 3, 8)]  # (batch, input_size, hidden_size)


# --- data -------------------------------------------------------------------------------
def generator(seed):
    """A fresh generator per use: every test sees the same data in any order, in any process."""
    return torch.Generator().manual_seed(seed)


def randn(*shape, seed, scale=1.0):
    return torch.randn(*shape, generator=generator(seed)) * scale


def module(kind, input_size, hidden_size, seed, scale=0.6):
    """An nn.LSTMCell ("cell") or one-layer batch-first nn.LSTM ("lstm") with random weights;
    the biases are drawn apart so that leaving one out shows."""
    m = nn.LSTMCell(input_size, hidden_size) if kind == "cell" else \
        nn.LSTM(input_size, hidden_size, batch_first=True)
    g = generator(seed)
    with torch.set_grad_enabled(False):
        for name, p in m.named_parameters():
            p.copy_(torch.randn(p.shape, generator=g) * scale + (0.3 if "bias_ih" in name else 0.0))
    return m


def weights_of(m):
    return {k: tuple(t.detach().clone() for t in v) for k, v in ref.split_lstm_weights(m).items()}


pre = said.pre


# --- comparing (rnncourse.compare) -------------------------------------------------------
def tensor_result(value, what):
    if isinstance(value, (tuple, list)) and len(value) and not isinstance(value[0], (int, float)):
        expect(False, said.one_tensor(what, type(value).__name__, len(value)))
    return array(value, f"{what}'s result")


def judge(out, want, what, alternatives=(), otherwise=""):
    """Pass when ``out`` equals ``want``; else name the first known mistake it equals."""
    out = np.asarray(out)
    want = np.asarray(want.detach() if hasattr(want, "detach") else want)
    expect(out.shape == want.shape, "{} should have shape {}, got {}", what, tuple(want.shape), out.shape)
    expect(np.issubdtype(out.dtype, np.number) and np.all(np.isfinite(out)),
           "{} contains nan or inf", what)
    if close(out, want):
        return
    for alt, message in alternatives:
        alt = alt.detach() if hasattr(alt, "detach") else alt
        if close(out, alt):
            expect(False, message)
    expect(False, "{} differs from the expected values (largest difference {:.3g}). {}", what,
           max_diff(out, want), otherwise)


# --- stand-ins: the reference, answered here --------------------------------------------
def _tensor(value):
    return value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))


def _served_sigmoid(z):
    return ref.sigmoid(_tensor(z))


STAND_INS = {
    "sigmoid": _served_sigmoid,
    "forget_gate": ref.forget_gate,
    "learn_gate": ref.learn_gate,
    "remember_gate": ref.remember_gate,
    "use_gate": ref.use_gate,
    "lstm_cell": ref.lstm_cell,
}


def alone(learner, target, *args, uses=()):
    """The learner's ``target(*args)``, with the functions named in ``uses`` lent for that call:
    the learner's code calls them by name and this side answers each call with the reference."""
    return learner.call(target, *args, serve={name: STAND_INS[name] for name in uses})


def pair(value, what, names="(h_t, c_t)"):
    expect(isinstance(value, (tuple, list)) and len(value) == 2,
           "{} should return a pair {}, got {}", what, names, type(value).__name__)
    return value


_READ = {}


def notebook_code(learner):
    """The notebook as read here (parsed once per grading; which cells the grader skipped is
    this side's own record)."""
    key = id(learner.session)
    cached = _READ.get(key)
    skipped = frozenset(learner.session.report.skipped)
    if cached is None or cached[0] is not learner.session or cached[1] != skipped:
        _READ.clear()
        _READ[key] = (learner.session, skipped, Notebook(learner.cells, skipped))
    return _READ[key][2]


# --- sigmoid ----------------------------------------------------------------------------
def sigmoid_result(learner, z):
    try:
        return learner.sigmoid(z)
    except LearnerError as exc:
        if exc.kind != "raised":
            raise
        expect(False, said.sigmoid_raised(exc.detail))


@graded("sigmoid", weight=2)
def test_sigmoid_values(learner):
    "matches the logistic function 1 / (1 + e^-z) on moderate inputs"
    for shape in ((7,), (3, 4), (2, 3, 5)):
        z = randn(*shape, seed=11 + len(shape), scale=4.0)
        out = tensor_result(learner.sigmoid(z), "sigmoid")
        judge(out, torch.sigmoid(z), "sigmoid(z)", said.sigmoid_alternatives(z),
              "Expected 1 / (1 + e^-z), elementwise.")

@graded("sigmoid", weight=2)
def test_sigmoid_large_inputs(learner):
    "stays finite and correct for |z| up to 1e4"
    unobservable("sigmoid", "overflow warnings for large |z| are not scored: they happen inside your "
                 "process, where the grader cannot see them (the notebook's check_sigmoid shows them); "
                 "the values for large |z| are scored")
    z = torch.tensor([-1e4, -1e3, -200.0, -89.0, -50.0, -10.0, 0.0, 10.0, 50.0, 89.0, 200.0, 1e3, 1e4])
    out = tensor_result(sigmoid_result(learner, z), "sigmoid")
    expect(out.shape == z.shape, "sigmoid(z) should have the shape of z {}, got {}", tuple(z.shape), out.shape)
    bad = [float(v) for v, o in zip(z, out.astype(np.float64)) if not np.isfinite(o)]
    expect(not bad, "sigmoid returns nan or inf for large |z| (z = {}): e^z overflows (to inf for "
           "z > 88 in float32), and inf / inf is nan. Compute e^(-|z|), which never exceeds 1, and "
           "choose 1 / (1 + e) or e / (1 + e) by the sign of z", bad[:4])
    judge(out, torch.sigmoid(z), "sigmoid(z) for large |z|", [], "sigma(z) tends to 1 for large "
          "positive z and to 0 for large negative z.")


@graded("sigmoid")
def test_sigmoid_shape_dtype(learner):
    "returns a float32 tensor of the input's shape"
    z = randn(2, 3, seed=17)
    out = learner.sigmoid(z)
    expect(isinstance(out, torch.Tensor), "sigmoid should return a torch tensor (the gates multiply "
           "it with tensors), got a {}", type(out).__name__)
    expect(out.dtype == torch.float32, "sigmoid should keep float32, got {}: convert back with "
           "torch.as_tensor(..., dtype=torch.float32) if you computed in NumPy", out.dtype)
    expect(tuple(out.shape) == (2, 3), "sigmoid should keep the input's shape (2, 3), got {}",
           tuple(out.shape))


@graded("sigmoid")
def test_sigmoid_written_from_exp(learner):
    "is written from exp, not with torch.sigmoid or F.sigmoid"
    unobservable("sigmoid", "whether sigmoid is built from exp is judged by reading your code (sigmoid "
                 "and the functions it calls); the grader cannot see what other cells change at run time")
    code = notebook_code(learner)
    expect(code.live("sigmoid"), "no `def sigmoid(z):` found in your code cells")
    learner.sigmoid(randn(6, seed=19))  # it runs (a placeholder that raises is not yet written)
    problems = code.follow("sigmoid")
    library = [p for p in problems if p[0] == "library"]
    if library:
        expect(False, said.library_sigmoid(", ".join(dict.fromkeys(p[1] for p in library)), library[0][2]))
    if problems:
        expect(False, "sigmoid's code uses {} ({}), " + said.CANNOT_FOLLOW, problems[0][1], problems[0][2])


# --- split_lstm_weights -----------------------------------------------------------------
def unpack(value, input_size, hidden_size):
    expect(isinstance(value, dict), "split_lstm_weights should return a dict, got a {}", type(value).__name__)
    expect(set(value) == set(GATES), said.split_keys(sorted(map(str, value))))
    out = {}
    for gate in GATES:
        parts = value[gate]
        expect(isinstance(parts, (tuple, list)) and len(parts) == 3,
               "weights[{!r}] should be a tuple (W_x, W_h, b), got {}", gate,
               f"{len(parts)} items" if isinstance(parts, (tuple, list)) else type(parts).__name__)
        W_x, W_h, b = (array(p, f"weights[{gate!r}]") for p in parts)
        H, I = hidden_size, input_size
        if W_x.shape == (I, H) and I != H:
            expect(False, said.split_transposed(gate, (H, I), W_x.shape))
        expect(W_x.shape == (H, I), said.split_wx_shape(gate, (H, I), W_x.shape))
        expect(W_h.shape == (H, H), "weights[{!r}]'s W_h should have shape (H, H) = {}, got {}",
               gate, (H, H), W_h.shape)
        expect(b.shape == (H,), "weights[{!r}]'s b should have shape (H,) = {}, got {}", gate, (H,), b.shape)
        out[gate] = (W_x, W_h, b)
    return out


def judge_split(got, m, suffix=""):
    mistake = said.split_value_mistake(got, m, suffix)
    expect(mistake is None, mistake)


@graded("split_lstm_weights")
def test_split_keys_and_shapes(learner):
    "returns the four gates, each as (W_x (H, I), W_h (H, H), b (H,))"
    for I, H in ((3, 5), (7, 2)):
        unpack(learner.split_lstm_weights(module("cell", I, H, seed=21)), I, H)


@graded("split_lstm_weights", weight=2)
def test_split_lstmcell_values(learner):
    "matches nn.LSTMCell's packed weights in PyTorch's gate order (i, f, g, o)"
    for I, H, seed in ((4, 6, 22), (9, 3, 23)):
        m = module("cell", I, H, seed=seed)
        judge_split(unpack(learner.split_lstm_weights(m), I, H), m)


@graded("split_lstm_weights")
def test_split_square_weights(learner):
    "keeps W_x and W_h apart when input and hidden sizes are equal"
    m = module("cell", 5, 5, seed=24)
    judge_split(unpack(learner.split_lstm_weights(m), 5, 5), m)


@graded("split_lstm_weights", weight=2)
def test_split_lstm_module(learner):
    "accepts a one-layer nn.LSTM (weights named weight_ih_l0, ...)"
    for I, H, seed in ((4, 6, 25), (2, 3, 26)):
        m = module("lstm", I, H, seed=seed)
        try:
            got = learner.split_lstm_weights(m)
        except LearnerError as exc:
            if exc.kind != "raised":
                raise
            expect(False, "split_lstm_weights failed on a one-layer nn.LSTM ({}). nn.LSTM names its "
                   "weights weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0 (l0: layer 0); "
                   "nn.LSTMCell names them weight_ih, weight_hh, bias_ih, bias_hh", str(exc)[:200])
        judge_split(unpack(got, I, H), m, "_l0")


# --- the gates --------------------------------------------------------------------------
def gate_data(B, I, H, seed, kind="cell"):
    m = module(kind, I, H, seed=seed)
    return (randn(B, I, seed=seed + 1), randn(B, H, seed=seed + 2, scale=0.8),
            randn(B, H, seed=seed + 3, scale=1.5), weights_of(m))


forget_alternatives = said.forget_alternatives


def gate_values(learner, gate: str, seed: int, alternatives, cell_state: bool = True):
    """The gate on every shape, with the grader's sigmoid lent: the reference's value, or the
    named mistake it equals."""
    for k, (B, I, H) in enumerate(SHAPES):
        x, h, c, w = gate_data(B, I, H, seed=seed + 10 * k)
        args = (x, h, c, w) if cell_state else (x, h, w)
        out = tensor_result(alone(learner, gate, *args, uses=["sigmoid"]), gate)
        judge(out, getattr(ref, gate)(*args), gate, alternatives(*args))


def bias_only(learner, gate: str, seed: int, alternatives, note: str, cell_state: bool = True):
    """The gate with x and h_prev zero, so that only its biases act (the grader's sigmoid lent)."""
    x, h, c, w = gate_data(3, 4, 5, seed=seed)
    x, h = torch.zeros_like(x), torch.zeros_like(h)
    args = (x, h, c, w) if cell_state else (x, h, w)
    out = tensor_result(alone(learner, gate, *args, uses=["sigmoid"]), gate)
    judge(out, getattr(ref, gate)(*args), f"{gate} with zero inputs", alternatives(*args), note)


@graded("forget_gate", weight=2)
def test_forget_gate_values(learner):
    "returns f_t * c_prev with f_t = sigmoid(x W_xf^T + h_prev W_hf^T + b_f)"
    gate_values(learner, "forget_gate", 30, forget_alternatives)


@graded("forget_gate")
def test_forget_gate_bias_only(learner):
    "with x and h_prev zero, keeps sigmoid(b_f) * c_prev"
    bias_only(learner, "forget_gate", 61, forget_alternatives,
              "With x = 0 and h_prev = 0 only the bias is left: f_t = sigmoid(b_f).")


@graded("forget_gate")
def test_forget_gate_saturates(learner):
    "keeps all of c_prev when f_t saturates open, and none when it saturates closed"
    x, h, c, w = gate_data(2, 3, 4, seed=62)
    for bias, want, word in ((30.0, c, "open (b_f = +30) it should return c_prev"),
                             (-30.0, torch.zeros_like(c), "closed (b_f = -30) it should return zeros")):
        w2 = dict(w)
        w2["forget"] = (w["forget"][0], w["forget"][1], torch.full_like(w["forget"][2], bias))
        out = tensor_result(alone(learner, "forget_gate", x, h, c, w2, uses=["sigmoid"]), "forget_gate")
        judge(out, want, "forget_gate", forget_alternatives(x, h, c, w2), f"Saturated {word}.")


learn_alternatives = said.learn_alternatives


@graded("learn_gate", weight=2)
def test_learn_gate_values(learner):
    "returns i_t * g_t with i_t a sigmoid and g_t a tanh of their own weights"
    gate_values(learner, "learn_gate", 70, learn_alternatives, cell_state=False)


@graded("learn_gate")
def test_learn_gate_bias_only(learner):
    "with x and h_prev zero, returns sigmoid(b_i) * tanh(b_g)"
    bias_only(learner, "learn_gate", 101, learn_alternatives,
              "With x = 0 and h_prev = 0 only the biases are left: sigmoid(b_i) * tanh(b_g).", cell_state=False)


use_alternatives = said.use_alternatives


@graded("use_gate", weight=2)
def test_use_gate_values(learner):
    "returns h_t = o_t * tanh(c_t) with o_t = sigmoid(x W_xo^T + h_prev W_ho^T + b_o)"
    gate_values(learner, "use_gate", 120, use_alternatives)


@graded("use_gate")
def test_use_gate_bounded(learner):
    "keeps |h_t| below 1 even for a large cell state"
    x, h, c, w = gate_data(2, 3, 4, seed=151)
    c = c.sign() * 50.0 + c
    out = tensor_result(alone(learner, "use_gate", x, h, c, w, uses=["sigmoid"]), "use_gate")
    expect(out.shape == tuple(c.shape), "use_gate should return shape {}, got {}", tuple(c.shape), out.shape)
    expect(np.all(np.abs(out) <= 1.0 + 1e-6), "h_t grows with the cell state (max |h_t| = {:.3g}): the "
           "use gate needs tanh on c_t, which keeps the output in (-1, 1)", float(np.max(np.abs(out))))
    judge(out, ref.use_gate(x, h, c, w), "use_gate", use_alternatives(x, h, c, w))


# --- the cell and the layer -------------------------------------------------------------
GATE_NAMES = ["sigmoid", "forget_gate", "learn_gate", "remember_gate", "use_gate"]


cell_alternatives = said.cell_alternatives


def judge_cell(result, x, h, c, w, m=None):
    h_t, c_t = (array(v, "lstm_cell's result") for v in pair(result, "lstm_cell"))
    want_h, want_c = m(x, (h, c)) if m is not None else ref.lstm_cell(x, (h, c), w)
    if h_t.shape == c_t.shape and close(h_t, want_c) and close(c_t, want_h):
        expect(False, said.CELL_SWAPPED)
    alts = cell_alternatives(x, h, c, w)
    judge(c_t, want_c, "lstm_cell's c_t", alts["c"], "c_t = f_t * c_prev + i_t * g_t.")
    judge(h_t, want_h, "lstm_cell's h_t", alts["h"], "h_t = o_t * tanh(c_t).")


@graded("lstm_cell", weight=3)
def test_lstm_cell_matches_nn_lstmcell(learner):
    "equals nn.LSTMCell with the same weights, for several shapes"
    for k, (B, I, H) in enumerate(SHAPES):
        m = module("cell", I, H, seed=160 + 10 * k)
        x, h, c = randn(B, I, seed=161 + k), randn(B, H, seed=171 + k, scale=0.8), randn(B, H, seed=181 + k)
        w = weights_of(m)
        with torch.set_grad_enabled(False):
            judge_cell(alone(learner, "lstm_cell", x, (h, c), w, uses=GATE_NAMES), x, h, c, w, m)


@graded("lstm_cell")
def test_lstm_cell_uses_new_memory(learner):
    "computes h_t from the new cell state c_t"
    m = module("cell", 3, 4, seed=191)
    w = weights_of(m)
    x, h, c = randn(2, 3, seed=192), randn(2, 4, seed=193), randn(2, 4, seed=194, scale=3.0)
    with torch.set_grad_enabled(False):
        judge_cell(alone(learner, "lstm_cell", x, (h, c), w, uses=GATE_NAMES), x, h, c, w, m)


LAYER_NAMES = GATE_NAMES + ["lstm_cell"]


def layer_data(B, T, I, H, seed):
    m = module("lstm", I, H, seed=seed)
    return m, randn(B, T, I, seed=seed + 1), randn(B, H, seed=seed + 2, scale=0.5), \
        randn(B, H, seed=seed + 3, scale=0.5)


def unpack_layer(result, B, T, H):
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           "lstm_forward should return (output, (h_n, c_n)), got {}", type(result).__name__)
    output, state = result
    output = array(output, "lstm_forward's output")
    h_n, c_n = (array(v, "h_n / c_n") for v in pair(state, "lstm_forward's final state", "(h_n, c_n)"))
    if output.shape == (T, B, H) and T != B:
        expect(False, said.layer_seq_first(output.shape, (B, T, H)))
    expect(output.shape == (B, T, H), "output should have shape (batch, seq, H) = {}, got {}",
           (B, T, H), output.shape)
    if h_n.shape == (1, B, H):
        expect(False, said.layer_axis((B, H), h_n.shape))
    return output, h_n, c_n


def stepwise_from_start(x, h0, c0, w):
    """Every step started from the initial state: the state is not carried."""
    outs = [ref.lstm_cell(x[:, t], (h0, c0), w) for t in range(x.shape[1])]
    return torch.stack([o[0] for o in outs], 1), outs


def judge_layer(learner, B, T, I, H, seed, with_state=True):
    m, x, h0, c0 = layer_data(B, T, I, H, seed)
    w = weights_of(m)
    state = (h0, c0) if with_state else None
    with torch.set_grad_enabled(False):
        want, (wh, wc) = m(x, (h0[None], c0[None])) if with_state else m(x)
    try:
        got = alone(learner, "lstm_forward", x, state, w, uses=LAYER_NAMES)
    except LearnerError as exc:
        if exc.kind != "raised":
            raise
        expect(with_state, said.state_none_failed(exc.detail))
        raise Mistake(f"{exc} (x is {tuple(x.shape)}): {said.LAYER_HINT}") from None
    output, h_n, c_n = unpack_layer(got, B, T, H)
    if with_state:
        not_carried, steps = stepwise_from_start(x, h0, c0, w)
        if T > 1 and close(output, not_carried):
            expect(False, said.LAYER_NOT_CARRIED)
    judge(output, want, "lstm_forward's output", [], "output[:, t] should be h_t, step t's hidden state, "
          "as nn.LSTM(batch_first=True) gives.")
    if T > 1 and close(h_n, want[:, 0]):
        expect(False, said.H_N_FIRST)
    judge(h_n, wh[0], "h_n", [], "h_n should be the hidden state after the last step, output[:, -1].")
    if T > 1 and close(c_n, c0):
        expect(False, said.C_N_INITIAL)
    judge(c_n, wc[0], "c_n", [(wh[0], said.C_N_IS_H_N)], "c_n should be the cell state after the last step.")


@graded("lstm_forward", weight=3)
def test_lstm_forward_matches_nn_lstm(learner):
    "equals a one-layer nn.LSTM(batch_first=True) with the same weights and initial state"
    for k, (B, T, I, H) in enumerate(((3, 6, 4, 5), (1, 9, 2, 3), (4, 2, 6, 2))):
        judge_layer(learner, B, T, I, H, seed=200 + 10 * k)


@graded("lstm_forward")
def test_lstm_forward_zero_state(learner):
    "starts from zeros when state is None"
    for k, (B, T, I, H) in enumerate(((2, 5, 3, 4), (3, 1, 2, 6))):
        judge_layer(learner, B, T, I, H, seed=240 + 10 * k, with_state=False)


@graded("lstm_forward")
def test_lstm_forward_single_step(learner):
    "handles a sequence of one step and a batch of one"
    judge_layer(learner, 1, 1, 3, 4, seed=260)


# --- lstm_param_count -------------------------------------------------------------------
def judge_count(got, I, H, L):
    expect(isinstance(got, (int, np.integer)) and not isinstance(got, bool),
           "lstm_param_count should return an int, got {}", type(got).__name__)
    mistake = said.count_mistake(int(got), I, H, L)
    expect(mistake is None, mistake)


@graded("lstm_param_count")
def test_param_count_one_layer(learner):
    "counts a one-layer nn.LSTM's parameters, biases included"
    for I, H in ((3, 5), (83, 256), (1, 1)):
        judge_count(learner.lstm_param_count(I, H, 1), I, H, 1)


@graded("lstm_param_count", weight=2)
def test_param_count_layers(learner):
    "counts stacked layers, whose input size is hidden_size"
    for I, H, L in ((83, 256, 2), (10, 20, 3), (7, 4, 4)):
        judge_count(learner.lstm_param_count(I, H, L), I, H, L)


@graded("lstm_param_count")
def test_param_count_default_layers(learner):
    "num_layers defaults to 1"
    judge_count(learner.call("lstm_param_count", 12, 9), 12, 9, 1)


# functions whose visible check is their whole contract (rnncourse.checks.contract) and which have
# no test above (remember_gate): that check, on the grader's own inputs
contract_tests("02_lstm_gates", globals(), seed=5_217)
