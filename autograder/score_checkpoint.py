"""Read a submitted checkpoint's bytes (on stdin) and print one line of plain JSON.

Run by the hidden tests of 05_anna_karnna through ``rnncourse.grading.files.run_limited``, a
child process with memory, CPU-time and wall-time limits: the bytes are the learner's, and
unpacking them may blow up (an archive that inflates, a tensor that declares gigabytes).
This script is trusted code; its only input is those bytes and one word:

    python -I score_checkpoint.py score     the submitted model: its validation loss on the
                                            last 10% of the novel (with the reference CharRNN;
                                            charmodel.novel_validation, as the self-check
                                            measures it with the learner's)
    python -I score_checkpoint.py inspect   a checkpoint save_checkpoint wrote in a check: its
                                            n_hidden, n_layers, tokens and weights, as plain data

Both first look inside the zip (entry count, total uncompressed size, compression ratios)
and only then ``torch.load(..., weights_only=True)``, which unpickles tensors and plain
containers and never code. The answer is ``{"ok": true, ...}`` or ``{"ok": false,
"problem": "<words for the learner>"}``.
"""

from __future__ import annotations

import io
import json
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
MAX_ENTRIES = 4096
MAX_UNPACKED = 200 * MB  # the archive's entries, uncompressed, all together
MAX_RATIO = 20  # torch.save stores entries uncompressed; a deflated entry may shrink this much at most
KEYS = ("n_hidden", "n_layers", "tokens", "state_dict")


class Refused(Exception):
    """The checkpoint cannot be used; the message says why, for the learner."""


def check_archive(data: bytes) -> None:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Refused("it is not a file written by torch.save (not a zip archive)")
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise Refused(f"its zip archive is damaged ({type(exc).__name__})") from None
    if len(entries) > MAX_ENTRIES:
        raise Refused(f"its archive holds {len(entries)} entries; a checkpoint holds a few dozen")
    total = sum(e.file_size for e in entries)
    if total > MAX_UNPACKED:
        raise Refused(f"its archive unpacks to {total / MB:,.0f} MB, over the {MAX_UNPACKED // MB} MB "
                      "the grader unpacks; the course's largest model takes about 20 MB")
    for e in entries:
        if e.file_size > 1 * MB and e.file_size > MAX_RATIO * max(1, e.compress_size):
            raise Refused(f"an entry of its archive ({e.file_size / MB:,.0f} MB) is compressed "
                          f"{e.file_size // max(1, e.compress_size):,} to 1: torch.save does not "
                          "compress, so this is not a checkpoint it wrote")


def load(data: bytes) -> dict:
    check_archive(data)  # before torch is even imported
    import torch

    try:
        ckpt = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:
        text = " ".join(str(exc).split())
        unsupported = re.search(r"(?:[Uu]nsupported global:?|unsupported) GLOBAL ([\w.]+)", text)
        if unsupported:
            raise Refused(f"it holds an object of {unsupported.group(1)}, which torch.load(path, "
                          "weights_only=True) refuses to unpickle: save only tensors and plain values "
                          "(ints, strings, lists, dicts)") from None
        raise Refused("it does not load with torch.load(path, weights_only=True), which reads tensors "
                      f"and plain values only ({type(exc).__name__}: {text[:160]})") from None
    if not isinstance(ckpt, dict):
        raise Refused(f"it holds a {type(ckpt).__name__}, not a dict of plain values")
    missing = [k for k in KEYS if k not in ckpt]
    if missing:
        raise Refused(f"its dict lacks the keys {missing} (it has {sorted(map(str, ckpt))[:8]})")
    return ckpt


def as_int(value, name: str) -> int:
    from rnncourse.helpers.anna_karnna import checkpoint_int

    number = checkpoint_int(value)
    if number is None:
        raise Refused(f"its {name} should be an int, not {type(value).__name__}")
    return number


def expected_shapes(n_chars: int, n_hidden: int, n_layers: int) -> dict:
    shapes = {}
    for layer in range(n_layers):
        width = n_chars if layer == 0 else n_hidden
        shapes[f"lstm.weight_ih_l{layer}"] = (4 * n_hidden, width)
        shapes[f"lstm.weight_hh_l{layer}"] = (4 * n_hidden, n_hidden)
        shapes[f"lstm.bias_ih_l{layer}"] = (4 * n_hidden,)
        shapes[f"lstm.bias_hh_l{layer}"] = (4 * n_hidden,)
    shapes["fc.weight"] = (n_chars, n_hidden)
    shapes["fc.bias"] = (n_chars,)
    return shapes


