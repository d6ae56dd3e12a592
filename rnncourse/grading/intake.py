"""Before autograding: which submitted notebooks cannot be read, and why, in plain words.

    python -m rnncourse.grading.intake 04_sequence_batching [--root .]

nbgrader itself skips an unreadable notebook with a traceback and grades the rest;
this lists those notebooks first, so an instructor can ask the learner for a new copy.
It only reads files. Exit status 1 when some notebook cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rnncourse.grading.notebook import NotebookError, graded_tests, load


def problems(root: Path, assignment: str) -> list[tuple[str, bool]]:
    """(message, unreadable) for every submitted notebook that needs a look."""
    out = []
    for folder in sorted((root / "submitted").glob(f"*/{assignment}")):
        student = folder.parent.name
        expected = folder / f"{assignment}.ipynb"
        if not expected.exists():
            found = ", ".join(p.name for p in folder.glob("*.ipynb")) or "no notebook"
            out.append((f"{student}: {expected.name} is missing ({found})", True))
            continue
        try:
            nb = load(expected)
        except NotebookError as exc:
            out.append((f"{student}: {exc}", True))
            continue
        if not graded_tests(nb):
            out.append((f"{student}: the notebook has no test cells left; they are restored when graded", False))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnncourse.grading.intake")
    parser.add_argument("assignment")
    parser.add_argument("--root", type=Path, default=Path("."))
    args = parser.parse_args(argv)
    found = problems(args.root, args.assignment)
    for message, _ in found:
        print(message)
    if not found:
        print(f"every submitted {args.assignment} notebook can be read")
    return 1 if any(unreadable for _, unreadable in found) else 0


if __name__ == "__main__":
    sys.exit(main())
