"""Hidden tests for 05_anna_karnna (COURSE_SPEC.md §4.5).

Everything that decides a grade is a value judged here against the reference with weights
chosen here:

* ``CharRNN``: the learner's class is built in the sandbox, its ``state_dict`` is read for
  its keys and shapes only, the grader's weights are loaded into it, and its outputs on
  inputs made here are compared with the reference's (dropout is seen with drop_prob=1.0).
* ``train``, ``predict``, ``sample``, ``sample_with_temperature``, ``save_checkpoint`` get a
  stand-in model (``rnncourse/grading/standins.py``) whose passes the grader computes
  (``rnncourse/grading/oracle.py``); ``sample`` also gets the grader's ``predict``. Training
  is judged by the weights it ends with against replays here; texts and characters against
  the reference model's distributions.
* The trained model ``anna_karnna.pt`` is read without following links, size-capped, and
  parsed and scored in a limited child process (``score_checkpoint.py``).

Nothing trusted enters the learner's process: no code, no reference object.
"""

import concurrent.futures
import functools
import hashlib
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnncourse import compare
from rnncourse.checks.anna_karnna import (
    ADAM,
    INPUTS_AS_TARGETS,
    NO_DROPOUT_BETWEEN,
    NO_DROPOUT_LAYER,
    NOT_CLIPPED,
    NOT_CONTIGUOUS,
    PREDICT_H_NONE,
    PREDICT_IGNORES_H,
    SAVE_HINT,
    SEQ_BATCH_ORDER,
    THRESHOLDS,
    error_hint,
    explained,
    lr_ignored,
    sample_mistake,
)
from rnncourse.compare import max_diff
from rnncourse.grading import files, plaindata
from rnncourse.grading.hidden import Mistake, array, contract_tests, expect, graded, unobservable
from rnncourse.grading.oracle import ModelOracle
from rnncourse.grading.session import LearnerError
from rnncourse.helpers import anna_karnna as charmodel
from solutions import anna_karnna as ref
from solutions import sequence_batching as batching

torch.set_num_threads(1)  # the models here are tiny: one thread is fastest, and leaves the rest free

TOKENS = tuple(" ,.Tabcdefghijklmnopqrst")  # 24 symbols, sorted
SMALL = tuple("abcdef")
CHECKPOINT = charmodel.CHECKPOINT_NAME
SCORER = Path(__file__).resolve().parent / "score_checkpoint.py"


def one_hot(idx, n_chars) -> torch.Tensor:
    return torch.from_numpy(batching.one_hot_encode(np.asarray(idx), n_chars))


def made_net(tokens, n_hidden, n_layers, drop_prob=0.0, seed=0, scale=None):
    """A reference CharRNN with weights chosen here: PyTorch's own initialisation from ``seed``
    or, with ``scale``, normal weights (the output layer's three times larger: peakier
    distributions, so that sampling checks can tell characters apart)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = ref.CharRNN(tuple(tokens), n_hidden=n_hidden, n_layers=n_layers, drop_prob=drop_prob)
    if scale is not None:
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for _, p in sorted(net.named_parameters()):
                s = scale * (3.0 if p.shape[0] == len(tokens) else 1.0)
                p.copy_(torch.randn(p.shape, generator=gen) * s)
    return net


def lent_model(learner, label, net, mode="eval"):
    """A stand-in for ``net`` in the sandbox (its passes are computed here), and its oracle."""
    oracle = ModelOracle(net, keep=8)
    stand = learner.standin("charrnn", label, tokens=list(net.chars), n_hidden=net.n_hidden,
                            n_layers=net.n_layers, drop_prob=float(net.drop_prob), state=oracle.state())
    if mode == "eval":
        stand.call("eval", keep=True)
    return stand, oracle


def as_text(value, function):
    expect(isinstance(value, str), "{} should return a str, not {}", function, type(value).__name__)
    return value


def pair(value, what):
    """A learner's (h, c) as two arrays, or a Mistake."""
    expect(isinstance(value, (tuple, list)) and len(value) == 2,
           "{} should be the LSTM's pair (h, c); got {}", what, type(value).__name__)
    return tuple(array(t, what) for t in value)


# --- CharRNN --------------------------------------------------------------------------------
LSTM_KEY = re.compile(r"(weight_ih|weight_hh|bias_ih|bias_hh)_l(\d+)$")


def key_map(state, n_chars, n_hidden):
    """learner key -> reference key (lstm.* and fc.*), found by name suffix and shape."""
    mapping = {}
    for key, value in state.items():
        m = LSTM_KEY.search(str(key))
        if m:
            mapping[key] = f"lstm.{m.group(1)}_l{m.group(2)}"
        elif np.shape(value) == (n_chars, n_hidden) and str(key).endswith("weight"):
            mapping[key] = "fc.weight"
        elif np.shape(value) == (n_chars,) and str(key).endswith("bias"):
            mapping[key] = "fc.bias"
    return mapping


def describe(state) -> str:
    text = ", ".join(f"{str(k)[:40]} {tuple(np.shape(v))}" for k, v in list(state.items())[:12])
    return text if len(text) <= 400 else text[:399] + "…"


def learner_model(learner, n_layers=2, drop_prob=0.3, n_hidden=12, seed=5):
    """(the learner's CharRNN in the sandbox with weights chosen here, the reference with the
    same weights). Its state_dict is read for its keys and shapes only."""
    call = f"CharRNN(tokens, n_hidden={n_hidden}, n_layers={n_layers}, drop_prob={drop_prob})"
    model = learner.new("CharRNN", TOKENS, n_hidden=n_hidden, n_layers=n_layers, drop_prob=drop_prob)
    shapes = model.call("state_dict")
    expect(isinstance(shapes, dict) and all(isinstance(k, str) for k in shapes)
           and all(isinstance(v, (torch.Tensor, np.ndarray)) for v in shapes.values()),
           "{}.state_dict() should be a dict of named tensors", call)
    net = made_net(TOKENS, n_hidden, n_layers, drop_prob, seed=seed, scale=0.4)
    want = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    mapping = key_map(shapes, len(TOKENS), n_hidden)
    expect(sorted(mapping.values()) == sorted(want)
           and all(tuple(np.shape(shapes[k])) == want[v] for k, v in mapping.items()),
           "{}'s weights could not be matched to one nn.LSTM({}, {}, {}) and one nn.Linear({}, {}), the "
           "layers of LSTM -> dropout -> linear; its state_dict holds {}", call, len(TOKENS), n_hidden,
           n_layers, n_hidden, len(TOKENS), describe(shapes))
    reference = net.state_dict()
    gen = torch.Generator().manual_seed(seed + 1)
    weights = {}
    for key, value in shapes.items():
        if key in mapping:
            weights[key] = reference[mapping[key]].clone()
            continue
        t = torch.as_tensor(value)
        weights[key] = (torch.randn(t.shape, generator=gen) * 0.4).to(t.dtype) if t.is_floating_point() \
            else torch.zeros_like(t)
    model.call("load_state_dict", weights)
    return model, net


