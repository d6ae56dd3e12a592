"""Hidden tests for 01_rnn_vs_lstm (COURSE_SPEC.md §4.1).

Each test checks one property on fresh random weights and compares with PyTorch's own
modules (nn.RNNCell, nn.RNN, clip_grad_norm_) or with the reference; a failure says
which term or property is wrong and the likely mistake behind it.
"""

import numpy as np
import torch
import torch.nn as nn

from rnncourse.grading.hidden import LearnerError, Mistake, ModuleData, array, expect, graded
from rnncourse.sequences import predict_streams, sine_eval_streams
from solutions import rnn_vs_lstm as ref

SHAPES = [(3, 4, 5), (1, 7, 2), (8, 3, 3), (2, 1, 6)]  # (batch, input_size, hidden_size)
F32 = dict(atol=1e-5, rtol=1e-4)


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


def close(got, want, atol=1e-5, rtol=1e-4):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    return got.shape == want.shape and bool(np.allclose(got, want, atol=atol, rtol=rtol))


# --- rnn_cell ------------------------------------------------------------------------------
CELL_HINT = ("weight_ih is (H, I) and multiplies x, weight_hh is (H, H) and multiplies h_prev; "
             "with batch-first rows use x @ weight_ih.T and h_prev @ weight_hh.T")


def cell(learner, x, h, w_ih, w_hh, b_ih, b_hh, what):
    out = answer(lambda: learner.rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh), what, CELL_HINT)
    out = array(out, "rnn_cell's result")
    expect(out.shape == (x.shape[0], w_hh.shape[0]),
           "rnn_cell should return h_next of shape (batch, H) = {}, got {}",
           (x.shape[0], w_hh.shape[0]), out.shape)
    return out


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
               b, i, h, float(np.max(np.abs(out - want))))


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
    for guess, message in (
            (torch.sigmoid(b_ih + b_hh), "the nonlinearity is a sigmoid: a plain RNN uses tanh "
             "(zero-centred, slope up to 1)"),
            (torch.tanh(b_ih), "bias_hh is left out: both biases are added"),
            (torch.tanh(b_hh), "bias_ih is left out: both biases are added"),
            (torch.relu(b_ih + b_hh), "the nonlinearity is a ReLU: the course's RNN uses tanh"),
            (b_ih + b_hh, "no tanh is applied: h_next = tanh(...) of the whole sum")):
        if close(out, guess.expand(2, 4).numpy()):
            expect(False, "with x = 0 and h_prev = 0 only the biases act; " + message)
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
    want = torch.tanh(x @ w_ih.T).numpy()
    if close(out, want):
        return
    if close(out, torch.tanh(x @ w_ih.T + h).numpy()):
        expect(False, "with weight_hh = 0 the recurrent term should vanish, but h_prev is added "
               "as it is: multiply it by weight_hh")
    if close(out, torch.sigmoid(x @ w_ih.T).numpy()):
        expect(False, "the input term goes through a sigmoid: a plain RNN uses tanh")
    expect(False, "with weight_hh and the biases zero, h_next should be tanh(x @ weight_ih.T): "
           "the input term (weight_ih with x) is wrong")


@graded("rnn_cell")
def test_rnn_cell_recurrent_term(learner):
    "with weight_ih and the biases zero, gives tanh(h_prev @ weight_hh.T)"
    g = gen(104)
    w_hh = randn(g, 4, 4)
    x, h = randn(g, 3, 2), randn(g, 3, 4)
    z4 = torch.zeros(4)
    out = cell(learner, x, h, torch.zeros(4, 2), w_hh, z4, z4, "weight_ih is zero")
    want = torch.tanh(h @ w_hh.T).numpy()
    if close(out, want):
        return
    if close(out, torch.tanh(h @ w_hh).numpy()):
        expect(False, "weight_hh is applied untransposed: with h_prev as rows (batch, H), the "
               "recurrent term is h_prev @ weight_hh.T (PyTorch stores W_hh as (H_out, H_in))")
    if close(out, np.tanh(0) + (h @ w_hh.T).numpy()) or close(out, (h @ w_hh.T).numpy()):
        expect(False, "the recurrent term h_prev @ weight_hh.T is added outside the tanh: "
               "h_next = tanh(input term + recurrent term + biases), all inside")
    if close(out, np.zeros_like(want)):
        expect(False, "h_prev has no effect on h_next: the recurrent term h_prev @ weight_hh.T "
               "is missing, and without it there is no memory")
    expect(False, "with weight_ih and the biases zero, h_next should be tanh(h_prev @ weight_hh.T): "
           "the recurrent term (weight_hh with h_prev) is wrong")


