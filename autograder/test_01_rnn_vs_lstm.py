"""Hidden tests for 01_rnn_vs_lstm (COURSE_SPEC.md §4.1).

Each test checks one property on fresh random weights and compares with PyTorch's own
modules (nn.RNNCell, nn.RNN, clip_grad_norm_) or with the reference; a failure says
which term or property is wrong and the likely mistake behind it.

Only values are judged: the outputs of the learner's functions on inputs made here. The
trained SineRNN is judged by its weights, read back after the notebook's loop trained it
from starting weights chosen here, against the same training replayed here. Whether
detach_hidden's result is cut from the graph cannot be seen from outside the learner's
process and is not scored (``unobservable``).

A named mistake is said in the words of ``rnncourse.checks.rnn_vs_lstm`` (imported as ``said``),
the notebook's self-check's words too: the self-check names the mistake the grade names.
"""

import re
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn as nn

from rnncourse.checks import rnn_vs_lstm as said
from rnncourse.compare import close, max_diff, same
from rnncourse.grading.hidden import (
    Described,
    Iterated,
    LearnerError,
    Mistake,
    array,
    contract_tests,
    expect,
    graded,
    unobservable,
)
from rnncourse.helpers import rnn_vs_lstm as sequences
from solutions import rnn_vs_lstm as ref

SHAPES = [(3, 4, 5), (1, 7, 2), (8, 3, 3), (2, 1, 6)]  # (batch, input_size, hidden_size)


def gen(seed):
    """A fresh, seeded generator per test: the same numbers in any order, in any process."""
    return torch.Generator().manual_seed(seed)


def randn(g, *shape, scale=1.0):
    return torch.randn(*shape, generator=g) * scale


def weights(g, i, h, scale=0.5):
    return (randn(g, h, i, scale=scale), randn(g, h, h, scale=scale),
            randn(g, h, scale=scale), randn(g, h, scale=scale))


def answer(call, what, hint=""):
    """Run ``call()``; a learner error becomes a Mistake that says what was asked (and a hint)."""
    try:
        return call()
    except LearnerError as exc:
        if exc.kind == "raised" and hint:
            raise Mistake(f"{exc} when {what}: {hint}") from None
        raise


# --- rnn_cell ------------------------------------------------------------------------------
CELL_HINT = said.CELL_HINT


def cell(learner, x, h, w_ih, w_hh, b_ih, b_hh, what):
    out = answer(lambda: learner.rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh), what, CELL_HINT)
    out = array(out, "rnn_cell's result")
    expect(out.shape == (x.shape[0], w_hh.shape[0]),
           "rnn_cell should return h_next of shape (batch, H) = {}, got {}",
           (x.shape[0], w_hh.shape[0]), out.shape)
    return out


def one_term(out, want, mistakes, wrong: str) -> None:
    """h_next with one term of the cell switched on: ``want``, or the first of ``mistakes``
    ((value, message)) it equals, or ``wrong``."""
    if close(out, want.numpy()):
        return
    for value, message in mistakes:
        expect(not close(out, value.numpy()), message)
    expect(False, wrong)


@graded("rnn_cell", weight=2)
def test_rnn_cell_matches_rnncell(learner):
    "equals nn.RNNCell (tanh) with the same weights, for several shapes"
    g = gen(101)
    for b, i, h in SHAPES:
        torch.manual_seed(b * 100 + i * 10 + h)
        m = nn.RNNCell(i, h)
        x, hp = randn(g, b, i), randn(g, b, h)
        out = cell(learner, x, hp, m.weight_ih.detach(), m.weight_hh.detach(), m.bias_ih.detach(),
                   m.bias_hh.detach(), f"x is ({b}, {i}) and H = {h}")
        want = m(x, hp).detach().numpy()
        expect(close(out, want), "rnn_cell differs from nn.RNNCell for batch={}, I={}, H={} "
               "(largest difference {:.2g}); the checks on single terms below say which one",
               b, i, h, max_diff(out, want))


@graded("rnn_cell")
def test_rnn_cell_bias_term(learner):
    "with x and h_prev zero, gives tanh(bias_ih + bias_hh)"
    g = gen(102)
    w_ih, w_hh, b_ih, b_hh = weights(g, 3, 4, scale=1.0)
    out = cell(learner, torch.zeros(2, 3), torch.zeros(2, 4), w_ih, w_hh, b_ih, b_hh,
               "x and h_prev are zero")
    want = torch.tanh(b_ih + b_hh).expand(2, 4).numpy()
    if close(out, want):
        return
    mistake = said.cell_bias_mistake(out, b_ih, b_hh)
    expect(mistake is None, mistake)
    expect(False, "with x = 0 and h_prev = 0 only the biases act and h_next should be "
           "tanh(bias_ih + bias_hh); check how the biases enter and the nonlinearity (tanh)")


