"""Hidden tests for 03_other_architectures (COURSE_SPEC.md §4.3).

Each test checks one property of the contract against PyTorch's own modules on
fresh random weights, and, when it fails, compares the answer with the usual
mistakes to name the one that was made.

Everything that comes back from the learner's process is judged here. The classifier
is read by values: the tests take only the names and shapes of its weights, load
weights made here, and find the PyTorch twin whose forward equals the learner's; its
training runs in the learner's process on batches made here and is replayed here, and
the accuracy is computed here from the replayed weights.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from rnncourse.checks.other_architectures import (
    BATCH_AS_TIME,
    CLASSIFIER_H_N,
    CLASSIFIER_SHAPE,
    EWMA_GENERIC,
    EWMA_IN_PLACE,
    EWMA_SHAPE,
    EWMA_WRONG,
    GATES,
    GRU_GENERIC,
    GRU_WRONG,
    LAST_SYMBOL,
    ONLY_LINEAR_TRAINED,
    PEEPHOLE_ORDER,
    SPLIT_NN_GRU,
    SPLIT_SHAPES,
    STEPS_DETACHED,
    count_problem,
    diagnose_split,
    ewma_mistakes,
    first_match,
    gru_mistakes,
    peephole_gate_problem,
    peephole_mistakes,
    split_structure,
    zero_state_problem,
)
from rnncourse.compare import close
from rnncourse.grading.hidden import LearnerError, array, contract_tests, expect, graded
from solutions import other_architectures as ref


def seeded(seed):
    """A fresh torch generator per use: every test sees the same data in any order."""
    return torch.Generator().manual_seed(seed)


def randn(gen, *shape, scale=1.0):
    return torch.randn(*shape, generator=gen) * scale


def randomize(module, gen, scale=0.6):
    """Random weights (biases included), larger than PyTorch's defaults so gates vary."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * scale)
    return module


def pair(value, what):
    expect(isinstance(value, (tuple, list)) and len(value) == 2,
           "{} should return a pair (h_t, c_t), got {}", what, type(value).__name__)
    return value


# --- split_gru_weights ---------------------------------------------------------------------
def gru_pieces(learner, module):
    out = learner.split_gru_weights(module)
    split_structure(out, expect)
    return {g: tuple(array(v, f"weights['{g}']") for v in out[g]) for g in out}


def gru_ref_pieces(module):
    return {g: tuple(v.numpy() for v in vs) for g, vs in ref.split_gru_weights(module).items()}


@graded("split_gru_weights")
def test_split_gru_weights_structure(learner):
    "returns reset, update and new entries with PyTorch's shapes"
    cell = randomize(nn.GRUCell(5, 3), seeded(301))
    got = gru_pieces(learner, cell)
    want = gru_ref_pieces(cell)
    for gate in want:
        shapes = [p.shape for p in got[gate]]
        expect(shapes == [p.shape for p in want[gate]], SPLIT_SHAPES, gate, [p.shape for p in want[gate]], shapes)


@graded("split_gru_weights", weight=2)
def test_split_gru_weights_values_gru_cell(learner):
    "splits an nn.GRUCell in the order reset, update, new, with the new gate's biases apart"
    for seed, (I, H) in ((302, (4, 3)), (303, (2, 6))):
        cell = randomize(nn.GRUCell(I, H), seeded(seed))
        diagnose_split(gru_pieces(learner, cell), gru_ref_pieces(cell), cell, expect)


@graded("split_gru_weights")
def test_split_gru_weights_from_nn_gru(learner):
    "also splits a one-layer nn.GRU (weight_ih_l0, ...)"
    gru = randomize(nn.GRU(3, 4, batch_first=True), seeded(304))
    try:
        pieces = gru_pieces(learner, gru)
    except LearnerError as exc:
        expect(False, SPLIT_NN_GRU, exc)
    diagnose_split(pieces, gru_ref_pieces(gru), gru, expect)


# --- gru_cell ------------------------------------------------------------------------------
def gru_case(seed, B, I, H, scale=0.6):
    gen = seeded(seed)
    cell = randomize(nn.GRUCell(I, H), gen, scale)
    x, h = randn(gen, B, I), randn(gen, B, H, scale=0.8)
    with torch.no_grad():
        want = cell(x, h)
    return cell, x, h, ref.split_gru_weights(cell), want


def check_gru_answer(out, want, x, h, w):
    out = array(out, "gru_cell's result")
    expect(out.shape == tuple(want.shape), "gru_cell should return h_t of shape (batch, H) = {}, got {}",
           tuple(want.shape), out.shape)
    if not close(out, want.numpy()):
        why = first_match(out, gru_mistakes(x, h, w))
        expect(False, GRU_WRONG, why or GRU_GENERIC)