def inputs(batch, seq, n_layers, n_hidden=12, seed=3):
    gen = torch.Generator().manual_seed(seed)
    x = one_hot(torch.randint(0, len(TOKENS), (batch, seq), generator=gen).numpy(), len(TOKENS))
    h = (torch.randn(n_layers, batch, n_hidden, generator=gen) * 0.5,
         torch.randn(n_layers, batch, n_hidden, generator=gen) * 0.5)
    return x, h


def learner_forward(model, x, h, call):
    try:
        result = model.call(None, x, h, label="CharRNN.forward")
    except LearnerError as exc:
        if exc.kind == "raised" and error_hint(exc.detail) == NOT_CONTIGUOUS:
            raise Mistake(explained("forward", exc.detail, exc.where)) from None
        raise
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           "{} should return (out, hidden); got {}", call, type(result).__name__)
    return array(result[0], "forward's scores"), pair(result[1], "forward's hidden state")


def reference_forward(net, x, h, training=False):
    net.train(training)
    with torch.no_grad():
        out, (h_n, c_n) = net(x, h)
    return out.numpy(), (h_n.numpy(), c_n.numpy())


def close(a, b, atol=1e-4):
    """The course's comparison (``rnncourse.compare``) at this assignment's tolerance: a whole
    model's scores and states agree to about 1e-4 in float32."""
    return compare.close(a, b, atol=atol, rtol=1e-3)


def unobserved_structure():
    unobservable("CharRNN", "which modules CharRNN holds (nn.LSTM, nn.Dropout, nn.Linear) is not read: "
                 "its outputs are judged with weights the grader chose, and drop_prob=1.0 in training "
                 "mode shows both dropouts")


@graded("CharRNN")
def test_charrnn_vocabulary(learner):
    "keeps the vocabulary: chars, int2char and char2int, numbered in the order of tokens"
    model = learner.new("CharRNN", TOKENS, n_hidden=12, n_layers=2, drop_prob=0.3)
    int2char, char2int = model.attr("int2char"), model.attr("char2int")
    expect(int2char == dict(enumerate(TOKENS)),
           "int2char should map 0, 1, ... to the tokens in the order given; got {}", str(int2char)[:80])
    expect(char2int == {c: i for i, c in enumerate(TOKENS)},
           "char2int should map each token to its index (the inverse of int2char)")
    n_hidden, n_layers = model.attr("n_hidden"), model.attr("n_layers")
    expect(n_hidden == 12 and n_layers == 2 and not isinstance(n_hidden, bool),
           "n_hidden and n_layers should be stored as given (12 and 2); got {!r} and {!r}",
           n_hidden, n_layers)


@graded("CharRNN")
def test_charrnn_layers(learner):
    "is a batch-first LSTM with dropout between layers, then dropout and a linear layer (seen in its outputs)"
    unobserved_structure()
    model, net = learner_model(learner, drop_prob=0.3)
    model.call("eval", keep=True)
    x, h = inputs(4, 4, 2, seed=8)  # batch == seq: a model that is not batch-first still runs
    out, _ = learner_forward(model, x, h, "forward(x, (h, c))")
    want, _ = reference_forward(net, x, h)
    if not close(out, want):
        seq_first, _ = reference_forward(net, x.transpose(0, 1).contiguous(), h)
        swapped = seq_first.reshape(4, 4, -1).transpose(1, 0, 2).reshape(16, -1)
        expect(not (close(out, seq_first) or close(out, swapped)),
               "the LSTM reads x as (seq, batch, n_chars): build it with batch_first=True, since the "
               "batches are (batch, seq, n_chars)")
        expect(False, "the layers could not be checked: in eval mode forward's scores differ from "
               "LSTM -> dropout -> linear with the same weights (the forward check says more)")
    # drop_prob=1.0 in training mode: every dropout zeroes all it gets
    model, net = learner_model(learner, drop_prob=1.0, seed=6)
    model.call("train", keep=True)
    x, h = inputs(3, 5, 2, seed=9)
    out, (h_n, c_n) = learner_forward(model, x, h, "forward(x, (h, c)) in training mode")
    want, (want_h, want_c) = reference_forward(net, x, h, training=True)
    bias = net.fc.bias.detach().numpy()
    expect(close(out, np.broadcast_to(bias, want.shape), atol=1e-5), NO_DROPOUT_LAYER)
    expect(close(h_n[-1], want_h[-1], atol=1e-5) and close(c_n[-1], want_c[-1], atol=1e-5), NO_DROPOUT_BETWEEN)


@graded("CharRNN")
def test_charrnn_init_hidden(learner):
    "init_hidden(batch_size) gives (h, c) zeros of shape (n_layers, batch_size, n_hidden)"
    model = learner.new("CharRNN", TOKENS, n_hidden=12, n_layers=2, drop_prob=0.3)
    h = model.call("init_hidden", 3)
    expect(isinstance(h, (tuple, list)) and len(h) == 2,
           "init_hidden should return a pair (h, c) for the LSTM, got {}", type(h).__name__)
    h = pair(h, "init_hidden(3)")
    shapes = [t.shape for t in h]
    if shapes[0] == (3, 2, 12):
        expect(False, "the hidden state has shape (batch, layers, hidden) = (3, 2, 12): nn.LSTM wants "
               "(n_layers, batch_size, n_hidden) even with batch_first=True")
    expect(all(s == (2, 3, 12) for s in shapes),
           "h and c should have shape (n_layers, batch_size, n_hidden) = (2, 3, 12); got {}", shapes)
    expect(all(np.all(t == 0) for t in h), "init_hidden should return zeros")


