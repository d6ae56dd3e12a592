"""A warm grader: one ``python -I`` process that grades notebook after notebook.

Every way of grading many notebooks uses one: ``nbgrader autograde`` (``SandboxGrade``), the
class grader's Dask workers and ``batch`` hand each notebook to it rather than grade in their
own process: the grading code is loaded once, not once per notebook; a worker's event loop
never competes with the grading for the interpreter; a grading that runs past its time is ended
by killing this process (a fresh one takes the next notebook); and a crash here never takes the
caller down.

    python -I -m rnncourse.grading.warm REPLY_FD

Requests come on stdin, one JSON object per line (``notebook``, ``assignment``, ``folder``,
``options``, ``out``, ``code_scan``); the record is written to ``out`` (a folder of the
caller's, never the submission's) and ``done`` to ``REPLY_FD``.
Learners' code never runs here: it runs in the sandbox this process starts for each notebook.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rnncourse.grading import records


class WarmGrader:
    """The worker's side: one warm grader process, started on first use and after a kill."""

    def __init__(self, log=subprocess.DEVNULL):
        self.proc: subprocess.Popen | None = None
        self.replies = None
        self.log = log  # where the grader's own log goes: None, the caller's stderr
        self.tmp: str | None = None

    def _start(self) -> None:
        read, write = os.pipe()
        self.proc = subprocess.Popen([sys.executable, "-I", "-m", "rnncourse.grading.warm", str(write)],
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.log,
                                     pass_fds=(write,), text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        os.close(write)
        self.replies = os.fdopen(read, "r")
        self.tmp = tempfile.mkdtemp(prefix="rnncourse-warm-")

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.replies.close()
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.proc = None

    def grade(self, notebook: Path, assignment: str, folder: Path, options: dict, timeout: float,
              code_scan: bool = True) -> dict:
        """The record of one notebook; on timeout or a crash, a record saying so (never settled:
        ``grader_failed``). ``code_scan=False`` only for the tests that show the sandbox holds alone."""
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self._start()
        out = Path(self.tmp) / "record.json"
        out.unlink(missing_ok=True)
        request = {"notebook": str(notebook), "assignment": assignment, "folder": str(folder),
                   "options": options, "out": str(out), "code_scan": code_scan}
        deadline = time.monotonic() + timeout
        try:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            while time.monotonic() < deadline:
                ready, _, _ = select.select([self.replies], [], [], max(0.0, deadline - time.monotonic()))
                if ready:
                    if self.replies.readline().strip() == "done" and out.exists():
                        return json.loads(out.read_text())
                    break  # the grader process ended
        except (OSError, ValueError):
            pass
        timed_out = time.monotonic() >= deadline
        self.close()
        error = f"grading took longer than {timeout:g} s" if timed_out else "the grader failed"
        return records.failed(assignment, error, timed_out=timed_out)


def serve(reply_fd: int) -> None:
    import torch

    from rnncourse.grading.runner import grade_notebook

    torch.set_num_threads(1)  # one worker per core
    replies = os.fdopen(reply_fd, "w")
    for line in sys.stdin:
        request = json.loads(line)
        try:
            record = grade_notebook(Path(request["notebook"]), request["assignment"],
                                    submission_dir=Path(request["folder"]), session_options=request["options"],
                                    code_scan=request.get("code_scan", True))
        except Exception as exc:  # the grader's own failure: its type only (the message may quote code)
            print(f"the grader failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            record = records.failed(request["assignment"], f"the grader failed ({type(exc).__name__})")
        Path(request["out"]).write_text(json.dumps(record))
        replies.write("done\n")
        replies.flush()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