@graded("gru_cell", weight=3)
def test_gru_cell_matches_nn_gru_cell(learner):
    "equals nn.GRUCell across random weights and shapes"
    for seed, (B, I, H) in ((311, (4, 3, 5)), (312, (1, 6, 2)), (313, (7, 2, 8))):
        cell, x, h, w, want = gru_case(seed, B, I, H)
        check_gru_answer(learner.gru_cell(x, h, w), want, x, h, w)


@graded("gru_cell")
def test_gru_cell_from_zero_state(learner):
    "starts from a zero state like nn.GRUCell(x) without h"
    cell, x, _, w, _ = gru_case(314, 3, 4, 4)
    h = torch.zeros(3, 4)
    with torch.no_grad():
        want = cell(x)
    check_gru_answer(learner.gru_cell(x, h, w), want, x, h, w)


@graded("gru_cell")
def test_gru_cell_unrolled_equals_nn_gru(learner):
    "stepped along a sequence, equals a one-layer nn.GRU(batch_first=True)"
    gen = seeded(315)
    gru = randomize(nn.GRU(3, 4, batch_first=True), gen, 0.5)
    x = randn(gen, 2, 5, 3)
    with torch.no_grad():
        want, _ = gru(x)
    w = ref.split_gru_weights(gru)
    h = torch.zeros(2, 4)
    for t in range(5):
        out = array(learner.gru_cell(x[:, t], h, w), "gru_cell's result")
        expect(out.shape == (2, 4), "gru_cell should return (batch, H) = (2, 4), got {}", out.shape)
        expect(close(out, want[:, t].numpy()), "run step by step over a sequence, gru_cell drifts away "
               "from nn.GRU at step {}: check the update gate's mix and the reset gate", t)
        h = torch.as_tensor(out)


# --- ewma ----------------------------------------------------------------------------------
def check_ewma(learner, x, beta, initial=None):
    args = (x, beta) if initial is None else (x, beta, initial)
    out = array(learner.ewma(*args), "ewma's result")
    want = ref.ewma(x, beta, initial).numpy()
    expect(out.shape == want.shape, EWMA_SHAPE, want.shape, out.shape)
    if not close(out, want):
        why = first_match(out, ewma_mistakes(x, beta, initial))
        expect(False, EWMA_WRONG, beta, "" if initial is None else ", initial", why or EWMA_GENERIC)


@graded("ewma", weight=2)
def test_ewma_starts_at_first_value(learner):
    "with initial=None, s_0 = x_0 and s_t = beta * s_{t-1} + (1 - beta) * x_t"
    gen = seeded(321)
    for shape, beta in (((12,), 0.9), ((8, 3), 0.5), ((20, 2, 2), 0.75)):
        check_ewma(learner, randn(gen, *shape), beta)


@graded("ewma", weight=2)
def test_ewma_with_initial(learner):
    "with initial given, it is s_{-1}, the average before the first step"
    gen = seeded(322)
    check_ewma(learner, randn(gen, 10), 0.8, torch.tensor(2.0))
    check_ewma(learner, randn(gen, 6, 4), 0.6, randn(gen, 4))


@graded("ewma")
def test_ewma_extremes(learner):
    "beta = 0 copies the input; beta close to 1 barely moves"
    x = randn(seeded(323), 15, 2)
    check_ewma(learner, x, 0.0)
    check_ewma(learner, x, 0.99)


@graded("ewma")
def test_ewma_leaves_input_alone(learner):
    "does not change x in place"
    x = randn(seeded(324), 9, 3)
    _, args_after = learner.call("ewma", x.clone(), 0.7, return_args=True)
    expect(close(array(args_after[0], "x after the call"), x.numpy()), EWMA_IN_PLACE)


# --- peephole_lstm_cell --------------------------------------------------------------------
def split_lstm(module):
    """gate -> (W_x, W_h, b) from an nn.LSTMCell, gate order input, forget, cell, output."""
    w_ih, w_hh = module.weight_ih.detach(), module.weight_hh.detach()
    b = (module.bias_ih + module.bias_hh).detach()
    names = ("input", "forget", "cell", "output")
    return {n: (wx, wh, bb) for n, wx, wh, bb in zip(names, w_ih.chunk(4), w_hh.chunk(4), b.chunk(4))}


def peephole_case(seed, B, I, H, zero=False):
    gen = seeded(seed)
    cell = randomize(nn.LSTMCell(I, H), gen, 0.5)
    x, h, c = randn(gen, B, I), randn(gen, B, H, scale=0.8), randn(gen, B, H)
    p = {k: torch.zeros(H) if zero else randn(gen, H) for k in ("input", "forget", "output")}
    return cell, x, h, c, split_lstm(cell), p


