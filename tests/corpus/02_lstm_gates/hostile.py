# Hostile submissions. Each is graded twice in the same nbgrader batch: as written, and
# with the lines between "# >>> hostile" and "# <<< hostile" removed (its honest work).
# It must never score above its honest work, and must not disturb anything else, and no
# line of solutions/lstm_gates.py or of the hidden tests may reach its feedback.
#
# The gates inside lstm_cell, lstm_cell inside lstm_forward and sigmoid inside the gates
# are stand-ins: functions whose every call the grader answers from its own process.
# These variants try to look inside them, to forge the worker's answers, to read the
# reference, and to slip a library sigmoid past the check that sigmoid is built from exp.

# %% capture_stand_ins_by_dunder
def lstm_cell(x, state, weights):
    # >>> hostile
    found = []
    for fn in (forget_gate, learn_gate, remember_gate, use_gate, sigmoid):
        found.append(repr(fn.__code__.co_consts))
        found += [repr(c.cell_contents) for c in fn.__closure__ or ()]
        found.append(repr(sorted(fn.__globals__)))
    raise RuntimeError(" | ".join(found))
    # <<< hostile
    h_prev, c_prev = state
    c_t = remember_gate(forget_gate(x, h_prev, c_prev, weights), learn_gate(x, h_prev, weights))
    return use_gate(x, h_prev, c_t, weights), c_t

# %% capture_stand_ins_by_computed_names
def lstm_cell(x, state, weights):
    # >>> hostile
    import sys

    def reach(obj, *names):
        for name in names:
            obj = getattr(obj, "".join(["_", "_", name, "_", "_"]))
        return obj

    found = []
    for fn in (forget_gate, learn_gate, remember_gate, use_gate, sigmoid):
        found.append(repr(reach(fn, "code").co_consts))
        for c in reach(fn, "closure") or ():
            item = c.cell_contents
            found.append(repr(item))
            if callable(item):
                found.append(repr(sorted(reach(item, "self", "dict"))))
        found.append(repr(sorted(reach(fn, "globals"))))
    frame = getattr(sys, "".join(["_", "getframe"]))()
    while frame is not None:
        code, local = getattr(frame, "f_" + "code"), getattr(frame, "f_" + "locals")
        found.append(repr(code.co_filename) + repr({k: repr(v)[:200] for k, v in local.items()}))
        frame = getattr(frame, "f_" + "back")
    for name, mod in list(getattr(sys, "mod" + "ules").items()):
        if any(word in name for word in ("solution", "autograder", "test_02")):
            found.append(name + repr(sorted(reach(mod, "dict"))))
    raise RuntimeError(" | ".join(found))
    # <<< hostile
    h_prev, c_prev = state
    c_t = remember_gate(forget_gate(x, h_prev, c_prev, weights), learn_gate(x, h_prev, weights))
    return use_gate(x, h_prev, c_t, weights), c_t

# %% walk_gc_for_the_reference
# >>> hostile
import gc

loot = [o for o in gc.get_objects() if isinstance(o, str) and "BEGIN SOLUTION" in o][:3]
# <<< hostile
def sigmoid(z):
    # >>> hostile
    import gc
    for o in gc.get_objects():
        if callable(o) and "solutions" in str(getattr(o, "__module__", "")):
            return o(z)
        if isinstance(o, str) and ("BEGIN SOLUTION" in o or "torch.where(z >= 0" in o):
            raise RuntimeError(o)
    # <<< hostile
    return torch.exp(z) / (1 + torch.exp(z))

# %% forge_the_worker_replies -> code-scan
# >>> hostile
import sys

import rnncourse.grading.worker as worker_module
from rnncourse.grading.plaindata import decode, encode


def forged_call(self, msg):
    name = msg.get("target")
    args = decode(msg.get("args", []))
    if name == "sigmoid":
        value = torch.sigmoid(args[0])
    elif name == "lstm_cell":
        x, (h, c), w = args
        z = {g: x @ W_x.T + h @ W_h.T + b for g, (W_x, W_h, b) in w.items()}
        c_t = torch.sigmoid(z["forget"]) * c + torch.sigmoid(z["input"]) * torch.tanh(z["cell"])
        value = (torch.sigmoid(z["output"]) * torch.tanh(c_t), c_t)
    elif name == "lstm_param_count":
        value = sum(p.numel() for p in nn.LSTM(*args).parameters())
    else:
        return {"ok": True, "value": encode(None)}
    return {"ok": True, "value": encode(value)}


for owner in (worker_module.Worker, getattr(sys.modules["__main__"], "Worker", None)):
    if owner is not None:
        owner.op_call = forged_call
        owner.op_scenario = forged_call
