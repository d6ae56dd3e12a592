"""Visible checks for 03_other_architectures: PyTorch's own modules as the answer key."""

import torch
import torch.nn as nn

from rnncourse.checks import check, passed
from rnncourse.compare import rel_error


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


def check_split_gru_weights(split_gru_weights):
    cell = _module(nn.GRUCell, 3, 2, seed=1)
    w = split_gru_weights(cell)
    check(isinstance(w, dict) and set(w) == {"reset", "update", "new"},
          "split_gru_weights should return a dict with keys 'reset', 'update', 'new'; got {}",
          sorted(w) if isinstance(w, dict) else type(w).__name__)
    check(len(w["reset"]) == 3 and len(w["update"]) == 3,
          "weights['reset'] and weights['update'] should be (W_x, W_h, b): three tensors")
    check(len(w["new"]) == 4, "weights['new'] should be (W_x, W_h, b_x, b_h): four tensors, because the "
          "reset gate multiplies W_hn h + b_hn and so b_hn cannot be merged with b_in")
    H = 2
    for k, gate in enumerate(("reset", "update", "new")):
        W_x, W_h = w[gate][0], w[gate][1]
        check(tuple(W_x.shape) == (H, 3) and tuple(W_h.shape) == (H, H),
              "weights['{}']: W_x should be (H, I) = (2, 3) and W_h (H, H) = (2, 2); got {} and {}",
              gate, tuple(W_x.shape), tuple(W_h.shape))
        check(rel_error(W_x, cell.weight_ih[k * H:(k + 1) * H]) < 1e-6,
              "weights['{}'] W_x should be rows {}..{} of weight_ih: PyTorch packs the GRU's gates "
              "in the order reset, update, new", gate, k * H, (k + 1) * H - 1)
        check(rel_error(W_h, cell.weight_hh[k * H:(k + 1) * H]) < 1e-6,
              "weights['{}'] W_h should be rows {}..{} of weight_hh", gate, k * H, (k + 1) * H - 1)
    b_sum = cell.bias_ih + cell.bias_hh
    check(rel_error(w["reset"][2], b_sum[:H]) < 1e-6 and rel_error(w["update"][2], b_sum[H:2 * H]) < 1e-6,
          "the reset and update biases should be bias_ih + bias_hh of their block (the two biases "
          "simply add up in those gates)")
    check(rel_error(w["new"][2], cell.bias_ih[2 * H:]) < 1e-6 and rel_error(w["new"][3], cell.bias_hh[2 * H:]) < 1e-6,
          "weights['new'] should end with (b_in, b_hn) = (bias_ih[2H:], bias_hh[2H:]), kept apart")
    gru = _module(nn.GRU, 3, 2, seed=2)
    w = split_gru_weights(gru)
    check(rel_error(w["update"][0], gru.weight_ih_l0[H:2 * H]) < 1e-6,
          "for a one-layer nn.GRU the weights are called weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0")
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
        z = torch.sigmoid(x @ w["update"][0].T + h @ w["update"][1].T + w["update"][2])
        n = (want - z * h) / (1 - z)
        check(rel_error(out, z * n + (1 - z) * h) > 1e-5,
              "gru_cell is off: the update gate's interpolation is reversed. h_t = (1 - z) * n + z * h_prev: "
              "z close to 1 keeps the old state")
        check(False, "gru_cell differs from nn.GRUCell (relative error {:.1e}). Check the reset gate: "
              "PyTorch computes n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), r multiplying "
              "after the matmul and b_hn inside the product", err)
    passed("gru_cell", f"relative error {err:.1e}")


def check_ewma(ewma):
    x = torch.tensor([0.0, 4.0, 4.0, 8.0])
    out = _as_tensor(ewma(x, 0.5), "ewma's result")
    check(tuple(out.shape) == (4,), "ewma should keep x's shape (4,), got {}", tuple(out.shape))
    want = torch.tensor([0.0, 2.0, 3.0, 5.5])
    if rel_error(out, want) > 1e-6:
        check(False, "ewma([0, 4, 4, 8], beta=0.5) should be [0, 2, 3, 5.5]: s_0 = x_0 = 0, then "
              "s_1 = 0.5 * 0 + 0.5 * 4 = 2, s_2 = 0.5 * 2 + 0.5 * 4 = 3, ...; got {}", out.tolist())
    x = torch.tensor([10.0, 10.0, 10.0])
    out = ewma(x, 0.9)
    check(rel_error(out, x) < 1e-6, "a constant sequence should stay constant when the average starts "
          "at x_0; got {} (did the average start at 0? s_0 = x_0 when initial is None)", out.tolist())
    out = ewma(torch.tensor([0.0, 10.0]), 0.8)
    check(abs(float(out[1]) - 2.0) < 1e-5, "ewma([0, 10], beta=0.8)[1] should be 0.8 * 0 + 0.2 * 10 = 2 "
          "(beta weighs the old average, 1 - beta the new value); got {:.3g}", float(out[1]))
    out = ewma(torch.tensor([4.0]), 0.5, initial=torch.tensor(0.0))
    check(abs(float(out[0]) - 2.0) < 1e-6, "with initial=0, ewma([4], beta=0.5) should be [2]: initial "
          "is s_(-1), the average before the first step; got {}", out.tolist())
    x = torch.arange(6.0).reshape(3, 2)
    out = ewma(x, 0.5)
    check(tuple(out.shape) == (3, 2) and rel_error(out[2], torch.tensor([2.5, 3.5])) < 1e-6,
          "for x of shape (seq, 2), each column is averaged along the first axis: expected last row "
          "[2.5, 3.5], got {}", out.tolist())
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