@graded("rnn_cell")
def test_rnn_cell_input_term(learner):
    "with weight_hh and the biases zero, gives tanh(x @ weight_ih.T)"
    g = gen(103)
    w_ih = randn(g, 5, 3)
    x, h = randn(g, 4, 3), randn(g, 4, 5)
    z5 = torch.zeros(5)
    out = cell(learner, x, h, w_ih, torch.zeros(5, 5), z5, z5, "weight_hh is zero")
    one_term(out, torch.tanh(x @ w_ih.T), [(torch.tanh(x @ w_ih.T + h), said.H_PREV_UNWEIGHTED),
                                           (torch.sigmoid(x @ w_ih.T), said.INPUT_SIGMOID)],
             "with weight_hh and the biases zero, h_next should be tanh(x @ weight_ih.T): "
             "the input term (weight_ih with x) is wrong")


@graded("rnn_cell")
def test_rnn_cell_recurrent_term(learner):
    "with weight_ih and the biases zero, gives tanh(h_prev @ weight_hh.T)"
    g = gen(104)
    w_hh = randn(g, 4, 4)
    x, h = randn(g, 3, 2), randn(g, 3, 4)
    z4 = torch.zeros(4)
    out = cell(learner, x, h, torch.zeros(4, 2), w_hh, z4, z4, "weight_ih is zero")
    one_term(out, torch.tanh(h @ w_hh.T), [(torch.tanh(h @ w_hh), said.WHH_UNTRANSPOSED),
                                           (h @ w_hh.T, said.OUTSIDE_TANH),
                                           (torch.zeros_like(h), said.NO_RECURRENT_TERM)],
             "with weight_ih and the biases zero, h_next should be tanh(h_prev @ weight_hh.T): "
             "the recurrent term (weight_hh with h_prev) is wrong")


@graded("rnn_cell")
def test_rnn_cell_zero_centred(learner):
    "gives values in (-1, 1), negative ones included (tanh, not sigmoid)"
    g = gen(105)
    w_ih, w_hh, b_ih, b_hh = weights(g, 3, 6, scale=2.0)
    out = cell(learner, randn(g, 16, 3, scale=3.0), randn(g, 16, 6), w_ih, w_hh, b_ih, b_hh,
               "the inputs are large")
    expect(np.all(np.isfinite(out)), "rnn_cell returned inf or nan for large inputs")
    expect(out.min() < 0, said.NOT_ZERO_CENTRED)
    expect(np.abs(out).max() <= 1.0, "values outside [-1, 1]: the result should go through tanh")


# --- rnn_forward ---------------------------------------------------------------------------
FWD_HINT = said.FWD_HINT


def forward(learner, x, h0, w, what):
    out = answer(lambda: learner.rnn_forward(x, h0, *w), what, FWD_HINT)
    expect(isinstance(out, (tuple, list)) and len(out) == 2,
           "rnn_forward should return a pair (output, h_n), got {}", type(out).__name__)
    output, h_n = array(out[0], "output"), array(out[1], "h_n")
    b, s, _ = x.shape
    h = w[1].shape[0]
    if output.shape == (s, b, h) and (b, s) != (s, b):
        expect(False, said.seq_first_output(output.shape))
    expect(output.shape == (b, s, h), "output should be batch-first (batch, seq, H) = {}, got {}",
           (b, s, h), output.shape)
    expect(h_n.shape == (b, h), said.h_n_shape((b, h), h_n.shape))
    return output, h_n


def torch_rnn(i, h, seed):
    torch.manual_seed(seed)  # the weights of nn.RNN
    m = nn.RNN(i, h, batch_first=True)
    w = tuple(getattr(m, n).detach() for n in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))
    return m, w


@graded("rnn_forward", weight=2)
def test_rnn_forward_matches_nn_rnn(learner):
    "equals nn.RNN(batch_first=True) with the same weights and a given h0"
    g = gen(201)
    for (b, i, h), s in zip(SHAPES, (6, 1, 9, 4)):
        m, w = torch_rnn(i, h, b + i + h + s)
        x, h0 = randn(g, b, s, i), randn(g, b, h)
        output, h_n = forward(learner, x, h0, w, f"x is ({b}, {s}, {i}) and H = {h}")
        want, want_h = m(x, h0.unsqueeze(0))
        if not close(output, want.detach().numpy()):
            if s > 1:
                reused = torch.tanh(x @ w[0].T + w[2] + (h0 @ w[1].T + w[3]).unsqueeze(1))
                expect(not close(output, reused.numpy()), said.NOT_CARRIED)
                backwards = torch.flip(ref.rnn_forward(torch.flip(x, [1]), h0, *w)[0], [1])
                expect(not close(output, backwards.numpy()), said.REVERSED)
                expect(not close(output[:, 0], want[:, 0].detach().numpy()), said.LATER_STEPS)
            expect(False, said.differs_at_step0(b, s, i, h))
        expect(close(h_n, want_h[0].detach().numpy()), said.H_N_LAST)


@graded("rnn_forward")
def test_rnn_forward_h0_none_is_zeros(learner):
    "h0=None starts from a zero state, as nn.RNN does"
    g = gen(202)
    m, w = torch_rnn(3, 5, 22)
    x = randn(g, 4, 6, 3)
    output, h_n = forward(learner, x, None, w, "h0 is None")
    want, _ = m(x)
    expect(close(output, want.detach().numpy()), said.H0_NONE)