@graded("rnn_cell")
def test_rnn_cell_zero_centred(learner):
    "gives values in (-1, 1), negative ones included (tanh, not sigmoid)"
    g = gen(105)
    w_ih, w_hh, b_ih, b_hh = weights(g, 3, 6, scale=2.0)
    out = cell(learner, randn(g, 16, 3, scale=3.0), randn(g, 16, 6), w_ih, w_hh, b_ih, b_hh,
               "the inputs are large")
    expect(np.all(np.isfinite(out)), "rnn_cell returned inf or nan for large inputs")
    expect(out.min() < 0, "rnn_cell never returns a negative value: a sigmoid squashes into "
           "(0, 1); the RNN uses tanh, which is zero-centred, into (-1, 1)")
    expect(np.abs(out).max() <= 1.0, "values outside [-1, 1]: the result should go through tanh")


# --- rnn_forward ---------------------------------------------------------------------------
FWD_HINT = ("x is (batch, seq, I) and h0 is (batch, H) or None; step t reads x[:, t] and "
            "the previous hidden state")


def forward(learner, x, h0, w, what):
    out = answer(lambda: learner.rnn_forward(x, h0, *w), what, FWD_HINT)
    expect(isinstance(out, (tuple, list)) and len(out) == 2,
           "rnn_forward should return a pair (output, h_n), got {}", type(out).__name__)
    output, h_n = array(out[0], "output"), array(out[1], "h_n")
    b, s, _ = x.shape
    h = w[1].shape[0]
    if output.shape == (s, b, h) and (b, s) != (s, b):
        expect(False, "output has shape (seq, batch, H) = {}: stack the steps on axis 1, "
               "batch-first (batch, seq, H)", output.shape)
    expect(output.shape == (b, s, h), "output should be batch-first (batch, seq, H) = {}, got {}",
           (b, s, h), output.shape)
    expect(h_n.shape == (b, h), "h_n should be the last hidden state, shape (batch, H) = {}, got {} "
           "(nn.RNN's own h_n has a leading layer axis; this function's does not)", (b, h), h_n.shape)
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
                expect(not close(output, reused.numpy()), "every step starts from h0: the hidden "
                       "state is not carried from one step to the next (h = new h, then use it at "
                       "the next step)")
                backwards = torch.flip(ref.rnn_forward(torch.flip(x, [1]), h0, *w)[0], [1])
                expect(not close(output, backwards.numpy()), "the steps run in reverse order: "
                       "step 0 reads x[:, 0] first")
                expect(not close(output[:, 0], want[:, 0].detach().numpy()), "step 0 is right but "
                       "later steps differ from nn.RNN: carry the new hidden state into the next step")
            expect(False, "output differs from nn.RNN (batch={}, seq={}, I={}, H={}), already at "
                   "step 0: compute step t as tanh(x[:, t] @ weight_ih.T + bias_ih + "
                   "h @ weight_hh.T + bias_hh)", b, s, i, h)
        expect(close(h_n, want_h[0].detach().numpy()), "h_n should be the hidden state after the "
               "last step (equal to output[:, -1])")


@graded("rnn_forward")
def test_rnn_forward_h0_none_is_zeros(learner):
    "h0=None starts from a zero state, as nn.RNN does"
    g = gen(202)
    m, w = torch_rnn(3, 5, 22)
    x = randn(g, 4, 6, 3)
    output, h_n = forward(learner, x, None, w, "h0 is None")
    want, _ = m(x)
    expect(close(output, want.detach().numpy()), "with h0=None the result should equal starting "
           "from h0 = zeros (batch, H): h0=None means a zero state")


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
    expect(close(output[2:3], one), "row 2 of a batch gives a different result than the same "
           "sequence alone: the rows of the batch are mixed; x is batch-first, time is axis 1 "
           "(x[:, t], not x[t])")


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
                          what, "skip parameters whose .grad is None")
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
                expect(False, "each gradient is clipped on its own (per-parameter): clip by the "
                       "global norm of all gradients together, so their direction is kept")
            if close(now, before, rtol=1e-5) and not close(before, max_norm):
                expect(False, "the gradients are unchanged although their total norm {:.3g} is "
                       "above max_norm {}: scale them in place (p.grad.mul_(...) or "
                       "p.grad *= ...), so the optimizer sees the clipped values", before, max_norm)
            expect(all(close(a, b) for a, b in zip(after, want)),
                   "after clipping the gradients should be scaled by max_norm / (total + 1e-6), "
                   "to a global L2 norm of max_norm = {}; got a norm of {:.4g}", max_norm, now)
        else:
            expect(False, "clip_grad_norm removed gradients (some .grad is None afterwards)")
        if close(total, now) and not close(total, want_total):
            expect(False, "the returned norm is the norm after clipping; return the total norm "
                   "before clipping (it is what you log to see gradients explode)")
        expect(close(total, want_total), "the returned total norm should be the L2 norm of all "
               "gradients together, sqrt(sum of every squared entry) = {:.5g}; got {:.5g}",
               want_total, total)


