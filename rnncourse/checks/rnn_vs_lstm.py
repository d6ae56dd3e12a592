"""Visible checks for 01_rnn_vs_lstm: each term of the recurrence on its own, then the whole.

The checks switch terms off (zero the inputs, zero a weight matrix) so that a failure
points at one term, and compare with PyTorch's own modules where those exist.

The named mistakes below are said in the same words here and by the hidden tests
(``autograder/test_01_rnn_vs_lstm.py`` imports them): a mistake the self-check shows is
the mistake the grade names.
"""

import numpy as np
import torch
import torch.nn as nn

from rnncourse.checks import check, passed, raised
from rnncourse.compare import close, rel_error, same, to_numpy

# --- named mistakes, shared with the hidden tests ----------------------------------------
CELL_HINT = ("weight_ih is (H, I) and multiplies x, weight_hh is (H, H) and multiplies h_prev; x and "
             "h_prev hold one example per row, (batch, I) and (batch, H), and every term should come out "
             "(batch, H): PyTorch stores a weight as (out, in), so ask which side of the product each "
             "weight goes on, and whether it must be transposed there")
CELL_SIGMOID = "the nonlinearity is a sigmoid: a plain RNN uses tanh (zero-centred, slope up to 1)"
CELL_RELU = "the nonlinearity is a ReLU: the course's RNN uses tanh"
NO_BIAS_HH = "bias_hh is left out: both biases are added"
NO_BIAS_IH = "bias_ih is left out: both biases are added"
CELL_NO_TANH = "no tanh is applied: h_next = tanh(...) of the whole sum"
H_PREV_UNWEIGHTED = ("with weight_hh = 0 the recurrent term should vanish, but h_prev is added as it is: "
                     "multiply it by weight_hh")
INPUT_SIGMOID = "the input term goes through a sigmoid: a plain RNN uses tanh"
WHH_UNTRANSPOSED = ("weight_hh is applied untransposed: with h_prev as rows (batch, H), the recurrent term "
                    "is h_prev @ weight_hh.T (PyTorch stores W_hh as (H_out, H_in))")
OUTSIDE_TANH = ("the recurrent term h_prev @ weight_hh.T is added outside the tanh: h_next = tanh(input "
                "term + recurrent term + biases), all inside")
NO_RECURRENT_TERM = ("h_prev has no effect on h_next: the recurrent term h_prev @ weight_hh.T is missing, "
                     "and without it there is no memory")
NOT_ZERO_CENTRED = ("rnn_cell never returns a negative value: a sigmoid squashes into (0, 1); the RNN uses "
                    "tanh, which is zero-centred, into (-1, 1)")

FWD_HINT = ("x is batch-first, (batch, seq, I): step t reads x[:, t] (x[t] is a whole sequence, one "
            "example's) and the previous hidden state; h0 is (batch, H) or None")
NOT_CARRIED = ("every step starts from h0: the hidden state is not carried from one step to the next "
               "(h = new h, then use it at the next step)")
REVERSED = "the steps run in reverse order: step 0 reads x[:, 0] first"
LATER_STEPS = "step 0 is right but later steps differ from nn.RNN: carry the new hidden state into the next step"
H0_NONE = ("with h0=None the result should equal starting from h0 = zeros (batch, H): h0=None means a "
           "zero state")
H_N_LAST = "h_n should be the hidden state after the last step (equal to output[:, -1])"
ROWS_MIXED = ("row {} of a batch gives a different result than the same sequence alone: the rows of the "
              "batch are mixed; x is batch-first, time is axis 1 (x[:, t], not x[t])")


def seq_first_output(shape) -> str:
    return f"output has shape (seq, batch, H) = {shape}: stack the steps on axis 1, batch-first (batch, seq, H)"


def h_n_shape(want, got) -> str:
    return (f"h_n should be the last hidden state, shape (batch, H) = {want}, got {got} (nn.RNN's own h_n "
            "has a leading layer axis; this function's does not)")


def differs_at_step0(b, s, i, h) -> str:
    return (f"output differs from nn.RNN (batch={b}, seq={s}, I={i}, H={h}), already at step 0: compute "
            "step t as tanh(x[:, t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)")