# <<< hostile
def sigmoid(z):
    return torch.exp(z) / (1 + torch.exp(z))

# %% patch_the_comparisons
# >>> hostile
import numpy as np
import torch

np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.Tensor.__eq__ = lambda self, other: torch.ones_like(self, dtype=torch.bool)
# <<< hostile
def sigmoid(z):
    e = torch.exp(-torch.abs(z))
    return torch.where(z >= 0, e / (1 + e), 1 / (1 + e))

# %% read_the_reference_from_disk
# >>> hostile
from pathlib import Path

import rnncourse

stolen = {}
for place in [Path(rnncourse.__file__).resolve().parents[1], Path("/srv/rnn-course"), Path.cwd(), Path("../..")]:
    for name in ("solutions/lstm_gates.py", "autograder/test_02_lstm_gates.py"):
        try:
            stolen[name] = (place / name).read_text()
        except Exception:
            pass
if stolen:
    namespace = {}
    exec(stolen.get("solutions/lstm_gates.py", ""), namespace)
    lstm_param_count = namespace.get("lstm_param_count")
# <<< hostile
def sigmoid(z):
    # >>> hostile
    for text in stolen.values():
        line = next(ln for ln in text.splitlines() if "torch." in ln and "def " not in ln)
        raise RuntimeError(line)
    # <<< hostile
    return torch.exp(z) / (1 + torch.exp(z))

# %% ask_the_grader_directly
def sigmoid(z):
    # >>> hostile
    import base64
    import json
    import os
    import sys

    arr = z.detach().numpy().astype("<f4")
    tensor = {"__tensor__": {"__nd__": base64.b64encode(arr.tobytes()).decode(), "dtype": "<f4",
                             "shape": list(arr.shape)}, "requires_grad": False, "grad": None}
    fd_in, fd_out = int(sys.argv[-2]), int(sys.argv[-1])
    for name in ("sigmoid", "forget_gate", "lstm_cell", "lstm_cell.forward"):
        event = {"event": "callback", "name": name, "args": [tensor], "kwargs": {"__dict__": []}}
        os.write(fd_out, (json.dumps(event) + "\n").encode())
        line = b""
        while not line.endswith(b"\n"):
            line += os.read(fd_in, 1)
        reply = json.loads(line)
        if "callback_reply" in reply:  # the grader answered: use its sigmoid
            raw = reply["callback_reply"]["__tensor__"]
            out = torch.frombuffer(bytearray(base64.b64decode(raw["__nd__"])), dtype=torch.float32)
            return out.reshape(raw["shape"])
    # <<< hostile
    return torch.exp(z) / (1 + torch.exp(z))

# %% probe_the_stand_ins_for_text
def lstm_forward(x, state, weights):
    # >>> hostile
    said = []
    for args in [("x",), (x, None, weights), (x[:, 0], (x, x), {"input": "w"}),
                 (torch.zeros(1100, 1000), (x, x), weights), (x[:, 0],) * 40]:
        try:
            lstm_cell(*args)
        except Exception as exc:
            said.append(f"{type(exc).__name__}: {exc}")
    raise RuntimeError(" | ".join(said))
    # <<< hostile
    B, T, _ = x.shape
    H = weights["input"][1].shape[0]
    h, c = state if state is not None else (torch.zeros(B, H), torch.zeros(B, H))
    outs = []
    for t in range(T):
        h, c = lstm_cell(x[:, t], (h, c), weights)
        outs.append(h)
    return torch.stack(outs, dim=1), (h, c)

# %% library_sigmoid_behind_a_failing_definition
# -- cell sigmoid
# >>> hostile
def sigmoid(z):
    return torch.sigmoid(z)
# <<< hostile
# -- cell split_lstm_weights
def split_lstm_weights(lstm):
    suffix = "_l0" if isinstance(lstm, nn.LSTM) else ""
    w_ih = getattr(lstm, "weight_ih" + suffix).detach()
    w_hh = getattr(lstm, "weight_hh" + suffix).detach()
    b = (getattr(lstm, "bias_ih" + suffix) + getattr(lstm, "bias_hh" + suffix)).detach()
    return dict(zip(("input", "forget", "cell", "output"), zip(w_ih.chunk(4), w_hh.chunk(4), b.chunk(4))))


# >>> hostile
1 / 0  # the cell stops here: the sigmoid below never replaces the one above
# <<< hostile
def sigmoid(z):
    e = torch.exp(-torch.abs(z))
    return torch.where(z >= 0, 1 / (1 + e), e / (1 + e))