def check_forward(learner, n_layers):
    model, net = learner_model(learner, n_layers=n_layers)
    model.call("eval", keep=True)
    x, h = inputs(3, 5, n_layers)
    out, (h_n, c_n) = learner_forward(model, x, h, "forward(x, (h, c))")
    if out.shape == (3, 5, len(TOKENS)):
        expect(False, "forward returned scores of shape (batch, seq, n_chars) = {}: flatten the LSTM "
               "output with .contiguous().view(-1, n_hidden) before the linear layer, so that out is "
               "(batch*seq, n_chars) as cross-entropy expects", out.shape)
    expect(out.shape == (15, len(TOKENS)), "forward should return out of shape (batch*seq, n_chars) = "
           "(15, {}); got {}", len(TOKENS), out.shape)
    want, (want_h, want_c) = reference_forward(net, x, h)
    if close(out, F.softmax(torch.from_numpy(want), 1).numpy(), atol=1e-5):
        expect(False, "forward returned probabilities (softmax applied): return the raw scores; "
               "cross-entropy applies log-softmax itself")
    if close(out, want.reshape(3, 5, -1).transpose(1, 0, 2).reshape(15, -1)):
        expect(False, SEQ_BATCH_ORDER)
    if not close(out, want) and close(out, reference_forward(net, x, tuple(torch.zeros_like(t) for t in h))[0]):
        expect(False, "forward ignores the hidden state passed in: give it to the LSTM (self.lstm(x, hidden))")
    expect(close(out, want), "in eval mode, forward's scores differ from LSTM -> dropout -> linear with "
           "the same weights and the hidden state given (max difference {:.3g})", max_diff(out, want))
    expect(close(h_n, want_h, atol=1e-5) and close(c_n, want_c, atol=1e-5),
           "forward should return the LSTM's new hidden state (h, c), from the state passed in, as its "
           "second value")


@graded("CharRNN", weight=2)
def test_charrnn_forward(learner):
    "forward(x, hidden) returns scores (batch*seq, n_chars) and the new (h, c), as the reference does"
    check_forward(learner, n_layers=2)


@graded("CharRNN")
def test_charrnn_one_layer(learner):
    "works with n_layers=1"
    check_forward(learner, n_layers=1)


# --- train ----------------------------------------------------------------------------------
TRAIN = dict(epochs=2, batch_size=4, seq_length=15, lr=0.01, clip=0.2)
TRAIN_CALL = "train(net, data, epochs=2, batch_size=4, seq_length=15, lr=0.01, clip=0.2)"
MATCH = 2e-3  # weights within 0.2% of how far training moves them: the same training


def text_data(n=1400, seed=7):
    """An encoded 'text' over TOKENS with structure a tiny model learns in a few steps."""
    rng = np.random.default_rng(seed)
    words = ["abc ", "def, ", "ghij. ", "klm ", "nop ", "qrst "]
    text = "".join(rng.choice(words, size=n))[:n]
    return np.array([TOKENS.index(c) for c in text], dtype=np.int64)


def replay(state0, data, epochs, batch_size, seq_length, lr, clip, val_frac=0.1, policy="epoch",
           mistake=""):
    """The reference training from ``state0`` here, with a hidden-state ``policy`` (``epoch``:
    zeros each epoch, carried and detached as the reference does; ``zeros``: zeros each batch;
    ``carry``: carried across epochs too) or one typical ``mistake``. Returns the weights."""
    net = ref.CharRNN(TOKENS, n_hidden=10, n_layers=2, drop_prob=0.0)
    net.load_state_dict(state0)
    net.train()
    params = list(net.parameters())
    if mistake == "sgd":
        opt = torch.optim.SGD(params, lr=lr)
    elif mistake == "adamw":
        opt = torch.optim.AdamW(params, lr=lr)  # AdamW's default weight decay, 0.01
    else:
        opt = torch.optim.Adam(params, lr=0.001 if mistake == "lr_ignored" else lr)
    part = data if mistake == "all_data" else batching.train_val_split(data, val_frac)[0]
    h = net.init_hidden(batch_size)
    for _ in range(1 if mistake == "one_epoch" else epochs):
        if policy == "epoch":
            h = net.init_hidden(batch_size)
        for x, y in batching.get_batches(part, batch_size, seq_length):
            h = net.init_hidden(batch_size) if policy == "zeros" else tuple(t.detach() for t in h)
            if mistake != "no_zero_grad":
                opt.zero_grad()
            out, h = net(one_hot(x, len(TOKENS)), h)
            target = torch.from_numpy(x if mistake == "inputs_as_targets" else y).reshape(-1)
            loss = F.cross_entropy(out, target, reduction="sum" if mistake == "sum" else "mean")
            loss.backward()
            if mistake == "clip_after_step":
                opt.step()
                torch.nn.utils.clip_grad_norm_(params, clip)
                continue
            if mistake == "clip_value":
                torch.nn.utils.clip_grad_value_(params, clip)
            elif mistake != "no_clip":
                torch.nn.utils.clip_grad_norm_(params, clip)
            opt.step()
    return {k: v.detach().clone() for k, v in net.state_dict().items()}


# Accepted: the reference's hidden-state policy and the other reasonable ones, with Adam or with
# AdamW at its default weight decay (a replay of each, the reference's first).
ACCEPTED = [(policy, optimizer) for optimizer in ("", "adamw") for policy in ("epoch", "zeros", "carry")]
# Typical mistakes: (mistake, the aspect it breaks, what the message says the weights match)
STEPS = "{n} batches per epoch of the training part, so {total} optimizer steps"
MISTAKES = [
    ("no_zero_grad", "fresh", "gradients that accumulate from batch to batch: zero_grad is missing "
     "(call optimizer.zero_grad() or net.zero_grad() before loss.backward())"),
    ("inputs_as_targets", "fresh", INPUTS_AS_TARGETS),
    ("sum", "fresh", "the loss summed over the batch: use the mean cross-entropy (nn.CrossEntropyLoss() "
     "averages), or the gradient's size depends on the batch"),
    ("no_clip", "clip", NOT_CLIPPED),
    ("clip_value", "clip", "a gradient that is not clipped at clip by its norm: clip_grad_value_ caps each "
     "entry; use nn.utils.clip_grad_norm_(net.parameters(), max_norm=clip) before optimizer.step()"),
    ("clip_after_step", "clip", "a gradient norm that is not clipped at clip before the step: "
     "nn.utils.clip_grad_norm_ must come between loss.backward() and optimizer.step()"),
    ("sgd", "adam", "plain SGD: " + ADAM),
    ("lr_ignored", "adam", "Adam with " + lr_ignored(0.001, TRAIN["lr"])),
    ("one_epoch", "adam", "one epoch only: loop over range(epochs); with 2 epochs there are " + STEPS),
    ("all_data", "adam", "training on the whole data, validation part included: train on the first "
     "(1 - val_frac) of the data only (train_val_split), so that the validation part stays unseen; the "
     "training part gives " + STEPS),
]


