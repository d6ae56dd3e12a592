# Hostile submissions for 01_rnn_vs_lstm. Each is graded twice: as written, and with the
# lines between "# >>> hostile" and "# <<< hostile" removed (its honest work). It must never
# score above its honest work, change course files, or leak trusted lines into feedback.

# %% blank_forges_drivers
# A blank notebook that replaces the sandbox drivers with ones sending back what a working
# notebook would report: perfect predictions, trained-looking weights, detached states.
# -- cell SineRNN
# >>> hostile
import numpy as np
import torch
import rnncourse.grading.scenarios.rnn_vs_lstm as drivers
from rnncourse.helpers.rnn_vs_lstm import sine_eval_streams

def _trained_looking():
    g = torch.Generator().manual_seed(0)
    return {"rnn.weight_ih_l0": torch.randn(32, 1, generator=g), "rnn.weight_hh_l0": 0.1 * torch.randn(32, 32, generator=g),
            "rnn.bias_ih_l0": torch.zeros(32), "rnn.bias_hh_l0": torch.zeros(32),
            "fc.weight": torch.randn(1, 32, generator=g), "fc.bias": torch.zeros(1)}

def _train_sine(ns, handles, *args, **params):
    streams = sine_eval_streams(seed=7)
    ys = torch.cat([y for _, y in streams[1:]], dim=1)
    model = params.get("model")
    if model is not None:
        try:
            model.load_state_dict(_trained_looking(), strict=False)
        except Exception:
            pass
    return {"pred": ys, "model": torch.nn.RNN(1, 32, batch_first=True), "losses": [1e-4] * 200,
            "nonlinearity": "tanh"}

def _detach_case(ns, handles, kind="tuple", seed=0):
    h = torch.zeros(1, 3, 5)
    n = 1 if kind == "tensor" else 2
    return {"type": {"tensor": "Tensor"}.get(kind, kind), "in_graph": [False] * n, "items": [h] * n,
            "original": [h] * n, "original_still_in_graph": [True] * n}

def _clip_generator(ns, handles, grads, max_norm):
    return torch.tensor(float(max_norm)), grads

drivers.train_sine, drivers.detach_case, drivers.clip_generator = _train_sine, _detach_case, _clip_generator
# <<< hostile

# %% forge_worker_replies
# The worker's own methods replaced: every driver "succeeds" with the old drivers' facts, and
# the model's state_dict comes back in the reference layout with trained-looking values.
# -- cell SineRNN
# >>> hostile
import torch
import rnncourse.grading.worker as worker
from rnncourse.grading.plaindata import encode

_op_call = worker.Worker.op_call

def op_scenario(self, msg):
    facts = {"pred": torch.zeros(16, 80, 1), "losses": [1e-4] * 200, "nonlinearity": "tanh",
             "type": "tuple", "in_graph": [False, False], "items": [], "original": [],
             "original_still_in_graph": [True, True]}
    return {"ok": True, "value": encode(facts)}

def op_call(self, msg):
    target = msg.get("target")
    if isinstance(target, dict) and target.get("attr") == "state_dict":
        g = torch.Generator().manual_seed(1)
        state = {"rnn.weight_ih_l0": torch.randn(32, 1, generator=g), "rnn.weight_hh_l0": torch.randn(32, 32, generator=g),
                 "rnn.bias_ih_l0": torch.randn(32, generator=g), "rnn.bias_hh_l0": torch.randn(32, generator=g),
                 "fc.weight": torch.randn(1, 32, generator=g), "fc.bias": torch.randn(1, generator=g)}
        return {"ok": True, "value": encode(state)}
    if isinstance(target, dict) and target.get("attr") == "load_state_dict":
        return {"ok": True, "value": None}
    return _op_call(self, msg)

worker.Worker.op_scenario, worker.Worker.op_call = op_scenario, op_call
# <<< hostile
class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.hidden_dim, self.n_layers = hidden_dim, n_layers
        self.net = nn.Sequential(nn.Linear(input_size, hidden_dim), nn.Tanh(), nn.Linear(hidden_dim, output_size))

    def forward(self, x, hidden):
        if hidden is None:
            hidden = x.new_zeros(self.n_layers, x.shape[0], self.hidden_dim)
        return self.net(x), hidden

# %% model_forges_its_weights
# A model that ignores the hidden state it is given; its state_dict reports trained-looking
# weights in the reference layout, and it refuses the weights the grader loads.
class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_dim, n_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x, hidden):
        out, hidden = self.rnn(x)
        return self.fc(out), hidden

    # >>> hostile
    def state_dict(self, *args, **kwargs):
        g = torch.Generator().manual_seed(2)
        return {"rnn.weight_ih_l0": torch.randn(32, 1, generator=g), "rnn.weight_hh_l0": 0.2 * torch.randn(32, 32, generator=g),
                "rnn.bias_ih_l0": torch.zeros(32), "rnn.bias_hh_l0": torch.zeros(32),
                "fc.weight": torch.randn(1, 32, generator=g), "fc.bias": torch.zeros(1)}

    def load_state_dict(self, state, strict=True, assign=False):
        self.seen = state
        return None
    # <<< hostile

# %% perfect_predictions_without_learning
# No recurrence at all; the hostile forward extrapolates the wave exactly from the last two
# samples (sin(t + dt) = 2 cos(dt) sin(t) - sin(t - dt)), so its predictions are perfect
# without any training.
class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.hidden_dim, self.n_layers = hidden_dim, n_layers
        self.fc = nn.Linear(input_size, output_size)

    def forward(self, x, hidden):
        if hidden is None:
            hidden = x.new_zeros(self.n_layers, x.shape[0], self.hidden_dim)
        # >>> hostile
        import math
        previous = torch.cat([x[:, :1], x[:, :-1]], dim=1)
        return 2 * math.cos(0.25) * x - previous, hidden
        # <<< hostile
        return self.fc(x), hidden

