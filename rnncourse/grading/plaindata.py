"""Plain data: the only thing that crosses between the sandbox and the grader.

Values are JSON with a few tagged forms. Arrays travel as raw bytes of a
whitelisted numeric dtype, so reading a message never executes anything
(no pickle, no object arrays, no eval).

    ndarray        {"__nd__": base64, "dtype": "<f4", "shape": [2, 3]}
    torch tensor   {"__tensor__": <ndarray>, "requires_grad": bool, "grad": <ndarray> | None}
    tuple          {"__tuple__": [...]}
    dict, any keys {"__dict__": [[key, value], ...]}
    iterator       {"__iter__": [...], "truncated": bool}
    module         {"__module__": "LSTM", "kwargs": {...}, "state": {name: <ndarray>}, "training": bool}
    other object   {"__object__": "TypeName", "repr": "..."}
    float nan/inf  {"__float__": "nan" | "inf" | "-inf"}

``encode`` runs on both sides; ``decode`` builds numpy arrays, torch tensors
and (on request) torch modules from a whitelist of ``torch.nn`` classes.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import numpy as np

ALLOWED_DTYPES = {
    "bool", "|b1",
    "<i1", "<i2", "<i4", "<i8", "|i1", "|u1", "<u1", "<u2", "<u4", "<u8",
    "<f2", "<f4", "<f8",
}
# torch.nn modules that hidden tests may hand to a learner's function, rebuilt from plain data.
ALLOWED_MODULES = {
    "RNN", "GRU", "LSTM", "RNNCell", "GRUCell", "LSTMCell", "Linear", "Embedding", "Dropout",
}
MAX_ITEMS = 10_000
MAX_REPR = 300


class PlainDataError(ValueError):
    """A message that is not plain data (too big, wrong type, unknown tag)."""


def _encode_array(arr: np.ndarray) -> dict:
    arr = np.array(arr, order="C", copy=True)  # keeps 0-d arrays 0-d
    if arr.dtype == np.bool_:
        dtype = "bool"
    else:
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
        dtype = arr.dtype.str
    if dtype not in ALLOWED_DTYPES:
        return {"__object__": f"ndarray[{arr.dtype}]", "repr": repr(arr)[:MAX_REPR]}
    return {"__nd__": base64.b64encode(arr.tobytes()).decode("ascii"), "dtype": dtype,
            "shape": list(arr.shape)}


def _decode_array(obj: dict) -> np.ndarray:
    dtype = obj.get("dtype")
    if dtype not in ALLOWED_DTYPES:
        raise PlainDataError(f"dtype {dtype!r} is not allowed")
    shape = obj.get("shape")
    if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
        raise PlainDataError("bad array shape")
    raw = base64.b64decode(obj["__nd__"], validate=True)
    arr = np.frombuffer(raw, dtype=np.dtype(dtype))
    if arr.size != math.prod(shape):
        raise PlainDataError("array size does not match its shape")
    return arr.reshape(shape).copy()


def encode(value: Any, *, depth: int = 0) -> Any:
    """Turn a Python value into plain data (never raises on odd objects: it describes them)."""
    if depth > 20:
        return {"__object__": "too-deep", "repr": ""}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isfinite(value):
            return value
        return {"__float__": "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")}
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return _encode_array(value)
    torch = _torch()
    if torch is not None:
        if isinstance(value, torch.nn.Module):
            try:
                return module_spec(value)
            except Exception:  # a learner's own module: its class name and weights
                return _encode_module(value)
        if isinstance(value, torch.Tensor):
            t = value.detach().cpu()
            grad = value.grad if value.is_leaf else None
            return {
                "__tensor__": _encode_array(t.numpy() if t.dtype != torch.bfloat16 else t.float().numpy()),
                "requires_grad": bool(value.requires_grad),
                "grad": None if grad is None else _encode_array(grad.detach().cpu().numpy()),
            }
        if isinstance(value, torch.dtype):
            return {"__object__": "torch.dtype", "repr": str(value)}
    if isinstance(value, Described):
        return {"__object__": value.type_name, "repr": value.text}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, depth=depth + 1) for v in value[:MAX_ITEMS]]}
    if isinstance(value, list):
        return [encode(v, depth=depth + 1) for v in value[:MAX_ITEMS]]
    if isinstance(value, dict):
        items = list(value.items())[:MAX_ITEMS]
        if all(isinstance(k, str) for k, _ in items):
            return {"__dict__": [[k, encode(v, depth=depth + 1)] for k, v in items]}
        return {"__dict__": [[encode(k, depth=depth + 1), encode(v, depth=depth + 1)] for k, v in items]}
    if hasattr(value, "__next__") and hasattr(value, "__iter__"):
        out, truncated = [], False
        for i, item in enumerate(value):
            if i >= MAX_ITEMS:
                truncated = True
                break
            out.append(encode(item, depth=depth + 1))
        return {"__iter__": out, "truncated": truncated}
    try:
        text = repr(value)[:MAX_REPR]
    except Exception:  # a learner's object whose repr raises
        text = "<unprintable>"
    return {"__object__": type(value).__name__, "repr": text}


def _encode_module(module) -> dict:
    state = {k: _encode_array(v.detach().cpu().numpy()) for k, v in module.state_dict().items()}
    return {"__module__": type(module).__name__, "kwargs": {}, "state": state,
            "training": bool(module.training)}


class Described:
    """An object the sandbox could only describe (its type name and repr)."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = type_name, text

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


