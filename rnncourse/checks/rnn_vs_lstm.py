"""Visible checks for 01_rnn_vs_lstm: each term of the recurrence on its own, then the whole.

The checks switch terms off (zero the inputs, zero a weight matrix) so that a failure
points at one term, and compare with PyTorch's own modules where those exist.
"""

import numpy as np
import torch
import torch.nn as nn

from rnncourse.checks import check, passed
from rnncourse.compare import close, rel_error, to_numpy


def _rnn_weights(i, h, seed):
    torch.manual_seed(seed)
    m = nn.RNNCell(i, h)
    return m, (m.weight_ih.detach(), m.weight_hh.detach(), m.bias_ih.detach(), m.bias_hh.detach())


def check_rnn_cell(rnn_cell):
    m, (w_ih, w_hh, b_ih, b_hh) = _rnn_weights(3, 4, 0)
    x, h = torch.randn(2, 3), torch.randn(2, 4)
    out = rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh)
    check(isinstance(out, torch.Tensor), "rnn_cell should return a tensor, got {}", type(out).__name__)
    check(tuple(out.shape) == (2, 4), "x is (2, 3) and H = 4, so h_next should be (2, 4); got {}. "
          "weight_ih is (H, I): use x @ weight_ih.T", tuple(out.shape))
    # 1. only the biases: x = 0, h_prev = 0
    out = rnn_cell(torch.zeros(2, 3), torch.zeros(2, 4), w_ih, w_hh, b_ih, b_hh)
    want = torch.tanh(b_ih + b_hh).expand(2, 4)
    if not close(out, want):
        hint = ("it equals sigmoid(bias_ih + bias_hh): use tanh" if close(out, torch.sigmoid(b_ih + b_hh).expand(2, 4))
                else "it equals tanh(bias_ih): bias_hh is missing" if close(out, torch.tanh(b_ih).expand(2, 4))
                else "it equals tanh(bias_hh): bias_ih is missing" if close(out, torch.tanh(b_hh).expand(2, 4))
                else "check that both biases are added inside one tanh")
        check(False, "bias term: with x = 0 and h_prev = 0, h_next should be tanh(bias_ih + bias_hh); {}", hint)
    zeros4 = torch.zeros(4)
    # 2. only the input term: weight_hh and biases zero
    out = rnn_cell(x, h, w_ih, torch.zeros(4, 4), zeros4, zeros4)
    check(close(out, torch.tanh(x @ w_ih.T)),
          "input term: with weight_hh and the biases zero, h_next should be tanh(x @ weight_ih.T); "
          "got something else (is h_prev added without weight_hh? is weight_ih transposed?)")
    # 3. only the recurrent term: weight_ih and biases zero
    out = rnn_cell(x, h, torch.zeros(4, 3), w_hh, zeros4, zeros4)
    if not close(out, torch.tanh(h @ w_hh.T)):
        hint = ("it equals tanh(h_prev @ weight_hh): transpose weight_hh" if close(out, torch.tanh(h @ w_hh))
                else "h_prev has no effect: the recurrent term is missing" if close(out, torch.zeros(2, 4))
                else "is the recurrent term inside the tanh?")
        check(False, "recurrent term: with weight_ih and the biases zero, h_next should be "
              "tanh(h_prev @ weight_hh.T); {}", hint)
    # 4. everything, against PyTorch
    out = rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh)
    err = rel_error(out, m(x, h))
    check(err < 1e-5, "each term is right alone, but together they differ from nn.RNNCell "
          "(relative error {:.1e}): sum all four terms inside one tanh", err)
    passed("rnn_cell", f"relative error against nn.RNNCell {err:.1e}")