@functools.lru_cache(maxsize=2)
def trained(learner):
    """One run of the learner's train on a stand-in (weights chosen here), judged against replays."""
    data = text_data()
    net = made_net(TOKENS, 10, 2, seed=11)
    state0 = {k: v.clone() for k, v in net.state_dict().items()}
    stand, oracle = lent_model(learner, "train", net, mode=None)
    result = {"data": data, "state0": state0, "oracle": oracle}
    try:
        learner.call("train", stand, data, kwargs=dict(TRAIN, val_frac=0.1, print_every=10 ** 6),
                     serve=oracle.serve, timeout=120, seed=0)
    except LearnerError as exc:
        result["error"] = explained(TRAIN_CALL, exc.detail, exc.where) if exc.kind == "raised" else str(exc)
        return result
    final = stand.call("state_dict")
    if not (isinstance(final, dict) and set(final) == set(state0)
            and all(np.shape(final[k]) == tuple(v.shape) for k, v in state0.items())):
        result["error"] = "after train, the model's state_dict no longer holds its weights"
        return result
    final = {k: torch.as_tensor(np.asarray(final[k], dtype=np.float32)) for k in state0}
    result["final"] = final
    correct = replay(state0, data, **TRAIN)
    moved = max(max_diff(correct[k], state0[k]) for k in state0)

    def distance(state):
        return max(max_diff(final[k], state[k]) for k in state0) / moved

    result["distance"] = distance(correct)
    result["match"] = None
    for policy, mistake in ACCEPTED:
        if distance(correct if (policy, mistake) == ("epoch", "") else
                    replay(state0, data, **TRAIN, policy=policy, mistake=mistake)) < MATCH:
            result["match"] = ("accepted", policy, mistake)
            return result
    for policy in ("epoch", "zeros", "carry"):
        for mistake, aspect, words in MISTAKES:
            if distance(replay(state0, data, **TRAIN, policy=policy, mistake=mistake)) < MATCH:
                result["match"] = (aspect, mistake, words)
                return result
    return result


def steps_words(data):
    train_part, _ = batching.train_val_split(data, 0.1)
    n = len(list(batching.get_batches(train_part, TRAIN["batch_size"], TRAIN["seq_length"])))
    return {"n": n, "total": TRAIN["epochs"] * n}


def unmatched(r) -> str:
    oracle = r["oracle"]
    passes = len(oracle.forwards(grad=True))
    want = steps_words(r["data"])["total"]
    return (f"after {TRAIN_CALL} the weights are not those of the grader's replay of that training (Adam "
            f"with lr on each batch's mean cross-entropy, the gradient norm clipped at clip, the hidden "
            f"state carried and detached): they differ by {100 * r['distance']:.0f}% of how far training "
            f"moves them, and match none of the typical mistakes (zero_grad, targets, clipping, "
            f"optimizer, epochs). Your train asked the model for {passes} forward passes with "
            f"gradients; the replay makes {want}, one per batch.")


def judge_train(learner, aspect):
    r = trained(learner)
    expect("error" not in r, "{}", r.get("error"))
    match = r["match"]
    expect(match is not None, "{}", unmatched(r) if match is None else "")
    if match[0] == aspect:
        words = match[2].format(**steps_words(r["data"]))
        expect(False, "after {} the weights are those of {}", TRAIN_CALL, words)


@graded("train", weight=2)
def test_train_steps_lower_the_loss(learner):
    "two epochs of training lower the loss on the training text"
    unobservable("train", "what train prints and the history it returns are not scored: only the "
                 "weights it ends with")
    r = trained(learner)
    expect("error" not in r, "{}", r.get("error"))
    train_part, _ = batching.train_val_split(r["data"], 0.1)

    def loss_of(state):
        net = ref.CharRNN(TOKENS, n_hidden=10, n_layers=2, drop_prob=0.0)
        net.load_state_dict(state)
        return charmodel.validation_loss(net, train_part, batch_size=4, seq_length=50)

    before, after = loss_of(r["state0"]), loss_of(r["final"])
    expect(after < before - 0.3, "two epochs of training on a simple repetitive text should lower the "
           "loss clearly; it went from {:.3f} to {:.3f}. Check the targets, zero_grad, the optimizer "
           "and its learning rate, and that the inputs are the one-hot batches", before, after)


@graded("train")
def test_train_uses_adam_each_batch(learner):
    "uses Adam with lr and makes one step per batch of every epoch of the training part"
    judge_train(learner, "adam")


@graded("train", weight=2)
def test_train_gradients_are_fresh(learner):
    "each step's gradient is the gradient of that batch's mean cross-entropy (zero_grad, one-hot inputs, targets)"
    judge_train(learner, "fresh")


@graded("train", weight=2)
def test_train_clips_gradient_norm(learner):
    "clips the total gradient norm at clip before each step"
    judge_train(learner, "clip")


@graded("train", weight=2)
def test_train_detaches_hidden_state(learner):
    "carries the hidden state across batches, detached from the previous batch's graph"
    r = trained(learner)
    expect("error" not in r, "{}", r.get("error"))
    expect(r["match"] is not None, "{}", unmatched(r) if r["match"] is None else "")


# --- predict --------------------------------------------------------------------------------
def predict_net(tokens=TOKENS, seed=21, scale=0.6):
    return made_net(tokens, 16, 2, drop_prob=0.5, seed=seed, scale=scale)