@graded("rnn_forward")
def test_rnn_forward_last_is_h_n(learner):
    "h_n equals the last step of output"
    g = gen(203)
    _, w = torch_rnn(2, 4, 23)
    output, h_n = forward(learner, randn(g, 3, 7, 2), randn(g, 3, 4), w, "seq is 7")
    expect(close(h_n, output[:, -1]), "h_n should be the hidden state after the last step, "
           "output[:, -1]; got something else (the first step? the initial state?)")


@graded("rnn_forward")
def test_rnn_forward_time_axis(learner):
    "reads time along axis 1 (batch-first): batch rows do not mix"
    g = gen(204)
    m, w = torch_rnn(2, 3, 24)
    x = randn(g, 5, 4, 2)
    output, _ = forward(learner, x, None, w, "batch=5, seq=4")
    one, _ = forward(learner, x[2:3], None, w, "batch=1, seq=4")
    expect(close(output[2:3], one), said.ROWS_MIXED.format(2))


# --- clip_grad_norm -----------------------------------------------------------------------
def grads_of(g, shapes, scale):
    return [randn(g, *s, scale=scale) for s in shapes]


def params_with(grads):
    out = []
    for gr in grads:
        p = torch.zeros(2 if gr is None else gr.shape, requires_grad=True)
        p.grad = None if gr is None else gr.clone()
        out.append(p)
    return out


def clip(learner, params, max_norm, what):
    total, after = answer(lambda: learner.call("clip_grad_norm", params, max_norm, return_args=True),
                          what, said.CLIP_SKIP_NONE)
    try:
        total = float(np.asarray(total.detach() if hasattr(total, "detach") else total))
    except (TypeError, ValueError):
        raise Mistake(f"clip_grad_norm should return the total norm (a number or 0-d tensor), "
                      f"got {type(total).__name__}") from None
    return total, [p.grad for p in after[0]]


def torch_clip(grads, max_norm):
    params = params_with(grads)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return float(total), [p.grad for p in params]


SHAPES_P = [(4, 3), (4,), (2, 5, 2)]


@graded("clip_grad_norm", weight=2)
def test_clip_matches_torch(learner):
    "equals torch.nn.utils.clip_grad_norm_ when the norm is above max_norm"
    g = gen(301)
    for scale, max_norm in ((3.0, 1.0), (1.0, 0.5), (10.0, 5.0)):
        grads = grads_of(g, SHAPES_P, scale)
        want_total, want = torch_clip(grads, max_norm)
        total, after = clip(learner, params_with(grads), max_norm, "the norm is above max_norm")
        before = np.sqrt(sum(float((gr ** 2).sum()) for gr in grads))
        if after and all(a is not None for a in after):
            now = np.sqrt(sum(float((a ** 2).sum()) for a in after))
            per_param = [gr * min(1.0, max_norm / (float(gr.norm()) + 1e-6)) for gr in grads]
            if all(close(a, b) for a, b in zip(after, per_param)):
                expect(False, said.PER_PARAMETER)
            if close(now, before, rtol=1e-5) and not close(before, max_norm):
                expect(False, said.not_in_place(before, max_norm))
            expect(all(close(a, b) for a, b in zip(after, want)), said.scaled_wrong(max_norm, now))
        else:
            expect(False, "clip_grad_norm removed gradients (some .grad is None afterwards)")
        if close(total, now) and not close(total, want_total):
            expect(False, said.NORM_AFTER)
        expect(close(total, want_total), said.total_norm_wrong(want_total, total))


@graded("clip_grad_norm")
def test_clip_leaves_small_gradients(learner):
    "leaves gradients unchanged when their norm is below max_norm"
    g = gen(302)
    grads = grads_of(g, SHAPES_P, 0.1)
    want_total = float(np.sqrt(sum(float((gr ** 2).sum()) for gr in grads)))
    total, after = clip(learner, params_with(grads), 100.0, "the norm is below max_norm")
    expect(all(a is not None and close(a, b, atol=1e-7, rtol=1e-6) for a, b in zip(after, grads)),
           said.clip_only_above(want_total))
    expect(close(total, want_total), "the returned norm should be the L2 norm of all gradients "
           "together ({:.5g}), got {:.5g}", want_total, total)


@graded("clip_grad_norm")
def test_clip_skips_missing_gradients(learner):
    "skips parameters without a gradient (.grad is None)"
    g = gen(303)
    grads = [randn(g, 3, 3, scale=4.0), None, randn(g, 5, scale=4.0)]
    want_total, want = torch_clip(grads, 1.0)
    total, after = clip(learner, params_with(grads), 1.0, "a parameter has no gradient")
    expect(after[1] is None, "a parameter without a gradient should keep .grad = None")
    expect(close(total, want_total) and close(after[0], want[0]) and close(after[2], want[2]),
           "with one parameter without a gradient, the total norm and the clipped gradients "
           "should come from the others only")


@graded("clip_grad_norm")
def test_clip_accepts_generator(learner):
    "works on model.parameters(), a generator that can be read only once"
    g = gen(304)
    grads = grads_of(g, SHAPES_P, 3.0)
    want_total, want = torch_clip(grads, 1.0)
    try:
        total, after = learner.scenario("rnn_vs_lstm.clip_generator", grads=grads, max_norm=1.0,
                                        label="clip_grad_norm")
    except LearnerError as exc:
        raise Mistake(f"{exc} when given model.parameters() (a generator)") from None
    expect(all(close(a, b) for a, b in zip(after, want)), said.GENERATOR)
    expect(close(float(np.asarray(total)), want_total), "with model.parameters() the returned "
           "total norm should be {:.5g}", want_total)


