"""Drivers for 05_anna_karnna's hidden tests: build the learner's CharRNN with seeded weights,
run their train / predict / sample on it, and send back what happened as plain data.
The trusted side recomputes everything that decides the grade with the reference model."""

import numpy as np
import torch


def _torch():

    return torch


def _error(exc):
    return f"{type(exc).__name__}: {exc}"[:600]


# The grader's own model and predict arrive with each call from the trusted side (see
# autograder/anna_karnna_grader_model.py): the course package carries no solution.
GRADER: dict = {}


def _load_grader(grader_code: str) -> None:
    """Run the grader's code as a module of its own (so that its model pickles by name)."""
    if grader_code and not GRADER:
        import sys
        import types

        module = types.ModuleType("anna_karnna_grader_model")
        sys.modules[module.__name__] = module
        exec(compile(grader_code, "<grader model>", "exec"), module.__dict__)
        GRADER.update(module.__dict__)


def _net(ns, tokens, n_hidden, n_layers, drop_prob, net_seed, scale=None, learners=False):
    torch = _torch()
    torch.manual_seed(net_seed)
    cls = ns["CharRNN"] if learners else GRADER["GraderCharRNN"]
    net = cls(tuple(tokens), n_hidden=n_hidden, n_layers=n_layers, drop_prob=drop_prob)
    if scale is not None:
        gen = torch.Generator().manual_seed(net_seed)
        with torch.no_grad():
            for _name, p in sorted(net.named_parameters()):
                s = scale * (3.0 if p.shape[0] == len(tokens) else 1.0)  # output layer: peakier
                p.copy_(torch.randn(p.shape, generator=gen) * s)
    return net


def _state(net):
    return {k: v.detach().cpu().numpy().copy() for k, v in net.state_dict().items()}


def _np(t):
    return t.detach().cpu().numpy().copy()


def model_facts(ns, handles, tokens, n_hidden, n_layers, drop_prob, batch, seq, net_seed, grader_code=""):
    _load_grader(grader_code)
    torch = _torch()
    out = {}
    try:
        net = _net(ns, tokens, n_hidden, n_layers, drop_prob, net_seed, learners=True)
    except Exception as exc:
        return {"error": _error(exc)}
    out["attrs"] = {name: repr(getattr(net, name, "<missing>")) for name in
                    ("chars", "int2char", "char2int", "n_hidden", "n_layers")}
    out["int2char"] = {int(k): str(v) for k, v in dict(getattr(net, "int2char", {}) or {}).items()} \
        if isinstance(getattr(net, "int2char", None), dict) else None
    out["char2int"] = {str(k): int(v) for k, v in dict(getattr(net, "char2int", {}) or {}).items()} \
        if isinstance(getattr(net, "char2int", None), dict) else None
    mods = list(net.modules())
    lstms = [m for m in mods if isinstance(m, torch.nn.LSTM)]
    out["n_lstm"] = len(lstms)
    if lstms:
        m = lstms[0]
        out["lstm"] = {"batch_first": bool(m.batch_first), "num_layers": m.num_layers,
                       "hidden_size": m.hidden_size, "input_size": m.input_size, "dropout": float(m.dropout)}
    out["dropouts"] = [float(m.p) for m in mods if isinstance(m, torch.nn.Dropout)]
    out["linears"] = [[m.in_features, m.out_features] for m in mods if isinstance(m, torch.nn.Linear)]
    out["state"] = _state(net)
    try:
        h = net.init_hidden(batch)
        out["hidden"] = [_np(t) for t in h] if isinstance(h, (tuple, list)) else _np(h)
        out["hidden_type"] = type(h).__name__
    except Exception as exc:
        out["hidden_error"] = _error(exc)
        return out
    gen = torch.Generator().manual_seed(net_seed + 1)
    idx = torch.randint(0, len(tokens), (batch, seq), generator=gen)
    x = torch.nn.functional.one_hot(idx, len(tokens)).float()
    out["x"] = _np(x)
    try:
        net.eval()
        y, h2 = net(x, h)
        out["out"] = _np(y)
        out["h_out"] = [_np(t) for t in h2] if isinstance(h2, (tuple, list)) else _np(h2)
    except Exception as exc:
        out["forward_error"] = _error(exc)
    return out


