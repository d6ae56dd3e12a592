"""The trusted side of a learner's sandbox: start it, feed it the notebook, ask it questions.

``LearnerSession`` keeps one sandboxed worker alive for a submission. A cell that
runs too long or kills the worker is skipped and the worker restarted without it,
so the rest of the notebook is still graded. A call that runs too long or kills
the worker fails alone; the next call restarts the worker.

Everything that comes back is learner data. A call may lend the learner's code
stand-ins (``serve={name: function}``): while that call runs, the worker may ask for
them by name and this side answers with values computed here; the names of other
calls are refused. A learner's exception reaches the grader's messages only as its
type, a short message and the learner's own line, quoted from this side's copy of
the notebook.
"""

from __future__ import annotations

import json
import math
import os
import select
import subprocess
import time
from dataclasses import dataclass, field

from rnncourse import broken_cells
from rnncourse.grading import plaindata, sandbox
from rnncourse.grading.notebook import CodeCell

MAX_MESSAGE = 64 * 1024 * 1024
MAX_CALLBACKS = 100_000  # stand-in questions answered during one call
SHORT = 160  # characters of a learner's exception message that reach a message


def short_text(text, limit: int = SHORT) -> str:
    """One printable line of learner text, cut to ``limit`` characters."""
    line = str(text).strip().splitlines()[0] if str(text).strip() else ""
    line = "".join(ch if ch.isprintable() else "?" for ch in line)
    return line if len(line) <= limit else line[: limit - 1] + "…"


class LearnerError(Exception):
    """The learner's code did not answer: it raised, is missing, ran too long or crashed."""

    passes_checks = True  # a visible check run by the grader (``hidden.contract_tests``) lets it through

    def __init__(self, kind: str, target: str, detail: str = "", where: str = "", cause: str = ""):
        self.kind, self.target, self.detail, self.where = kind, target, detail, where
        self.cause = cause  # why a name it needs is not defined (``broken_cells``), when known
        super().__init__(self.message())

    def message(self) -> str:
        name = f"`{self.target}`"
        if self.kind == "Missing":
            return f"{name} is not defined: {self.cause or 'did its cell run, and is the name spelled as given?'}"
        if self.kind == "NotImplementedError":
            return f"{name} is not implemented yet (it raises NotImplementedError)."
        if self.kind == "timeout":
            return f"{name} did not finish within {self.detail}: look for a loop that never ends."
        if self.kind == "crashed":
            return f"{name} stopped the Python process ({self.detail}); it was not graded further."
        if self.kind == "protocol":
            return f"{name} gave an answer the grader could not read ({self.detail})."
        where = f" ({self.where})" if self.where else ""
        return f"{name} raised {self.detail}{where}" + (f"; {self.cause}" if self.cause else "")


@dataclass
class LoadReport:
    errors: list = field(default_factory=list)  # cells that raised: index, error text
    skipped: dict = field(default_factory=dict)  # cell index -> why it was skipped


@dataclass
class Remote:
    """An object that lives in the sandbox (a learner's model, say), named by a handle."""

    session: LearnerSession
    handle: int
    type_name: str
    generation: int

    def call(self, method: str | None, *args, **options):
        return self.session._call({"handle": self.handle, "attr": method}, args, self, **options)

    def attr(self, name: str, keep: bool = False):
        return self.session._getattr(self, name, keep)