def check_peephole_lstm_cell(peephole_lstm_cell):
    w, cell = _lstm_from_weights(3, 4, seed=5)
    torch.manual_seed(6)
    x, h, c = torch.randn(2, 3), torch.randn(2, 4), torch.randn(2, 4)
    zeros = {k: torch.zeros(4) for k in ("input", "forget", "output")}
    with torch.no_grad():
        out = peephole_lstm_cell(x, (h, c), w, zeros)
        check(isinstance(out, tuple) and len(out) == 2, "peephole_lstm_cell should return (h_t, c_t)")
        want_h, want_c = cell(x, (h, c))
        check(rel_error(out[1], want_c) < 1e-5, "with zero peepholes c_t should equal nn.LSTMCell's "
              "(c_t = f * c_prev + i * g); relative error {:.1e}", rel_error(out[1], want_c))
        check(rel_error(out[0], want_h) < 1e-5, "with zero peepholes h_t should equal nn.LSTMCell's "
              "(h_t = o * tanh(c_t)); relative error {:.1e}", rel_error(out[0], want_h))
        # Only the output peephole: c_t is unchanged, h_t uses sigmoid(... + p_o * c_t).
        p = dict(zeros, output=torch.full((4,), 2.0))
        h_t, c_t = peephole_lstm_cell(x, (h, c), w, p)
        W_x, W_h, b = w["output"]
        o = torch.sigmoid(x @ W_x.T + h @ W_h.T + b + 2.0 * want_c)
        o_prev = torch.sigmoid(x @ W_x.T + h @ W_h.T + b + 2.0 * c)
        check(rel_error(c_t, want_c) < 1e-5, "the output gate's peephole must not change c_t")
        check(rel_error(h_t, o_prev * torch.tanh(want_c)) > 1e-5,
              "the output gate's peephole looks at c_prev; it should look at the new cell state c_t")
        check(rel_error(h_t, o * torch.tanh(want_c)) < 1e-5, "with p_o = 2, h_t should be "
              "sigmoid(W_xo x + W_ho h + b_o + p_o * c_t) * tanh(c_t)")
        # Only the forget peephole.
        p = dict(zeros, forget=torch.full((4,), -3.0))
        _, c_t = peephole_lstm_cell(x, (h, c), w, p)
        W_x, W_h, b = w["forget"]
        f = torch.sigmoid(x @ W_x.T + h @ W_h.T + b - 3.0 * c)
        i_g = want_c - torch.sigmoid(x @ W_x.T + h @ W_h.T + b) * c
        check(rel_error(c_t, f * c + i_g) < 1e-5, "with a forget peephole p_f = -3, c_t should use "
              "f = sigmoid(W_xf x + W_hf h + b_f + p_f * c_prev)")
    passed("peephole_lstm_cell")


def check_init_hidden(init_hidden):
    h0 = init_hidden("gru", 2, 3, 4)
    check(isinstance(h0, torch.Tensor), "init_hidden('gru', ...) should return one tensor, got {}",
          type(h0).__name__)
    check(tuple(h0.shape) == (2, 3, 4), "init_hidden('gru', num_layers=2, batch_size=3, hidden_size=4) "
          "should have shape (num_layers, batch, hidden) = (2, 3, 4), got {}", tuple(h0.shape))
    check(bool((h0 == 0).all()) and h0.dtype == torch.float32, "the state should be float32 zeros")
    state = init_hidden("lstm", 1, 5, 2)
    check(isinstance(state, tuple) and len(state) == 2, "init_hidden('lstm', ...) should return a tuple "
          "(h0, c0): the LSTM carries two states")
    check(all(tuple(s.shape) == (1, 5, 2) for s in state), "h0 and c0 should both be (1, 5, 2)")
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
            got = param_count(cell_type, I, H, L)
            check(got == want, "param_count('{}', {}, {}, num_layers={}) should be {} (PyTorch's count), "
                  "got {}. Per layer: G gate blocks x (H*I_layer + H*H + 2*H), G = 1, 3, 4 for "
                  "RNN, GRU, LSTM; layers after the first read H features", cell_type, I, H, L, want, got)
    passed("param_count")


def check_SequenceClassifier(SequenceClassifier):
    x = torch.randint(0, 6, (4, 9))
    for cell_type, G in (("rnn", 1), ("gru", 3), ("lstm", 4)):
        torch.manual_seed(0)
        model = SequenceClassifier(cell_type, 6, 5, 3)
        check(isinstance(model, nn.Module), "SequenceClassifier should be an nn.Module")
        out = model(x)
        check(isinstance(out, torch.Tensor) and tuple(out.shape) == (4, 3),
              "SequenceClassifier('{}', vocab_size=6, hidden_size=5, n_classes=3) on x of shape (4, 9) "
              "should give logits (4, 3), got {}", cell_type,
              tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__)
        shapes = [tuple(p.shape) for n, p in model.named_parameters() if "weight_hh" in n]
        check((G * 5, 5) in shapes, "SequenceClassifier('{}', ...) should use an nn.{} (weight_hh of shape "
              "({} * hidden, hidden)); found recurrent weights {}", cell_type, cell_type.upper(), G, shapes)
        x2 = x.clone()
        x2[:, -1] = (x2[:, -1] + 1) % 6
        check(not torch.allclose(model(x2), out), "changing the last symbol did not change the logits: "
              "classify from the output at the last step, output[:, -1] (with batch_first=True)")
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