def check_peephole(learner, x, h, c, w, p, want_h, want_c, what):
    h_t, c_t = pair(learner.peephole_lstm_cell(x, (h, c), w, p), "peephole_lstm_cell")
    h_t, c_t = array(h_t, "h_t"), array(c_t, "c_t")
    expect(h_t.shape == tuple(want_h.shape) and c_t.shape == tuple(want_c.shape),
           "h_t and c_t should both be (batch, H) = {}, got {} and {}", tuple(want_h.shape), h_t.shape, c_t.shape)
    if close(h_t, want_c.numpy()) and close(c_t, want_h.numpy()) and not close(h_t, want_h.numpy()):
        expect(False, PEEPHOLE_ORDER)
    if not (close(h_t, want_h.numpy()) and close(c_t, want_c.numpy())):
        for why, (mh, mc) in peephole_mistakes(x, h, c, w, p):
            if close(h_t, mh.numpy()) and close(c_t, mc.numpy()):
                expect(False, "{}: {}", what, why)

        def run(peepholes):  # the learner's cell with one gate's peephole at a time
            out = pair(learner.peephole_lstm_cell(x, (h, c), w, peepholes), "peephole_lstm_cell")
            return array(out[0], "h_t"), array(out[1], "c_t")

        why = peephole_gate_problem(run, x, h, c, w, p)
        if why:
            expect(False, "{}: {}", what, why)
        if not close(c_t, want_c.numpy()):
            expect(False, "{}: c_t is wrong; it should be f * c_prev + i * g, with the input and forget "
                   "gates peeking at c_prev", what)
        expect(False, "{}: h_t is wrong; h_t = o * tanh(c_t), with the output gate peeking at c_t", what)


@graded("peephole_lstm_cell", weight=2)
def test_peephole_zero_equals_lstm_cell(learner):
    "with zero peepholes, equals nn.LSTMCell"
    for seed, (B, I, H) in ((331, (3, 4, 5)), (332, (1, 2, 3))):
        cell, x, h, c, w, p = peephole_case(seed, B, I, H, zero=True)
        with torch.no_grad():
            want_h, want_c = cell(x, (h, c))
        check_peephole(learner, x, h, c, w, p, want_h, want_c, "with zero peepholes it should equal nn.LSTMCell")


@graded("peephole_lstm_cell", weight=3)
def test_peephole_gates_see_the_cell_state(learner):
    "input and forget gates add p * c_prev; the output gate adds p_o * c_t"
    for seed, (B, I, H) in ((333, (4, 3, 5)), (334, (2, 5, 2))):
        _, x, h, c, w, p = peephole_case(seed, B, I, H)
        want_h, want_c = ref.peephole_lstm_cell(x, (h, c), w, p)
        check_peephole(learner, x, h, c, w, p, want_h, want_c, "with peepholes")


# --- init_hidden ---------------------------------------------------------------------------
def hidden(learner, cell_type, L, B, H):
    return learner.init_hidden(cell_type, L, B, H)


@graded("init_hidden", weight=2)
def test_init_hidden_rnn_gru(learner):
    "gives one zero tensor (num_layers, batch, hidden) that nn.RNN and nn.GRU accept"
    for cell_type, module in (("rnn", nn.RNN), ("gru", nn.GRU)):
        L, B, H = 2, 3, 5
        h0 = hidden(learner, cell_type, L, B, H)
        expect(not isinstance(h0, (tuple, list)), "for '{}' init_hidden should return a single tensor; "
               "only the LSTM has two states (h, c)", cell_type)
        zero_state_problem(h0, (L, B, H), f"init_hidden('{cell_type}', ...)", expect)
        rnn = module(4, H, num_layers=L, batch_first=True)
        with torch.no_grad():
            _, h_n = rnn(torch.zeros(B, 6, 4), h0)
        expect(tuple(h_n.shape) == (L, B, H), "nn.{} did not accept the state", module.__name__)


@graded("init_hidden", weight=2)
def test_init_hidden_lstm(learner):
    "gives a tuple (h0, c0) of zero tensors for the LSTM"
    L, B, H = 3, 2, 4
    state = hidden(learner, "lstm", L, B, H)
    if isinstance(state, torch.Tensor):
        expect(False, "the LSTM hidden was returned as one tensor (shape {}): nn.LSTM takes a tuple "
               "of two, (h0, c0)", tuple(state.shape))
    expect(isinstance(state, tuple) and len(state) == 2,
           "for 'lstm' init_hidden should return a tuple (h0, c0), got {}", type(state).__name__)
    for k, what in enumerate(("h0", "c0")):
        zero_state_problem(state[k], (L, B, H), what, expect)
    lstm = nn.LSTM(3, H, num_layers=L, batch_first=True)
    with torch.no_grad():
        lstm(torch.zeros(B, 5, 3), state)


@graded("init_hidden")
def test_init_hidden_one_layer_one_sequence(learner):
    "keeps the layer and batch axes even when they are 1"
    zero_state_problem(hidden(learner, "gru", 1, 1, 7), (1, 1, 7), "init_hidden('gru', 1, 1, 7)", expect)


