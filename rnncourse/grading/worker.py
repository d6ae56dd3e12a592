"""The sandboxed side of grading: runs a learner's code and answers calls with plain data.

Started by ``session.LearnerSession`` inside the sandbox as
``python -m rnncourse.grading.worker IN_FD OUT_FD``. It reads one JSON message per
line from IN_FD and writes one per line to OUT_FD. Standard output and error are
sent to /dev/null so that nothing the learner prints can be taken for a message.

Nothing here is trusted: the learner's code shares this process and may change
anything in it. Only the answers' contents cross back, and the grader on the other
side checks them; a tampered worker can only spoil its own answers.
"""

from __future__ import annotations

import builtins
import io
import os
import sys
import traceback

MAX_CAPTURE = 4000
HANDLE = "__handle__"  # {"__object__": HANDLE, "repr": "<n>"} names an object kept here


class _Capture(io.TextIOBase):
    """A bounded text sink standing in for stdout/stderr while learner code runs."""

    def __init__(self):
        self.parts, self.size = [], 0

    def write(self, text):
        if isinstance(text, str) and self.size < MAX_CAPTURE:
            self.parts.append(text[: MAX_CAPTURE - self.size])
            self.size += len(self.parts[-1])
        return len(text) if isinstance(text, str) else 0

    def text(self):
        out = "".join(self.parts)
        self.parts, self.size = [], 0
        return out


def _describe_error(exc: BaseException) -> dict:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<cell")]
    where = ", ".join(f"{f.filename[1:-1]} line {f.lineno}" for f in frames[-3:])
    text = f"{type(exc).__name__}: {exc}"
    return {"error_type": type(exc).__name__, "error": text[:800], "where": where}


