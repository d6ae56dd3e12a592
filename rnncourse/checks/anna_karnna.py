"""Visible checks for 05_anna_karnna: tiny models, a few steps, answers you can reason about;
and ``report``, what the self-check says of the trained model beside the notebook."""

import io
import os
import tempfile
import time

import numpy as np
import torch
from torch.optim.optimizer import register_optimizer_step_pre_hook

from rnncourse.checks import CheckFailed, check, passed
from rnncourse.compare import close, same
from rnncourse.helpers.anna_karnna import (
    CHECKPOINT_NAME,
    checkpoint_int,
    novel_validation,
    size_problem,
    validation_loss,
)

# The trained model's points: one graded check of save_checkpoint for each validation loss (nats
# per character on the last 10% of the novel, ``novel_validation``) it reaches. The hidden tests
# grade with these; the self-check shows them. From measured runs (benchmarks/README.md):
# ln 83 = 4.42 is a uniform guess, ~3.1 a model that only knows letter frequencies. The notebook's
# default run (one layer of 256 units, 2 epochs) passes 2.0 within its first 400 steps and 1.6
# within 1,200 of its 2,232, and ends at 1.43 with every point; the reference checkpoint (the
# 15-minute benchmark run) is at 1.29.
THRESHOLDS = (2.0, 1.75, 1.6)
KEYS = ("n_hidden", "n_layers", "tokens", "state_dict")  # of the dict save_checkpoint writes

# The named mistakes, in the words both sides use: the visible checks here (the learner's
# machine, public inputs) and the hidden tests (autograder/test_05_anna_karnna.py, the grader's
# inputs) import these, so that the self-check and the grade name a mistake alike.
CLIP_FIX = ("call nn.utils.clip_grad_norm_(net.parameters(), max_norm=clip) between loss.backward() and "
            "optimizer.step() (clip_grad_value_, or clipping after the step, does not limit the step)")
NOT_CLIPPED = "a gradient norm that is not clipped at clip: " + CLIP_FIX
ADAM = "train should use torch.optim.Adam (or AdamW) with learning rate lr"
DETACH = ("the graph of an earlier batch is still attached to the hidden state: detach the hidden state "
          "between batches (h = tuple(t.detach() for t in h)); retain_graph=True is not the fix, it "
          "backpropagates through every earlier batch")
NOT_CONTIGUOUS = ("the LSTM's batch-first output is not contiguous in memory, and .view cannot flatten it: "
                  "call .contiguous() before .view(-1, self.n_hidden), or use .reshape(-1, self.n_hidden)")
NO_DROPOUT_LAYER = ("with drop_prob=1.0 in training mode, nn.Dropout(drop_prob) between the LSTM and the "
                    "output layer zeroes every LSTM output and leaves only the linear layer's bias; your "
                    "scores still depend on the input. Apply nn.Dropout(drop_prob) to the LSTM output "
                    "before the linear layer")
NO_DROPOUT_BETWEEN = ("with drop_prob=1.0 in training mode, the LSTM's dropout between layers feeds the last "
                      "layer zeros, but your last layer's state depends on the input: pass "
                      "dropout=drop_prob to nn.LSTM (dropout between layers)")
SEQ_BATCH_ORDER = ("forward's rows are in (seq, batch) order: keep the LSTM output in (batch, seq) order "
                   "(batch_first) when flattening it to (batch*seq, n_hidden)")
NO_ZERO_GRAD = ("gradients that accumulate from batch to batch: zero_grad is missing (call "
                "optimizer.zero_grad() or net.zero_grad() before loss.backward())")
INPUTS_AS_TARGETS = ("the batch's inputs used as targets: use the batch's targets y (the inputs shifted by one "
                     "character), reshaped to (batch_size*seq_length,)")
PREDICT_IGNORES_H = "predict ignores the state passed in (h=None means zeros, otherwise use h)"
PREDICT_H_NONE = ("predict(net, char) with h=None (the default) should start from zeros: when h is None, "
                  "use h = net.init_hidden(1)")