# --- param_count ---------------------------------------------------------------------------
def torch_count(cell_type, I, H, L):
    module = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type](I, H, num_layers=L)
    return sum(p.numel() for p in module.parameters())


def check_count(learner, cell_type, I, H, L):
    count_problem(learner.param_count(cell_type, I, H, L), torch_count(cell_type, I, H, L), cell_type, I, H, L,
                  expect)


@graded("param_count")
def test_param_count_one_layer(learner):
    "equals the parameter count of one-layer nn.RNN, nn.GRU and nn.LSTM"
    for cell_type in ("rnn", "gru", "lstm"):
        check_count(learner, cell_type, 10, 20, 1)


@graded("param_count")
def test_param_count_stacked(learner):
    "equals the count of stacked layers (the first reads the input, the others the hidden state)"
    for cell_type, I, H, L in (("lstm", 7, 16, 2), ("gru", 3, 9, 3), ("rnn", 12, 5, 4)):
        check_count(learner, cell_type, I, H, L)


@graded("param_count")
def test_param_count_default_layers(learner):
    "num_layers defaults to 1"
    out = learner.call("param_count", "lstm", 4, 8)
    expect(out == torch_count("lstm", 4, 8, 1), "param_count('lstm', 4, 8) should use num_layers=1 "
           "and give {}, got {}", torch_count("lstm", 4, 8, 1), out)


# --- SequenceClassifier --------------------------------------------------------------------
# The classifier is judged by values. A test reads only the names and shapes of the learner's
# weights, loads weights it made itself, and finds the *twin* (embedding or one-hot ->
# nn.RNN / nn.GRU / nn.LSTM -> linear layer, read in one of a few ways) whose forward equals
# the learner's. Training runs in the learner's process on batches made here, and is replayed
# here with the twin from the same start; the accuracy is computed here from the replayed
# weights.
LAYERS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
KINDS = {g: kind for kind, g in GATES.items()}
FORWARD_TOL = dict(atol=1e-4, rtol=1e-3)  # twin vs learner forward: float32 rounding is ~1e-6

# how the logits are read from the recurrent layer: name -> (correct?, short name, what it is)
READOUTS = {
    "last": (True, "the last step's output", ""),
    "last_relu": (True, "relu of the last step's output", ""),
    "last_tanh": (True, "tanh of the last step's output", ""),
    "first": (False, "the first step's output", "the logits come from the output at the first step, "
              "output[:, 0]; the classifier should read the last step, output[:, -1] (or h_n[-1])"),
    "time_major": (False, "the batch axis taken for time", BATCH_AS_TIME),
    "time_major_hn": (False, "the batch axis taken for time", BATCH_AS_TIME),
    "last_symbol": (False, "the last symbol alone", LAST_SYMBOL),
    "mean": (False, "the outputs averaged over the steps", "the logits come from the outputs averaged "
             "over all steps; the classifier should read the output at the last step"),
    "cell_state": (False, "the LSTM's cell state", "the logits come from the LSTM's cell state c_n; read "
                   "the hidden state h (output[:, -1] or h_n[-1])"),
    "softmax": (False, "probabilities instead of logits", "forward returns probabilities (a softmax); it "
                "should return the logits themselves (cross_entropy applies the softmax)"),
    "all_steps": (False, "logits at every step", "the linear layer is applied at every step, giving "
                  "(batch, seq, n_classes); the classifier gives one row of logits per sequence, from "
                  "the last step"),
}


class Structure:
    """One way to read a learner's weights as embedding (or one-hot) -> recurrent -> linear."""

    def __init__(self, kind, layers, E, H, C, rows, rnn, cell, rnn_bias, fc, fc_bias, embedding,
                 nonlinearity="tanh"):
        self.kind, self.layers, self.E, self.H, self.C, self.rows = kind, layers, E, H, C, rows
        self.rnn, self.cell, self.rnn_bias, self.fc, self.fc_bias = rnn, cell, rnn_bias, fc, fc_bias
        self.embedding, self.nonlinearity = embedding, nonlinearity

    def keys(self) -> dict:
        """The twin's weight names -> the learner's."""
        def key(prefix, leaf):
            return f"{prefix}.{leaf}" if prefix else leaf

        out = {"fc.weight": key(self.fc, "weight")}
        if self.fc_bias:
            out["fc.bias"] = key(self.fc, "bias")
        if self.embedding is not None:
            out["embedding.weight"] = key(self.embedding, "weight")
        for layer in range(self.layers):
            for name in ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if self.rnn_bias else ()):
                out[f"rnn.{name}_l{layer}"] = key(self.rnn, name if self.cell else f"{name}_l{layer}")
        return out

    def describe(self) -> str:
        inputs = "an embedding" if self.embedding is not None else "one-hot inputs"
        return f"{inputs} -> nn.{self.kind.upper()}({self.E}, {self.H}) -> a linear layer"


