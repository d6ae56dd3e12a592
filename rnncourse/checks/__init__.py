"""Visible checks: what a learner runs under each graded function.

Each assignment has a module here whose ``CHECKS`` maps a graded function's name to
a check. A check calls the learner's function on small, worked examples and raises
``CheckFailed`` with a message that names the part that is wrong and hints at why.
The hidden tests in ``autograder/`` check the same contract on other data; both compare
numbers with ``rnncourse.compare``.

A check marked ``@contract`` is its function's whole contract: ``check_f(f, rng=None)`` judges
``f`` only by calling it on inputs drawn from ``rng`` (the public inputs when the notebook calls
it). The grader runs that same check on inputs of its own, against the learner's function in the
sandbox (``hidden.contract_tests``): the self-check and the grade then name the same mistakes by
construction, and such a function needs no hidden test written for it.

    check_encode(encode)           # in the notebook, under the function
    selfcheck("04_sequence_batching", globals())   # every check, one line each

An assignment whose submission carries files beside the notebook (``course.SUBMISSION_FILES``:
the project's trained model) also has a ``report(namespace, found)`` on them.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
from pathlib import Path

import numpy as np

from rnncourse import broken_cells
from rnncourse.course import ASSIGNMENTS, SUBMISSION_FILES

# in a learner's kernel (the notebooks import their checks first): say why a name is missing
CELL_WATCH = broken_cells.watch()


class CheckFailed(AssertionError):
    """A visible check failed; the message says what is wrong."""

    def _render_traceback_(self) -> list[str]:
        """How a notebook shows it: the message once, without the check's own frames, which
        are the course's code and say nothing about the learner's."""
        return [f"\x1b[0;31mCheck failed:\x1b[0m {self}"]


def contract(check_fn):
    """Mark a visible check as its function's contract (see the module's docstring)."""
    check_fn.contract = True
    return check_fn


def inputs(rng=None) -> np.random.Generator:
    """What a contract draws its inputs from: the grader's generator, or the public one."""
    return rng if rng is not None else np.random.default_rng(PUBLIC_SEED)


PUBLIC_SEED = 2024  # the notebook's inputs; the grader draws from seeds of its own


def check(condition, message: str, *args) -> None:
    if not condition:
        raise CheckFailed(message.format(*args) if args else message)


def raised(fn, message):
    """``fn()``; an error the learner's code raises becomes a failed check whose message is
    ``message(error)``, the error written "Type: its first line". A failed check and
    ``NotImplementedError`` (a function still to write) pass through."""
    try:
        return fn()
    except (CheckFailed, NotImplementedError):
        raise
    except Exception as exc:  # the learner's function raised
        if getattr(exc, "passes_checks", False):  # the grader's word on a call (not defined, too slow)
            raise
        error = f"{type(exc).__name__}: {exc}".split("\n", 1)[0][:300]
        raise CheckFailed(message(error)) from None


def passed(name: str, detail: str = "") -> None:
    print(f"✓ {name}: all visible checks passed{(' (' + detail + ')') if detail else ''}")


def _module(assignment: str):
    return importlib.import_module(f"rnncourse.checks.{ASSIGNMENTS[assignment]}")


def checks_for(assignment: str) -> dict:
    return _module(assignment).CHECKS


def read_beside(assignment: str, folder) -> dict:
    """name -> each file the submission carries beside the notebook, read from ``folder`` as the
    grader reads it (never through a link, size-capped): its bytes as a uint8 array (plain data,
    which can cross into the learner's process), the reason it was not read, or None if absent."""
    from rnncourse.grading import files

    found = {}
    for name in SUBMISSION_FILES.get(assignment, []):
        path = Path(folder) / name
        found[name] = None
        if os.path.lexists(path):
            try:
                found[name] = np.frombuffer(files.read_regular(path), dtype=np.uint8)
            except files.UnsafeFile as exc:
                found[name] = str(exc)
    return found


def run_report(assignment: str, namespace: dict, found: dict) -> tuple[bool, str]:
    """(all good, text): the assignment's ``report`` on the files ``read_beside`` found; (True, "")
    for an assignment without one."""
    report = getattr(_module(assignment), "report", None)
    return (True, "") if report is None else report(namespace, found)


def run_checks(assignment: str, namespace: dict) -> list[tuple[str, str, str]]:
    """(function, status, message) for every graded function; status: passed, failed, todo, missing."""
    rows = []
    for name, check_fn in checks_for(assignment).items():
        fn = namespace.get(name)
        if fn is None:
            why = CELL_WATCH.cause(name) if CELL_WATCH is not None else ""
            rows.append((name, "missing", f"`{name}` is not defined: {why or 'run its cell first'}"))
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                check_fn(fn)
        except NotImplementedError:
            rows.append((name, "todo", "not implemented yet"))
        except CheckFailed as exc:
            rows.append((name, "failed", str(exc)))
        except Exception as exc:  # the learner's function raised
            missing = getattr(exc, "name", None) if isinstance(exc, NameError) else None
            why = CELL_WATCH.cause(missing) if missing and CELL_WATCH is not None else ""
            rows.append((name, "failed", f"raised {type(exc).__name__}: {exc}" + (f"; {why}" if why else "")))
        else:
            rows.append((name, "passed", ""))
    return rows


SYMBOLS = {"passed": "✓", "failed": "✗", "todo": "…", "missing": "?"}


def format_rows(rows) -> str:
    width = max((len(r[0]) for r in rows), default=10)
    lines = []
    for name, status, message in rows:
        lines.append(f"{SYMBOLS[status]} {name:<{width}}  {status}{': ' + message if message else ''}")
    done = sum(r[1] == "passed" for r in rows)
    lines.append(f"{done} of {len(rows)} functions pass their visible checks. "
                 "The hidden tests check the same contract on other inputs.")
    return "\n".join(lines)


def selfcheck(assignment: str, namespace: dict) -> None:
    """Run every visible check of an assignment against the notebook's functions, and report on
    the files the submission carries beside the notebook (in the notebook's folder, the kernel's
    working directory)."""
    print(format_rows(run_checks(assignment, namespace)))
    _, text = run_report(assignment, namespace, read_beside(assignment, Path.cwd()))
    if text:
        print("\n" + text)