# --- detach_hidden ------------------------------------------------------------------------
DETACHED = ("whether the result is cut from the graph (detached) cannot be seen from outside your "
            "notebook's process, so it is not scored here; only the structure and the values are. "
            "The notebook's check_detach_hidden shows it: the result must not require grad, for "
            "h and for the cell state c alike")


def hidden_state(kind):
    """A hidden state made here, as an RNN (a tensor) or an LSTM ((h, c), or [h, c]) leaves it;
    its tensors require grad, as a state still attached to its graph does."""
    torch.manual_seed(31)  # the weights of the module
    x = torch.randn(3, 4, 2)
    with torch.no_grad():
        if kind == "tensor":
            _, h = nn.RNN(2, 5, batch_first=True)(x)
            items = [h]
        else:
            _, (h, c) = nn.LSTM(2, 5, batch_first=True)(x)
            items = [h, c]
    items = [t.clone().requires_grad_(True) for t in items]
    return items[0] if kind == "tensor" else (tuple(items) if kind == "tuple" else items), items


def detach_case(learner, kind):
    """The learner's detach_hidden on a hidden state of ``kind``: (what came back, the values given)."""
    unobservable("detach_hidden", DETACHED)
    hidden, values = hidden_state(kind)
    what = {"tensor": "an RNN's hidden state (a tensor)", "tuple": "an LSTM's (h, c) tuple",
            "list": "a list [h, c]"}[kind]
    try:
        out = learner.detach_hidden(hidden)
    except LearnerError as exc:
        if exc.kind != "raised":
            raise
        named = said.detach_error(exc.detail)
        raise Mistake(f"{named} (given {what})" if named else f"{exc} when given {what}: {said.DETACH_HINT}") \
            from None
    return out, [t.detach() for t in values]


def structure(value) -> str:
    if isinstance(value, Iterated):
        return "generator"
    if isinstance(value, torch.Tensor):
        return "tensor"
    if isinstance(value, (tuple, list)):
        return type(value).__name__
    return _kind_name(value)


def _kind_name(value) -> str:
    if value is None:
        return "None (is a `return` missing?)"
    if isinstance(value, Described):
        return printable(value.type_name)
    if isinstance(value, np.ndarray):
        return "numpy array"
    return type(value).__name__


def check_same_values(out, values, kind):
    items = [out] if kind == "tensor" else list(out)
    n = len(values)
    expect(len(items) == n, "detach_hidden of {} should give back {}; got {} item(s)",
           "a tensor" if n == 1 else f"a {kind} (h, c)", "one tensor" if n == 1 else f"a {kind} of two",
           len(items))
    for k, (got, want) in enumerate(zip(items, values)):
        which = "the result" if kind == "tensor" else ("h", "the cell state c")[k] + f" of the {kind}"
        expect(isinstance(got, torch.Tensor), "{} should be a tensor, got a {}", which, _kind_name(got))
        expect(close(got.detach(), want, atol=0, rtol=0), said.KEEP_VALUES, which)


@graded("detach_hidden")
def test_detach_tensor(learner):
    "returns a single hidden state tensor as a tensor with the same values"
    out, values = detach_case(learner, "tensor")
    expect(structure(out) == "tensor", said.same_structure("tensor", structure(out)))
    check_same_values(out, values, "tensor")


@graded("detach_hidden", weight=2)
def test_detach_lstm_tuple(learner):
    "returns an LSTM's (h, c) as a tuple with the same values, h and c both"
    out, values = detach_case(learner, "tuple")
    expect(structure(out) == "tuple", said.same_structure("tuple", structure(out)))
    check_same_values(out, values, "tuple")


@graded("detach_hidden")
def test_detach_list(learner):
    "keeps a list a list, with the same values"
    out, values = detach_case(learner, "list")
    expect(structure(out) == "list", said.same_structure("list", structure(out)))
    check_same_values(out, values, "list")


# --- hidden_gradient_norms ----------------------------------------------------------------
def norms(learner, module, x, what):
    try:
        out = learner.hidden_gradient_norms(module, x)
    except LearnerError as exc:
        named = said.norms_error(exc.detail) if exc.kind == "raised" else None
        if named:
            raise Mistake(f"{named} ({what})") from None
        if exc.kind == "raised":
            raise Mistake(f"{exc} when {what}: {said.NORMS_HINT}") from None
        raise
    if isinstance(out, list) and out and all(isinstance(v, torch.Tensor) for v in out):
        expect(False, said.NORMS_LIST)
    out = array(out, "hidden_gradient_norms' result")
    expect(out.shape == (x.shape[1],), "the result should have shape (seq,) = ({},): one norm per "
           "time step, got {}", x.shape[1], out.shape)
    return out