SAMPLE_DROPOUT = ("the model was in training mode while sampling, so dropout was on: call net.eval() "
                  "before sampling")
SAMPLE_RESET = ("each character was predicted from a fresh zero state: the hidden state is re-initialised "
                "at every character; pass the h returned by predict to the next call")
SAMPLE_NO_WARM_UP = ("the prime does not warm up the hidden state: the text follows a model started from "
                     "zeros at the prime's last character; run every character of the prime through the "
                     "model in turn, carrying h, before the first generated one")
SAVE_HINT = (": save a dict of plain values ({\"n_hidden\": ..., \"n_layers\": ..., \"tokens\": "
             "list(net.chars), \"state_dict\": net.state_dict()}) that loads with torch.load(path, "
             "weights_only=True), not the model object")


def lr_ignored(used: float, given: float) -> str:
    return f"learning rate {used:g}, not the lr given ({given:g}): pass lr to the optimizer"


def first_sentence(error: str) -> str:
    """PyTorch's error without the advice it appends (``retain_graph=True``, ``Use .reshape``)."""
    head = error.split("\n", 1)[0]
    for stop in (". Saved intermediate", ". Specify retain_graph", ". Use .reshape"):
        head = head.split(stop, 1)[0]
    return head[:300]


def error_hint(error: str) -> str:
    """The mistake behind an error a learner's train or forward raised (``Type: message``), in
    the course's words; "" for an error the course does not know."""
    if "backward through the graph a second time" in error or "freed" in error:
        return DETACH
    if "StandInError" in error:  # the grader's stand-in asked for the gradient of an earlier batch
        return DETACH
    if "view size is not compatible" in error:
        return NOT_CONTIGUOUS
    if "Long" in error or "floating point" in error or "target" in error.lower() or "Float" in error:
        return ("targets must be integer class indices (int64, torch.long) of shape (batch*seq,), not "
                "floats: targets as floats do not work with cross-entropy")
    if "size" in error or "shape" in error:
        return "check the shapes: the targets are reshaped to (batch_size*seq_length,) to match the scores"
    return ""


def explained(call: str, error: str, where: str = "") -> str:
    """``call raised <error> (where). <What to do>.``, for an error of a learner's train or forward
    (``Type: message``): PyTorch's own advice is left out where the course knows the mistake."""
    hint = error_hint(error)
    text = f"{call} raised {first_sentence(error) if hint else error}" + (f" ({where})" if where else "")
    return text + (f". {hint[0].upper()}{hint[1:]}" if hint else "")


def sample_mistake(net, text: str, prime: str, k: int, training: bool) -> str:
    """Why ``text`` (``prime`` and what a sampler drew from ``net`` with ``top_k=k``) has
    characters outside the k most likely, as named mistakes; "" when it has none. Used by the
    visible check (the learner's model) and the hidden tests (the grader's)."""
    idx = [net.char2int[c] for c in text]
    start = len(prime)

    def outside(probs, offset):
        return sum(idx[t] not in probs[t - offset].topk(k).indices.tolist() for t in range(start, len(text)))

    def scores(codes, h=None):
        x = torch.from_numpy(one_hot_encode(np.array([codes]), len(net.char2int)))
        with torch.no_grad():
            out, _ = net(x, h if h is not None else net.init_hidden(1))
        return out.softmax(1)

    was_training = net.training
    net.eval()
    try:
        bad = outside(scores(idx[:-1]), 1)
        if not bad:
            return ""
        if training:
            return SAMPLE_DROPOUT
        fresh = torch.cat([scores([i]) for i in idx[:-1]])
        if outside(fresh, 1) == 0:
            return SAMPLE_RESET
        if start > 1 and outside(scores(idx[start - 1:-1]), start) == 0:
            return SAMPLE_NO_WARM_UP
    finally:
        net.train(was_training)
    return (f"with top_k={k}, {bad} of {len(text) - start} generated characters are not among the model's {k} "
            "most likely (with dropout off and the state carried from the prime): is top_k passed on to "
            "predict?")


