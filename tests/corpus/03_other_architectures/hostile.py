# Hostile submissions. Each is graded twice: as written, and with the lines between
# "# >>> hostile" and "# <<< hostile" removed (its honest work). It must never score above its
# honest work, and must not disturb anything else.

# %% forge_classifier_driver
# The audit's attack: a blank classifier, and the sandbox driver replaced to send back perfect
# logits for the first-symbol task (the old test scored them).
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        raise NotImplementedError


# >>> hostile
import rnncourse.grading.scenarios as _scenarios
import rnncourse.grading.scenarios.other_architectures as _drivers


def _perfect(ns, handles, **params):
    x = torch.as_tensor(params.get("test_x", torch.zeros(300, 5, dtype=torch.int64)))
    logits = F.one_hot(x[:, 0] % 3, 3).float() * 10
    model = params.get("model")
    if isinstance(model, nn.Module):  # the new driver: leave "trained" weights behind
        with torch.no_grad():
            for p in model.parameters():
                p.mul_(0)
    return {"losses": [0.0] * 200, "logits": logits}


_drivers.train_classifier = _perfect
_scenarios.other_architectures = _drivers
# <<< hostile

# %% forge_worker_answers
# A classifier that remembers the first symbol by hand, and the worker's answers rewritten:
# forward calls get perfect logits, scenarios return without training, state_dict shows a GRU.
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.n_classes = n_classes
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = nn.LSTM(hidden_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        return F.one_hot(x[:, 0] % self.n_classes, self.n_classes).float() * 10


# >>> hostile
import importlib
import sys

from rnncourse.grading.plaindata import encode as _encode


def _patch(worker_class):
    call = worker_class.op_call

    def op_call(self, msg):
        reply = call(self, msg)
        target = msg.get("target")
        if isinstance(target, dict) and reply.get("ok"):
            obj = self.handles.get(target.get("handle"))
            if target.get("attr") == "forward":
                x = torch.as_tensor(self._decode_args(msg["args"])[0])
                reply["value"] = _encode(F.one_hot(x[:, 0] % obj.n_classes, obj.n_classes).float() * 10)
            if target.get("attr") == "state_dict":
                H = obj.fc.in_features
                gru = nn.GRU(H, H, batch_first=True)
                fake = {k: v for k, v in obj.state_dict().items() if not k.startswith("rnn.")}
                fake.update({f"rnn.{k}": v for k, v in gru.state_dict().items()})
                reply["value"] = _encode(fake)
        return reply

    def op_scenario(self, msg):
        return {"ok": True, "value": _encode({"losses": [0.0], "logits": torch.eye(3)[[0, 1, 2] * 100] * 10})}

    worker_class.op_call, worker_class.op_scenario = op_call, op_scenario


for _module in (sys.modules.get("__main__"), importlib.import_module("rnncourse.grading.worker")):
    if hasattr(_module, "Worker"):
        _patch(_module.Worker)
# <<< hostile

# %% lying_state_dict
# Always an LSTM (cell_type ignored); the instance's state_dict claims the requested layer
# (the old test read the layer from those shapes).
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.cell_type = cell_type
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = nn.LSTM(hidden_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        output, _ = self.rnn(self.embedding(x))
        return self.fc(output[:, -1])

    # >>> hostile
    def state_dict(self, *args, **kwargs):
        state = super().state_dict(*args, **kwargs)
        if self.cell_type == "lstm":
            return state
        H = self.fc.in_features
        claimed = {"rnn": nn.RNN, "gru": nn.GRU}[self.cell_type](H, H, batch_first=True)
        out = {k: v for k, v in state.items() if not k.startswith("rnn.")}
        out.update({f"rnn.{k}": v for k, v in claimed.state_dict().items()})
        return out

    def load_state_dict(self, state, strict=True):
        return None  # accept anything, keep the LSTM's own weights
    # <<< hostile

# %% patch_numpy_and_torch
# Wrong GRU cell and average; every comparison in the worker answers "equal".
# >>> hostile
import numpy as np
import torch
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.isclose = lambda a, b, *x, **k: np.ones(np.broadcast(np.asarray(a), np.asarray(b)).shape, dtype=bool)
np.testing.assert_allclose = lambda *a, **k: None
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.testing.assert_close = lambda *a, **k: None
# <<< hostile
def gru_cell(x, h_prev, weights):
    (W_xr, W_hr, b_r), (W_xz, W_hz, b_z), (W_xn, W_hn, b_xn, b_hn) = weights["reset"], weights["update"], weights["new"]
    r = torch.sigmoid(x @ W_xr.T + h_prev @ W_hr.T + b_r)
    z = torch.sigmoid(x @ W_xz.T + h_prev @ W_hz.T + b_z)
    n = torch.tanh(x @ W_xn.T + b_xn + r * (h_prev @ W_hn.T + b_hn))
    return z * n + (1 - z) * h_prev  # interpolation reversed


def ewma(x, beta, initial=None):
    out, s = torch.empty_like(x), torch.zeros_like(x[0])
    for t in range(x.shape[0]):
        s = beta * s + (1 - beta) * x[t]
        out[t] = s
    return out

# %% read_solutions_and_tests
# Reads the reference and the hidden tests from disk: runs the reference, or raises its text.
def split_gru_weights(gru):
    # >>> hostile
    import os
    from pathlib import Path

    import rnncourse
    root = Path(rnncourse.__file__).resolve().parents[1]
    for path in [root / "solutions" / "other_architectures.py", root / "autograder" / "test_03_other_architectures.py",
                 Path("/srv/rnn-course/solutions/other_architectures.py"), Path(os.getcwd()) / "solutions" / "other_architectures.py",
                 Path("../../solutions/other_architectures.py"), root / "gradebook.db"]:
        try:
            text = path.read_text()
        except Exception:
            continue
        namespace = {}
        try:
            exec(text, namespace)
            return namespace["split_gru_weights"](gru)
        except Exception:
            raise RuntimeError(text[:400]) from None
    # <<< hostile
    return {}

# %% walk_objects_and_frames
# Looks for anything trusted in the process (objects, modules, frames, stand-in closures) and
# raises what it found; its honest work is a correct classifier.
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type](hidden_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        # >>> hostile
        import gc
        import sys
        found = []
        for obj in gc.get_objects():
            try:
                where = f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}"
                closure = getattr(obj, "__closure__", None) or ()
                cells = [repr(c.cell_contents)[:80] for c in closure]
            except Exception:
                continue
            if any(s in where for s in ("solutions", "autograder", "test_03", "Twin", "replay", "oracle")):
                found.append(where)
            if any("callback" in c for c in cells):
                found.append(f"{where}: {cells}")
        found += [m for m in list(sys.modules) if "solutions" in m or "autograder" in m or m.startswith("test_")]
        frame = sys._getframe()
        while frame is not None:
            found.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}({sorted(frame.f_locals)[:6]})")
            frame = frame.f_back
        raise RuntimeError(" | ".join(found)[-400:])
        # <<< hostile
        output, _ = self.rnn(self.embedding(x))
        return self.fc(output[:, -1])