class Twin(nn.Module):
    """What the learner's classifier computes, as PyTorch modules (see ``Structure``)."""

    def __init__(self, s: Structure):
        super().__init__()
        self.s = s
        self.embedding = nn.Embedding(s.rows, s.E) if s.embedding is not None else None
        extra = {"nonlinearity": s.nonlinearity} if s.kind == "rnn" else {}
        self.rnn = LAYERS[s.kind](s.E, s.H, num_layers=s.layers, bias=s.rnn_bias, batch_first=True, **extra)
        self.fc = nn.Linear(s.H, s.C, bias=s.fc_bias)

    def run(self, inp, detach_steps=False):
        if not detach_steps:
            return self.rnn(inp)
        outs, state = [], None
        for t in range(inp.shape[1]):
            if state is not None:
                state = tuple(v.detach() for v in state) if isinstance(state, tuple) else state.detach()
            out, state = self.rnn(inp[:, t:t + 1], state)
            outs.append(out)
        return torch.cat(outs, 1), state

    def forward(self, x, readout="last", detach=None):
        """detach: None, "embedding" (the inputs get no gradient), "recurrent" (only the linear
        layer trains) or "steps" (the state is cut from its graph between steps)."""
        x = torch.as_tensor(x, dtype=torch.int64)
        inp = self.embedding(x) if self.embedding is not None else F.one_hot(x, self.s.E).float()
        if detach == "embedding":
            inp = inp.detach()
        steps = detach == "steps"
        if readout in ("time_major", "time_major_hn"):
            out, _ = self.run(inp.transpose(0, 1), steps)  # the batch axis taken for time
            z = out[-1] if readout == "time_major" else out[:, -1]
        elif readout == "last_symbol":
            z = self.run(inp[:, -1:], steps)[0][:, -1]
        else:
            out, state = self.run(inp, steps)
            z = {"first": out[:, 0], "mean": out.mean(1), "all_steps": out,
                 "cell_state": state[1][-1] if isinstance(state, tuple) else None}.get(readout, out[:, -1])
            z = {"last_relu": torch.relu, "last_tanh": torch.tanh}.get(readout, lambda v: v)(z)
        if detach == "recurrent":
            z = z.detach()
        logits = self.fc(z)
        return logits.softmax(-1) if readout == "softmax" else logits

    def readouts(self):
        return [r for r in READOUTS if r != "cell_state" or self.s.kind == "lstm"]


def structures(shapes: dict, V: int, C: int):
    """Every reading of the learner's weight names and shapes as embedding (or one-hot) ->
    recurrent -> linear, and what was missing when there is none."""
    groups: dict = {}
    for key, shape in shapes.items():
        prefix, _, leaf = key.rpartition(".")
        groups.setdefault(prefix, {})[leaf] = shape
    recurrents, missing = [], []
    for prefix, leaves in groups.items():
        cell = "weight_hh" in leaves
        if not cell and "weight_hh_l0" not in leaves:
            continue
        if any("reverse" in leaf for leaf in leaves):
            missing.append("the recurrent layer is bidirectional: its backward half has no 'last step'")
            continue
        name = (lambda n, layer: n) if cell else (lambda n, layer: f"{n}_l{layer}")
        layers = 1 if cell else sum(1 for leaf in leaves if leaf.startswith("weight_hh_l"))
        wh, wi = leaves.get(name("weight_hh", 0), ()), leaves.get(name("weight_ih", 0), ())
        if len(wh) != 2 or len(wi) != 2 or not wh[1] or wh[0] % wh[1] or wh[0] // wh[1] not in KINDS:
            continue
        H, G, E = wh[1], wh[0] // wh[1], wi[1]
        bias = name("bias_ih", 0) in leaves
        expected = {}
        for layer in range(layers):
            expected[name("weight_ih", layer)] = (G * H, E if layer == 0 else H)
            expected[name("weight_hh", layer)] = (G * H, H)
            if bias:
                expected[name("bias_ih", layer)] = expected[name("bias_hh", layer)] = (G * H,)
        if leaves == expected:
            recurrents.append((prefix, cell, layers, KINDS[G], E, H, bias))
    if not recurrents:
        missing.append("no recurrent layer among its weights (nn.RNN, nn.GRU, nn.LSTM or their cells "
                       "have weight_ih and weight_hh)")
    found = []
    for prefix, cell, layers, kind, E, H, bias in recurrents:
        heads = [(p, "bias" in lv) for p, lv in groups.items()
                 if lv.get("weight") == (C, H) and set(lv) <= {"weight", "bias"} and lv.get("bias", (C,)) == (C,)]
        inputs = [p for p, lv in groups.items() if set(lv) == {"weight"} and len(lv["weight"]) == 2
                  and lv["weight"][1] == E and lv["weight"][0] >= V and p != prefix]
        inputs += [None] if E == V else []
        if not heads:
            missing.append(f"no linear layer from the hidden state to the classes (weight ({C}, {H}))")
        if not inputs:
            missing.append(f"the recurrent layer reads {E} features per step, but there is no embedding "
                           f"(vocab_size, {E}), and {E} is not vocab_size = {V} (one-hot inputs)")
        for (fc, fc_bias), emb in ((h, e) for h in heads for e in inputs):
            if fc != emb:
                rows = groups[emb]["weight"][0] if emb is not None else V
                found.append(Structure(kind, layers, E, H, C, rows, prefix, cell, bias, fc, fc_bias, emb))
    # an nn.RNN(nonlinearity="relu") has the same weights: tried after every tanh reading
    found += [Structure(s.kind, s.layers, s.E, s.H, s.C, s.rows, s.rnn, s.cell, s.rnn_bias, s.fc, s.fc_bias,
                        s.embedding, "relu") for s in found if s.kind == "rnn"]
    return found[:24], missing