class Iterated(list):
    """The items a learner's generator or iterator produced (``truncated`` when cut)."""

    truncated = False


class ModuleData:
    """A module that came back from the sandbox: its class name and its weights."""

    def __init__(self, type_name: str, state: dict, training: bool):
        self.type_name, self.state, self.training = type_name, state, training

    def __repr__(self) -> str:
        return f"<module {self.type_name} with {len(self.state)} tensors>"


def decode(obj: Any, *, build_modules: bool = False) -> Any:
    """Inverse of ``encode``. Modules are rebuilt only where ``build_modules`` is set."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, list):
        return [decode(v, build_modules=build_modules) for v in obj]
    if not isinstance(obj, dict):
        raise PlainDataError(f"unexpected JSON value of type {type(obj).__name__}")
    if "__nd__" in obj:
        return _decode_array(obj)
    if "__float__" in obj:
        return float(obj["__float__"])
    if "__tuple__" in obj:
        return tuple(decode(v, build_modules=build_modules) for v in obj["__tuple__"])
    if "__dict__" in obj:
        out = {}
        for pair in obj["__dict__"]:
            key, value = pair
            key = decode(key)
            if isinstance(key, (list, dict, np.ndarray)):
                raise PlainDataError("unhashable key")
            out[key] = decode(value, build_modules=build_modules)
        return out
    if "__iter__" in obj:
        items = Iterated(decode(v, build_modules=build_modules) for v in obj["__iter__"])
        items.truncated = bool(obj.get("truncated"))
        return items
    if "__tensor__" in obj:
        import torch

        t = torch.from_numpy(_decode_array(obj["__tensor__"]))
        if obj.get("requires_grad") and t.is_floating_point():
            t.requires_grad_(True)
        if obj.get("grad") is not None:
            t.grad = torch.from_numpy(_decode_array(obj["grad"]))
        return t
    if "__module__" in obj:
        state = {k: _decode_array(v) for k, v in obj.get("state", {}).items()}
        if not build_modules:
            return ModuleData(str(obj["__module__"]), state, bool(obj.get("training")))
        return build_module(obj["__module__"], obj.get("kwargs", {}), state, obj.get("training", True))
    if "__object__" in obj:
        return Described(str(obj["__object__"]), str(obj.get("repr", "")))
    raise PlainDataError(f"unknown plain-data form with keys {sorted(obj)[:5]}")


def build_module(name: str, kwargs: dict, state: dict, training: bool = True):
    """Rebuild a whitelisted ``torch.nn`` module from its constructor arguments and weights."""
    import torch

    if name not in ALLOWED_MODULES:
        raise PlainDataError(f"module {name!r} is not allowed")
    module = getattr(torch.nn, name)(**kwargs)
    if state:
        module.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state.items()})
    module.train(bool(training))
    return module


def module_spec(module) -> dict:
    """Describe a torch module as plain data that ``decode(build_modules=True)`` rebuilds."""
    kwargs = _constructor_kwargs(module)
    state = {k: _encode_array(v.detach().cpu().numpy()) for k, v in module.state_dict().items()}
    return {"__module__": type(module).__name__, "kwargs": kwargs, "state": state,
            "training": bool(module.training)}


def _constructor_kwargs(module) -> dict:
    import torch.nn as nn

    if isinstance(module, (nn.RNN, nn.GRU, nn.LSTM)):
        kw = dict(input_size=module.input_size, hidden_size=module.hidden_size,
                  num_layers=module.num_layers, bias=module.bias, batch_first=module.batch_first,
                  dropout=float(module.dropout), bidirectional=module.bidirectional)
        if isinstance(module, nn.RNN):
            kw["nonlinearity"] = module.nonlinearity
        if isinstance(module, nn.LSTM) and module.proj_size:
            kw["proj_size"] = module.proj_size
        return kw
    if isinstance(module, nn.RNNCell):
        return dict(input_size=module.input_size, hidden_size=module.hidden_size,
                    bias=module.bias, nonlinearity=module.nonlinearity)
    if isinstance(module, (nn.GRUCell, nn.LSTMCell)):
        return dict(input_size=module.input_size, hidden_size=module.hidden_size, bias=module.bias)
    if isinstance(module, nn.Linear):
        return dict(in_features=module.in_features, out_features=module.out_features,
                    bias=module.bias is not None)
    if isinstance(module, nn.Embedding):
        return dict(num_embeddings=module.num_embeddings, embedding_dim=module.embedding_dim)
    if isinstance(module, nn.Dropout):
        return dict(p=module.p)
    raise PlainDataError(f"cannot describe module {type(module).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=False, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    return json.loads(text)


_TORCH = None


def _torch():
    """torch if it is already imported (encoding must not import it for plain values)."""
    global _TORCH
    if _TORCH is None:
        import sys

        _TORCH = sys.modules.get("torch")
    return _TORCH
