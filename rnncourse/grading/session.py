"""The trusted side of a learner's sandbox: start it, feed it the notebook, ask it questions.

``LearnerSession`` keeps one sandboxed worker alive for a submission. A cell that
runs too long or kills the worker is skipped and the worker restarted without it,
so the rest of the notebook is still graded. A call that runs too long or kills
the worker fails alone; the next call restarts the worker.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from dataclasses import dataclass, field

from rnncourse.grading import plaindata, sandbox
from rnncourse.grading.notebook import CodeCell

MAX_MESSAGE = 64 * 1024 * 1024


class LearnerError(Exception):
    """The learner's code did not answer: it raised, is missing, ran too long or crashed."""

    def __init__(self, kind: str, target: str, detail: str = "", where: str = ""):
        self.kind, self.target, self.detail, self.where = kind, target, detail, where
        super().__init__(self.message())

    def message(self) -> str:
        name = f"`{self.target}`"
        if self.kind == "Missing":
            return f"{name} is not defined: did its cell run, and is the name spelled as given?"
        if self.kind == "NotImplementedError":
            return f"{name} is not implemented yet (it raises NotImplementedError)."
        if self.kind == "timeout":
            return f"{name} did not finish within {self.detail}: look for a loop that never ends."
        if self.kind == "crashed":
            return f"{name} stopped the Python process ({self.detail}); it was not graded further."
        if self.kind == "protocol":
            return f"{name} gave an answer the grader could not read ({self.detail})."
        where = f" ({self.where})" if self.where else ""
        return f"{name} raised {self.detail}{where}"


@dataclass
class LoadReport:
    errors: list = field(default_factory=list)  # cells that raised: index, error text
    skipped: dict = field(default_factory=dict)  # cell index -> why it was skipped
    names: dict = field(default_factory=dict)  # names the notebook defines -> kind


@dataclass
class Remote:
    """An object that lives in the sandbox (a learner's model, say), named by a handle."""

    session: LearnerSession
    handle: int
    type_name: str
    generation: int

    def ref(self) -> dict:
        return {"__object__": "__handle__", "repr": str(self.handle)}

    def call(self, method: str | None, *args, **options):
        return self.session._call({"handle": self.handle, "attr": method}, args, self, **options)

    def attr(self, name: str, keep: bool = False):
        return self.session._getattr(self, name, keep)


class LearnerSession:
    def __init__(self, cells: list[CodeCell], *, limits: sandbox.Limits | None = None,
                 cell_timeout: float = 120.0, call_timeout: float = 60.0,
                 load_timeout: float = 600.0, max_restarts: int = 8):
        self.cells = cells
        self.limits = limits or sandbox.Limits()
        self.cell_timeout, self.call_timeout = cell_timeout, call_timeout
        self.load_timeout, self.max_restarts = load_timeout, max_restarts
        self.report = LoadReport()
        self.proc: subprocess.Popen | None = None
        self.mode = ""
        self.generation = 0
        self.restarts = 0
        self.hung: set[str] = set()  # functions that already ran past their time limit
        self._buffer = b""

    # -- process ---------------------------------------------------------------------------
    def _spawn(self) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        cmd, self.mode = sandbox.worker_command(to_child_r, from_child_w)
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(to_child_r, from_child_w), env=sandbox.environment(),
            preexec_fn=sandbox.set_limits(self.limits), cwd="/tmp")
        os.close(to_child_r)
        os.close(from_child_w)
        self._out = os.fdopen(to_child_w, "w", encoding="utf-8")
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
        for closer in (self._out.close, lambda: os.close(self._in_fd)):
            try:
                closer()
            except OSError:
                pass
        self.proc = None

    def close(self) -> None:
        if self.proc is not None:
            try:
                self._send({"op": "exit"})
            except OSError:
                pass
            self._kill()

    def _send(self, msg: dict) -> None:
        self._out.write(json.dumps(msg, allow_nan=False) + "\n")
        self._out.flush()

    def _receive(self, deadline: float) -> dict:
        """One message, or TimeoutError / EOFError (the worker died) / ValueError (garbage)."""
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
                    self.report.errors = [e for e in msg.get("errors", []) if isinstance(e, dict)]
                    self.report.names = msg.get("names", {}) if isinstance(msg.get("names"), dict) else {}
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
    def _request(self, msg: dict, label: str, timeout: float | None) -> dict:
        self._ensure()
        limit = timeout or self.call_timeout
        try:
            self._send(msg)
            reply = self._receive(time.monotonic() + limit)
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
            kind = str(reply.get("error_type", "Error"))
            if kind in ("Missing", "NotImplementedError"):
                raise LearnerError(kind, label)
            raise LearnerError("raised", label, str(reply.get("error", kind))[:800],
                               str(reply.get("where", ""))[:200])
        return reply

    def _call(self, target, args, owner: Remote | None = None, *, keep=False, return_args=False,
              materialize=False, seed=None, no_grad=False, timeout=None, label=None,
              kwargs=None, max_items=1000):
        if owner is not None and owner.generation != self.generation:
            raise LearnerError("crashed", label or owner.type_name,
                               "an earlier call stopped the process holding this object")
        msg = {"op": "call", "target": target, "args": plaindata.encode(list(_refs(args))),
               "kwargs": plaindata.encode(_refs(kwargs or {})), "keep": keep,
               "return_args": return_args, "materialize": materialize, "no_grad": no_grad,
               "max_items": max_items}
        if seed is not None:
            msg["seed"] = seed
        name = label or (target if isinstance(target, str) else f"{owner.type_name}.{target['attr']}")
        if name in self.hung:  # do not wait for the same endless loop again
            raise LearnerError("timeout", name, f"{timeout or self.call_timeout:.0f} s (in an earlier check)")
        try:
            reply = self._request(msg, name, timeout)
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
        no_grad, timeout, kwargs (keyword arguments for the learner's function)."""
        return self._call(name, args, **options)

    def scenario(self, name: str, *, timeout: float | None = None, seed: int | None = None,
                 label: str | None = None, **params):
        """Run a sandbox driver; ``label`` is the learner's function its messages speak of."""
        msg = {"op": "scenario", "name": name, "params": plaindata.encode(_refs(params))}
        if seed is not None:
            msg["seed"] = seed
        reply = self._request(msg, label or name, timeout)
        return self._decode(reply.get("value"), label or name)

    def defines(self, name: str) -> bool:
        return name in self.report.names


def _refs(value):
    """Replace ``Remote`` objects in call arguments by references the worker resolves."""
    if isinstance(value, Remote):
        return plaindata.Described("__handle__", str(value.handle))
    if isinstance(value, (list, tuple)):
        return type(value)(_refs(v) for v in value)
    if isinstance(value, dict):
        return {k: _refs(v) for k, v in value.items()}
    return value