def module(kind, i, h, seed):
    torch.manual_seed(seed)  # the weights of the module
    return {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[kind](i, h, batch_first=True)


def diagnose_norms(got, m, x, kind):
    """A message for the common mistakes, or None."""
    want = ref.hidden_gradient_norms(m, x).numpy()
    named = said.norms_mistake(got, want, x.shape[0], m.hidden_size)
    if named:
        return named
    if kind == "lstm":
        c_norms = cell_state_norms(m, x)
        if close(got, c_norms, rtol=1e-3, atol=1e-6):
            return said.NORMS_CELL_STATE
    return None


def cell_state_norms(m, x):
    hidden, cs = None, []
    for t in range(x.shape[1]):
        _, hidden = m(x[:, t : t + 1], hidden)
        cs.append(hidden[1])
    loss = hidden[0].sum()
    grads = torch.autograd.grad(loss, cs, allow_unused=True)
    return np.array([0.0 if g is None else float(g.norm()) for g in grads])


def compare_norms(learner, kind, cases, seed):
    g = gen(seed)
    for b, i, h, s in cases:
        m = module(kind, i, h, seed + b + s)
        x = randn(g, b, s, i)
        got = norms(learner, m, x, f"given an nn.{kind.upper()} and x of shape ({b}, {s}, {i})")
        want = ref.hidden_gradient_norms(m, x).numpy()
        if close(got, want, rtol=1e-3, atol=1e-6 * float(want.max())):
            continue
        message = diagnose_norms(got, m, x, kind)
        expect(False, "hidden_gradient_norms on an nn.{} (batch={}, seq={}, H={}) differs from "
               "the norms of dL/dh_t with L = final h.sum(){}", kind.upper(), b, s, h,
               f": {message}" if message else " (compare the last entry: it is sqrt(batch * H), "
               "the norm of a gradient of ones)")


@graded("hidden_gradient_norms", weight=2)
def test_norms_rnn(learner):
    "gives the norm of dL/dh_t for every step of an nn.RNN"
    compare_norms(learner, "rnn", [(3, 2, 4, 8), (1, 3, 6, 20), (5, 1, 3, 12)], 401)


@graded("hidden_gradient_norms")
def test_norms_gru(learner):
    "gives the norm of dL/dh_t for every step of an nn.GRU"
    compare_norms(learner, "gru", [(2, 3, 5, 10), (4, 2, 2, 15)], 402)


@graded("hidden_gradient_norms", weight=2)
def test_norms_lstm(learner):
    "gives the norm of dL/dh_t (the hidden output, not the cell state) for an nn.LSTM"
    compare_norms(learner, "lstm", [(2, 3, 4, 10), (3, 1, 5, 16)], 403)


@graded("hidden_gradient_norms")
def test_norms_vanish(learner):
    "shows vanishing gradients: for a contracting RNN the norms fall geometrically towards step 0"
    m = nn.RNN(2, 4, batch_first=True)
    state = {k: torch.zeros_like(v) for k, v in m.state_dict().items()}
    state["weight_hh_l0"] = 0.5 * torch.eye(4)
    m.load_state_dict(state)
    x = torch.zeros(3, 10, 2)
    got = norms(learner, m, x, "the RNN is contracting (weight_hh = 0.5 I)")
    want = np.sqrt(12) * 0.5 ** np.arange(9, -1, -1)
    expect(close(got, want, rtol=1e-4, atol=1e-8), "with weight_hh = 0.5 I and a zero state, "
           "dL/dh_t = 0.5^(T-1-t) * ones, so the norms should be sqrt(3*4) * 0.5^(T-1-t): "
           "{} ... {}; got {} ... {}", np.round(want[:2], 5).tolist(), np.round(want[-2:], 3).tolist(),
           np.round(got[:2], 5).tolist(), np.round(got[-2:], 3).tolist())


# --- SineRNN -------------------------------------------------------------------------------
def build(learner, *args, **kwargs):
    try:
        return learner.new("SineRNN", *args, **kwargs)
    except LearnerError as exc:
        raise Mistake(f"SineRNN({', '.join(map(str, args))}) could not be built: {exc}") from None


def run(model, x, hidden, what):
    try:
        out = model.call("forward", x, hidden)
    except LearnerError as exc:
        raise Mistake(f"{exc} ({what})") from None
    expect(isinstance(out, (tuple, list)) and len(out) == 2,
           "forward should return (output, hidden), got {}", type(out).__name__)
    return array(out[0], "forward's output"), out[1]


@graded("SineRNN")
def test_sine_shapes(learner):
    "forward gives output (batch, seq, output_size) and hidden (n_layers, batch, hidden_dim)"
    g = gen(501)
    for (i, o, hd, nl), (b, s) in (((1, 1, 32, 1), (4, 9)), ((2, 3, 8, 2), (3, 5)), ((1, 1, 16, 1), (1, 12))):
        model = build(learner, i, o, hd, nl)
        x = randn(g, b, s, i)
        out, hidden = run(model, x, None, f"SineRNN({i}, {o}, {hd}, {nl}) on x of shape {(b, s, i)}")
        if out.shape == (b * s, o) and b > 1:
            expect(False, said.flattened_output(out.shape))
        expect(out.shape == (b, s, o), "for x of shape {} the output should be (batch, seq, "
               "output_size) = {}, got {}: one prediction per step", (b, s, i), (b, s, o), out.shape)
        hidden = array(hidden, "the hidden state forward returns")
        if hidden.shape == (nl, s, hd) and b != s:
            expect(False, "hidden has shape (n_layers, seq, hidden_dim) {}: the RNN reads x as "
                   "(seq, batch, ...); build it with batch_first=True", hidden.shape)
        expect(hidden.shape == (nl, b, hd), "hidden should be (n_layers, batch, hidden_dim) = {}, "
               "got {} (does the model use n_layers and hidden_dim?)", (nl, b, hd), hidden.shape)


@graded("SineRNN")
def test_sine_uses_given_hidden(learner):
    "forward starts from the hidden state it is given"
    g = gen(502)
    model = build(learner, 1, 1, 8, 1)
    x = randn(g, 2, 5, 1)
    a, _ = run(model, x, None, "hidden=None")
    b, _ = run(model, x, randn(g, 1, 2, 8), "a given hidden state")
    expect(not close(a, b, atol=1e-7, rtol=1e-7), said.IGNORES_HIDDEN)


@graded("SineRNN")
def test_sine_is_recurrent_and_causal(learner):
    "step t depends on earlier inputs, and not on later ones"
    g = gen(503)
    model = build(learner, 1, 1, 16, 1)
    x = randn(g, 3, 8, 1)
    base, _ = run(model, x, None, "x of shape (3, 8, 1)")
    early = x.clone()
    early[:, 0] += 1.0
    out_early, _ = run(model, early, None, "x of shape (3, 8, 1)")
    expect(base.shape == (3, 8, 1), "the output should have shape (batch, seq, 1)")
    if close(out_early[:, 5:], base[:, 5:], atol=1e-7, rtol=1e-5):
        hint = (" The rows of x are read as time steps: build the RNN with batch_first=True."
                if not close(out_early[:, 0], base[:, 0], atol=1e-8, rtol=1e-5) else "")
        expect(False, said.no_recurrence(5) + "{}", hint)
    late = x.clone()
    late[:, 6:] += 1.0
    out_late, _ = run(model, late, None, "x of shape (3, 8, 1)")
    expect(close(out_late[:, :6], base[:, :6], atol=1e-6, rtol=1e-5), said.SEES_FUTURE.format(3))


# --- SineRNN, trained: the learner's training against a replay here -------------------------
SINE_HIDDEN = 32
SINE_START = 3  # the seed of the starting weights (the replay learns well from them, tanh or ReLU)
SINE_BATCHES = dict(n_batches=200, batch_size=8, seq_length=20, seed=3)
# trained weights within this of the replay match it: other correct styles (nn.RNNCell in a
# loop, own parameters) end up to 5e-6 away after 200 Adam steps (float rounding); one Adam step
# moves a weight by about lr = 0.01, so any real difference in training is far above it
SINE_TOL = 1e-3
SINE_SHAPES = {"rnn.weight_ih_l0": (SINE_HIDDEN, 1), "rnn.weight_hh_l0": (SINE_HIDDEN, SINE_HIDDEN),
               "rnn.bias_ih_l0": (SINE_HIDDEN,), "rnn.bias_hh_l0": (SINE_HIDDEN,),
               "fc.weight": (1, SINE_HIDDEN), "fc.bias": (1,)}
BIAS_SUFFIX = re.compile(r"bias_(ih|hh)(?:_l0)?$")


def sine_twin(nonlinearity="tanh", batch_first=True):
    """The reference SineRNN(1, 1, 32, 1), or the same with a ReLU recurrence or time-first input."""
    twin = ref.SineRNN(1, 1, SINE_HIDDEN, 1)
    if nonlinearity != "tanh" or not batch_first:
        twin.rnn = nn.RNN(1, SINE_HIDDEN, 1, batch_first=batch_first, nonlinearity=nonlinearity)
    return twin


def with_weights(twin, state):
    twin.load_state_dict({k: v.clone() for k, v in state.items()})
    return twin


def shapes_of(learner_state) -> dict:
    """The learner's state_dict as key -> shape (its values are never used)."""
    expect(isinstance(learner_state, dict) and all(isinstance(k, str) for k in learner_state),
           "model.state_dict() should give a dict of named tensors, got {}", _kind_name(learner_state))
    out = {}
    for key, value in learner_state.items():
        shape = getattr(value, "shape", None)
        expect(shape is not None, "model.state_dict() holds {} under {!r}, not a tensor",
               _kind_name(value), printable(key))
        out[key] = tuple(int(n) for n in shape)
    return out


def printable(name: str, limit: int = 60) -> str:
    """A learner's name, as one short printable word for a message."""
    return "".join(ch if ch.isprintable() else "?" for ch in name)[:limit]


def sine_key_map(shapes: dict) -> dict:
    """learner key -> reference key, by shape (the shapes of SineRNN(1, 1, 32, 1) differ, but
    for the two (32,) biases: by name suffix, else in order; the two are only ever added, so
    either way gives the same model), or a Mistake naming what the layout lacks."""
    def found():
        text = ", ".join(f"{printable(k)} {tuple(v)}" for k, v in list(shapes.items())[:10])
        return text[:300] or "no weights at all"
    if any("reverse" in k for k in shapes):
        expect(False, "the model has weights for a second, reversed direction (bidirectional): "
               "a backward pass reads the later inputs, so the model sees the future; predicting "
               "the next value needs a one-directional nn.RNN(input_size, hidden_dim, n_layers, "
               "batch_first=True). Found {}", found())
    if (SINE_HIDDEN, SINE_HIDDEN) not in shapes.values():
        gates = [k for k, v in shapes.items() if len(v) == 2 and v[1] == SINE_HIDDEN
                 and v[0] in (3 * SINE_HIDDEN, 4 * SINE_HIDDEN)]
        expect(not gates, "the model's recurrent weights have {} rows: an nn.LSTM or nn.GRU; "
               "SineRNN is a plain RNN, nn.RNN(input_size, hidden_dim, n_layers, batch_first=True) "
               "with a linear layer on top. Found {}", shapes[gates[0]][0] if gates else 0, found())
        expect(False, "SineRNN(1, 1, 32, 1) has no recurrent weight of shape (32, 32): the model "
               "has no recurrence (no memory of earlier steps); use nn.RNN(input_size, hidden_dim, "
               "n_layers, batch_first=True) followed by nn.Linear(hidden_dim, output_size). Found {}",
               found())
    mapping, biases = {}, []
    by_shape = {v: k for k, v in SINE_SHAPES.items() if k not in ("rnn.bias_ih_l0", "rnn.bias_hh_l0")}
    for key, shape in shapes.items():
        if shape == (SINE_HIDDEN,):
            biases.append(key)
        elif shape in by_shape and by_shape[shape] not in mapping.values():
            mapping[key] = by_shape[shape]
    if len(biases) == 2:
        named = [BIAS_SUFFIX.search(k) for k in biases]
        if all(named) and {m.group(1) for m in named} == {"ih", "hh"}:
            biases.sort(key=lambda k: BIAS_SUFFIX.search(k).group(1) != "ih")
        mapping[biases[0]], mapping[biases[1]] = "rnn.bias_ih_l0", "rnn.bias_hh_l0"
    expect(len(mapping) == len(shapes) and set(mapping.values()) == set(SINE_SHAPES),
           "the weights of SineRNN(1, 1, 32, 1) could not be matched to one nn.RNN(1, 32) (with "
           "both biases) and one nn.Linear(32, 1), nothing more: found {}", found())
    return mapping


def sine_forward(model, x, hidden, what):
    try:
        out = model.call("forward", x, hidden)
    except LearnerError as exc:
        raise Mistake(f"with the grader's weights loaded, forward {what} failed: {exc}") from None
    expect(isinstance(out, (tuple, list)) and len(out) == 2,
           "forward should return (output, hidden), got {}", _kind_name(out))
    output = array(out[0], "forward's output")
    expect(output.shape == (x.shape[0], x.shape[1], 1), "forward's output for x of shape {} "
           "should be (batch, seq, output_size) = {}, got {}", tuple(x.shape),
           (x.shape[0], x.shape[1], 1), output.shape)
    return output, out[1]


def twin_out(twin, x, hidden):
    with torch.no_grad():
        out, h = twin(x, hidden)
    return out.numpy(), h.numpy()


def same_hidden(got, want) -> bool:
    try:
        return close(array(got, "the hidden state forward returns"), want)
    except Mistake:
        return False


def identify_twin(model, start):
    """Which trusted twin the learner's forward computes with the starting weights loaded:
    "tanh" (the reference) or "relu"; otherwise a Mistake naming the likely mistake."""
    g = gen(504)
    x, h = randn(g, 4, 9, 1), randn(g, 1, 4, SINE_HIDDEN, scale=0.5)
    out, out_h = sine_forward(model, x, None, "on x of shape (4, 9, 1) and hidden=None")
    twins = {nl: with_weights(sine_twin(nl), start) for nl in ("tanh", "relu")}
    matches = [nl for nl, twin in twins.items() if close(out, twin_out(twin, x, None)[0])]
    if not matches:
        want = twin_out(twins["tanh"], x, None)[0]
        again, _ = sine_forward(model, x, None, "on x of shape (4, 9, 1) and hidden=None")
        expect(close(out, again, atol=0, rtol=0), "forward gives different outputs for the same "
               "input (dropout? other randomness?): SineRNN is an nn.RNN and an nn.Linear, nothing "
               "random, so that its training can be replayed and checked")
        time_first = twin_out(with_weights(sine_twin(batch_first=False), start), x, None)[0]
        expect(not close(out, time_first), "forward reads x as (seq, batch, input_size): the "
               "rows of a batch are taken for time steps; build the RNN with batch_first=True")
        expect(not close(out, 1 / (1 + np.exp(-want))), said.SIGMOID_OUTPUT)
        expect(not close(out, np.tanh(want)), "a tanh is applied to the output: the output layer "
               "is linear (nn.Linear, nothing after it)")
        expect(False, "with the grader's weights loaded (an nn.RNN(1, 32, batch_first=True) and an "
               "nn.Linear(32, 1)), forward's output differs from the RNN's output at every step "
               "fed through the linear layer (largest difference {:.2g}): forward should be "
               "self.fc(self.rnn(x, hidden)[0])", max_diff(out, want))
    twin = twins[matches[0]]
    expect(same_hidden(out_h, twin_out(twin, x, None)[1]), "forward should return, beside the "
           "output, the RNN's hidden state after the last step as nn.RNN returns it, (n_layers, "
           "batch, hidden_dim) = (1, 4, 32): the training loop carries it into the next batch")
    got, got_h = sine_forward(model, x, h, "on x of shape (4, 9, 1) and a given hidden state")
    want, want_h = twin_out(twin, x, h)
    if not close(got, want):
        expect(not close(got, out), "forward gives the same output whatever hidden state it is "
               "given: it ignores the hidden state you pass in, so nothing is carried from one "
               "batch to the next in training (pass it to the RNN: self.rnn(x, hidden))")
        expect(False, "with a given hidden state, forward's output differs from the RNN started "
               "from that state: pass the hidden state to the RNN as it is (self.rnn(x, hidden))")
    expect(same_hidden(got_h, want_h), "with a given hidden state, the hidden state forward "
           "returns is not the RNN's after the last step")
    return matches[0]


@contextmanager
def one_thread():
    """The replay on one thread, as the learner's process runs (and faster on a shared machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@graded("SineRNN", weight=3)
def test_sine_learns(learner):
    "trained briefly with the notebook's loop, predicts the next point far better than repeating the last"
    model = build(learner, 1, 1, SINE_HIDDEN, 1)
    try:
        layout = model.call("state_dict")
    except LearnerError as exc:
        raise Mistake(f"SineRNN(1, 1, 32, 1).state_dict() failed: {exc}") from None
    mapping = sine_key_map(shapes_of(layout))
    torch.manual_seed(SINE_START)  # the starting weights
    start = {k: v.detach().clone() for k, v in sine_twin().state_dict().items()}
    try:
        model.call("load_state_dict", {k: start[r] for k, r in mapping.items()})
    except LearnerError as exc:
        raise Mistake(f"loading weights into SineRNN(1, 1, 32, 1) with load_state_dict failed: "
                      f"{exc}") from None
    nonlinearity = identify_twin(model, start)
    batches = sequences.sine_streams(**SINE_BATCHES)
    try:
        learner.scenario("rnn_vs_lstm.train_sine", model=model, batches=batches, label="SineRNN",
                         timeout=180)
    except LearnerError as exc:
        raise Mistake(f"training SineRNN(1, 1, 32, 1) with the notebook's loop failed: {exc}") from None
    try:
        trained = model.call("state_dict")
    except LearnerError as exc:
        raise Mistake(f"after training, SineRNN's state_dict() failed: {exc}") from None
    expect(isinstance(trained, dict) and set(trained) == set(mapping),
           "after training, the model's weights are not the ones it had before (their names changed)")
    got = {mapping[k]: array(v, f"the trained weight {k}") for k, v in trained.items()}
    with one_thread():
        twin = with_weights(sine_twin(nonlinearity), start)
        sequences.train_sine(twin, batches)
    want = {k: v.detach().numpy() for k, v in twin.state_dict().items()}
    for key in SINE_SHAPES:
        expect(got[key].shape == want[key].shape, "after training, a weight changed shape")
    diffs = {k: max_diff(got[k], want[k]) for k in SINE_SHAPES}
    if max(diffs.values()) > SINE_TOL:
        unchanged = [k for k in SINE_SHAPES if same(got[k], start[k])]
        rnn_keys = [k for k in SINE_SHAPES if k.startswith("rnn.")]
        expect(len(unchanged) < len(SINE_SHAPES), "training with the notebook's loop did not change "
               "any weight: model.parameters() should give the RNN's and the linear layer's weights "
               "(make them attributes of the module in __init__)")
        expect(not set(rnn_keys) <= set(unchanged), "training changed the linear layer but not the "
               "RNN: no gradient reaches the RNN's weights; is the graph cut inside forward "
               "(.detach(), .data, .numpy(), torch.no_grad())?")
        worst = max(diffs, key=diffs.get)
        expect(False, "after training with the notebook's loop, the weights differ from the same "
               "training replayed with nn.RNN(1, 32, batch_first=True) and nn.Linear(32, 1) from the "
               "same starting weights (largest difference {:.2g}, in the {}): the model computes "
               "something else in training than it does when called once (state kept between "
               "calls? randomness?)", diffs[worst], "RNN" if worst.startswith("rnn.") else "linear layer")
    # the learner's weights are the replay's: judge the replayed model on fresh waves
    twin.eval()
    pred, xs, ys = sequences.predict_streams(twin, sequences.sine_eval_streams(seed=7))
    error, last = sequences.sine_errors(pred, xs, ys)
    expect(np.isfinite(error), "the trained model predicts inf or nan")
    expect(error < 0.25 * last, "after training, the mean squared error on new waves is {:.2g}, not "
           "well below the {:.2g} of simply repeating the last value (it should be under a quarter "
           "of it): with a {} recurrence the model did not learn to use what it remembers of "
           "earlier steps", error, last, nonlinearity)


# functions whose visible check is their whole contract (rnncourse.checks.contract) and which have
# no test above: that check, on the grader's own inputs
contract_tests("01_rnn_vs_lstm", globals(), seed=1_117)
