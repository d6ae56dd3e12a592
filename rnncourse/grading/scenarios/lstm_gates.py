"""Drivers for the hidden tests of 02_lstm_gates, run inside the sandbox.

``isolated`` grades one function on its own: the graded functions it may call
(``sigmoid`` inside the gates, the gates inside ``lstm_cell``, ``lstm_cell`` inside
``lstm_forward``) are stood in for, during that one call, by code the trusted side
sends, so a mistake in one function is not charged again to the functions built on it.

``sigmoid_probe`` calls the learner's ``sigmoid`` and reports what the trusted side
needs to judge it: the value, the warnings it raised, and whether it reached PyTorch's
own sigmoid.
"""

from __future__ import annotations

import warnings


def _helpers(sources: dict) -> dict:
    import numpy as np
    import torch
    from torch import nn

    scope = {"torch": torch, "nn": nn, "np": np, "__name__": "stand_ins"}
    for source in sources.values():
        exec(compile(source, "<stand-in>", "exec"), scope)
    return {name: scope[name] for name in sources}


def isolated(ns, handles, target, args, helpers=None, kwargs=None):
    """``target(*args)`` from the learner's namespace, with ``helpers`` ({name: source})
    standing in for the learner's functions of the same names during the call."""
    stand_ins = _helpers(helpers or {})
    missing = object()
    saved = {name: ns.get(name, missing) for name in stand_ins}
    if target not in ns:
        raise NameError(f"{target} is not defined")
    fn = ns[target]
    ns.update(stand_ins)
    try:
        return fn(*args, **(kwargs or {}))
    finally:
        for name, value in saved.items():
            if value is missing:
                ns.pop(name, None)
            else:
                ns[name] = value


_LIBRARY = (("torch", "sigmoid"), ("torch", "sigmoid_"), ("torch.Tensor", "sigmoid"),
            ("torch.Tensor", "sigmoid_"), ("torch.nn.functional", "sigmoid"),
            ("torch.special", "expit"))


def sigmoid_probe(ns, handles, z):
    """The learner's ``sigmoid(z)``: {"value", "warnings", "library"} where ``library``
    lists the PyTorch sigmoids it called."""
    import importlib

    called = []
    patched = []
    for owner_name, attr in _LIBRARY:
        parts = owner_name.split(".")
        owner = importlib.import_module(parts[0])
        for part in parts[1:]:
            owner = getattr(owner, part)
        original = getattr(owner, attr, None)
        if original is None:
            continue

        def spy(*a, _original=original, _name=f"{owner_name}.{attr}", **k):
            called.append(_name)
            return _original(*a, **k)

        setattr(owner, attr, spy)
        patched.append((owner, attr, original))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                import numpy as np

                old = np.seterr(over="warn", invalid="warn", divide="warn", under="ignore")
            except Exception:  # numpy missing or replaced by the learner
                old = None
            try:
                if "sigmoid" not in ns:
                    raise NameError("sigmoid is not defined")
                value = ns["sigmoid"](z)
            finally:
                if old is not None:
                    np.seterr(**old)
    finally:
        for owner, attr, original in patched:
            setattr(owner, attr, original)
    messages = [f"{w.category.__name__}: {w.message}" for w in caught]
    return {"value": value, "warnings": [m for m in messages if "underflow" not in m][:5],
            "library": sorted(set(called))}