def train_run(ns, handles, tokens, n_hidden, n_layers, data, epochs, batch_size, seq_length, lr, clip,
              record, net_seed, grader_code=""):
    _load_grader(grader_code)
    torch = _torch()
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    net = _net(ns, tokens, n_hidden, n_layers, 0.0, net_seed)
    out = {"initial": _state(net), "steps": [], "forwards": [], "optimizers": [], "n_steps": 0}
    names = {id(p): n for n, p in net.named_parameters()}

    def hook(optimizer, args, kwargs):
        out["n_steps"] += 1
        out["optimizers"].append(type(optimizer).__name__) if len(out["optimizers"]) < 3 else None
        if len(out["steps"]) < record:
            out["steps"].append({
                "params": {names[id(p)]: _np(p) for g in optimizer.param_groups for p in g["params"]
                           if id(p) in names},
                "grads": {names[id(p)]: _np(p.grad) for g in optimizer.param_groups for p in g["params"]
                          if id(p) in names and p.grad is not None},
                "forward": len(out["forwards"]) - 1,
            })

    original = net.forward

    def forward(x, hidden=None, *a, **k):
        if torch.is_grad_enabled() and len(out["forwards"]) < record + 2:
            hs = hidden if isinstance(hidden, (tuple, list)) else ([hidden] if hidden is not None else [])
            out["forwards"].append({
                "x": _np(x), "h": [_np(t) for t in hs if hasattr(t, "detach")],
                "graph": any(getattr(t, "grad_fn", None) is not None for t in hs),
                "training": bool(net.training)})
        return original(x, hidden, *a, **k)

    net.forward = forward
    handle = register_optimizer_step_pre_hook(hook)
    try:
        ns["train"](net, np.asarray(data, dtype=np.int64), epochs=epochs, batch_size=batch_size,
                    seq_length=seq_length, lr=lr, clip=clip, val_frac=0.1, print_every=10 ** 6)
    except Exception as exc:
        out["error"] = _error(exc)
    finally:
        handle.remove()
        del net.forward
    out["final"] = _state(net)
    return out


def predict_run(ns, handles, tokens, n_hidden, n_layers, net_seed, scale, chars, top_k, draws=0, first=None, grader_code=""):
    """Calls predict along ``chars`` carrying h; then ``draws`` single calls after ``first``."""
    _load_grader(grader_code)
    torch = _torch()
    net = _net(ns, tokens, n_hidden, n_layers, 0.5, net_seed, scale)
    net.eval()
    out = {"state": _state(net), "chain": [], "draws": []}
    torch.manual_seed(net_seed)
    np.random.seed(net_seed)
    try:
        h = None
        for ch in chars:
            nxt, h = ns["predict"](net, ch, h, top_k=top_k)
            out["chain"].append({"char": nxt if isinstance(nxt, str) else repr(nxt),
                                 "h": [_np(t) for t in h] if isinstance(h, (tuple, list)) else None})
        torch.manual_seed(net_seed)
        np.random.seed(net_seed)
        for _ in range(draws):
            nxt, _ = ns["predict"](net, first, None, top_k=top_k)
            out["draws"].append(nxt if isinstance(nxt, str) else repr(nxt))
    except Exception as exc:
        out["error"] = _error(exc)
    return out


def sample_run(ns, handles, tokens, n_hidden, n_layers, net_seed, scale, size, prime, top_k, function="sample",
               temperature=None, repeats=1, grader_code=""):
    """The learner's sample (or sample_with_temperature) on a seeded net left in training mode."""
    _load_grader(grader_code)
    torch = _torch()
    net = _net(ns, tokens, n_hidden, n_layers, 0.5, net_seed, scale)
    net.train()
    out = {"state": _state(net), "texts": []}
    learners_predict = ns.get("predict")
    ns["predict"] = GRADER["grader_predict"]
    try:
        for r in range(repeats):
            torch.manual_seed(net_seed + r)
            np.random.seed(net_seed + r)
            kwargs = {} if top_k == "default" else {"top_k": top_k}
            if temperature is not None:
                kwargs["temperature"] = temperature
            if prime is None:
                text = ns[function](net, size, **kwargs)
            else:
                text = ns[function](net, size, prime, **kwargs)
            out["texts"].append(text if isinstance(text, str) else repr(text))
    except Exception as exc:
        out["error"] = _error(exc)
    finally:
        if learners_predict is None:
            ns.pop("predict", None)
        else:
            ns["predict"] = learners_predict
    return out


def checkpoint_run(ns, handles, tokens, n_hidden, n_layers, net_seed, grader_code=""):
    """The learner's save_checkpoint on a seeded net, into the sandbox's /tmp; returns the bytes."""
    _load_grader(grader_code)
    import os
    import tempfile

    net = _net(ns, tokens, n_hidden, n_layers, 0.5, net_seed)
    path = os.path.join(tempfile.mkdtemp(), "anna_karnna.pt")
    out = {"state": _state(net)}
    try:
        ns["save_checkpoint"](net, path)
        with open(path, "rb") as f:
            out["bytes"] = np.frombuffer(f.read(), dtype=np.uint8).copy()
    except Exception as exc:
        out["error"] = _error(exc)
    return out