def probs_along(net, text, start=1, h=None):
    """Softmax over the next character after each of text[start-1:-1], the state carried along
    the whole text from ``h`` (zeros), dropout off; and the final state."""
    idx = np.array([[net.char2int[c] for c in text]])
    net.eval()
    with torch.no_grad():
        out, h = net(one_hot(idx, len(net.chars)), h if h is not None else net.init_hidden(1))
    return F.softmax(out.double(), dim=1).numpy()[start - 1 : len(text) - 1], h


def zeros_state(net):
    """An explicit zero state for predict: its checks do not depend on how it treats h=None,
    which one check of its own scores (``test_predict_starts_from_zeros``)."""
    return tuple(torch.zeros(net.n_layers, 1, net.n_hidden) for _ in range(2))


def draws(learner, stand, oracle, net, char, top_k, n, seed):
    results = learner.scenario("anna_karnna.repeat", function="predict", args=[stand, char, zeros_state(net)],
                               kwargs={"top_k": top_k}, times=n, label="predict", seed=seed,
                               serve=oracle.serve, timeout=120)
    expect(isinstance(results, list) and len(results) == n, "predict did not answer {} calls", n)
    out = []
    for item in results:
        expect(isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str),
               "predict should return (next_char, h) with next_char a str; got {}", type(item).__name__)
        out.append(item[0])
    return out


def frequencies(chars, tokens):
    counts = np.array([sum(c == t for c in chars) for t in tokens], dtype=float)
    return counts / max(1, len(chars))


@graded("predict", weight=2)
def test_predict_top_k_and_hidden(learner):
    "returns one of the top_k most likely next characters and the new hidden state, from the state passed in"
    unobservable("predict", "whether predict builds an autograd graph (torch.no_grad, detach) cannot be "
                 "seen from outside: its character and hidden state are scored")
    net = predict_net()
    stand, oracle = lent_model(learner, "predict", net)
    h = zeros_state(net)
    for t, ch in enumerate("abc de"):
        got = learner.call("predict", stand, ch, h, kwargs={"top_k": 2}, serve=oracle.serve, seed=40 + t)
        expect(isinstance(got, (tuple, list)) and len(got) == 2,
               "predict should return (next_char, h); got {}", type(got).__name__)
        nxt, h_got = got
        expect(isinstance(nxt, str) and nxt in TOKENS,
               "predict should return a character of the vocabulary, got {!r}", str(nxt)[:20])
        p = probs_along(net, ch + ch, h=h)[0][0]
        got_p = p[TOKENS.index(nxt)]
        expect(got_p >= np.sort(p)[-2] - 1e-9, "with top_k=2, predict should return one of the 2 most likely "
               "next characters; at call {} it returned {!r} (probability {:.3f})", t + 1, nxt, got_p)
        h_got = pair(h_got, "the h that predict returns")
        want = [s.numpy() for s in step_state(net, ch, h)]
        if not (close(h_got[0], want[0], 1e-5) and close(h_got[1], want[1], 1e-5)):
            zeros = [s.numpy() for s in step_state(net, ch, None)]
            expect(t == 0 or not (close(h_got[0], zeros[0], 1e-5) and close(h_got[1], zeros[1], 1e-5)),
                   "the hidden state returned by call {} is the state after {!r} from zeros: {}", t + 1, ch,
                   PREDICT_IGNORES_H)
            expect(False, "the hidden state returned by call {} is not the LSTM's state after reading "
                   "{!r} from the state passed in", t + 1, ch)
        h = tuple(torch.from_numpy(np.asarray(w)) for w in want)


@graded("predict")
def test_predict_starts_from_zeros(learner):
    "predict(net, char) without a hidden state (h=None, the default) starts from zeros"
    net = predict_net(seed=24)
    stand, oracle = lent_model(learner, "predict", net)
    try:
        got = learner.call("predict", stand, "b", serve=oracle.serve, seed=46)
    except LearnerError as exc:
        raise Mistake(f"{exc}: {PREDICT_H_NONE}" if exc.kind == "raised" else str(exc)) from None
    expect(isinstance(got, (tuple, list)) and len(got) == 2,
           "predict should return (next_char, h); got {}", type(got).__name__)
    nxt, h_got = got
    expect(isinstance(nxt, str) and nxt in TOKENS,
           "predict should return a character of the vocabulary, got {!r}", str(nxt)[:20])
    h_got = pair(h_got, "the h that predict returns")
    want = [t.numpy() for t in step_state(net, "b", None)]
    expect(close(h_got[0], want[0], 1e-5) and close(h_got[1], want[1], 1e-5),
           "predict(net, 'b') did not return the LSTM's state after 'b' from zeros: {}", PREDICT_H_NONE)


def step_state(net, ch, h):
    """The LSTM's (h, c) after reading ``ch`` from ``h`` (None: zeros), dropout off."""
    net.eval()
    with torch.no_grad():
        _, state = net(one_hot([[net.char2int[ch]]], len(net.chars)), h if h is not None else net.init_hidden(1))
    return state


@graded("predict", weight=2)
def test_predict_top_k(learner):
    "with top_k, draws only among the k most likely characters, in proportion to their probabilities"
    net = predict_net(scale=0.15)
    stand, oracle = lent_model(learner, "predict", net)
    chars = draws(learner, stand, oracle, net, "a", 3, 300, seed=21)
    p = probs_along(net, "aa")[0][0]
    top = set(np.argsort(-p)[:3].tolist())
    outside = [c for c in chars if c not in TOKENS or TOKENS.index(c) not in top]
    expect(not outside, "with top_k=3, predict drew {} of 300 characters from outside the 3 most "
           "likely ones (e.g. {!r}): top_k is ignored; keep only the k largest probabilities "
           "(p.topk(top_k)) and draw among them", len(outside), outside[:3])
    expect(len(set(chars)) >= 2, "with top_k=3, predict returned only {!r} in 300 draws: it should "
           "draw among the 3 most likely characters at random (np.random.choice with p), not take the "
           "maximum", sorted(set(chars)))
    freq = frequencies(chars, TOKENS)
    q = np.zeros_like(p)
    q[list(top)] = p[list(top)] / p[list(top)].sum()
    expect(0.5 * np.abs(freq - q).sum() < 0.15, "with top_k=3, the draws do not follow the model's "
           "probabilities (the softmax of the scores) renormalised over the top 3 (observed {}, "
           "expected {})", np.round(freq[sorted(top)], 2).tolist(), np.round(q[sorted(top)], 2).tolist())