@graded("clip_grad_norm")
def test_clip_leaves_small_gradients(learner):
    "leaves gradients unchanged when their norm is below max_norm"
    g = gen(302)
    grads = grads_of(g, SHAPES_P, 0.1)
    want_total = float(np.sqrt(sum(float((gr ** 2).sum()) for gr in grads)))
    total, after = clip(learner, params_with(grads), 100.0, "the norm is below max_norm")
    expect(all(a is not None and close(a, b, atol=1e-7, rtol=1e-6) for a, b in zip(after, grads)),
           "with a total norm of {:.3g}, below max_norm = 100, the gradients should stay as they "
           "are: clip only when the total exceeds max_norm", want_total)
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
        total, after = learner.scenario("rnn_vs_lstm.clip_generator", grads=grads, max_norm=1.0)
    except LearnerError as exc:
        raise Mistake(f"{exc} when given model.parameters() (a generator)") from None
    expect(all(close(a, b) for a, b in zip(after, want)),
           "with model.parameters() the gradients were not clipped: a generator can be read only "
           "once; turn it into a list first (params = list(parameters))")
    expect(close(float(np.asarray(total)), want_total), "with model.parameters() the returned "
           "total norm should be {:.5g}", want_total)


# --- detach_hidden ------------------------------------------------------------------------
def detach_case(learner, kind):
    try:
        return learner.scenario("rnn_vs_lstm.detach_case", kind=kind)
    except LearnerError as exc:
        what = {"tensor": "an RNN's hidden state (a tensor)", "tuple": "an LSTM's (h, c) tuple",
                "list": "a list [h, c]"}[kind]
        raise Mistake(f"{exc} when given {what}: handle a tensor, and a tuple or list of "
                      "tensors (one at a time)") from None


def check_detached(facts, kind):
    n = 1 if kind == "tensor" else 2
    expect(len(facts["items"]) == n, "detach_hidden of {} should give back {}; got a {}",
           "a tensor" if n == 1 else f"a {kind} (h, c)", "a tensor" if n == 1 else f"a {kind} of two",
           facts["type"])
    for k, (got, want) in enumerate(zip(facts["items"], facts["original"])):
        expect(got is not None and close(got, want, atol=0, rtol=0),
               "detach_hidden should keep the values of the hidden state (item {}): it cuts the "
               "graph, it does not reset or change the state", k)
    for k, in_graph in enumerate(facts["in_graph"]):
        which = "the result" if kind == "tensor" else ("h", "the cell state c")[k] + f" of the {kind}"
        expect(not in_graph, "{} is still part of the graph (it requires grad): it was not cut from "
               "the graph; call .detach() on every tensor of the hidden state", which)


@graded("detach_hidden")
def test_detach_tensor(learner):
    "detaches a single hidden state tensor and keeps its values"
    facts = detach_case(learner, "tensor")
    expect(facts["type"] == "Tensor", "detach_hidden of a tensor should return a tensor, got a {}",
           facts["type"])
    check_detached(facts, "tensor")


@graded("detach_hidden", weight=2)
def test_detach_lstm_tuple(learner):
    "detaches both h and c of an LSTM's (h, c) and returns a tuple"
    facts = detach_case(learner, "tuple")
    expect(facts["type"] == "tuple", "detach_hidden of an LSTM's (h, c) tuple should return the "
           "same structure, a tuple, got a {} (nn.LSTM expects a tuple)", facts["type"])
    check_detached(facts, "tuple")


@graded("detach_hidden")
def test_detach_list(learner):
    "keeps a list a list"
    facts = detach_case(learner, "list")
    expect(facts["type"] == "list", "detach_hidden of a list should return the same structure, a "
           "list, got a {}", facts["type"])
    check_detached(facts, "list")