def one_hot_encode(arr, n_labels):
    """One-hot vectors with PyTorch's own function (the checks need them as input)."""
    return torch.nn.functional.one_hot(torch.as_tensor(np.asarray(arr)), n_labels).float().numpy()

TOKENS = tuple(" Tabehnt")


def _net(CharRNN, n_hidden=8, n_layers=2, drop_prob=0.0, seed=0):
    torch.manual_seed(seed)
    return CharRNN(TOKENS, n_hidden=n_hidden, n_layers=n_layers, drop_prob=drop_prob)


def check_CharRNN(CharRNN):
    net = _net(CharRNN, drop_prob=0.25)
    check(isinstance(net, torch.nn.Module), "CharRNN should be an nn.Module (class CharRNN(nn.Module))")
    check(getattr(net, "int2char", None) == dict(enumerate(TOKENS)),
          "net.int2char should number the tokens in the order given: {}", dict(enumerate(TOKENS)))
    check(getattr(net, "char2int", None) == {c: i for i, c in enumerate(TOKENS)},
          "net.char2int should be the inverse of int2char")
    check(net.n_hidden == 8 and net.n_layers == 2, "store n_hidden and n_layers on the model")
    lstms = [m for m in net.modules() if isinstance(m, torch.nn.LSTM)]
    check(len(lstms) == 1, "the model should hold one nn.LSTM; found {}", len(lstms))
    check(lstms[0].batch_first, "build the LSTM with batch_first=True: x is (batch, seq, n_chars)")
    others = sum(p.numel() for p in net.parameters()) - sum(p.numel() for p in lstms[0].parameters())
    check(others == (8 + 1) * len(TOKENS) and any(isinstance(m, torch.nn.Linear) and m.in_features == 8
                                                  and m.out_features == len(TOKENS) for m in net.modules()),
          "besides the LSTM, CharRNN should hold one nn.Linear(n_hidden, n_chars) and no other weights, the "
          "layers of LSTM -> dropout -> linear; it has {} other weights, not {}", others, 9 * len(TOKENS))
    h = net.init_hidden(3)
    check(isinstance(h, tuple) and len(h) == 2, "init_hidden should return a tuple (h, c)")
    check(tuple(h[0].shape) != (3, 2, 8), "the hidden state has shape (batch, layers, hidden) = (3, 2, 8): "
          "nn.LSTM wants (n_layers, batch_size, n_hidden) even with batch_first=True")
    check(tuple(h[0].shape) == (2, 3, 8) and tuple(h[1].shape) == (2, 3, 8),
          "init_hidden(3) should give h and c of shape (n_layers, batch, n_hidden) = (2, 3, 8); got {}",
          tuple(h[0].shape))
    check(float(h[0].abs().sum() + h[1].abs().sum()) == 0.0, "init_hidden should return zeros")
    x = torch.from_numpy(one_hot_encode(np.array([[0, 1, 2, 3, 4], [5, 6, 7, 0, 1], [1, 1, 1, 1, 1]]),
                                        len(TOKENS)))
    out, (hn, cn) = _forward(net, x, h)
    check(tuple(out.shape) == (15, len(TOKENS)),
          "forward should return out of shape (batch*seq, n_chars) = (15, {}); got {}. Flatten the LSTM "
          "output with .contiguous().view(-1, self.n_hidden) before the linear layer.", len(TOKENS),
          tuple(out.shape))
    check(tuple(hn.shape) == (2, 3, 8), "forward should also return the new hidden state (h, c)")
    check(not close(out.softmax(1).sum(1), torch.ones(15), atol=1e-8, rtol=1e-5) or out.min() < 0,
          "forward should return raw scores, not probabilities: leave the softmax to the loss")
    net.eval()
    with torch.no_grad():
        out, _ = _forward(net, x, h)
        first, _ = _forward(net, x[:1], tuple(t[:, :1] for t in h))  # the first sequence alone
    if not close(out[:5], first, atol=1e-5, rtol=1e-5):
        swapped = out.reshape(5, 3, -1).transpose(0, 1).reshape(15, -1)
        check(not close(swapped[:5], first, atol=1e-5, rtol=1e-5), SEQ_BATCH_ORDER)
        check(False, "in eval mode, forward's first 5 rows should be the scores of the first sequence, as "
              "forward gives them for that sequence alone")
    net = _net(CharRNN, drop_prob=1.0)  # in training mode every dropout zeroes all it gets
    with torch.no_grad():
        out, (hn, cn) = _forward(net, x, net.init_hidden(3))
    check(close(out, out[:1].expand_as(out), atol=1e-6, rtol=1e-5), NO_DROPOUT_LAYER)
    check(close(hn[-1], hn[-1][:1].expand_as(hn[-1]), atol=1e-6, rtol=1e-5)
          and close(cn[-1], cn[-1][:1].expand_as(cn[-1]), atol=1e-6, rtol=1e-5), NO_DROPOUT_BETWEEN)
    passed("CharRNN", "shapes, zero state, vocabulary, dropout")