PER_PARAMETER = ("each gradient is clipped on its own (per-parameter): clip by the global norm of all "
                 "gradients together, so their direction is kept")
CLIP_SKIP_NONE = "skip parameters whose .grad is None"
NORM_AFTER = ("the returned norm is the norm after clipping; return the total norm before clipping (it is "
              "what you log to see gradients explode)")
GENERATOR = ("with model.parameters() the gradients were not clipped: a generator can be read only once; "
             "turn it into a list first (params = list(parameters))")


def clip_only_above(total) -> str:
    return (f"with a total norm of {total:.3g}, below max_norm = 100, the gradients should stay as they "
            "are: clip only when the total exceeds max_norm")


def not_in_place(before, max_norm) -> str:
    return (f"the gradients are unchanged although their total norm {before:.3g} is above max_norm "
            f"{max_norm}: scale them in place (p.grad.mul_(...) or p.grad *= ...), so the optimizer sees "
            "the clipped values")


def scaled_wrong(max_norm, now) -> str:
    return (f"after clipping the gradients should be scaled by max_norm / (total + 1e-6), to a global L2 "
            f"norm of max_norm = {max_norm}; got a norm of {now:.4g}")


def total_norm_wrong(want, got) -> str:
    return (f"the returned total norm should be the L2 norm of all gradients together, sqrt(sum of every "
            f"squared entry) = {want:.5g}; got {got:.5g}")


DETACH_HINT = "handle a tensor, and a tuple or list of tensors (one at a time)"


def detach_error(error: str) -> str | None:
    """The mistake behind an error detach_hidden raised (``Type: message``), or None."""
    for kind in ("tuple", "list"):
        if f"'{kind}' object has no attribute 'detach'" in error:
            return (f"an LSTM's hidden state is a {kind} (h, c), and a {kind} has no .detach(): detach each "
                    f"tensor of the {kind}, h and c, and give them back in a {kind}")
    return None


def same_structure(kind, got) -> str:
    if kind == "tensor":
        return f"detach_hidden of a tensor should return a tensor, got a {got}"
    if kind == "tuple":
        return (f"detach_hidden of an LSTM's (h, c) tuple should return the same structure, a tuple, got a "
                f"{got} (nn.LSTM expects a tuple)")
    return f"detach_hidden of a list should return the same structure, a list, got a {got}"


KEEP_VALUES = ("detach_hidden should keep the values of the hidden state ({} differs): it cuts the graph, "
               "it does not reset or change the state")

NORMS_HINT = ("step the module one time step at a time, keep each step's hidden state h_t (for an LSTM, h "
              "of (h, c)) and differentiate L = final h.sum() with respect to them")
NORMS_NOT_IN_GRAPH = ("the final h does not depend on the hidden states you differentiate with respect to "
                      "(PyTorch: one of them 'appears to not have been used in the graph'): keep the very "
                      "tensors h_t the steps carry forward to the final h, neither detached nor from a "
                      "separate run of the module; allow_unused=True would only turn this mistake into "
                      "zero gradients")
NORMS_LIST = ("hidden_gradient_norms should return a (seq,) tensor, got a list of tensors (torch.stack "
              "them)")
NORMS_CELL_STATE = ("these are gradients with respect to the cell state c_t; for an LSTM, h_t is the hidden "
                    "output h")


def norms_error(error: str) -> str | None:
    """The mistake behind an error hidden_gradient_norms raised (``Type: message``), or None."""
    if "not have been used in the graph" in error:
        return NORMS_NOT_IN_GRAPH
    return None


