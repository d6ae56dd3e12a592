"""Hostile trained-model files for the project: what a submission can put beside its notebook
as ``anna_karnna.pt``. Each must cost that submission the trained-model points (loads, and the
three validation-loss thresholds) with a clear message, and nothing else: the trusted grader
reads the file without following links, caps its size, and parses it in a child process with
memory, CPU and wall-time limits (``autograder/score_checkpoint.py``).

    from checkpoints import hostile_checkpoints       # tests/corpus/05_anna_karnna on sys.path
    files = hostile_checkpoints(folder)                 # name -> folder/<name>/anna_karnna.pt
    submissions.write(nb, root / "submitted" / student / A / f"{A}.ipynb", [files[name]])

``submissions.write`` copies with ``shutil.copy``, which follows a symbolic link: place the
``symlink`` entry with ``place(path, folder)`` (it recreates the link) instead.

``EXPECTED[name]`` is a phrase the grader's message for that file contains.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import shutil
import zipfile
from pathlib import Path

import torch

NAME = "anna_karnna.pt"
ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT / "solutions" / "checkpoints" / NAME
GIB = 1024 ** 3

EXPECTED = {
    "zip_bomb": "unpacks to",  # a 3 MB archive whose one entry inflates to 3 GiB
    "declared_3gib_tensor": "weights_only",  # a small record, a pickle declaring a 3 GiB tensor
    "model_4x1024": "MB allowed",  # a real 4 x 1024 CharRNN: over the 64 MB read cap
    "model_4x256": "1 to 3 layers",  # a real 4-layer model: within the size cap, outside the course's shapes
    "pickle_with_code": "weights_only",  # unpickling it would run os.system
    "symlink": "symbolic link",  # a link to the reference's own checkpoint
    "not_a_checkpoint": "not a zip",  # text
    "wrong_vocabulary": "vocabulary",  # a CharRNN over 24 symbols, not the novel's 83
    "nan_weights": "NaN",
}


def _vocabulary() -> list[str]:
    return list(torch.load(REFERENCE, map_location="cpu", weights_only=True)["tokens"])


def _state(n_chars: int, n_hidden: int, n_layers: int, fill=0.0) -> dict:
    state = {}
    for layer in range(n_layers):
        width = n_chars if layer == 0 else n_hidden
        state[f"lstm.weight_ih_l{layer}"] = torch.full((4 * n_hidden, width), fill)
        state[f"lstm.weight_hh_l{layer}"] = torch.full((4 * n_hidden, n_hidden), fill)
        state[f"lstm.bias_ih_l{layer}"] = torch.full((4 * n_hidden,), fill)
        state[f"lstm.bias_hh_l{layer}"] = torch.full((4 * n_hidden,), fill)
    state["fc.weight"] = torch.full((n_chars, n_hidden), fill)
    state["fc.bias"] = torch.full((n_chars,), fill)
    return state


def _checkpoint(tokens, n_hidden, n_layers, fill=0.0) -> dict:
    return {"n_hidden": n_hidden, "n_layers": n_layers, "tokens": list(tokens),
            "state_dict": _state(len(tokens), n_hidden, n_layers, fill)}


class _Storage:
    """A storage the pickle refers to by key, declaring ``numel`` float32 elements."""

    def __init__(self, key: str, numel: int):
        self.key, self.numel = key, numel


class _Tensor:
    def __init__(self, storage: _Storage, shape: tuple):
        self.storage, self.shape = storage, shape

    def __reduce_ex__(self, protocol):
        return (torch._utils._rebuild_tensor_v2,
                (self.storage, 0, self.shape, (1,) * len(self.shape), False, collections.OrderedDict()))


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", torch.FloatStorage, obj.key, "cpu", obj.numel)
        return None


def _declaring(numel: int, record: bytes | None, compress: bool) -> bytes:
    """A torch.save-shaped archive whose ``fc.bias`` declares ``numel`` floats and whose data
    record is ``record`` (``None``: ``numel * 4`` zero bytes, written deflated)."""
    buf = io.BytesIO()
    vocabulary = _vocabulary()
    checkpoint = _checkpoint(vocabulary, 8, 1)
    checkpoint["state_dict"]["fc.bias"] = _Tensor(_Storage("0", numel), (numel,))
    for key, value in list(checkpoint["state_dict"].items()):
        if isinstance(value, torch.Tensor):
            checkpoint["state_dict"][key] = value.tolist()  # only the declared tensor is a tensor
    _Pickler(buf, protocol=2).dump(checkpoint)
    template = io.BytesIO()
    torch.save({"x": torch.zeros(1)}, template)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template.getvalue())) as src, \
            zipfile.ZipFile(out, "w", allowZip64=True) as dst:
        for info in src.infolist():
            name = info.filename
            if name.endswith("/data.pkl"):
                dst.writestr(name, buf.getvalue())
            elif name.endswith("/data/0"):
                if record is not None:
                    dst.writestr(name, record)
                    continue
                entry = zipfile.ZipInfo(name)
                entry.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
                chunk = bytes(16 * 1024 * 1024)
                with dst.open(entry, "w", force_zip64=True) as f:
                    for _ in range(numel * 4 // len(chunk)):
                        f.write(chunk)
            else:
                dst.writestr(name, src.read(name))
    return out.getvalue()


class _Payload:
    def __reduce__(self):
        return (os.system, ("touch /tmp/hostile-was-here",))


def _write(folder: Path, name: str, data: bytes | None = None, obj=None) -> Path:
    path = folder / name / NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or path.exists():
        path.unlink()
    if data is not None:
        path.write_bytes(data)
    else:
        torch.save(obj, path)
    return path


def hostile_checkpoints(folder: Path) -> dict[str, Path]:
    """Write each hostile checkpoint as ``folder/<name>/anna_karnna.pt``; name -> path."""
    folder = Path(folder)
    vocabulary = _vocabulary()
    out = {}
    bomb = folder / "zip_bomb" / NAME
    if not bomb.is_file() or bomb.stat().st_size > 8 * 1024 * 1024:  # ~3 MB; made once (seconds)
        _write(folder, "zip_bomb", _declaring(3 * GIB // 4, None, compress=True))
    out["zip_bomb"] = bomb
    out["declared_3gib_tensor"] = _write(folder, "declared_3gib_tensor",
                                         _declaring(3 * GIB // 4, bytes(4096), compress=False))
    big = folder / "model_4x1024" / NAME
    if not big.is_file():
        _write(folder, "model_4x1024", obj=_checkpoint(vocabulary, 1024, 4))
    out["model_4x1024"] = big
    out["model_4x256"] = _write(folder, "model_4x256", obj=_checkpoint(vocabulary, 256, 4, fill=0.01))
    with_code = _checkpoint(vocabulary, 256, 2)
    with_code["note"] = _Payload()
    out["pickle_with_code"] = _write(folder, "pickle_with_code", obj=with_code)
    link = folder / "symlink" / NAME
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(REFERENCE)
    out["symlink"] = link
    out["not_a_checkpoint"] = _write(folder, "not_a_checkpoint", b"my model is very good\n" * 100)
    out["wrong_vocabulary"] = _write(folder, "wrong_vocabulary",
                                     obj=_checkpoint(" ,.Tabcdefghijklmnopqrst", 32, 1, fill=0.01))
    out["nan_weights"] = _write(folder, "nan_weights", obj=_checkpoint(vocabulary, 32, 1, fill=float("nan")))
    return out


def place(path: Path, folder: Path) -> Path:
    """Put a hostile checkpoint into a submission folder as it is (a link stays a link)."""
    target = Path(folder) / NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or target.exists():
        target.unlink()
    if Path(path).is_symlink():
        target.symlink_to(os.readlink(path))
    else:
        shutil.copyfile(path, target)
    return target