class LearnerSession:
    def __init__(self, cells: list[CodeCell], *, limits: sandbox.Limits | None = None,
                 cell_timeout: float = 120.0, call_timeout: float = 60.0,
                 load_timeout: float = 600.0, max_restarts: int = 8, strict: bool = True):
        self.cells, self.strict = cells, strict
        self.limits = limits or sandbox.Limits()
        self.cell_timeout, self.call_timeout = cell_timeout, call_timeout
        self.load_timeout, self.max_restarts = load_timeout, max_restarts
        self.report = LoadReport()
        self.proc: subprocess.Popen | None = None
        self.cgroup: sandbox.Cgroup | None = None
        self.mode = ""
        self.generation = 0
        self.restarts = 0
        self.hung: set[str] = set()  # functions that already ran past their time limit
        self._buffer = b""

    # -- process ---------------------------------------------------------------------------
    def _spawn(self) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        try:
            cmd, self.mode = sandbox.worker_command(to_child_r, from_child_w, self.limits, self.strict)
        except sandbox.SandboxUnavailable:
            for fd in (to_child_r, to_child_w, from_child_r, from_child_w):
                os.close(fd)
            raise
        self.cgroup = sandbox.Cgroup(self.limits)
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(to_child_r, from_child_w), env=sandbox.environment(),
            preexec_fn=sandbox.set_limits(self.limits, self.cgroup), cwd="/tmp")
        os.close(to_child_r)
        os.close(from_child_w)
        os.set_blocking(to_child_w, False)
        self._out_fd = to_child_w
        self._in_fd = from_child_r
        self._buffer = b""
        self.generation += 1

    def _kill(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.kill()
            self.proc.wait(timeout=10)
        except Exception:
            pass
        for closer in (lambda: os.close(self._out_fd), lambda: os.close(self._in_fd)):
            try:
                closer()
            except OSError:
                pass
        if self.cgroup is not None:
            self.cgroup.remove()
        self.proc = None

    def close(self) -> None:
        if self.proc is not None:
            try:
                self._send({"op": "exit"}, timeout=1.0)
            except (OSError, TimeoutError):
                pass
            self._kill()

    def _send(self, msg: dict, timeout: float = 120.0) -> None:
        """Write one message; a worker that stops reading (its code replaced) cannot block us."""
        data = (json.dumps(msg, allow_nan=False) + "\n").encode()
        deadline = time.monotonic() + timeout
        while data:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            _, ready, _ = select.select([], [self._out_fd], [], min(left, 1.0))
            if ready:
                try:
                    data = data[os.write(self._out_fd, data[: 1 << 16]):]
                except BlockingIOError:
                    continue

    def _receive(self, deadline: float) -> dict:
        """One message, or TimeoutError / EOFError (the worker died) / ValueError (garbage)."""
        if time.monotonic() > deadline:  # also when answers are already waiting in the buffer
            raise TimeoutError
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self._in_fd], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(self._in_fd, 1 << 20)
            if not chunk:
                raise EOFError
            self._buffer += chunk
            if len(self._buffer) > MAX_MESSAGE:
                raise ValueError("answer too large")
        line, self._buffer = self._buffer.split(b"\n", 1)
        msg = plaindata.loads(line)
        if not isinstance(msg, dict):
            raise ValueError("not a message")
        return msg

    def _exit_detail(self) -> str:
        if self.proc is None:
            return "unknown"
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return "no answer"
        if code < 0 or code > 128:
            sig = -code if code < 0 else code - 128
            names = {9: "killed, most likely for using too much memory or CPU time",
                     11: "segmentation fault", 6: "aborted", 25: "file size limit"}
            return names.get(sig, f"signal {sig}")
        return f"exit code {code}"

    # -- loading ---------------------------------------------------------------------------
    def start(self) -> LoadReport:
        """Run the notebook's code; skip cells that hang or kill the worker, and retry."""
        started = time.monotonic()
        while True:
            self._spawn()
            todo = [c for c in self.cells if c.index not in self.report.skipped]
            self._send({"op": "load", "cells": [{"index": c.index, "source": c.source} for c in todo]})
            current = None
            try:
                while True:
                    overall = started + self.load_timeout
                    # the worker's own start (importing torch) is not the learner's time
                    step = self.cell_timeout if current is not None else max(self.cell_timeout, 120)
                    deadline = min(overall, time.monotonic() + step)
                    msg = self._receive(deadline)
                    if msg.get("event") == "cell_start":
                        current = msg.get("index")
                        continue
                    self.report.errors = [self._load_error(e) for e in msg.get("errors", []) if isinstance(e, dict)]
                    return self.report
            except (TimeoutError, EOFError, ValueError, OSError) as exc:
                why = {TimeoutError: f"ran longer than {self.cell_timeout:.0f} s",
                       EOFError: f"stopped the Python process ({self._exit_detail()})"}.get(
                           type(exc), f"broke the grader's connection ({exc})")
                self._kill()
                if current is None or self.restarts >= self.max_restarts \
                        or time.monotonic() - started > self.load_timeout:
                    self.report.skipped[current if current is not None else -1] = why
                    self.report.errors.append({"index": current, "error": "the notebook could not be "
                                               f"loaded: a cell {why}", "error_type": "LoadFailed"})
                    self._spawn_empty()
                    return self.report
                self.report.skipped[current] = why
                self.restarts += 1

    def _load_error(self, error: dict) -> dict:
        """A cell's error as the grader reports it: type, short message, the learner's line."""
        kind = short_text(error.get("error_type", "Error"), 60)
        return {"index": error.get("index"), "error_type": kind,
                "error": f"{kind}: {short_text(error.get('error', ''))}",
                "where": self.where(error.get("cell"), error.get("line"))}

    def _spawn_empty(self) -> None:
        """A worker with none of the learner's code, so every call fails cleanly."""
        self._spawn()
        self._send({"op": "load", "cells": []})
        self._receive(time.monotonic() + 120)

    def _ensure(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self._kill()
            self.restarts += 1
            self.start()

    # -- questions -------------------------------------------------------------------------
    def _request(self, msg: dict, label: str, timeout: float | None, serve: dict | None = None) -> dict:
        self._ensure()
        limit = timeout or self.call_timeout
        serve = serve or {}
        if serve:
            msg = {**msg, "stand_ins": [n for n in serve if "." not in n]}
        try:
            self._send(msg)
            deadline = time.monotonic() + limit
            for _ in range(MAX_CALLBACKS + 1):
                reply = self._receive(deadline)
                if reply.get("event") != "callback":
                    break
                self._send(_answer(serve, reply))
            else:
                raise ValueError(f"more than {MAX_CALLBACKS} questions to the grader's stand-ins")
        except TimeoutError:
            self._kill()
            raise LearnerError("timeout", label, f"{limit:.0f} s") from None
        except (EOFError, OSError):
            detail = self._exit_detail()
            self._kill()
            raise LearnerError("crashed", label, detail) from None
        except ValueError as exc:
            self._kill()
            raise LearnerError("protocol", label, str(exc)) from None
        if not reply.get("ok"):
            kind = short_text(reply.get("error_type", "Error"), 60)
            if kind == "Missing":
                target = msg.get("target")
                raise LearnerError(kind, label, cause=self.cause(target if isinstance(target, str) else label))
            if kind == "NotImplementedError":
                raise LearnerError(kind, label)
            message = short_text(reply.get("error", ""))
            undefined = broken_cells.undefined_name(message) if kind == "NameError" else None
            raise LearnerError("raised", label, f"{kind}: {message}" if message else kind,
                               self.where(reply.get("cell"), reply.get("line")),
                               cause=self.cause(undefined) if undefined else "")
        return reply

    def cause(self, name: str) -> str:
        """Why ``name`` is not defined, when the last cell whose text defines it stopped at an
        error or was skipped; "" otherwise (quoted from this side's copy of the notebook)."""
        for cell in reversed(self.cells):
            if not broken_cells.defines(cell.source, name):
                continue
            error = next((e for e in self.report.errors if e.get("index") == cell.index), None)
            if error is not None:
                return broken_cells.cause(name, f"cell {cell.index}", error["error"], error.get("where", ""))
            if cell.index in self.report.skipped:
                return f"cell {cell.index}, which defines `{name}`, was not run: it {self.report.skipped[cell.index]}"
            return ""
        return ""

    def where(self, cell, line) -> str:
        """``cell N, line L: `code` `` for a line of the learner's cells, quoted from this side's
        copy of the notebook (never from what the worker sends)."""
        try:
            cell, line = int(cell), int(line)
        except (TypeError, ValueError):
            return ""
        source = next((c.source for c in self.cells if c.index == cell), None)
        lines = source.splitlines() if source is not None else []
        if not 1 <= line <= len(lines):
            return ""
        return f"cell {cell}, line {line}: `{short_text(lines[line - 1].strip(), 100)}`"

    def _call(self, target, args, owner: Remote | None = None, *, keep=False, return_args=False,
              materialize=False, seed=None, no_grad=False, timeout=None, label=None,
              kwargs=None, max_items=1000, serve=None):
        if owner is not None and owner.generation != self.generation:
            raise LearnerError("crashed", label or owner.type_name,
                               "an earlier call stopped the process holding this object")
        msg = {"op": "call", "target": target, "args": plaindata.encode(list(_refs(args))),
               "kwargs": plaindata.encode(_refs(kwargs or {})), "keep": keep,
               "return_args": return_args, "materialize": materialize, "no_grad": no_grad,
               "max_items": max_items}
        if seed is not None:
            msg["seed"] = seed
        name = label or (target if isinstance(target, str) else
                         f"{owner.type_name}.{target['attr']}" if target.get("attr") else owner.type_name)
        if name in self.hung:  # do not wait for the same endless loop again
            raise LearnerError("timeout", name, f"{timeout or self.call_timeout:.0f} s (in an earlier check)")
        try:
            reply = self._request(msg, name, timeout, serve)
        except LearnerError as exc:
            if exc.kind == "timeout":
                self.hung.add(name)
            raise
        if keep:
            return Remote(self, int(reply["handle"]), str(reply.get("type", "")), self.generation)
        value = self._decode(reply.get("value"), name)
        if return_args:
            return value, self._decode(reply.get("args_after"), name)
        return value

    def _getattr(self, owner: Remote, name: str, keep: bool):
        if owner.generation != self.generation:
            raise LearnerError("crashed", f"{owner.type_name}.{name}", "an earlier call stopped it")
        reply = self._request({"op": "getattr", "handle": owner.handle, "attr": name, "keep": keep},
                              f"{owner.type_name}.{name}", None)
        if keep:
            return Remote(self, int(reply["handle"]), str(reply.get("type", "")), self.generation)
        return self._decode(reply.get("value"), f"{owner.type_name}.{name}")

    @staticmethod
    def _decode(value, name):
        try:
            return plaindata.decode(value)
        except (plaindata.PlainDataError, KeyError, TypeError, ValueError) as exc:
            raise LearnerError("protocol", name, str(exc)) from None

    def call(self, name: str, *args, **options):
        """Call the learner's ``name(*args)``; options: keep, return_args, materialize, seed,
        no_grad, timeout, kwargs (keyword arguments for the learner's function), serve
        ({name: function} stand-ins answered here while the call runs)."""
        return self._call(name, args, **options)

    def scenario(self, name: str, *, timeout: float | None = None, seed: int | None = None,
                 label: str | None = None, serve: dict | None = None, **params):
        """Run a sandbox driver; ``label`` is the learner's function its messages speak of."""
        msg = {"op": "scenario", "name": name, "params": plaindata.encode(_refs(params))}
        if seed is not None:
            msg["seed"] = seed
        reply = self._request(msg, label or name, timeout, serve)
        return self._decode(reply.get("value"), label or name)

    def standin(self, kind: str, label: str, **params) -> Remote:
        """A stand-in object made in the sandbox (``standins.make``), kept there."""
        msg = {"op": "standin", "kind": kind, "params": plaindata.encode(params)}
        reply = self._request(msg, label, None)
        return Remote(self, int(reply["handle"]), str(reply.get("type", "")), self.generation)

    def bounds(self) -> dict:
        """How this session's sandbox is bounded, for the result record."""
        cgroup = self.cgroup.kinds if self.cgroup is not None else []
        return {"mode": self.mode, "tmp_mb": self.limits.tmp_mb if self.mode == "bwrap" else None,
                "memory": "cgroup (memory and /tmp)" if any("memory" in k for k in cgroup) else "rlimit",
                "processes": "cgroup" if any("pids" in k for k in cgroup) else "rlimit"}


def _answer(serve: dict, event: dict) -> dict:
    """This side's answer to a stand-in question: a value, or only the kind of failure
    (an exception's text could carry trusted code or data into the learner's process)."""
    name = event.get("name")
    fn = serve.get(name) if isinstance(name, str) else None
    if fn is None:
        return {"callback_error": f"this check lends no stand-in named {short_text(name, 60)!r}"}
    try:
        args = plaindata.decode(event.get("args", []))
        kwargs = plaindata.decode(event.get("kwargs", {"__dict__": []}))
        if not isinstance(args, list) or not isinstance(kwargs, dict) \
                or not all(isinstance(k, str) for k in kwargs) or not _small(args) or not _small(kwargs):
            raise TypeError
        return {"callback_reply": plaindata.encode(fn(*args, **kwargs))}
    except Exception as exc:
        return {"callback_error": f"the grader's {name} could not use these arguments "
                                  f"({type(exc).__name__}): check their types and shapes"}


def _small(value, depth=0) -> bool:
    """Arguments a stand-in may compute with: arrays of at most 2**20 numbers and no axis
    longer than 4096 (so no product of two of them is large), nested a few levels."""
    if depth > 6:
        return False
    shape = getattr(value, "shape", None)
    if shape is not None:
        return len(shape) <= 6 and all(int(n) <= 4096 for n in shape) and math.prod(shape) <= 2 ** 20
    if isinstance(value, (list, tuple)):
        return len(value) <= 4096 and all(_small(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return len(value) <= 4096 and all(_small(v, depth + 1) for v in value.values())
    return True


def _refs(value):
    """Replace ``Remote`` objects in call arguments by references the worker resolves."""
    if isinstance(value, Remote):
        return plaindata.Described("__handle__", str(value.handle))
    if isinstance(value, (list, tuple)):
        return type(value)(_refs(v) for v in value)
    if isinstance(value, dict):
        return {k: _refs(v) for k, v in value.items()}
    return value
