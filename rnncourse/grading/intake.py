"""Before autograding: which submissions hold files the grader will not touch, and which
notebooks cannot be read, in plain words.

    python -m rnncourse.grading.intake 04_sequence_batching [--root .] [--quarantine]

nbgrader copies a submission's files with ``shutil.copy``, which follows links: a link
beside a notebook could hand a learner the hidden tests or the gradebook. Intake looks at
every entry of ``submitted/<student>/<assignment>/`` without following links and
*refuses* symbolic links, hard links, devices, FIFOs, sockets and oversize files, naming
each. It exits with status 1 when it refuses anything, so ``make autograde`` stops before
nbgrader copies a byte. ``--quarantine`` moves the refused entries (not what they point
to) to ``quarantine/<student>/<assignment>/`` so that the rest can be graded; tell those
learners why.

Notebooks that cannot be read (cut off, not JSON) are only listed: nbgrader grades them 0
and the class goes on.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rnncourse.grading.files import problem
from rnncourse.grading.notebook import NotebookError, graded_tests, load

MAX_ENTRIES = 200  # files and folders in one submission


def refusals(root: Path, assignment: str) -> list[tuple[Path, str]]:
    """(path, why) for every entry of the class's submissions the grader will not touch."""
    out = []
    submitted = root / "submitted"
    if problem(submitted):
        return [(submitted, problem(submitted))]
    if not submitted.is_dir():
        return []
    for student in sorted(submitted.iterdir()):
        why = problem(student)
        if why:
            out.append((student, why))
            continue
        if not student.is_dir():
            continue
        folder = student / assignment
        if not os.path.lexists(folder):
            continue
        why = problem(folder)
        if why:
            out.append((folder, why))
            continue
        count = 0
        for dirpath, dirnames, filenames in os.walk(folder):  # never descends through a link
            for name in sorted(dirnames + filenames):
                path = Path(dirpath) / name
                count += 1
                why = problem(path)
                if why:
                    out.append((path, why))
            if count > MAX_ENTRIES:
                out.append((folder, f"holds more than {MAX_ENTRIES} files and folders"))
                break
    return out


def problems(root: Path, assignment: str) -> list[tuple[str, bool]]:
    """(message, unreadable) for every submitted notebook that needs a look."""
    out = []
    refused = {p for p, _ in refusals(root, assignment)}
    for folder in sorted((root / "submitted").glob(f"*/{assignment}")):
        student = folder.parent.name
        expected = folder / f"{assignment}.ipynb"
        if folder in refused or folder.parent in refused or expected in refused:
            continue
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


def quarantine(root: Path, found: list[tuple[Path, str]]) -> list[str]:
    """Move refused entries (links themselves, never their targets) out of ``submitted/``."""
    moved = []
    for path, _ in found:
        rel = path.relative_to(root / "submitted")
        target = root / "quarantine" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if os.path.lexists(target):
            target = target.with_name(target.name + f".{os.getpid()}")
        os.rename(path, target)  # rename moves the entry itself: a link stays a link
        moved.append(f"{rel} -> {target.relative_to(root)}")
    return moved


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnncourse.grading.intake")
    parser.add_argument("assignment")
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--quarantine", action="store_true",
                        help="move refused files to quarantine/ so that the rest can be graded")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    refused = refusals(root, args.assignment)
    for path, why in refused:
        print(f"REFUSED {path.relative_to(root)}: it {why}")
    if refused and args.quarantine:
        for line in quarantine(root, refused):
            print(f"moved {line}")
        refused = []
    elif refused:
        print(f"\n{len(refused)} file(s) refused; nothing was graded. Ask those learners to submit the "
              f"files themselves, or move the refused entries aside and grade the rest:\n"
              f"  python -m rnncourse.grading.intake {args.assignment} --quarantine")
    found = problems(root, args.assignment)
    for message, _ in found:
        print(message)
    if not found and not refused:
        print(f"every submitted {args.assignment} notebook can be read")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
