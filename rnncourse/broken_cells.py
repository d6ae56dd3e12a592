"""Why a name is not defined: the cell meant to define it stopped at an error.

A syntax error, a failed import or any exception stops a cell before its later lines run, so
what those lines define (a graded function, ``np``) is missing, and every check of a function
that needs it would say only "not defined". These helpers find the cell that defines a name
from its text (which works on a cell that does not even parse) and word the cause once for the
three places a learner reads it: the grade's feedback, the self-check, and the notebook's check
cells (``watch``, in the learner's own kernel).
"""

from __future__ import annotations

import linecache
import re

UNDEFINED = re.compile(r"name '(\w+)' is not defined")


def defines(source: str, name: str) -> bool:
    """Whether a cell's text defines ``name``: a def or class, an assignment, or an import."""
    n = re.escape(name)
    pattern = (rf"^\s*(?:async\s+def|def|class)\s+{n}\b"
               rf"|^{n}\s*(?::[^=\n]*)?=(?!=)"
               rf"|^\s*import\s+(?:.*\bas\s+{n}\b|{n}\b)"
               rf"|^\s*from\s+\S+\s+import\b.*\b{n}\b")
    return re.search(pattern, source, re.MULTILINE) is not None


def cause(name: str, cell: str, error: str, where: str = "") -> str:
    """The sentence that explains a missing ``name``: ``cell`` (how the learner finds it) defines
    it and stopped at ``error`` (type and message) at ``where`` (the learner's line)."""
    at = f" ({where})" if where else ""
    return (f"{cell}, which defines `{name}`, stopped at {error}{at}, so nothing after that line "
            "ran: fix it and run the cell again")


def undefined_name(message: str) -> str | None:
    """The name in a NameError's message ("name 'np' is not defined"), or None."""
    found = UNDEFINED.search(message or "")
    return found.group(1) if found else None


class CellWatch:
    """In a learner's kernel: remembers the cells that stopped at an error, and after a cell
    fails on a name that is not defined, says which of them should have defined it. Only words
    for the learner; nothing here is graded."""

    KEEP = 50

    def __init__(self, shell):
        self.shell = shell
        self.failed: list[tuple[str, str, str, str]] = []  # (source, "cell [n]", error, line)

    def cause(self, name: str) -> str:
        for source, cell, error, line in reversed(self.failed):
            if defines(source, name):
                return cause(name, cell, error, line)
        return ""

    def post_run_cell(self, result) -> None:
        try:
            self._record(result)
        except Exception:  # a message helper must never break the learner's kernel
            pass

    def _record(self, result) -> None:
        error = result.error_before_exec or result.error_in_exec
        if error is None:
            return
        name = getattr(error, "name", None) if isinstance(error, NameError) else None
        note = self.cause(name) if name else ""
        source = getattr(result.info, "raw_cell", "") or ""
        if not isinstance(error, NameError) or not note:
            count = getattr(result, "execution_count", None)
            cell = f"the cell run as [{count}]" if count else "a cell"
            text = f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
            self.failed = [f for f in self.failed if f[0] != source][-self.KEEP:]
            self.failed.append((source, cell, text.rstrip(": "), self._line(error)))
        if note:
            print(f"\nWhy `{name}` is not defined: {note}.")

    def _line(self, error: BaseException) -> str:
        """The learner's line the error stopped at: the last one in the notebook's own code."""
        if isinstance(error, SyntaxError) and error.lineno:
            return f"line {error.lineno}: `{(error.text or '').strip()}`"
        found, tb = "", error.__traceback__
        while tb is not None:
            frame = tb.tb_frame
            if frame.f_globals is self.shell.user_ns:
                text = linecache.getline(frame.f_code.co_filename, tb.tb_lineno).strip()
                found = f"line {tb.tb_lineno}: `{text}`" if text else ""
            tb = tb.tb_next
        return found


def watch():
    """Start a ``CellWatch`` in this IPython kernel (once); None outside IPython."""
    try:
        shell = get_ipython()  # noqa: F821 (IPython's builtin)
    except NameError:
        return None
    existing = getattr(shell, "_course_cell_watch", None)
    if existing is not None:
        return existing
    cell_watch = CellWatch(shell)
    shell.events.register("post_run_cell", cell_watch.post_run_cell)
    shell._course_cell_watch = cell_watch
    return cell_watch