class Found:
    """The learner's classifier in the sandbox, and the twin that computes what it computes."""

    def __init__(self, model, state, s, readout):
        self.model, self.state, self.s, self.readout = model, state, s, readout

    def load(self, twin: nn.Module, gen) -> None:
        load_weights(self.model, self.s, twin, self.state, gen)


def load_weights(model, s, twin, learner_state, gen) -> None:
    """Load the twin's weights (made here) into the learner's model, under the learner's names;
    weights the twin has no use for get random values (made here too)."""
    ours = twin.state_dict()
    mine = {learner: theirs for theirs, learner in s.keys().items()}
    out = {}
    for key, value in learner_state.items():
        if key in mine:
            out[key] = ours[mine[key]].detach().clone()
        elif np.issubdtype(value.dtype, np.floating):
            out[key] = torch.randn(value.shape, generator=gen) * 0.5
        else:
            out[key] = torch.as_tensor(value)
    model.call("load_state_dict", out)


def learner_weights(model, what: str) -> dict:
    state = model.call("state_dict")
    expect(isinstance(state, dict) and state and all(isinstance(k, str) for k in state),
           "could not read the weights of {} (its state_dict())", what)
    return {k: array(v, f"state_dict()['{k}']") for k, v in state.items()}


def identify(learner, cell_type, V, H, C, seed) -> Found:
    """Build the learner's SequenceClassifier(cell_type, V, H, C) and find, by values, the twin
    whose forward equals its forward on weights and inputs made here."""
    what = f"SequenceClassifier('{cell_type}', {V}, {H}, {C})"
    model = learner.new("SequenceClassifier", cell_type, V, H, C)
    state = learner_weights(model, what)
    candidates, missing = structures({k: v.shape for k, v in state.items()}, V, C)
    expect(candidates, "could not match {} to an embedding (or one-hot inputs) -> recurrent layer -> "
           "linear layer: {}", what, "; ".join(dict.fromkeys(missing)) or "its weights fit no such layout")
    model.call("eval")
    gen = seeded(seed)
    x = token_batch(seed, 5, 6, V)
    closest, loaded = None, False
    for s in candidates:
        twin = randomize(Twin(s), gen, 0.5)
        try:
            load_weights(model, s, twin, state, gen)
        except LearnerError:
            continue
        loaded = True
        out = array(model.call("forward", x), f"{what}'s output")
        with torch.no_grad():
            for readout in twin.readouts():
                want = twin(x, readout).numpy()
                if out.shape != want.shape:
                    continue
                if close(out, want, **FORWARD_TOL):
                    return Found(model, state, s, readout)
                error = float(np.abs(out - want).max() / max(np.abs(want).max(), 1e-6))
                if closest is None or error < closest[0]:
                    closest = (error, s, readout)
    expect(loaded, "{} did not accept weights of its own names and shapes (load_state_dict)", what)
    hint = ""
    if closest is not None and closest[0] < 0.5:
        hint = f" Its logits come closest to reading {READOUTS[closest[2]][1]}, but differ."
    expect(False, "with weights chosen by the grader, the forward of {} equals no classifier its weights "
           "describe ({}), read from the last step's output, the first step's, the average, or with the "
           "batch axis taken for time.{} Look for an extra layer or activation, a hidden state that does "
           "not start at zeros, or inputs not fed in order along the sequence.", what,
           candidates[0].describe(), hint)


def token_batch(seed, B, T, V):
    return torch.randint(0, V, (B, T), generator=seeded(seed))