@graded("predict")
def test_predict_full_distribution(learner):
    "with top_k=None, draws from the softmax over every character"
    net = predict_net(SMALL, scale=0.4)
    stand, oracle = lent_model(learner, "predict", net)
    chars = draws(learner, stand, oracle, net, "a", None, 400, seed=22)
    p = probs_along(net, "aa")[0][0]
    freq = frequencies(chars, SMALL)
    expect(0.5 * np.abs(freq - p).sum() < 0.12, "with top_k=None the draws should follow softmax(scores) "
           "over all characters: observed frequencies {} but the model gives {}",
           np.round(freq, 2).tolist(), np.round(p, 2).tolist())


# --- sample ---------------------------------------------------------------------------------
class GraderPredict:
    """The grader's predict, lent to the learner's sample (answered here, never sent there):
    the next character from the model made here, with dropout when the model it is given is in
    training mode, drawn with the grader's own generator."""

    def __init__(self, net, seed):
        self.net, self.rng = net, np.random.default_rng(seed)
        self.gen = torch.Generator().manual_seed(seed)
        self.calls = self.training_calls = 0
        self.top_ks = set()  # the top_k values it was called with

    def __call__(self, net, char, h=None, top_k=None):
        n_chars, n_layers, n_hidden = len(self.net.chars), self.net.n_layers, self.net.n_hidden
        if not isinstance(char, str) or char not in self.net.char2int:
            raise ValueError("char")
        if h is not None:
            h = tuple(torch.as_tensor(np.asarray(t), dtype=torch.float32) for t in h)
            if len(h) != 2 or any(tuple(t.shape) != (n_layers, 1, n_hidden) for t in h):
                raise ValueError("h")
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= n_chars):
            raise ValueError("top_k")
        training = bool(getattr(net, "training", False))
        self.calls += 1
        self.top_ks.add(top_k)
        self.training_calls += training
        x = one_hot([[self.net.char2int[char]]], n_chars)
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(torch.randint(0, 2 ** 31, (1,), generator=self.gen)))
            self.net.train(training)
            out, (h_n, c_n) = self.net(x, h if h is not None else self.net.init_hidden(1))
        p = F.softmax(out[0].double(), 0).numpy()
        idx = np.arange(n_chars) if top_k is None else np.argsort(-p, kind="stable")[:top_k]
        choice = int(self.rng.choice(idx, p=p[idx] / p[idx].sum()))
        return self.net.int2char[choice], (h_n, c_n)


def sampled(learner, function, net, size, prime=None, seed=31, mode=None, **kwargs):
    """The learner's sample (or sample_with_temperature) on a stand-in left in training mode
    (``mode="eval"``: put in eval mode first); ``sample`` gets the grader's predict. Returns
    (text, the grader's predict, oracle)."""
    stand, oracle = lent_model(learner, function, net, mode=mode)
    lent = GraderPredict(net, seed)
    serve = dict(oracle.serve, predict=lent) if function == "sample" else oracle.serve
    args = (stand, size) if prime is None else (stand, size, prime)
    text = learner.call(function, *args, kwargs=kwargs, serve=serve, seed=seed, timeout=60)
    return as_text(text, function), lent, oracle


def check_text(text, prime, size, function):
    expect(text.startswith(prime), "{} should return the prime {!r} followed by the generated text; "
           "it starts with {!r}", function, prime, text[: len(prime) + 5])
    expect(len(text) >= len(prime) + size, "{}(net, {}, prime={!r}) should generate at least {} characters "
           "after the prime; got {}", function, size, prime, size, len(text) - len(prime))
    bad = sorted(set(text) - set(TOKENS))
    expect(not bad, "{} produced characters outside the vocabulary: {}", function, bad[:5])


def outside_top(text, probs, start, k, tokens=TOKENS):
    return sum(tokens.index(text[start + t]) not in np.argsort(-p)[:k] for t, p in enumerate(probs))


def dropout_hint(lent, oracle) -> str:
    in_training = lent.training_calls if lent is not None else 0
    in_training += sum(1 for e in oracle.forwards() if e["training"])
    if in_training:
        return (" The model was in training mode while sampling, so dropout was on: call net.eval() "
                "first.")
    return ""


def sample_problem(net, text, prime, k, lent, oracle) -> str:
    """The named mistake (the course's words, ``sample_mistake``) behind a sampled text with
    characters outside the k most likely; "" if it has none. The grader's predict saw how it was
    called: in training mode, without top_k."""
    training = bool(lent.training_calls or any(e["training"] for e in oracle.forwards()))
    problem = sample_mistake(net, text, prime, k, training)
    if problem and not training and lent.calls and None in lent.top_ks:
        return (f"with top_k={k}, sample called predict without top_k: pass top_k on to predict at every "
                "call, the prime's included")
    return problem


@graded("sample")
def test_sample_classic_calls(learner):
    "sample(net, size) and sample(net, size, prime, top_k) return the prime and then size characters drawn from the model"
    net = predict_net()
    text, _, _ = sampled(learner, "sample", net, 40, mode="eval")
    check_text(text, "The", 40, "sample")
    got, mean, var = log_likelihoods(text[:43], net, "The", (1.0,))[1.0]
    z = (got - mean) / np.sqrt(max(var, 1e-12))
    expect(abs(z) < 5, "sample(net, 40) should draw each character from the model's distribution (top_k=None: "
           "every character, from the state carried from the prime); the text is not a likely draw "
           "(log-likelihood {:.1f}, expected {:.1f} ± {:.1f})", got, mean, np.sqrt(var))
    text, _, _ = sampled(learner, "sample", net, 60, "abc", mode="eval", top_k=4)
    check_text(text, "abc", 60, "sample")
    text = text[:63]
    bad = outside_top(text, probs_along(net, text, 3)[0], 3, 4)
    expect(bad == 0, "sample(net, 60, 'abc', top_k=4): {} of 60 generated characters are not among the 4 "
           "most likely (with the state carried from the prime)", bad)