class Worker:
    def __init__(self, fin, fout):
        self.fin, self.fout = fin, fout
        self.ns: dict = {"__name__": "__main__", "__builtins__": builtins}
        self.handles: dict = {}
        self.capture = _Capture()

    # -- protocol -------------------------------------------------------------------------
    def send(self, msg: dict) -> None:
        from rnncourse.grading.plaindata import dumps

        self.fout.write(dumps(msg) + "\n")
        self.fout.flush()

    def serve(self) -> None:
        from rnncourse.grading.plaindata import loads

        for line in self.fin:
            msg = loads(line)
            op = msg.get("op")
            if op == "exit":
                return
            try:
                reply = getattr(self, "op_" + op)(msg)
            except Exception as exc:  # a failure of the worker itself, reported as such
                reply = {"ok": False, "error_type": "WorkerError",
                         "error": f"{type(exc).__name__}: {exc}"[:800], "where": ""}
            self.send(reply)

    # -- operations -----------------------------------------------------------------------
    def op_load(self, msg: dict) -> dict:
        """Run the learner's cells in order; a failing cell is reported and the next one runs."""
        errors = []
        for cell in msg["cells"]:
            self.send({"event": "cell_start", "index": cell["index"]})
            sys.stdout = sys.stderr = self.capture
            try:
                exec(compile(cell["source"], f"<cell {cell['index']}>", "exec"), self.ns)
            except BaseException as exc:  # SystemExit and KeyboardInterrupt included
                errors.append({"index": cell["index"], **_describe_error(exc)})
            finally:
                sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
                self.capture.text()
        names = {k: ("class" if isinstance(v, type) else "function" if callable(v) else "value")
                 for k, v in list(self.ns.items()) if not k.startswith("_")}
        return {"ok": True, "errors": errors, "names": names}

    def _resolve(self, value):
        """Replace handle references in call arguments with the objects they name."""
        from rnncourse.grading.plaindata import Described

        if isinstance(value, Described) and value.type_name == HANDLE:
            return self.handles[int(value.text)]
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self._resolve(v) for v in value)
        if isinstance(value, dict):
            return {k: self._resolve(v) for k, v in value.items()}
        return value

    def _decode_args(self, raw):
        from rnncourse.grading.plaindata import decode

        return self._resolve(decode(raw, build_modules=True))

    def _target(self, msg: dict):
        target = msg["target"]
        if isinstance(target, str):
            if target not in self.ns:
                raise LookupError(target)
            return self.ns[target]
        obj = self.handles[target["handle"]]
        return getattr(obj, target["attr"]) if target.get("attr") else obj

    def op_call(self, msg: dict) -> dict:
        from rnncourse.grading.plaindata import encode

        try:
            fn = self._target(msg)
        except LookupError as exc:
            return {"ok": False, "error_type": "Missing", "error": f"{exc} is not defined", "where": ""}
        args = self._decode_args(msg.get("args", []))
        kwargs = self._decode_args(msg.get("kwargs", {"__dict__": []}))
        if "seed" in msg:
            _seed(msg["seed"])
        sys.stdout = sys.stderr = self.capture
        try:
            if msg.get("no_grad"):
                import torch

                with torch.no_grad():
                    value = fn(*args, **kwargs)
            else:
                value = fn(*args, **kwargs)
            if msg.get("materialize") and hasattr(value, "__next__"):
                value = _take(value, msg.get("max_items", 1000))
        except BaseException as exc:
            return {"ok": False, **_describe_error(exc), "printed": self.capture.text()}
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        reply = {"ok": True, "printed": self.capture.text()}
        if msg.get("keep"):
            handle = len(self.handles) + 1
            self.handles[handle] = value
            reply["handle"] = handle
            reply["type"] = type(value).__name__
        else:
            reply["value"] = encode(value)
        if msg.get("return_args"):
            reply["args_after"] = encode(list(args))
        return reply

    def op_getattr(self, msg: dict) -> dict:
        from rnncourse.grading.plaindata import encode

        obj = self.handles[msg["handle"]]
        try:
            value = obj
            for part in msg["attr"].split("."):
                value = getattr(value, part)
        except BaseException as exc:
            return {"ok": False, **_describe_error(exc)}
        if msg.get("keep"):
            handle = len(self.handles) + 1
            self.handles[handle] = value
            return {"ok": True, "handle": handle, "type": type(value).__name__}
        return {"ok": True, "value": encode(value)}

    def op_scenario(self, msg: dict) -> dict:
        """Run a driver ``"<module>.<function>"`` of ``rnncourse.grading.scenarios`` on the
        learner's namespace and kept objects (training loops, say)."""
        import importlib

        from rnncourse.grading.plaindata import encode

        module_name, _, function = str(msg["name"]).rpartition(".")
        if not module_name.isidentifier() or not function.isidentifier():
            raise ValueError(f"bad scenario name {msg['name']!r}")
        module = importlib.import_module(f"rnncourse.grading.scenarios.{module_name}")
        driver = getattr(module, function)
        params = self._decode_args(msg.get("params", {"__dict__": []}))
        if "seed" in msg:
            _seed(msg["seed"])
        sys.stdout = sys.stderr = self.capture
        try:
            value = driver(self.ns, self.handles, **params)
        except BaseException as exc:
            return {"ok": False, **_describe_error(exc), "printed": self.capture.text()}
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        return {"ok": True, "value": encode(value), "printed": self.capture.text()}


    def op_selfcheck(self, msg: dict) -> dict:
        """The visible checks of an assignment against the notebook's functions."""
        from rnncourse.checks import run_checks

        sys.stdout = sys.stderr = self.capture
        try:
            rows = run_checks(str(msg["assignment"]), self.ns)
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
            self.capture.text()
        return {"ok": True, "rows": [list(r) for r in rows]}


def _take(iterator, limit):
    out = []
    for i, item in enumerate(iterator):
        if i >= limit:
            break
        out.append(item)
    return out


def _seed(seed: int) -> None:
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def main(argv: list[str]) -> None:
    in_fd, out_fd = int(argv[1]), int(argv[2])
    fin = os.fdopen(in_fd, "r", encoding="utf-8")
    fout = os.fdopen(out_fd, "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    os.environ["COURSE_GRADING"] = "1"
    import numpy  # noqa: F401  (loaded before the learner's code can shadow it)

    try:
        import torch

        torch.set_num_threads(int(os.environ.get("COURSE_GRADING_THREADS", "1")))
    except ImportError:
        pass
    Worker(fin, fout).serve()


if __name__ == "__main__":
    main(sys.argv)