def check_rnn_forward(rnn_forward):
    torch.manual_seed(1)
    m = nn.RNN(3, 4, batch_first=True)
    w = tuple(getattr(m, n).detach() for n in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"))
    x, h0 = torch.randn(2, 5, 3), torch.randn(2, 4)
    result = rnn_forward(x, h0, *w)
    check(isinstance(result, tuple) and len(result) == 2, "rnn_forward should return a pair "
          "(output, h_n), got {}", type(result).__name__)
    output, h_n = result
    check(tuple(output.shape) == (2, 5, 4), "x is (batch=2, seq=5, I=3) and H = 4: output should be "
          "(2, 5, 4), batch-first; got {}. Stack the steps with torch.stack(..., dim=1)",
          tuple(output.shape))
    check(tuple(h_n.shape) == (2, 4), "h_n should be (batch, H) = (2, 4), got {}", tuple(h_n.shape))
    # step 0 alone
    step0 = torch.tanh(x[:, 0] @ w[0].T + w[2] + h0 @ w[1].T + w[3])
    check(close(output[:, 0], step0), "step 0 is wrong: output[:, 0] should be the cell applied to "
          "x[:, 0] and h0 (x is batch-first: time is axis 1)")
    # the state is carried: with weight_ih zero only the recurrence moves h
    z = torch.zeros_like(w[0])
    out_rec, _ = rnn_forward(x, h0, z, w[1], w[2], w[3])
    h, want = h0, []
    for _ in range(5):
        h = torch.tanh(h @ w[1].T + w[2] + w[3])
        want.append(h)
    check(close(out_rec, torch.stack(want, 1)), "the hidden state is not carried: with weight_ih = 0, "
          "h_t = tanh(h_(t-1) @ weight_hh.T + biases) must use the previous step's h, not h0")
    check(close(h_n, output[:, -1]), "h_n should equal output[:, -1], the state after the last step")
    # h0 = None means zeros
    out_none, _ = rnn_forward(x, None, *w)
    out_zero, _ = rnn_forward(x, torch.zeros(2, 4), *w)
    check(close(out_none, out_zero), "h0=None should mean a zero initial state (batch, H)")
    # against PyTorch
    want_out, want_h = m(x, h0.unsqueeze(0))
    err = max(rel_error(output, want_out), rel_error(h_n, want_h[0]))
    check(err < 1e-5, "output differs from nn.RNN (relative error {:.1e})", err)
    passed("rnn_forward", f"relative error against nn.RNN {err:.1e}")


def _params(*grads):
    out = []
    for g in grads:
        p = torch.zeros_like(g, requires_grad=True) if g is not None else torch.zeros(2, requires_grad=True)
        p.grad = None if g is None else g.clone()
        out.append(p)
    return out


def check_clip_grad_norm(clip_grad_norm):
    # two gradients of norm 3 and 4: the global norm is 5
    a, b = torch.tensor([3.0, 0.0]), torch.tensor([[0.0], [4.0]])
    params = _params(a, b)
    total = clip_grad_norm(params, 100.0)
    check(total is not None, "clip_grad_norm should return the total norm (it returned None)")
    check(abs(float(total) - 5.0) < 1e-5, "gradients [3, 0] and [[0], [4]] have a global L2 norm of "
          "sqrt(3² + 4²) = 5 (all entries together); got {}", float(total))
    check(torch.equal(params[0].grad, a) and torch.equal(params[1].grad, b),
          "with max_norm = 100 > 5 the gradients should stay unchanged: clip only above max_norm")
    params = _params(a, b)
    total = clip_grad_norm(params, 2.5)
    check(abs(float(total) - 5.0) < 1e-5, "return the norm before clipping (5.0), got {}", float(total))
    scale = 2.5 / (5.0 + 1e-6)
    got = [p.grad for p in params]
    if close(got[0], torch.tensor([2.5, 0.0])) and close(got[1], torch.tensor([[0.0], [2.5]])):
        check(False, "each gradient was clipped on its own to norm 2.5: clip the global norm, "
              "scaling every gradient by the same factor 2.5 / 5")
    check(close(got[0], a * scale) and close(got[1], b * scale),
          "with max_norm = 2.5 every gradient should be scaled in place by 2.5 / (5 + 1e-6), "
          "to [1.5, 0] and [[0], [2]]; got {} and {}", to_numpy(got[0]).tolist(), to_numpy(got[1]).tolist())
    # a parameter without a gradient
    params = _params(a, None, b)
    total = clip_grad_norm(params, 2.5)
    check(params[1].grad is None and abs(float(total) - 5.0) < 1e-5,
          "a parameter whose .grad is None should be skipped (and keep .grad = None)")
    # a generator, as model.parameters() is
    model = nn.Linear(3, 2)
    model(torch.randn(4, 3)).pow(2).sum().mul(100).backward()
    ref = [p.grad.clone() for p in model.parameters()]
    total = clip_grad_norm(model.parameters(), 1.0)
    twin = [torch.zeros_like(g, requires_grad=True) for g in ref]
    for p, g in zip(twin, ref):
        p.grad = g.clone()
    want = torch.nn.utils.clip_grad_norm_(twin, 1.0)
    check(all(close(p.grad, q.grad) for p, q in zip(model.parameters(), twin)) and
          abs(float(total) - float(want)) < 1e-4 * float(want),
          "with model.parameters() (a generator, which can be read only once) the result differs "
          "from torch.nn.utils.clip_grad_norm_: make a list of the parameters first")
    passed("clip_grad_norm")


def check_detach_hidden(detach_hidden):
    torch.manual_seed(2)
    x = torch.randn(2, 3, 1)
    _, h = nn.RNN(1, 4, batch_first=True)(x)
    out = detach_hidden(h)
    check(isinstance(out, torch.Tensor), "detach_hidden of a tensor should return a tensor, got {}",
          type(out).__name__)
    check(torch.equal(out, h), "detach_hidden should keep the values: it cuts the graph, it does "
          "not reset the state")
    check(not out.requires_grad, "the result still requires grad: it is still attached to the "
          "graph (use .detach())")
    _, (h, c) = nn.LSTM(1, 4, batch_first=True)(x)
    out = detach_hidden((h, c))
    check(isinstance(out, tuple) and len(out) == 2, "detach_hidden of an LSTM's (h, c) should "
          "return a tuple of two (nn.LSTM wants a tuple), got {}", type(out).__name__)
    check(torch.equal(out[0], h) and torch.equal(out[1], c), "the values of h and c should be kept")
    check(not out[0].requires_grad, "h of the tuple is still attached to the graph")
    check(not out[1].requires_grad, "the cell state c of the tuple is still attached to the graph: "
          "detach every tensor, c too")
    out = detach_hidden([h, c])
    check(isinstance(out, list) and len(out) == 2 and not any(t.requires_grad for t in out),
          "detach_hidden of a list [h, c] should return a list of two detached tensors")
    passed("detach_hidden")


def check_hidden_gradient_norms(hidden_gradient_norms):
    # an RNN with a zero input path and weight_hh = 0.5 I: every h_t stays 0, where tanh' = 1,
    # so dL/dh_t = 0.5^(T-1-t) * ones exactly
    rnn = nn.RNN(2, 3, batch_first=True)
    with torch.no_grad():
        for name, p in rnn.named_parameters():
            p.copy_(0.5 * torch.eye(3) if name == "weight_hh_l0" else torch.zeros_like(p))
    x = torch.zeros(2, 6, 2)
    got = hidden_gradient_norms(rnn, x)
    check(isinstance(got, torch.Tensor), "hidden_gradient_norms should return a tensor, got {}",
          type(got).__name__)
    check(tuple(got.shape) == (6,), "x has 6 steps: the result should have shape (6,), got {}",
          tuple(got.shape))
    want = np.sqrt(6) * 0.5 ** np.arange(5, -1, -1)
    g = to_numpy(got)
    check(abs(g[-1] - np.sqrt(6)) < 1e-5, "the last entry should be ||dL/dh_T|| = ||ones(2, 3)|| = "
          "sqrt(6) = 2.449 for L = h_T.sum() (is it the sum, and the L2 norm?); got {:.4g}", g[-1])
    if close(g, want[::-1], atol=1e-8, rtol=1e-4):
        check(False, "the norms are in reverse order: entry t belongs to h_t, the final step is last")
    check(close(g, want, atol=1e-8, rtol=1e-4), "with weight_hh = 0.5 I each step back multiplies the "
          "gradient by 0.5: expected {}, got {} (zeros before the last step mean no gradient "
          "flows back: is the state detached, or the gradient taken w.r.t. a step's output?)",
          np.round(want, 4).tolist(), np.round(g, 4).tolist())
    # an LSTM whose h_t does not feed the next step (weight_hh = 0): only the cell state carries
    # memory, so dL/dh_t = 0 for every step but the last, while dL/dc_t is not 0
    lstm = nn.LSTM(2, 3, batch_first=True)
    with torch.no_grad():
        lstm.weight_hh_l0.zero_()
    g = to_numpy(hidden_gradient_norms(lstm, torch.randn(2, 6, 2)))
    check(g.shape == (6,) and close(g[:-1], np.zeros(5), atol=1e-7, rtol=1e-5)
          and abs(g[-1] - np.sqrt(6)) < 1e-5,
          "LSTM: with weight_hh = 0 the final h does not depend on earlier h_t, so every norm but "
          "the last should be 0; got {}. Take the gradient with respect to h (the hidden output), "
          "not the cell state c", np.round(g, 4).tolist())
    # a GRU with all weights zero: h_t = (1 - z) n + z h_(t-1) with a constant z = sigmoid(b_z)
    gru = nn.GRU(1, 2, batch_first=True)
    with torch.no_grad():
        for p in gru.parameters():
            p.zero_()
        gru.bias_ih_l0[2:4] = 1.0  # update gate z = sigmoid(1) ≈ 0.731
    g = to_numpy(hidden_gradient_norms(gru, torch.zeros(1, 5, 1)))
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
    check(tuple(out.shape) == (3, 7, 1), "for x of shape (3, 7, 1), output should be (batch, seq, "
          "output_size) = (3, 7, 1): one prediction per step; got {}", tuple(out.shape))
    check(isinstance(hidden, torch.Tensor) and tuple(hidden.shape) == (2, 3, 8),
          "hidden should be (n_layers, batch, hidden_dim) = (2, 3, 8), got {} (batch_first=True? "
          "n_layers used?)", tuple(hidden.shape) if isinstance(hidden, torch.Tensor) else type(hidden).__name__)
    out2, _ = model(x, torch.randn(2, 3, 8))
    check(not torch.allclose(out, out2), "the output does not change with the hidden state passed "
          "in: forward ignores `hidden` (pass it on to the RNN)")
    x2 = x.clone()
    x2[:, 0] += 1
    out3, _ = model(x2, None)
    check(not torch.allclose(out[:, 4:], out3[:, 4:]), "changing the input at step 0 does not change "
          "the prediction at step 4: the model has no memory of earlier steps")
    check(torch.allclose(out[:, :1], model(x[:, :1], None)[0], atol=1e-6),
          "the prediction at step 0 depends on later inputs: the model may only look back")
    # a short training run: the loss must fall
    from rnncourse.sequences import sine_streams, train_sine

    torch.manual_seed(0)
    model = SineRNN(1, 1, 16, 1)
    losses, _ = train_sine(model, sine_streams(60, 8, 20, seed=1))
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
