"""The sandboxed side of grading: runs a learner's code and answers calls with plain data.

Started by ``session.LearnerSession`` inside the sandbox as
``python -m rnncourse.grading.worker IN_FD OUT_FD``. It reads one JSON message per
line from IN_FD and writes one per line to OUT_FD. Standard output and error are
sent to /dev/null so that nothing the learner prints can be taken for a message.

Nothing here is trusted: the learner's code shares this process and may change
anything in it, this module included. Only the answers' contents cross back, and the
grader on the other side judges them against what it recomputes itself; a tampered
worker can only spoil its own answers.

While a call runs, the learner's code may use *stand-ins* (``standins.py``): functions
and a model whose answers come from the grader over this same pipe (a ``callback``
event, answered by one line). The grader serves only the stand-ins it granted to that
call, and only values cross: no trusted code ever enters this process.
"""

from __future__ import annotations

import builtins
import contextlib
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
    """The error's type, its message, and the innermost line of the learner's cells it passed
    through (the grader quotes that line from its own copy of the notebook)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith("<cell ")]
    out = {"error_type": type(exc).__name__[:80], "error": _text(exc)}
    if frames:
        out["cell"], out["line"] = frames[-1].filename[6:-1], frames[-1].lineno
    elif isinstance(exc, SyntaxError) and str(exc.filename).startswith("<cell "):
        out["cell"], out["line"] = exc.filename[6:-1], exc.lineno
        out["error"] = str(exc.msg)[:400]  # without the "(<cell N>, line L)" the line says
    return out


def _text(exc: BaseException) -> str:
    try:
        return str(exc)[:400]
    except Exception:  # a learner's exception whose __str__ raises
        return ""


class StandInError(RuntimeError):
    """The grader could not answer a stand-in's question (its arguments did not fit)."""


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

        while True:
            line = self.fin.readline()
            if not line:
                return
            msg = loads(line)
            op = msg.get("op")
            if op == "exit":
                return
            try:
                reply = getattr(self, "op_" + op)(msg)
            except Exception as exc:  # a failure of the worker itself, reported as such
                reply = {"ok": False, "error_type": "WorkerError", "error": f"{type(exc).__name__}: {_text(exc)}"}
            self.send(reply)

    def callback(self, name: str, args: tuple = (), kwargs: dict | None = None):
        """Ask the grader to answer stand-in ``name`` for these arguments (plain data both ways)."""
        from rnncourse.grading.plaindata import decode, encode, loads

        self.send({"event": "callback", "name": name, "args": encode(list(args)),
                   "kwargs": encode(dict(kwargs or {}))})
        reply = loads(self.fin.readline() or "{}")
        if "callback_error" in reply:
            raise StandInError(str(reply["callback_error"])[:300])
        return decode(reply.get("callback_reply"))

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
        return {"ok": True, "errors": errors}

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
        try:
            with self._learner_call(msg):
                if msg.get("no_grad"):
                    import torch

                    with torch.no_grad():
                        value = fn(*args, **kwargs)
                else:
                    value = fn(*args, **kwargs)
                if msg.get("materialize") and hasattr(value, "__next__"):
                    value = _take(value, msg.get("max_items", 1000))
        except BaseException as exc:
            return {"ok": False, **_describe_error(exc)}
        reply = {"ok": True}
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

    @contextlib.contextmanager
    def _learner_call(self, msg: dict):
        """Around one call into the learner's code: the seed asked for, the stand-ins lent for
        it, and what it prints captured (and dropped)."""
        if "seed" in msg:
            _seed(msg["seed"])
        restore = self._bind_stand_ins(msg.get("stand_ins", []))
        sys.stdout = sys.stderr = self.capture
        try:
            yield
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
            self.capture.text()
            restore()

    def _bind_stand_ins(self, names):
        """Put the grader's stand-ins for ``names`` in the namespace for one call; returns
        the function that puts the learner's own back."""
        from rnncourse.grading.standins import function

        missing = object()
        saved = {}
        for name in names:
            if isinstance(name, str) and name.isidentifier():
                saved[name] = self.ns.get(name, missing)
                self.ns[name] = function(self.callback, name)

        def restore():
            for name, value in saved.items():
                if value is missing:
                    self.ns.pop(name, None)
                else:
                    self.ns[name] = value

        return restore

    def op_standin(self, msg: dict) -> dict:
        """Make a stand-in object (a model whose computations the grader answers); keep it."""
        from rnncourse.grading.standins import make

        value = make(str(msg["kind"]), self.callback, **self._decode_args(msg.get("params", {"__dict__": []})))
        handle = len(self.handles) + 1
        self.handles[handle] = value
        return {"ok": True, "handle": handle, "type": type(value).__name__}

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
        learner's namespace and kept objects: plumbing only (see that package)."""
        import importlib

        from rnncourse.grading.plaindata import encode

        module_name, _, function = str(msg["name"]).rpartition(".")
        if not module_name.isidentifier() or not function.isidentifier():
            raise ValueError(f"bad scenario name {msg['name']!r}")
        module = importlib.import_module(f"rnncourse.grading.scenarios.{module_name}")
        driver = getattr(module, function)
        params = self._decode_args(msg.get("params", {"__dict__": []}))
        try:
            with self._learner_call(msg):
                value = driver(self.ns, self.handles, **params)
        except KeyError as exc:  # the driver looked up a function the notebook does not define
            name = exc.args[0] if exc.args else None
            if traceback.extract_tb(exc.__traceback__)[-1].filename == module.__file__ \
                    and isinstance(name, str) and name not in self.ns:
                return {"ok": False, "error_type": "Missing", "error": f"{name} is not defined", "where": ""}
            return {"ok": False, **_describe_error(exc)}
        except BaseException as exc:
            return {"ok": False, **_describe_error(exc)}
        return {"ok": True, "value": encode(value)}

    def op_selfcheck(self, msg: dict) -> dict:
        """The visible checks of an assignment against the notebook's functions, and its report
        on the files beside the notebook (their bytes, read by the self-check, come in ``files``)."""
        from rnncourse.checks import run_checks, run_report

        assignment = str(msg["assignment"])
        found = self._decode_args(msg.get("files", {}))
        sys.stdout = sys.stderr = self.capture
        try:
            rows = run_checks(assignment, self.ns)
            report_ok, report = run_report(assignment, self.ns, found)
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
            self.capture.text()
        return {"ok": True, "rows": [list(r) for r in rows], "report": report, "report_ok": report_ok}


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