def _forward(net, x, h):
    """``net(x, h)``, an error the course knows explained in its words."""
    try:
        return net(x, h)
    except RuntimeError as exc:
        if error_hint(str(exc)) == NOT_CONTIGUOUS:
            raise CheckFailed(explained("forward", f"{type(exc).__name__}: {exc}")) from None
        raise


def _steps_seen(steps):
    """An optimizer step pre-hook for every optimizer: what each step is about to do, as
    (optimizer, learning rates, total gradient norm), appended to ``steps``."""
    def hook(optimizer, args, kwargs):
        grads = [p.grad.detach().float().norm() for g in optimizer.param_groups for p in g["params"]
                 if p.grad is not None]
        norm = float(torch.stack(grads).norm()) if grads else 0.0
        steps.append((optimizer, [g.get("lr") for g in optimizer.param_groups], norm))
    return register_optimizer_step_pre_hook(hook)


TRAIN_ARGS = dict(epochs=4, batch_size=4, seq_length=20, lr=0.02, clip=0.05)


def check_train(train, CharRNN=None):
    CharRNN = CharRNN or _find("CharRNN", train)
    rng = np.random.default_rng(0)
    data = np.array([TOKENS.index(c) for c in "".join(rng.choice(["The ", "bat ", "hen "], 300))])
    net = _net(CharRNN, n_hidden=16)
    before = [p.detach().clone() for p in net.parameters()]
    torch.manual_seed(1)
    steps, args = [], TRAIN_ARGS
    call = "train(net, data, {})".format(", ".join(f"{k}={v}" for k, v in args.items()))
    # a backward's own gradient for one weight, and whether .grad held more after it (accumulated)
    weight, fresh, accumulated = next(net.parameters()), [], []
    handles = [_steps_seen(steps), weight.register_hook(lambda g: fresh.append(g.detach().clone())),
               weight.register_post_accumulate_grad_hook(
                   lambda p: accumulated.append(bool(fresh) and not close(p.grad, fresh[-1], atol=1e-8, rtol=1e-5)))]
    try:
        train(net, data, **args, print_every=10 ** 6)
    except RuntimeError as exc:
        if error_hint(str(exc)):
            raise CheckFailed(explained(call, f"{type(exc).__name__}: {exc}")) from None
        raise
    finally:
        for handle in handles:
            handle.remove()
    check(any(not same(a, b) for a, b in zip(before, net.parameters())),
          "train did not change the weights: call optimizer.step() after loss.backward()")
    check(steps, "train changed the weights without a torch.optim optimizer: {}", ADAM)
    optimizer = steps[0][0]
    check(isinstance(optimizer, (torch.optim.Adam, torch.optim.AdamW)), "train steps {}: {}",
          type(optimizer).__name__, ADAM)
    used = [lr for _, lrs, _ in steps for lr in lrs]
    wrong = [lr for lr in used if not (isinstance(lr, float) and abs(lr - args["lr"]) <= 1e-9 * args["lr"])]
    check(not wrong, "after {} the optimizer steps with {}", call, lr_ignored(wrong[0] if wrong else 0, args["lr"]))
    n = int(len(data) * 0.9) // (args["batch_size"] * args["seq_length"])
    check(len(steps) == args["epochs"] * n, "{} made {} optimizer steps; with its default val_frac=0.1 there "
          "are {} batches per epoch of the training part, so {} optimizer steps: one per batch of every "
          "epoch, on the first (1 - val_frac) of the data only (train_val_split)", call, len(steps), n,
          args["epochs"] * n)
    check(not any(accumulated), "after {} the optimizer steps on {}", call, NO_ZERO_GRAD)
    top = max(norm for _, _, norm in steps)
    check(top <= args["clip"] * 1.01, "at optimizer.step() the gradient norm reached {:.3f}, above clip={}: "
          "{}", top, args["clip"], NOT_CLIPPED)
    net.eval()
    x = torch.from_numpy(one_hot_encode(data[None, :-1], len(TOKENS)))
    with torch.no_grad():
        out, _ = net(x, net.init_hidden(1))
    loss = torch.nn.functional.cross_entropy(out, torch.from_numpy(data[1:])).item()
    echo = torch.nn.functional.cross_entropy(out, torch.from_numpy(data[:-1])).item()
    check(loss < 1.2 or echo > 0.5 * loss, "after {} the model predicts the character it reads, not the next "
          "one: {}", call, INPUTS_AS_TARGETS)
    check(loss < 1.2, "after 4 epochs on a text made of three repeated words the loss should be well below "
          "1.2 nats (it starts near 2.1); got {:.3f}. Check zero_grad before each backward, the batch's "
          "targets y (the inputs shifted by one, as int64), and the hidden state detached between batches.",
          loss)
    passed("train", f"loss {loss:.3f} on a toy text")