# %% detach_forges_facts
# A detach_hidden that resets the state; the hostile lines replace the old graph-facts driver
# and mark every tensor as not requiring grad, so that "detached" would look true.
def detach_hidden(hidden):
    # >>> hostile
    import rnncourse.grading.scenarios.rnn_vs_lstm as drivers
    drivers.detach_case = lambda ns, handles, kind="tuple", seed=0: {
        "type": {"tensor": "Tensor"}.get(kind, kind), "in_graph": [False, False], "items": [], "original": [],
        "original_still_in_graph": [True, True]}
    torch.Tensor.requires_grad = property(lambda self: False)
    torch.Tensor.grad_fn = property(lambda self: None)
    if isinstance(hidden, (tuple, list)):
        return {"type": type(hidden).__name__, "in_graph": [False] * len(hidden)}
    # <<< hostile
    if isinstance(hidden, torch.Tensor):
        return torch.zeros_like(hidden)
    return type(hidden)(torch.zeros_like(h) for h in hidden)

# %% patch_torch_and_numpy
# Per-parameter clipping; the hostile lines make PyTorch's own clip_grad_norm_ agree with it in
# the learner's process, and every comparison there succeed.
# >>> hostile
import numpy as np
import torch
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
# <<< hostile
def clip_grad_norm(parameters, max_norm):
    params = [p for p in parameters if p.grad is not None]
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in params))
    for p in params:
        n = p.grad.norm()
        if n > max_norm:
            p.grad.mul_(max_norm / (n + 1e-6))
    return total
# >>> hostile
torch.nn.utils.clip_grad_norm_ = lambda parameters, max_norm, *a, **k: clip_grad_norm(parameters, max_norm)
# <<< hostile

# %% read_reference_from_disk
# Looks for the reference solution and the hidden tests on disk; runs the reference if found.
def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    # >>> hostile
    from pathlib import Path
    import rnncourse
    roots = [Path(rnncourse.__file__).resolve().parents[1], Path.cwd(), Path("/srv/rnn-course"), Path("/autograder"),
             Path.home()]
    for root in roots:
        for rel in ("solutions/rnn_vs_lstm.py", "source/solutions/rnn_vs_lstm.py"):
            try:
                source = (root / rel).read_text()
            except Exception:
                continue
            namespace = {}
            exec(source, namespace)
            return namespace["rnn_cell"](x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh)
    # <<< hostile
    return torch.zeros(x.shape[0], weight_hh.shape[0])

# %% raise_trusted_text
# Reads the hidden tests and the reference from disk and raises their lines (or, where they
# cannot be read, what stopped it), hoping that the grader's feedback quotes them.
def clip_grad_norm(parameters, max_norm):
    # >>> hostile
    from pathlib import Path
    import rnncourse
    root = Path(rnncourse.__file__).resolve().parents[1]
    errors = []
    for path in (root / "autograder" / "test_01_rnn_vs_lstm.py", root / "solutions" / "rnn_vs_lstm.py",
                 root / "course_config.py", Path("/srv/rnn-course/autograder/test_01_rnn_vs_lstm.py")):
        try:
            text = path.read_text()
        except Exception as exc:
            errors.append(repr(exc))
            continue
        lines = [ln for ln in text.splitlines() if "expect(" in ln or "return torch" in ln]
        raise RuntimeError(" | ".join(lines)[:3000])
    raise RuntimeError("; ".join(errors)[:3000])
    # <<< hostile
    return torch.tensor(0.0)

# %% walk_memory_for_the_grader
# Walks every object, frame and module of the learner's process for anything of the grader's
# (the reference, the hidden tests, stand-ins) and raises what it finds.
def hidden_gradient_norms(rnn, x):
    # >>> hostile
    import gc
    import sys
    found = []
    for name, module in list(sys.modules.items()):
        if name.startswith(("solutions", "autograder", "test_01")):
            found.append(f"module {name}: {getattr(module, '__file__', '')}")
    frame = sys._getframe()
    while frame is not None:
        found.append(f"frame {frame.f_code.co_filename}:{frame.f_code.co_name} {sorted(frame.f_locals)[:8]}")
        frame = frame.f_back
    for obj in gc.get_objects():
        try:
            where = getattr(obj, "__module__", "") or ""
            if callable(obj) and str(where).startswith(("solutions", "autograder", "test_01")):
                found.append(f"object {where}.{getattr(obj, '__qualname__', '?')}")
            elif callable(obj) and getattr(obj, "__name__", "") == "stand_in":
                found.append(f"stand-in {obj.__closure__}")
        except Exception:
            continue
    raise RuntimeError("found: " + "; ".join(found)[:3000])
    # <<< hostile
    return torch.zeros(x.shape[1])

# %% exit_while_training
# A working model that kills its process when it is trained with batches of 8 (the training
# run): the other checks, and the other functions, must still be graded as they are.
class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_dim, n_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x, hidden):
        # >>> hostile
        if x.shape[0] == 8 and torch.is_grad_enabled():
            import os
            os._exit(0)
        # <<< hostile
        out, hidden = self.rnn(x, hidden)
        return self.fc(out), hidden
# -- cell clip_grad_norm
def clip_grad_norm(parameters, max_norm):
    params = [p for p in parameters if p.grad is not None]
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in params))
    if total > max_norm:
        for p in params:
            p.grad.mul_(max_norm / (total + 1e-6))
    return total