@graded("sample", weight=2)
def test_sample_follows_model(learner):
    "with top_k=2, the text follows the model with dropout off and the hidden state carried from the prime on"
    prime, size = "ab d", 60
    net = predict_net()
    text, lent, oracle = sampled(learner, "sample", net, size, prime, top_k=2)
    check_text(text, prime, size, "sample")
    text = text[: len(prime) + size]
    problem = sample_problem(net, text, prime, 2, lent, oracle)
    expect(not problem, "{}", problem)


@graded("sample", weight=2)
def test_sample_top_k(learner):
    "with top_k=2, every generated character is one of the two most likely"
    prime, size = "fed", 80
    net = predict_net(scale=0.3)
    text, lent, oracle = sampled(learner, "sample", net, size, prime, seed=32, top_k=2)
    check_text(text, prime, size, "sample")
    text = text[: len(prime) + size]
    problem = sample_problem(net, text, prime, 2, lent, oracle)
    expect(not problem, "{}", problem)


# --- sample_with_temperature ----------------------------------------------------------------
def temperature_net():
    return made_net(SMALL, 16, 2, drop_prob=0.5, seed=41, scale=0.5)


def log_likelihoods(text, net, prime, temperatures):
    """Per temperature T: the log-probability of the generated characters under softmax(scores / T),
    the state carried from the prime on; and the mean and variance it has when T is right."""
    idx = np.array([[net.char2int[c] for c in text]])
    net.eval()
    with torch.no_grad():
        scores, _ = net(one_hot(idx, len(net.chars)), net.init_hidden(1))
    scores = scores.double()[len(prime) - 1 : len(text) - 1]
    drawn = torch.as_tensor(idx[0, len(prime):])
    out = {}
    for t in temperatures:
        logp = F.log_softmax(scores / t, dim=1)
        got = float(logp.gather(1, drawn[:, None]).sum())
        p = logp.exp()
        mean = float((p * logp).sum())
        var = float(((p * logp ** 2).sum(1) - (p * logp).sum(1) ** 2).sum())
        out[t] = (got, mean, var)
    return out


@graded("sample_with_temperature")
def test_temperature_keeps_contract(learner):
    "returns the prime then size characters from the vocabulary, and temperature=1 with top_k works"
    net = predict_net(seed=23)
    text, _, oracle = sampled(learner, "sample_with_temperature", net, 50, "cab", top_k=3, temperature=1.0)
    check_text(text, "cab", 50, "sample_with_temperature")
    text = text[:53]
    bad = outside_top(text, probs_along(net, text, 3)[0], 3, 3)
    expect(bad == 0, "with top_k=3 and temperature=1, {} of 50 generated characters were not among the "
           "3 most likely (with dropout off and the state carried from the prime){}", bad,
           dropout_hint(None, oracle))


@graded("sample_with_temperature", weight=2)
def test_temperature_scales_scores(learner):
    "draws from softmax(scores / temperature): flatter above 1, sharper below 1"
    prime, size = "ab", 150
    for k, temperature in enumerate((2.5, 0.4)):
        net = temperature_net()
        text, _, oracle = sampled(learner, "sample_with_temperature", net, size, prime, seed=50 + k,
                                  temperature=temperature)
        expect(text.startswith(prime) and len(text) >= len(prime) + size and set(text) <= set(SMALL),
               "sample_with_temperature(net, {}, prime={!r}, temperature={}) should return the prime and "
               "{} characters of the vocabulary", size, prime, temperature, size)
        text = text[: len(prime) + size]
        ll = log_likelihoods(text, net, prime, (temperature, 1.0, 1.0 / temperature))
        got, mean, var = ll[temperature]
        z = (got - mean) / np.sqrt(max(var, 1e-12))
        best = max(ll, key=lambda t: ll[t][0])
        if best != temperature or abs(z) > 4.5:
            if best == 1.0:
                expect(False, "temperature {} had no effect: the draws follow softmax(scores). Divide the "
                       "scores by the temperature before the softmax{}", temperature, dropout_hint(None, oracle))
            if best == 1.0 / temperature:
                expect(False, "the scores were multiplied by the temperature: divide them by it "
                       "(softmax(scores / temperature)); a high temperature should flatten the distribution")
            expect(False, "at temperature {} the {} drawn characters are not likely draws from "
                   "softmax(scores / temperature) (with dropout off and the state carried from the prime; "
                   "log-likelihood {:.1f}, expected {:.1f} ± {:.1f}){}", temperature, size, got, mean,
                   np.sqrt(var), dropout_hint(None, oracle))


@graded("sample_with_temperature")
def test_temperature_low_is_greedy(learner):
    "a very low temperature gives the most likely character"
    prime, size = "ab", 40
    net = temperature_net()
    text, _, oracle = sampled(learner, "sample_with_temperature", net, size, prime, seed=52, temperature=0.02)
    expect(text.startswith(prime) and len(text) >= len(prime) + size and set(text) <= set(SMALL),
           "sample_with_temperature(net, {}, prime={!r}, temperature=0.02) should return the prime and {} "
           "characters of the vocabulary", size, prime, size)
    text = text[: len(prime) + size]
    probs = probs_along(net, text, len(prime))[0]
    clear = [t for t, p in enumerate(probs) if np.log(np.sort(p)[-1] / np.sort(p)[-2]) > 0.3]
    wrong = [t for t in clear if SMALL.index(text[len(prime) + t]) != int(np.argmax(probs[t]))]
    expect(not wrong, "at temperature 0.02 every character should be the most likely one; {} of {} were "
           "not{}", len(wrong), len(clear), dropout_hint(None, oracle))


# --- save_checkpoint and the trained model --------------------------------------------------
def read_child(proc) -> dict:
    """The limited child's one-line JSON answer (trusted code; parsed as JSON only)."""
    if proc.returncode < 0 or proc.returncode == -9:
        return {"ok": False, "problem": "reading it took more memory or time than the grader allows"}
    lines = [ln for ln in proc.stdout.decode("utf-8", "replace").splitlines() if ln.strip()]
    try:
        answer = json.loads(lines[-1]) if proc.returncode == 0 and lines else None
    except json.JSONDecodeError:
        answer = None
    if not isinstance(answer, dict):
        return {"ok": False, "problem": "the grader could not read it"}
    return answer