# --- hidden_gradient_norms ----------------------------------------------------------------
def norms(learner, module, x, what):
    out = answer(lambda: learner.hidden_gradient_norms(module, x), what,
                 "step the module one time step at a time, keep each step's hidden state h_t "
                 "(for an LSTM, h of (h, c)) and differentiate L = final h.sum() with respect to them")
    if isinstance(out, list) and out and all(isinstance(v, torch.Tensor) for v in out):
        expect(False, "hidden_gradient_norms should return a (seq,) tensor, got a list of tensors "
               "(torch.stack them)")
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
    if close(got, want[::-1], rtol=1e-3, atol=1e-6):
        return "the norms are in the wrong step order: entry t is for h_t, the last entry for the final step"
    if close(got, want ** 2, rtol=1e-3, atol=1e-6):
        return "the norms are squared: return the L2 norm, g.norm(), not the sum of squares"
    b = x.shape[0]
    if close(got * b * m.hidden_size, want, rtol=1e-3, atol=1e-6):
        return "the loss is the mean of the final hidden state; L should be its sum, h.sum()"
    if np.all(got[:-1] == 0) and got[-1] > 0:
        return ("only the last step has a gradient: the hidden state was detached (or the "
                "gradient taken with respect to a step's output instead of the state carried "
                "to the next step), so no gradient flows back through time")
    if kind == "lstm":
        c_norms = cell_state_norms(m, x)
        if close(got, c_norms, rtol=1e-3, atol=1e-6):
            return "these are gradients with respect to the cell state c_t; for an LSTM, h_t is the hidden output h"
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
            expect(False, "output has shape (batch*seq, output_size) = {}: keep the batch and time "
                   "axes, (batch, seq, output_size)", out.shape)
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
    expect(not close(a, b, atol=1e-7, rtol=1e-7), "forward gives the same output whatever hidden "
           "state it is given: it ignores the hidden state you pass in, so nothing is carried "
           "from one batch to the next (pass it to the RNN: self.rnn(x, hidden))")


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
    if np.allclose(out_early[:, 5:], base[:, 5:], atol=1e-7):
        hint = (" The rows of x are read as time steps: build the RNN with batch_first=True."
                if not np.allclose(out_early[:, 0], base[:, 0]) else "")
        expect(False, "the prediction at step 5 does not change when the input at step 0 "
               "changes: the model has no recurrence (memory of earlier steps).{}", hint)
    late = x.clone()
    late[:, 6:] += 1.0
    out_late, _ = run(model, late, None, "x of shape (3, 8, 1)")
    expect(np.allclose(out_late[:, :6], base[:, :6], atol=1e-6), "the prediction at step 3 "
           "changes when a later input changes: the model sees the future (bidirectional?), "
           "which is cheating when predicting the next value")


def standard(state: dict, hidden_dim: int) -> bool:
    want = {k: tuple(v.shape) for k, v in ref.SineRNN(1, 1, hidden_dim, 1).state_dict().items()}
    return {k: tuple(np.shape(v)) for k, v in state.items()} == want


@graded("SineRNN", weight=3)
def test_sine_learns(learner):
    "trained briefly with the notebook's loop, predicts the next point far better than repeating the last"
    try:
        result = learner.scenario("rnn_vs_lstm.train_sine", hidden_dim=32, n_batches=200, seed=0,
                                  timeout=120)
    except LearnerError as exc:
        raise Mistake(f"training SineRNN(1, 1, 32, 1) with the notebook's loop failed: {exc}") from None
    streams = sine_eval_streams(seed=7)
    model = result.get("model") if isinstance(result, dict) else None
    if isinstance(model, ModuleData) and standard(model.state, 32):
        # the standard layout: recompute the predictions here from the trained weights
        twin = ref.SineRNN(1, 1, 32, 1)
        if result.get("nonlinearity") == "relu":
            twin.rnn = nn.RNN(1, 32, 1, batch_first=True, nonlinearity="relu")
        twin.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in model.state.items()})
        pred, xs, ys = predict_streams(twin, streams)
        pred = pred.numpy()
    else:
        pred = array(result.get("pred") if isinstance(result, dict) else None, "the predictions")
        xs = torch.cat([x for x, _ in streams[1:]], dim=1)
        ys = torch.cat([y for _, y in streams[1:]], dim=1)
    xs, ys = xs.numpy(), ys.numpy()
    expect(pred.shape == ys.shape, "the predictions on the test waves should have shape {}, got {}",
           ys.shape, pred.shape)
    expect(np.all(np.isfinite(pred)), "the trained model predicts inf or nan")
    error = float(np.mean((pred - ys) ** 2))
    last = float(np.mean((xs - ys) ** 2))
    expect(error < 0.25 * last, "after training, the mean squared error on new waves is {:.2g}, not "
           "well below the {:.2g} of simply repeating the last value (it should be under a quarter "
           "of it): the model did not learn to use what it remembers of earlier steps "
           "(is the hidden state used and carried?)", error, last)