def norms_mistake(got, want, batch, hidden_size) -> str | None:
    """The named mistake norms ``got`` show against the right norms ``want`` (both (seq,)), or None."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if close(got, want[::-1], rtol=1e-3, atol=1e-6):
        return "the norms are in the wrong step order: entry t is for h_t, the last entry for the final step"
    if close(got, want ** 2, rtol=1e-3, atol=1e-6):
        return "the norms are squared: return the L2 norm, g.norm(), not the sum of squares"
    if close(got * batch * hidden_size, want, rtol=1e-3, atol=1e-6):
        return "the loss is the mean of the final hidden state; L should be its sum, h.sum()"
    if len(got) > 1 and np.all(got[:-1] == 0) and got[-1] > 0:
        return ("only the last step has a gradient: the hidden state was detached (or the gradient taken "
                "with respect to a step's output instead of the state carried to the next step), so no "
                "gradient flows back through time")
    return None


IGNORES_HIDDEN = ("forward gives the same output whatever hidden state it is given: it ignores the hidden "
                  "state you pass in, so nothing is carried from one batch to the next (pass it to the RNN: "
                  "self.rnn(x, hidden))")
SEES_FUTURE = ("the prediction at step {} changes when a later input changes: the model sees the future "
               "(bidirectional?), which is cheating when predicting the next value")
SIGMOID_OUTPUT = ("a sigmoid is applied to the output, so it can only be in (0, 1): the wave goes down to -1; "
                  "the output layer is linear (nn.Linear, nothing after it)")


def no_recurrence(step) -> str:
    return (f"the prediction at step {step} does not change when the input at step 0 changes: the model has "
            "no recurrence (memory of earlier steps).")


def flattened_output(shape) -> str:
    return (f"output has shape (batch*seq, output_size) = {shape}: keep the batch and time axes, (batch, "
            "seq, output_size)")


# --- helpers ----------------------------------------------------------------------------
def _call(fn, name, what, hint, explain=None):
    """``fn()``; an error it raises becomes a failed check that says what was asked and why."""
    def message(error):
        named = explain(error) if explain else None
        return f"{named} ({what})" if named else f"{name} raised {error} when {what}: {hint}"
    return raised(fn, message)


def _verdict(findings):
    """Fail with the first named mistake among ``findings`` ((named, message) or None), else the
    first other message: the checks on single terms run to the end, so that a mistake one of them
    names is the message, whichever term shows it first."""
    found = [f for f in findings if f]
    named = [m for n, m in found if n]
    check(not found, (named or [m for _, m in found] or [""])[0])


def _named(message):
    return (True, message) if message else None


def cell_bias_mistake(out, b_ih, b_hh) -> str | None:
    """With x = 0 and h_prev = 0 only the biases act: the named mistake ``out`` shows, or None."""
    n = np.asarray(to_numpy(out)).shape[0]
    for guess, message in ((torch.sigmoid(b_ih + b_hh), CELL_SIGMOID), (torch.tanh(b_ih), NO_BIAS_HH),
                           (torch.tanh(b_hh), NO_BIAS_IH), (torch.relu(b_ih + b_hh), CELL_RELU),
                           (b_ih + b_hh, CELL_NO_TANH)):
        if close(out, guess.expand(n, -1)):
            return "with x = 0 and h_prev = 0 only the biases act; " + message
    return None


def _rnn_weights(i, h, seed):
    torch.manual_seed(seed)
    m = nn.RNNCell(i, h)
    return m, (m.weight_ih.detach(), m.weight_hh.detach(), m.bias_ih.detach(), m.bias_hh.detach())


def check_rnn_cell(rnn_cell):
    m, (w_ih, w_hh, b_ih, b_hh) = _rnn_weights(3, 4, 0)
    x, h = torch.randn(2, 3), torch.randn(2, 4)

    def cell(x, h, *w, what="x is (2, 3) and H = 4"):
        out = _call(lambda: rnn_cell(x, h, *w), "rnn_cell", what, CELL_HINT)
        check(isinstance(out, torch.Tensor), "rnn_cell should return a tensor, got {}", type(out).__name__)
        check(tuple(out.shape) == (x.shape[0], w[1].shape[0]), "rnn_cell should return h_next of shape "
              "(batch, H) = {}, got {}", (x.shape[0], w[1].shape[0]), tuple(out.shape))
        return out.detach()

    cell(x, h, w_ih, w_hh, b_ih, b_hh)
    findings = []
    # 1. only the biases: x = 0, h_prev = 0
    out = cell(torch.zeros(2, 3), torch.zeros(2, 4), w_ih, w_hh, b_ih, b_hh, what="x and h_prev are zero")
    if not close(out, torch.tanh(b_ih + b_hh).expand(2, 4)):
        findings.append(_named(cell_bias_mistake(out, b_ih, b_hh)) or (False, "bias term: with x = 0 and "
                        "h_prev = 0, h_next should be tanh(bias_ih + bias_hh); check how the biases enter "
                        "and the nonlinearity (tanh)"))
    zeros4 = torch.zeros(4)
    # 2. only the input term: weight_hh and biases zero
    out = cell(x, h, w_ih, torch.zeros(4, 4), zeros4, zeros4, what="weight_hh is zero")
    if not close(out, torch.tanh(x @ w_ih.T)):
        findings.append((True, H_PREV_UNWEIGHTED) if close(out, torch.tanh(x @ w_ih.T + h)) else
                        (True, INPUT_SIGMOID) if close(out, torch.sigmoid(x @ w_ih.T)) else
                        (False, "input term: with weight_hh and the biases zero, h_next should be "
                         "tanh(x @ weight_ih.T): the input term (weight_ih with x) is wrong"))
    # 3. only the recurrent term: weight_ih and biases zero
    out = cell(x, h, torch.zeros(4, 3), w_hh, zeros4, zeros4, what="weight_ih is zero")
    if not close(out, torch.tanh(h @ w_hh.T)):
        findings.append((True, WHH_UNTRANSPOSED) if close(out, torch.tanh(h @ w_hh)) else
                        (True, OUTSIDE_TANH) if close(out, h @ w_hh.T) else
                        (True, NO_RECURRENT_TERM) if close(out, torch.zeros(2, 4)) else
                        (False, "recurrent term: with weight_ih and the biases zero, h_next should be "
                         "tanh(h_prev @ weight_hh.T): the recurrent term (weight_hh with h_prev) is wrong"))
    # 4. large inputs: tanh is zero-centred
    big = cell(3 * x, h, 2 * w_ih, w_hh, b_ih, b_hh, what="the inputs are large")
    if not float(big.min()) < 0:
        findings.append((True, NOT_ZERO_CENTRED))
    _verdict(findings)
    # 5. everything, against PyTorch
    out = cell(x, h, w_ih, w_hh, b_ih, b_hh)
    err = rel_error(out, m(x, h))
    check(err < 1e-5, "each term is right alone, but together they differ from nn.RNNCell "
          "(relative error {:.1e}): sum all four terms inside one tanh", err)
    passed("rnn_cell", f"relative error against nn.RNNCell {err:.1e}")


def check_rnn_forward(rnn_forward):
    torch.manual_seed(1)
    m = nn.RNN(3, 4, batch_first=True)
    w = tuple(getattr(m, n).detach() for n in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))
    x, h0 = torch.randn(2, 5, 3), torch.randn(2, 4)

    def forward(x, h0, *w, what="x is (2, 5, 3) and H = 4"):
        result = _call(lambda: rnn_forward(x, h0, *w), "rnn_forward", what, FWD_HINT)
        check(isinstance(result, (tuple, list)) and len(result) == 2, "rnn_forward should return a pair "
              "(output, h_n), got {}", type(result).__name__)
        output, h_n = result
        b, s = x.shape[:2]
        shape = tuple(getattr(output, "shape", ()))
        check(shape != (s, b, 4), seq_first_output(shape))
        check(shape == (b, s, 4), "output should be batch-first (batch, seq, H) = {}, got {}", (b, s, 4), shape)
        check(tuple(getattr(h_n, "shape", ())) == (b, 4), h_n_shape((b, 4), tuple(getattr(h_n, "shape", ()))))
        return output.detach(), h_n.detach()

    output, h_n = forward(x, h0, *w)
    # the rows of a batch are separate sequences
    one, _ = forward(x[1:2], h0[1:2], *w, what="batch=1, seq=5")
    check(close(output[1:2], one), ROWS_MIXED.format(1))
    # h0 = None means zeros
    out_none, _ = forward(x, None, *w, what="h0 is None")
    out_zero, _ = forward(x, torch.zeros(2, 4), *w)
    check(close(out_none, out_zero), H0_NONE)
    # against PyTorch
    with torch.no_grad():
        want_out, want_h = m(x, h0.unsqueeze(0))
        backwards = torch.flip(m(torch.flip(x, [1]), h0.unsqueeze(0))[0], [1])
    if not close(output, want_out):
        reused = torch.tanh(x @ w[0].T + w[2] + (h0 @ w[1].T + w[3]).unsqueeze(1))
        check(not close(output, reused), NOT_CARRIED)
        check(not close(output, backwards), REVERSED)
        check(not close(output[:, 0], want_out[:, 0]), LATER_STEPS)
        check(False, differs_at_step0(2, 5, 3, 4))
    check(close(h_n, want_h[0]), H_N_LAST)
    err = max(rel_error(output, want_out), rel_error(h_n, want_h[0]))
    passed("rnn_forward", f"relative error against nn.RNN {err:.1e}")


def _params(*grads):
    out = []
    for g in grads:
        p = torch.zeros_like(g, requires_grad=True) if g is not None else torch.zeros(2, requires_grad=True)
        p.grad = None if g is None else g.clone()
        out.append(p)
    return out


def _clip(clip_grad_norm, params, max_norm, what):
    total = _call(lambda: clip_grad_norm(params, max_norm), "clip_grad_norm", what, CLIP_SKIP_NONE)
    check(total is not None, "clip_grad_norm should return the total norm (it returned None)")
    try:
        return float(total)
    except (TypeError, ValueError):
        check(False, "clip_grad_norm should return the total norm (a number or 0-d tensor), got {}",
              type(total).__name__)


def check_clip_grad_norm(clip_grad_norm):
    # gradients [2, 1, -2] and [[0], [4]]: norms 3 and 4, a global norm of 5
    a, b = torch.tensor([2.0, 1.0, -2.0]), torch.tensor([[0.0], [4.0]])
    params = _params(a, b)
    total = _clip(clip_grad_norm, params, 100.0, "the norm is below max_norm")
    check(same(params[0].grad, a) and same(params[1].grad, b), clip_only_above(5.0))
    check(abs(total - 5.0) < 1e-5, total_norm_wrong(5.0, total) + " (for [2, 1, -2] and [[0], [4]]: "
          "sqrt(2² + 1² + 2² + 4²) = 5, all entries together)")
    params = _params(a, b)
    total = _clip(clip_grad_norm, params, 2.5, "the norm is above max_norm")
    got = [p.grad for p in params]
    check(all(g is not None for g in got), "clip_grad_norm removed gradients (some .grad is None afterwards)")
    now = float(torch.sqrt(sum((g ** 2).sum() for g in got)))
    scale = 2.5 / (5.0 + 1e-6)
    per_param = [g * min(1.0, 2.5 / (float(g.norm()) + 1e-6)) for g in (a, b)]
    check(not all(close(g, p) for g, p in zip(got, per_param)), PER_PARAMETER)
    check(not (same(got[0], a) and same(got[1], b)), not_in_place(5.0, 2.5))
    check(close(got[0], a * scale) and close(got[1], b * scale), scaled_wrong(2.5, now))
    check(not (close(total, now) and not close(total, 5.0)), NORM_AFTER)
    check(abs(total - 5.0) < 1e-5, total_norm_wrong(5.0, total))
    # a parameter without a gradient
    params = _params(a, None, b)
    total = _clip(clip_grad_norm, params, 2.5, "a parameter has no gradient")
    check(params[1].grad is None and abs(total - 5.0) < 1e-5,
          "a parameter whose .grad is None should be skipped (and keep .grad = None)")
    # a generator, as model.parameters() is
    model = nn.Linear(3, 2)
    model(torch.randn(4, 3)).pow(2).sum().mul(100).backward()
    ref = [p.grad.clone() for p in model.parameters()]
    total = _clip(clip_grad_norm, model.parameters(), 1.0, "given model.parameters() (a generator)")
    twin = [torch.zeros_like(g, requires_grad=True) for g in ref]
    for p, g in zip(twin, ref):
        p.grad = g.clone()
    want = torch.nn.utils.clip_grad_norm_(twin, 1.0)
    check(all(close(p.grad, q.grad) for p, q in zip(model.parameters(), twin)) and
          abs(total - float(want)) < 1e-4 * float(want), GENERATOR)
    passed("clip_grad_norm")


def _structure(value):
    return "tensor" if isinstance(value, torch.Tensor) else type(value).__name__


def check_detach_hidden(detach_hidden):
    torch.manual_seed(2)
    x = torch.randn(2, 3, 1)
    _, h = nn.RNN(1, 4, batch_first=True)(x)
    out = _call(lambda: detach_hidden(h), "detach_hidden", "given an RNN's hidden state (a tensor)",
                DETACH_HINT, detach_error)
    check(isinstance(out, torch.Tensor), same_structure("tensor", _structure(out)))
    check(same(out, h), KEEP_VALUES.format("the result"))
    check(not out.requires_grad, "the result still requires grad: it is still attached to the "
          "graph (use .detach())")
    _, (h, c) = nn.LSTM(1, 4, batch_first=True)(x)
    out = _call(lambda: detach_hidden((h, c)), "detach_hidden", "given an LSTM's (h, c) tuple", DETACH_HINT,
                detach_error)
    check(isinstance(out, tuple), same_structure("tuple", _structure(out)))
    check(len(out) == 2, "detach_hidden of an LSTM's (h, c) should give back a tuple of two; got {} item(s)",
          len(out))
    check(same(out[0], h), KEEP_VALUES.format("h of the tuple"))
    check(same(out[1], c), KEEP_VALUES.format("the cell state c of the tuple"))
    check(not out[0].requires_grad, "h of the tuple is still attached to the graph")
    check(not out[1].requires_grad, "the cell state c of the tuple is still attached to the graph: "
          "detach every tensor, c too")
    out = _call(lambda: detach_hidden([h, c]), "detach_hidden", "given a list [h, c]", DETACH_HINT, detach_error)
    check(isinstance(out, list), same_structure("list", _structure(out)))
    check(len(out) == 2 and not any(t.requires_grad for t in out),
          "detach_hidden of a list [h, c] should return a list of two detached tensors")
    passed("detach_hidden")


def _norms(hidden_gradient_norms, module, x, kind):
    what = f"given an nn.{kind} and x of shape {tuple(x.shape)}"
    got = _call(lambda: hidden_gradient_norms(module, x), "hidden_gradient_norms", what, NORMS_HINT, norms_error)
    check(not (isinstance(got, list) and got and all(isinstance(v, torch.Tensor) for v in got)), NORMS_LIST)
    check(isinstance(got, torch.Tensor), "hidden_gradient_norms should return a tensor, got {}",
          type(got).__name__)
    check(tuple(got.shape) == (x.shape[1],), "x has {} steps: the result should have shape ({},), one norm "
          "per time step, got {}", x.shape[1], x.shape[1], tuple(got.shape))
    return to_numpy(got).astype(np.float64)


def check_hidden_gradient_norms(hidden_gradient_norms):
    # an RNN with a zero input path and weight_hh = 0.5 I: every h_t stays 0, where tanh' = 1,
    # so dL/dh_t = 0.5^(T-1-t) * ones exactly
    rnn = nn.RNN(2, 3, batch_first=True)
    with torch.no_grad():
        for name, p in rnn.named_parameters():
            p.copy_(0.5 * torch.eye(3) if name == "weight_hh_l0" else torch.zeros_like(p))
    g = _norms(hidden_gradient_norms, rnn, torch.zeros(2, 6, 2), "RNN")
    want = np.sqrt(6) * 0.5 ** np.arange(5, -1, -1)
    if not close(g, want, atol=1e-8, rtol=1e-4):
        mistake = norms_mistake(g, want, 2, 3)
        check(False, "with weight_hh = 0.5 I each step back multiplies the gradient by 0.5: expected {}, got "
              "{}{}", np.round(want, 4).tolist(), np.round(g, 4).tolist(), f": {mistake}" if mistake else
              " (the last entry is ||dL/dh_T|| = ||ones(2, 3)|| = sqrt(6) for L = h_T.sum())")
    # an LSTM whose h_t does not feed the next step (weight_hh = 0): only the cell state carries
    # memory, so dL/dh_t = 0 for every step but the last, while dL/dc_t is not 0
    lstm = nn.LSTM(2, 3, batch_first=True)
    with torch.no_grad():
        lstm.weight_hh_l0.zero_()
    g = _norms(hidden_gradient_norms, lstm, torch.randn(2, 6, 2), "LSTM")
    check(close(g[:-1], np.zeros(5), atol=1e-7, rtol=1e-5) and abs(g[-1] - np.sqrt(6)) < 1e-5,
          "LSTM: with weight_hh = 0 the final h does not depend on earlier h_t, so every norm but the last "
          "should be 0; got {}. Take the gradient with respect to h (the hidden output), not the cell state "
          "c: {}", np.round(g, 4).tolist(), NORMS_CELL_STATE)
    # a GRU with all weights zero: h_t = (1 - z) n + z h_(t-1) with a constant z = sigmoid(b_z)
    gru = nn.GRU(1, 2, batch_first=True)
    with torch.no_grad():
        for p in gru.parameters():
            p.zero_()
        gru.bias_ih_l0[2:4] = 1.0  # update gate z = sigmoid(1) ≈ 0.731
    g = _norms(hidden_gradient_norms, gru, torch.zeros(1, 5, 1), "GRU")
    z = 1 / (1 + np.exp(-1.0))
    want = np.sqrt(2) * z ** np.arange(4, -1, -1)
    check(close(g, want, atol=1e-8, rtol=1e-4), "GRU: with zero weights and update gate z = {:.3f}, "
          "dh_t/dh_(t-1) = z, so the norms should be {}; got {}", z, np.round(want, 4).tolist(),
          np.round(g, 4).tolist())
    passed("hidden_gradient_norms")


def check_SineRNN(SineRNN):
    torch.manual_seed(3)
    model = SineRNN(input_size=1, output_size=1, hidden_dim=8, n_layers=2)
    check(isinstance(model, nn.Module), "SineRNN should be an nn.Module (class SineRNN(nn.Module))")
    x = torch.randn(3, 7, 1)
    result = model(x, None)
    check(isinstance(result, tuple) and len(result) == 2, "forward should return (output, hidden)")
    out, hidden = result
    check(tuple(out.shape) != (21, 1), flattened_output(tuple(out.shape)))
    check(tuple(out.shape) == (3, 7, 1), "for x of shape (3, 7, 1), output should be (batch, seq, "
          "output_size) = (3, 7, 1): one prediction per step; got {}", tuple(out.shape))
    check(isinstance(hidden, torch.Tensor) and tuple(hidden.shape) == (2, 3, 8),
          "hidden should be (n_layers, batch, hidden_dim) = (2, 3, 8), got {} (batch_first=True? "
          "n_layers used?)", tuple(hidden.shape) if isinstance(hidden, torch.Tensor) else type(hidden).__name__)
    x2 = x.clone()
    x2[:, 0] += 1
    out3, _ = model(x2, None)
    check(not close(out[:, 4:], out3[:, 4:], atol=1e-8, rtol=1e-5), no_recurrence(4))
    x3 = x.clone()
    x3[:, 5:] += 1
    out4, _ = model(x3, None)
    check(close(out[:, :5], out4[:, :5], atol=1e-6, rtol=1e-5), SEES_FUTURE.format(3))
    out2, _ = model(x, torch.randn(2, 3, 8))
    check(not close(out, out2, atol=1e-8, rtol=1e-5), IGNORES_HIDDEN)
    # a short training run: the loss must fall, and the model must follow the wave below 0
    from rnncourse.helpers.rnn_vs_lstm import sine_streams, train_sine

    torch.manual_seed(0)
    model = SineRNN(1, 1, 16, 1)
    losses, _ = train_sine(model, sine_streams(60, 8, 20, seed=1))
    with torch.no_grad():
        pred = model(sine_streams(1, 8, 20, seed=2)[0][0], None)[0]
    check(not (float(pred.min()) > 0 and float(pred.max()) < 1), SIGMOID_OUTPUT)
    first, last = np.mean(losses[:5]), np.mean(losses[-5:])
    check(last < 0.5 * first, "in 60 training batches the loss went from {:.3g} to {:.3g}: it "
          "should at least halve", first, last)
    passed("SineRNN", f"loss {first:.3g} -> {last:.3g} in 60 batches")


CHECKS = {
    "rnn_cell": check_rnn_cell,
    "rnn_forward": check_rnn_forward,
    "hidden_gradient_norms": check_hidden_gradient_norms,
    "clip_grad_norm": check_clip_grad_norm,
    "detach_hidden": check_detach_hidden,
    "SineRNN": check_SineRNN,
}