def _find(name, fn):
    """``name`` from the namespace the learner's function was defined in (the notebook)."""
    obj = getattr(fn, "__globals__", {}).get(name)
    check(obj is not None, "define {} first (run its cell)", name)
    return obj


def _peaky(CharRNN, seed=0):
    net = _net(CharRNN, n_hidden=16, drop_prob=0.5, seed=seed)
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0, 0.8)
    return net


def _state_after(net, text, h=None):
    """(scores after the last character, (h, c)) of ``net`` reading ``text`` from ``h`` (zeros)."""
    x = torch.from_numpy(one_hot_encode(np.array([[net.char2int[c] for c in text]]), len(net.char2int)))
    with torch.no_grad():
        out, state = net(x, h if h is not None else net.init_hidden(1))
    return out[-1], state


def _same_state(got, want) -> bool:
    try:
        return all(close(torch.as_tensor(g).detach().float().cpu(), w, atol=1e-5, rtol=1e-5)
                   for g, w in zip(got, want)) and len(got) == 2
    except (TypeError, RuntimeError):
        return False


def _ignores_h(predict, net) -> bool:
    """Whether ``predict`` given a state answers with the state after its character from zeros."""
    net.eval()
    _, h = _state_after(net, "Tab")
    try:
        _, got = predict(net, "e", h)
    except Exception:
        return False
    _, want = _state_after(net, "e", h)
    return not _same_state(got, want) and _same_state(got, _state_after(net, "e")[1])