def logits_of(learner, cell_type, x, V=9, H=8, C=3):
    model = learner.new("SequenceClassifier", cell_type, V, H, C)
    out = array(model.call("forward", x), "SequenceClassifier's output")
    return model, out


@graded("SequenceClassifier")
def test_classifier_output_shape(learner):
    "forward maps (batch, seq) int64 symbols to logits (batch, n_classes)"
    for cell_type, (B, T) in (("rnn", (5, 7)), ("gru", (1, 3)), ("lstm", (4, 1))):
        _, out = logits_of(learner, cell_type, token_batch(341, B, T, 9))
        expect(out.shape != (1, B, 3), CLASSIFIER_H_N, out.shape, (B, 3))
        expect(out.shape == (B, 3), CLASSIFIER_SHAPE, (B, T), (B, 3), out.shape, cell_type)
        expect(np.issubdtype(out.dtype, np.floating), "the logits should be floats, got {}", out.dtype)


@graded("SequenceClassifier")
def test_classifier_uses_requested_cell(learner):
    "builds the recurrent layer named by cell_type, with the given hidden size"
    H = 6
    for k, cell_type in enumerate(("rnn", "gru", "lstm")):
        found = identify(learner, cell_type, 9, H, 3, seed=345 + k)
        expect(found.s.kind == cell_type, "SequenceClassifier('{}', ...) computes an nn.{} (its forward "
               "equals one on weights chosen by the grader), not an nn.{}. Is cell_type used to pick the "
               "layer?", cell_type, found.s.kind.upper(), cell_type.upper())
        expect(found.s.H == H, "SequenceClassifier('{}', hidden_size={}) has a recurrent state of size {}: "
               "use hidden_size for the layer", cell_type, H, found.s.H)


@graded("SequenceClassifier")
def test_classifier_reads_the_last_step(learner):
    "the logits are a linear layer on the recurrent layer's output at the last time step"
    for k, cell_type in enumerate(("rnn", "gru", "lstm")):
        found = identify(learner, cell_type, 9, 8, 3, seed=348 + k)
        correct, _, why = READOUTS[found.readout]
        expect(correct, "SequenceClassifier('{}', ...): {}", cell_type, why)


TASK = dict(T=4, n_symbols=3, n_distractors=4, hidden_size=16, steps=200, batch_size=32, lr=0.02, clip=1.0)
# training runs the learner's code may make that the grader replays, in order: name -> what it
# is, said when the accuracy stays low
VARIANTS = {
    "faithful": "",
    "padding": "",  # nn.Embedding(padding_idx=0): row 0 never moves
    "embedding": " The embedding did not train: is its output detached, or its weight frozen?",
    "recurrent": ONLY_LINEAR_TRAINED,
    "steps": STEPS_DETACHED,
}
SAME_TRAINING = dict(rel=0.02, atol=1e-3, frac=0.02)


def memory_set(seed, n):
    gen = seeded(seed)
    y = torch.randint(0, TASK["n_symbols"], (n,), generator=gen)
    noise = torch.randint(TASK["n_symbols"], TASK["n_symbols"] + TASK["n_distractors"], (n, TASK["T"]),
                          generator=gen)
    return torch.cat([y[:, None], noise], dim=1), y


def memory_batches(seed):
    x, y = memory_set(seed, TASK["steps"] * TASK["batch_size"])
    shape = (TASK["steps"], TASK["batch_size"])
    return x.reshape(*shape, -1), y.reshape(shape)


def starting_weights(twin, gen):
    """PyTorch's usual initialisation (N(0, 1) embeddings, U(-1/sqrt(H), 1/sqrt(H)) elsewhere),
    drawn here."""
    bound = 1.0 / float(np.sqrt(twin.s.H))
    with torch.no_grad():
        for name, p in twin.named_parameters():
            if name.startswith("embedding"):
                p.copy_(torch.randn(p.shape, generator=gen))
            else:
                p.copy_((torch.rand(p.shape, generator=gen) * 2 - 1) * bound)
    return twin


class one_thread:
    """Replays in one thread, like the learner's process (the same summation order)."""

    def __enter__(self):
        self.threads = torch.get_num_threads()
        torch.set_num_threads(1)

    def __exit__(self, *exc):
        torch.set_num_threads(self.threads)


def replay(s, start, readout, variant, xs, ys):
    """The training the learner's process was asked to run, here, with the twin."""
    twin = Twin(s)
    twin.load_state_dict(start)
    twin.eval()
    optimizer = torch.optim.Adam(twin.parameters(), lr=TASK["lr"])
    detach = variant if variant in ("embedding", "recurrent", "steps") else None
    with one_thread():
        for x, y in zip(xs, ys):
            loss = F.cross_entropy(twin(x, readout, detach), y)
            optimizer.zero_grad()
            loss.backward()
            if variant == "padding":
                twin.embedding.weight.grad[0] = 0
            nn.utils.clip_grad_norm_(twin.parameters(), TASK["clip"])
            optimizer.step()
    return {k: v.detach().numpy() for k, v in twin.state_dict().items()}


