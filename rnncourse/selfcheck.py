"""Learners' self-check: the visible checks of a notebook, from a terminal.

    python -m rnncourse.selfcheck release/04_sequence_batching/04_sequence_batching.ipynb

Runs the notebook's code (not its test cells, not cells tagged ``grading:skip``) in a
separate, limited Python process, then every visible check, and prints one line per
graded function: passed, or what is wrong. The files a submission carries beside the
notebook (the project's trained model, ``anna_karnna.pt``) are read here as the grader
reads them and handed to that process, which loads the model into the notebook's own
``CharRNN`` and measures it as the grade does. It only reads the notebook and those
files; it never writes to them. The hidden tests check the same contract on other inputs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rnncourse import broken_cells, course
from rnncourse.checks import format_rows, read_beside
from rnncourse.grading import plaindata
from rnncourse.grading.notebook import NotebookError, learner_code, load
from rnncourse.grading.runner import tampering_message
from rnncourse.grading.session import LearnerSession


def selfcheck(path: Path, assignment: str | None = None) -> tuple[int, str]:
    """(exit status, report): 0 all passed, 1 some check failed, 2 the notebook is unreadable."""
    try:
        nb = load(path)
    except NotebookError as exc:
        return 2, f"Cannot check {path}: {exc}\nYour file was not changed."
    assignment = assignment or course.guess(path.name) or course.guess(path.resolve())
    if assignment is None:
        return 2, f"Cannot tell which assignment {path.name} is; pass --assignment."
    # the learner's own code on their own machine: whatever isolation it has will do
    cells = learner_code(nb)
    refusal = tampering_message(cells)
    found = plaindata.encode(read_beside(assignment, path.parent))
    session = LearnerSession(cells, cell_timeout=300, call_timeout=600, strict=False)
    try:
        report = session.start()
        reply = session._request({"op": "selfcheck", "assignment": assignment, "files": found},
                                 "selfcheck", 600)
    finally:
        session.close()
    lines = [f"Self-check of {path.name} ({assignment})", ""]
    for error in report.errors:
        if error.get("error_type") not in ("NotImplementedError",):
            where = f" ({error['where']})" if error.get("where") else ""
            lines.append(f"note: cell {error.get('index')} raised {error.get('error')}{where}")
    for index, why in report.skipped.items():
        lines.append(f"note: cell {index} was skipped: it {why}")
    rows = [_with_cause(tuple(r), session) for r in reply["rows"]]
    lines += ["", format_rows(rows)]
    if reply.get("report"):
        lines += ["", str(reply["report"])]
    if refusal:
        lines += ["", f"WARNING: this notebook would be {refusal}"]
    passed = all(r[1] == "passed" for r in rows) and reply.get("report_ok") is True
    return (0 if passed and not refusal else 1), "\n".join(lines)


def _with_cause(row: tuple, session: LearnerSession) -> tuple:
    """A row whose function is missing, or raised a NameError, with the cell error behind it."""
    name, status, message = row
    if status == "missing":
        why = session.cause(name)
        return (name, status, f"`{name}` is not defined: {why}") if why else row
    undefined = broken_cells.undefined_name(message) if status == "failed" else None
    why = session.cause(undefined) if undefined else ""
    return (name, status, f"{message}; {why}") if why else row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnncourse.selfcheck", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--assignment", choices=list(course.ASSIGNMENTS))
    args = parser.parse_args(argv)
    status, text = selfcheck(args.notebook, args.assignment)
    print(text)
    return status


if __name__ == "__main__":
    sys.exit(main())