def check_predict(predict, CharRNN=None):
    CharRNN = CharRNN or _find("CharRNN", predict)
    net = _peaky(CharRNN)
    net.eval()
    _, h = _state_after(net, "Tab")  # a state that is not zeros
    result = predict(net, "e", h)
    check(isinstance(result, tuple) and len(result) == 2, "predict should return (next_char, h)")
    char, h_got = result
    check(char in TOKENS, "predict should return a character of the vocabulary, got {!r}", char)
    check(isinstance(h_got, (tuple, list)) and len(h_got) == 2 and tuple(h_got[0].shape) == (2, 1, 16),
          "the returned h should be (h, c), each (n_layers, 1, n_hidden)")
    _, want = _state_after(net, "e", h)
    if not _same_state(h_got, want):
        check(not _same_state(h_got, _state_after(net, "e")[1]), "predict(net, 'e', h) returned the state "
              "after 'e' from zeros: {}", PREDICT_IGNORES_H)
        check(False, "predict(net, 'e', h) should return the LSTM's state after reading 'e' from the h passed in")
    # the character after which the model's two most likely next ones are closest
    probs = {c: _state_after(net, c, h)[0].softmax(0) for c in TOKENS}
    c = max(TOKENS, key=lambda c: probs[c].topk(2).values[1] / probs[c].topk(2).values[0])
    p = probs[c].double().numpy()
    top2 = {net.int2char[int(i)] for i in np.argsort(-p)[:2]}
    np.random.seed(0)
    torch.manual_seed(0)
    drawn = [predict(net, c, h)[0] for _ in range(400)]
    check(len(set(drawn)) > 1 or p.max() > 0.95, "with top_k=None predict returned only {!r} in 400 draws: it "
          "should draw at random from the model's probabilities (np.random.choice with p), not take the "
          "maximum", sorted(set(drawn)))
    freq = np.array([drawn.count(net.int2char[i]) for i in range(len(p))]) / len(drawn)
    check(0.5 * np.abs(freq - p).sum() < 0.12, "with top_k=None the draws should follow softmax(scores) over "
          "all characters: observed frequencies {} but the model gives {}", np.round(freq, 2).tolist(),
          np.round(p, 2).tolist())
    drawn = [predict(net, c, h, top_k=2)[0] for _ in range(100)]
    check(set(drawn) <= top2, "with top_k=2 predict drew {} outside the 2 most likely {}: top_k is ignored; "
          "keep only the k largest probabilities (p.topk(top_k)) and draw among them", set(drawn) - top2, top2)
    q = np.sort(p)[-2] / (np.sort(p)[-1] + np.sort(p)[-2])
    check(len(set(drawn)) == 2 or q < 0.2, "with top_k=2 predict returned only {!r} in 100 draws: it should "
          "draw among the 2 most likely characters at random (np.random.choice with p), not take the maximum",
          sorted(set(drawn)))
    try:
        _, h_none = predict(net, "e")
    except Exception as exc:
        raise CheckFailed(f"predict(net, 'e') raised {_first_line(exc)}: {PREDICT_H_NONE}") from None
    check(_same_state(h_none, _state_after(net, "e")[1]), "predict(net, 'e') did not return the state after "
          "'e' from zeros: {}", PREDICT_H_NONE)
    passed("predict", "top-2, hidden state, h=None")


def check_sample(sample, CharRNN=None):
    CharRNN = CharRNN or _find("CharRNN", sample)
    net = _peaky(CharRNN)
    text = sample(net, 30)
    check(isinstance(text, str), "sample should return a str")
    check(text.startswith("The"), "sample should start with the prime ('The' by default); got {!r}", text[:10])
    check(len(text) >= 33, "sample(net, 30) should add at least 30 characters to the prime; got {}", len(text) - 3)
    check(set(text) <= set(TOKENS), "sample used characters outside the vocabulary")
    net.train()
    a = sample(net, 30, prime="bat", top_k=2)
    check(isinstance(a, str) and a.startswith("bat") and len(a) >= 33 and set(a) <= set(TOKENS),
          "sample(net, 30, prime='bat', top_k=2) should return 'bat' and 30 characters of the vocabulary; "
          "got {!r}", a)
    problem = sample_mistake(net, a[:33], "bat", 2, training=net.training)
    predict = getattr(sample, "__globals__", {}).get("predict")
    if problem == SAMPLE_RESET and callable(predict) and _ignores_h(predict, net):
        problem = f"the text follows a model restarted at every character because {PREDICT_IGNORES_H}: fix predict"
    check(not problem, "{}", problem)
    passed("sample", repr(a))