def same_training(got, want, start):
    """The learner's trained weights equal a replay: per tensor, the difference is small against
    how far training moved it, or only a few entries differ (Adam turns the float noise of a
    near-zero gradient into a full step of either sign)."""
    for name, w in want.items():
        diff = np.abs(got[name].astype(np.float64) - w)
        moved = float(np.linalg.norm(w - start[name]))
        if np.linalg.norm(diff) <= SAME_TRAINING["rel"] * moved + 1e-5:
            continue
        if diff.size and float(np.mean(diff > SAME_TRAINING["atol"])) <= SAME_TRAINING["frac"]:
            continue
        return False
    return True


def part_of(name):
    return {"embedding": "embedding", "rnn": "recurrent layer", "fc": "linear layer"}[name.split(".")[0]]


@graded("SequenceClassifier", weight=3)
def test_classifier_learns_to_remember(learner):
    "trained briefly on 'report the first symbol after 4 distractors', each cell type learns it"
    V, H, C = TASK["n_symbols"] + TASK["n_distractors"], TASK["hidden_size"], TASK["n_symbols"]
    test_x, test_y = memory_set(343, 300)
    xs, ys = memory_batches(344)
    for k, cell_type in enumerate(("rnn", "gru", "lstm")):
        found = identify(learner, cell_type, V, H, C, seed=351 + k)
        s, readout = found.s, found.readout
        expect(readout not in ("all_steps", "time_major_hn"), "SequenceClassifier('{}', ...) cannot be "
               "trained on labels of shape (batch,): {}", cell_type, READOUTS[readout][2])
        gen = seeded(361 + k)
        twin = starting_weights(Twin(s), gen)
        found.load(twin, gen)
        start = {n: v.detach().clone() for n, v in twin.state_dict().items()}
        with ThreadPoolExecutor(max_workers=1) as pool:  # the faithful replay, while the learner's runs
            replays = {"faithful": pool.submit(replay, s, start, readout, "faithful", xs, ys)}
            learner.scenario("other_architectures.train_classifier", model=found.model, xs=xs, ys=ys,
                             lr=TASK["lr"], clip=TASK["clip"], label="SequenceClassifier", timeout=90)
            replays["faithful"] = replays["faithful"].result()
        after = learner_weights(found.model, f"SequenceClassifier('{cell_type}', ...) after training")
        start = {n: v.numpy() for n, v in start.items()}
        got = {}
        for name, key in s.keys().items():
            expect(key in after and after[key].shape == start[name].shape, "after training, "
                   "SequenceClassifier('{}', ...) no longer has the weight {} it had", cell_type, key)
            got[name] = after[key]
        variants = ["faithful"] + (["padding", "embedding"] if s.embedding is not None else []) + ["recurrent", "steps"]
        match = None
        for variant in variants:
            if variant not in replays:
                replays[variant] = replay(s, {n: torch.from_numpy(v) for n, v in start.items()}, readout,
                                          variant, xs, ys)
            if same_training(got, replays[variant], start):
                match = variant
                break
        if match is None:
            faithful = replays["faithful"]
            worst = max(faithful, key=lambda n: np.linalg.norm(got[n] - faithful[n]) /
                        max(np.linalg.norm(faithful[n] - start[n]), 1e-6))
            expect(False, "trained in your notebook's process ({} Adam steps on batches chosen by the grader, "
                   "gradients clipped at {}), SequenceClassifier('{}', ...) ends with weights that differ from "
                   "the same training replayed here with PyTorch's modules (most in its {}): something in "
                   "forward changes the gradients (.detach(), torch.no_grad(), .data, an in-place change) "
                   "or draws random numbers", TASK["steps"], TASK["clip"], cell_type, part_of(worst))
        twin = Twin(s)
        twin.load_state_dict({n: torch.from_numpy(v) for n, v in replays[match].items()})
        twin.eval()
        with torch.no_grad():
            accuracy = float((twin(test_x, readout).argmax(1) == test_y).float().mean())
        why = VARIANTS[match] + ("" if READOUTS[readout][0] else f" In your classifier {READOUTS[readout][2]}.")
        expect(accuracy >= 0.8, "with '{}' cells, the model reached {:.0%} accuracy (chance is 33%) after {} "
               "Adam steps; a working classifier reaches 100%.{}", cell_type, accuracy, TASK["steps"],
               why or " Does information flow from the first step to the last (batch_first=True, the "
               "recurrent output at the last step fed to the linear layer)?")


# functions whose visible check is their whole contract (rnncourse.checks.contract) and which have
# no test above: that check, on the grader's own inputs
contract_tests("03_other_architectures", globals(), seed=3_331)