def model_parts(ckpt: dict, limits: bool) -> tuple:
    """(tokens, n_hidden, n_layers, state) checked against CharRNN's keys and shapes."""
    import torch

    n_hidden, n_layers = as_int(ckpt["n_hidden"], "n_hidden"), as_int(ckpt["n_layers"], "n_layers")
    tokens = ckpt["tokens"]
    if isinstance(tokens, str):
        tokens = list(tokens)
    if not isinstance(tokens, (list, tuple)) or not all(isinstance(t, str) for t in tokens) \
            or len(tokens) > 4096:
        raise Refused("its tokens should be the vocabulary as a list of characters")
    if limits:
        from rnncourse.helpers.anna_karnna import size_problem

        problem = size_problem(n_layers, n_hidden)
        if problem:
            raise Refused(problem)
    elif not 1 <= n_layers <= 64 or not 1 <= n_hidden <= 4096:
        raise Refused(f"it holds a {n_layers} x {n_hidden} LSTM, not a model save_checkpoint could have written")
    state = ckpt["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise Refused("its state_dict should be a dict from names to tensors (net.state_dict())")
    want = expected_shapes(len(tokens), n_hidden, n_layers)
    if set(state) != set(want):
        extra, lacking = sorted(set(state) - set(want)), sorted(set(want) - set(state))
        raise Refused(f"its state_dict does not have CharRNN's keys for {n_layers} x {n_hidden}: "
                      f"unexpected {extra[:4]}, missing {lacking[:4]}")
    for key, shape in want.items():
        value = state[key]
        if not isinstance(value, torch.Tensor) or not value.is_floating_point():
            raise Refused(f"its state_dict[{key!r}] should be a float tensor")
        if tuple(value.shape) != shape:
            raise Refused(f"its state_dict[{key!r}] has shape {tuple(value.shape)}; CharRNN's is {shape}")
    state = {k: state[k].detach().to(torch.float32) for k in want}
    if not all(bool(torch.isfinite(v).all()) for v in state.values()):
        raise Refused("its weights hold NaN or infinite values")
    return tuple(tokens), n_hidden, n_layers, state


def score(data: bytes) -> dict:
    ckpt = load(data)
    import torch

    sys.path.insert(0, str(ROOT))
    from rnncourse.helpers import anna_karnna as charmodel
    from solutions import anna_karnna as ref

    tokens, n_hidden, n_layers, state = model_parts(ckpt, limits=True)
    chars, val = charmodel.novel_validation()
    if tokens != chars:
        raise Refused(f"it was trained with another vocabulary ({len(tokens)} symbols, the novel has "
                      f"{len(chars)}): use sorted(set(text)) of data/anna.txt, as the notebook does")
    net = ref.CharRNN(chars, n_hidden=n_hidden, n_layers=n_layers, drop_prob=0.0)
    net.load_state_dict(state)
    torch.set_num_threads(1)  # robust when the grader shares its cores (several notebooks at once)
    loss = float(charmodel.validation_loss(net, val))
    return {"ok": True, "loss": loss, "n_hidden": n_hidden, "n_layers": n_layers}


def inspect(data: bytes) -> dict:
    ckpt = load(data)
    sys.path.insert(0, str(ROOT))
    from rnncourse.grading import plaindata

    tokens, n_hidden, n_layers, state = model_parts(ckpt, limits=False)
    return {"ok": True, "n_hidden": n_hidden, "n_layers": n_layers, "tokens": list(tokens),
            "keys": sorted(map(str, ckpt)),
            "state_dict": plaindata.encode({k: v.numpy() for k, v in state.items()})}


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else ""
    data = sys.stdin.buffer.read()
    try:
        if mode == "score":
            answer = score(data)
        elif mode == "inspect":
            answer = inspect(data)
        else:
            answer = {"ok": False, "problem": f"unknown mode {mode!r}"}
    except Refused as exc:
        answer = {"ok": False, "problem": str(exc)}
    except MemoryError:
        answer = {"ok": False, "problem": "reading it took more memory than the grader allows"}
    sys.stdout.write("\n" + json.dumps(answer, allow_nan=False) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