def check_sample_with_temperature(sample_with_temperature, CharRNN=None):
    CharRNN = CharRNN or _find("CharRNN", sample_with_temperature)
    net = _peaky(CharRNN)
    text = sample_with_temperature(net, 30, prime="hen", top_k=None, temperature=1.0)
    check(isinstance(text, str) and text.startswith("hen") and len(text) >= 33,
          "sample_with_temperature should return the prime and at least size characters; got {!r}", text)
    cold = {sample_with_temperature(net, 20, prime="hen", temperature=0.01) for _ in range(4)}
    if len(cold) > 1:
        check(not net.training, "at temperature 0.01 the texts differ: {}", SAMPLE_DROPOUT)
        hot = {sample_with_temperature(net, 20, prime="hen", temperature=100.0) for _ in range(4)}
        check(len(hot) > 1, "at temperature 0.01 the texts differ and at temperature 100 they are all the same: "
              "the scores were multiplied by the temperature: divide them by it (softmax(scores / "
              "temperature)); a high temperature should flatten the distribution")
        check(False, "at temperature 0.01 sampling should be (almost) greedy and give the same text every time; "
              "got {} different texts: the temperature had no effect. Divide the scores by the temperature "
              "before the softmax", len(cold))
    hot = [sample_with_temperature(net, 60, prime="hen", temperature=5.0)[3:] for _ in range(3)]
    warm = [sample_with_temperature(net, 60, prime="hen", temperature=0.5)[3:] for _ in range(3)]
    check(len(set("".join(hot))) >= len(set("".join(warm))),
          "a high temperature should use more different characters than a low one")
    passed("sample_with_temperature")


def check_save_checkpoint(save_checkpoint, CharRNN=None):
    CharRNN = CharRNN or _find("CharRNN", save_checkpoint)
    net = _net(CharRNN)
    path = os.path.join(tempfile.mkdtemp(), "check.pt")
    # torch.save(net, path) pickles the class: in a notebook it saves a file that does not load
    # safely, in the self-check (and the grader) it raises PicklingError. Seen at torch.save, it is
    # named alike in both.
    real_save = torch.save

    def save(obj, *args, **kwargs):
        if isinstance(obj, torch.nn.Module):
            raise _ModelSaved
        return real_save(obj, *args, **kwargs)

    torch.save = save
    try:
        save_checkpoint(net, path)
    except _ModelSaved:
        raise CheckFailed(f"save_checkpoint(net, path) saves the model object (torch.save(net, path)){SAVE_HINT}") \
            from None
    except Exception as exc:
        if _pickling(exc):
            raise CheckFailed(f"save_checkpoint(net, path) raised {_first_line(exc)}{SAVE_HINT}") from None
        raise
    finally:
        torch.save = real_save
    check(os.path.exists(path), "save_checkpoint(net, path) should write the file at path")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckFailed(f"the file save_checkpoint(net, path) wrote does not load with torch.load(path, "
                          f"weights_only=True) ({_first_line(exc)[:160]}){SAVE_HINT}") from None
    missing = [key for key in KEYS if not (isinstance(ckpt, dict) and key in ckpt)]
    check(not missing, "the checkpoint dict lacks the keys {}: it needs {}", missing, list(KEYS))
    net2 = CharRNN(tuple(ckpt["tokens"]), n_hidden=ckpt["n_hidden"], n_layers=ckpt["n_layers"])
    net2.load_state_dict(ckpt["state_dict"])
    check(all(same(a, b) for a, b in zip(net.state_dict().values(), net2.state_dict().values())),
          "the model rebuilt from the checkpoint should have the same weights")
    passed("save_checkpoint", "loads with weights_only=True")


CHECKS = {
    "CharRNN": check_CharRNN,
    "train": check_train,
    "save_checkpoint": check_save_checkpoint,
    "predict": check_predict,
    "sample": check_sample,
    "sample_with_temperature": check_sample_with_temperature,
}


def thresholds_met(loss: float) -> str:
    """``≤2.00 ✓, ≤1.75 ✓, ≤1.60 ✗``: each threshold, and whether ``loss`` reaches it."""
    return ", ".join(f"≤{t:.2f} {'✓' if loss <= t else '✗'}" for t in THRESHOLDS)