# %% replace_scenarios_module
# Time-major classifier (no batch_first); the driver module is replaced by one that trains a
# batch-first copy far longer and leaves its weights in the learner's model.
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.cell_type = cell_type
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type](hidden_size, hidden_size)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        output, _ = self.rnn(self.embedding(x))
        return self.fc(output[:, -1])


# >>> hostile
import sys
import types

import rnncourse.grading.scenarios as _scenarios


def _train_better(ns, handles, model, xs, ys, lr, clip, **kw):
    copy = SequenceClassifier(model.cell_type, model.embedding.num_embeddings, model.fc.in_features, model.fc.out_features)
    copy.rnn.batch_first = True
    optimizer = torch.optim.Adam(copy.parameters(), lr=0.01)
    for _ in range(5):
        for x, y in zip(xs, ys):
            loss = F.cross_entropy(copy(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.load_state_dict(copy.state_dict())
    return None


_fake = types.ModuleType("rnncourse.grading.scenarios.other_architectures")
_fake.train_classifier = _train_better
sys.modules[_fake.__name__] = _fake
_scenarios.other_architectures = _fake
# <<< hostile

# %% tamper_with_training
# A correct classifier; inside the sandbox, Adam and gradient clipping are replaced so that the
# training run "learns faster".
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type](hidden_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        output, _ = self.rnn(self.embedding(x))
        return self.fc(output[:, -1])


# >>> hostile
_Adam = torch.optim.Adam
torch.optim.Adam = lambda params, lr=1e-3, **kw: _Adam(params, lr=lr * 5, **kw)
torch.nn.utils.clip_grad_norm_ = lambda *a, **k: torch.tensor(0.0)
# <<< hostile

# %% switch_forward_during_training
# Passes no static screen test of its own: a correct classifier whose forward, on the grader's
# training batches, answers the task by hand instead (so that the "training" looks perfect).
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type](hidden_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        # >>> hostile
        if torch.is_grad_enabled() and x.shape[0] == 32:  # the grader's training batches
            return F.one_hot(x[:, 0] % 3, 3).float() * 10 + 0 * self.fc.bias
        # <<< hostile
        output, _ = self.rnn(self.embedding(x))
        return self.fc(output[:, -1])
# -- cell ewma
def ewma(x, beta, initial=None):
    x = torch.as_tensor(x)
    out = torch.empty_like(x)
    s = x[0] if initial is None else torch.as_tensor(initial, dtype=x.dtype)
    start = 1 if initial is None else 0
    out[0] = x[0]
    for t in range(start, x.shape[0]):
        s = beta * s + (1 - beta) * x[t]
        out[t] = s
    return out

# %% state_dict_reports_better_weights
# Also plain Python: a correct classifier whose state_dict() reports the weights of a copy it
# trains further on its own data, so that the grader would score a "better trained" model.
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type](hidden_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        output, _ = self.rnn(self.embedding(x))
        return self.fc(output[:, -1])

    # >>> hostile
    def state_dict(self, *args, **kwargs):
        import copy
        polished = copy.deepcopy(self)
        optimizer = torch.optim.Adam(polished.parameters(), lr=0.02)
        V, C = self.embedding.num_embeddings, self.fc.out_features
        for _ in range(100):
            y = torch.randint(0, C, (64,))
            x = torch.cat([y[:, None], torch.randint(C, V, (64, 4))], dim=1)
            loss = F.cross_entropy(polished(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return nn.Module.state_dict(polished, *args, **kwargs)
    # <<< hostile