def scored(data: bytes, mode: str) -> dict:
    proc = files.run_limited([str(SCORER), mode], data, memory_mb=3072, cpu_seconds=300, timeout=300)
    return read_child(proc)


@graded("save_checkpoint")
def test_save_checkpoint_loads_safely(learner):
    "writes a dict (n_hidden, n_layers, tokens, state_dict) that loads with weights_only=True"
    net = made_net(TOKENS, 12, 2, drop_prob=0.5, seed=51, scale=0.5)
    stand, _ = lent_model(learner, "save_checkpoint", net, mode=None)
    try:
        raw = learner.scenario("anna_karnna.saved_bytes", net=stand, label="save_checkpoint", timeout=60)
    except LearnerError as exc:
        raise Mistake(f"{exc}{SAVE_HINT}" if exc.kind == "raised" else str(exc)) from None
    expect(isinstance(raw, np.ndarray) and raw.dtype == np.uint8 and raw.ndim == 1,
           "save_checkpoint(net, path) did not write a file at path")
    answer = scored(raw.tobytes(), "inspect")
    expect(answer.get("ok") is True, "the checkpoint save_checkpoint(net, path) wrote cannot be used: {}{}",
           str(answer.get("problem", ""))[:400], SAVE_HINT if "weights_only" in str(answer.get("problem")) else "")
    expect(answer.get("n_hidden") == 12 and answer.get("n_layers") == 2, "n_hidden and n_layers in the "
           "checkpoint should be the model's (12 and 2); got {} and {}", answer.get("n_hidden"),
           answer.get("n_layers"))
    expect(tuple(answer.get("tokens", ())) == TOKENS, "the checkpoint's tokens should be the vocabulary in order")
    state = plaindata.decode(answer.get("state_dict"))
    want = net.state_dict()
    expect(isinstance(state, dict) and set(state) == set(want)
           and all(close(state[k], v.numpy(), atol=1e-6) for k, v in want.items()),
           "the checkpoint's state_dict does not hold the model's weights (net.state_dict())")


_SCORES: dict = {}  # sha256 of a checkpoint's bytes -> the child's answer (a class shares a few files)


def _score(data: bytes) -> dict:
    digest = hashlib.sha256(data).hexdigest()
    if digest not in _SCORES:
        if len(_SCORES) >= 16:
            _SCORES.clear()
        _SCORES[digest] = scored(data, "score")
    return _SCORES[digest]


@functools.lru_cache(maxsize=4)
def _checkpoint_loss(path_str, _stamp):
    """(loss, problem): the validation loss of the submitted checkpoint, or why there is none."""
    path = Path(path_str)
    if not os.path.lexists(path):
        return None, (f"no checkpoint: save your trained model as {CHECKPOINT} next to the notebook "
                      "(save_checkpoint(net, 'anna_karnna.pt')) and submit it with the notebook")
    try:
        data = files.read_regular(path, files.MAX_BYTES[".pt"])
    except files.UnsafeFile as exc:
        return None, f"{CHECKPOINT} was not read: {exc}"
    answer = _score(data)
    if answer.get("ok") is not True or not isinstance(answer.get("loss"), float):
        return None, f"{CHECKPOINT} cannot be scored: {str(answer.get('problem', ''))[:400]}"
    return answer["loss"], ""


def checkpoint_key(submission_dir) -> tuple:
    path = Path(submission_dir) / CHECKPOINT
    try:
        st = os.lstat(path)
        stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        stamp = None
    return str(path), stamp


_EARLY: dict = {}  # checkpoint_key -> the Future of its score, started with the first check
_POOL: list = []


@pytest.fixture(scope="module", autouse=True)
def score_the_checkpoint_early(submission_dir):
    """Start scoring the submitted model at once, in its child (seconds on one core), while the
    checks of the code mostly wait on the sandbox; its checks, last, collect the result."""
    key = checkpoint_key(submission_dir)
    if key not in _EARLY:
        if not _POOL:
            _POOL.append(concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="checkpoint"))
        if len(_EARLY) > 64:
            _EARLY.clear()
        _EARLY[key] = _POOL[0].submit(_checkpoint_loss, *key)
    yield


def checkpoint_loss(submission_dir):
    key = checkpoint_key(submission_dir)
    early = _EARLY.get(key)
    return early.result() if early is not None else _checkpoint_loss(*key)


# The thresholds are the course's (THRESHOLDS, rnncourse/checks/anna_karnna.py): the self-check
# shows the learner the same ones.
@graded("save_checkpoint")
def test_trained_checkpoint_loads(submission_dir, record_property):
    "the submitted anna_karnna.pt loads safely into a CharRNN"
    loss, problem = checkpoint_loss(submission_dir)
    expect(loss is not None, "{}", problem)
    # the loss is stated here once; each threshold's check below says only whether it is reached
    record_property("detail", f"its validation loss: {loss:.3f} nats per character")


def check_threshold(submission_dir, threshold):
    loss, _ = checkpoint_loss(submission_dir)
    expect(loss is not None, "no validation loss: the checkpoint was not scored (see the check above)"
           if threshold == THRESHOLDS[0] else "no validation loss")
    missed = [t for t in THRESHOLDS if loss > t]
    expect(threshold not in missed, "{:.3f} above it{}", loss - threshold,
           ": train longer, or see the hyperparameter section" if missed and threshold == missed[0] else "")


@graded("save_checkpoint")
def test_trained_checkpoint_validation_loss_2_00(submission_dir):
    "the submitted model's validation loss on the last 10% of the novel is 2.00 nats per character or less"
    check_threshold(submission_dir, THRESHOLDS[0])


@graded("save_checkpoint")
def test_trained_checkpoint_validation_loss_1_75(submission_dir):
    "the submitted model's validation loss is 1.75 or less"
    check_threshold(submission_dir, THRESHOLDS[1])


@graded("save_checkpoint")
def test_trained_checkpoint_validation_loss_1_60(submission_dir):
    "the submitted model's validation loss is 1.60 or less"
    check_threshold(submission_dir, THRESHOLDS[2])


# functions whose visible check is their whole contract (rnncourse.checks.contract) and which have
# no test above: that check, on the grader's own inputs
contract_tests("05_anna_karnna", globals(), seed=5_501)