def _first_line(exc: Exception) -> str:
    return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"


class _ModelSaved(Exception):
    """save_checkpoint called torch.save on the model itself."""


def _pickling(exc: Exception) -> bool:
    import pickle

    return isinstance(exc, pickle.PicklingError) or "pickle" in str(exc).lower()


def _trained_model(namespace: dict, data, chars: tuple) -> torch.nn.Module:
    """The notebook's CharRNN with the checkpoint's weights, loaded as the notebook's "Loading a
    checkpoint safely" cell does; CheckFailed says why it cannot be."""
    CharRNN = namespace.get("CharRNN")
    check(CharRNN is not None, "define CharRNN first (run its cell)")
    try:
        ckpt = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CheckFailed("it does not load with torch.load(path, weights_only=True), which reads tensors "
                          f"and plain values only ({_first_line(exc)}): save it with save_checkpoint") from None
    check(isinstance(ckpt, dict) and all(k in ckpt for k in KEYS),
          "it should be the dict save_checkpoint writes, with the keys {}", KEYS)
    check(isinstance(ckpt["tokens"], (list, tuple, str)) and tuple(ckpt["tokens"]) == chars,
          "it was trained with another vocabulary: use the novel's, the notebook's chars ({} symbols)", len(chars))
    n_layers, n_hidden = checkpoint_int(ckpt["n_layers"]), checkpoint_int(ckpt["n_hidden"])
    check(None not in (n_layers, n_hidden), "its n_layers and n_hidden should be ints, not {} and {}",
          type(ckpt["n_layers"]).__name__, type(ckpt["n_hidden"]).__name__)
    problem = size_problem(n_layers, n_hidden)
    check(problem is None, "{}", problem)
    try:
        net = CharRNN(chars, n_hidden=n_hidden, n_layers=n_layers)
        net.load_state_dict(ckpt["state_dict"])
    except Exception as exc:
        raise CheckFailed(f"your CharRNN cannot take its weights ({_first_line(exc)})") from None
    return net


def report(namespace: dict, found: dict) -> tuple[bool, str]:
    """(every threshold reached, what to tell the learner) about the trained model beside the
    notebook: ``found[CHECKPOINT_NAME]`` is its bytes (``rnncourse.checks.read_beside``), why it
    was not read, or None. It is measured as the grade measures it, with the notebook's CharRNN."""
    data = found.get(CHECKPOINT_NAME)
    if data is None:
        return False, (f"✗ {CHECKPOINT_NAME}: there is none next to the notebook. Train your model, save "
                       f"it with save_checkpoint(net, {CHECKPOINT_NAME!r}) and submit it with the notebook: "
                       f"its validation loss is {len(THRESHOLDS)} of save_checkpoint's graded checks.")
    if isinstance(data, str):
        return False, f"✗ {CHECKPOINT_NAME} was not read: {data}"
    chars, val = novel_validation()
    started = time.monotonic()
    try:
        net = _trained_model(namespace, data, chars)
        loss = validation_loss(net, val)
    except CheckFailed as exc:
        return False, f"✗ {CHECKPOINT_NAME}: {exc}"
    except Exception as exc:  # the notebook's CharRNN raised
        return False, f"✗ {CHECKPOINT_NAME}: measuring its validation loss raised {_first_line(exc)}"
    reached = sum(loss <= t for t in THRESHOLDS)
    mark = "✓" if reached == len(THRESHOLDS) else "✗"
    return reached == len(THRESHOLDS), "\n".join([
        f"✓ {CHECKPOINT_NAME} loads into your CharRNN with torch.load(path, weights_only=True)",
        f"{mark} validation loss {loss:.3f} nats/char on the last 10% of the novel: {thresholds_met(loss)}",
        f"  {reached} of {len(THRESHOLDS)} thresholds reached, each a graded check of save_checkpoint (measured "
        f"as the grade measures it, in {time.monotonic() - started:.0f} s)"
        + ("" if mark == "✓" else "; train longer, or see the hyperparameter section")])
