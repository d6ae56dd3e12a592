"""The course's command line: ``rnncourse COMMAND [ARGS]``; ``rnncourse COMMAND --help`` for one.

Each command runs one of the course's modules, which also run on their own
(``python -m rnncourse.selfcheck``, ...). A module is imported only when its command runs, so a
command whose dependencies are not installed (the instructor's, ``rnncourse[instructor]``)
breaks no other.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    args: str  # what it takes, for the list of commands
    summary: str
    run: Callable[[list[str]], int]


def calls(module: str, *lead: str) -> Callable[[list[str]], int]:
    """A command that runs ``module.main([*lead, *argv])``, importing the module only then."""
    def run(argv: list[str]) -> int:
        return importlib.import_module(module).main([*lead, *argv])
    return run


def grade(argv: list[str]) -> int:
    """The grader, always in Python's isolated mode: a learner's ``pytest.py`` or ``json.py`` in
    the current folder must never be imported in its place. Replaces this process."""
    os.execv(sys.executable, [sys.executable, "-I", "-m", "rnncourse.grading", "grade", *argv])


def autograde(argv: list[str]) -> int:
    """Intake, then the class graded in parallel; nothing is graded when intake refuses a file."""
    parser = argparse.ArgumentParser(
        prog="rnncourse autograde",
        description="Intake (python -m rnncourse.grading.intake), then, unless it refuses a file, "
                    "the class in submitted/ graded in parallel into nbgrader's gradebook "
                    "(python -m rnncourse.grading.classgrade).")
    parser.add_argument("assignment")
    parser.add_argument("--root", default=".", help="the course root (default: here)")
    parser.add_argument("--scheduler", help="a Dask scheduler's address (default: $DASK_SCHEDULER, "
                                            "else local workers)")
    parser.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    parser.add_argument("--force", action="store_true", help="grade every submission, changed or not")
    args = parser.parse_args(argv)
    from rnncourse.grading import classgrade, intake

    status = intake.main([args.assignment, "--root", args.root])
    if status:
        return status
    options = [*(["--scheduler", args.scheduler] if args.scheduler else []),
               *(["--workers", str(args.workers)] if args.workers is not None else []),
               *(["--force"] if args.force else [])]
    return classgrade.main([args.assignment, "--root", args.root, *options])


COMMANDS = {
    "release": Command("", "regenerate release/ from source/ and solutions/, register it in the gradebook",
                       calls("rnncourse.build", "release")),
    "check-release": Command("", "exit 1 if source/ or release/ is stale or a graded function lacks a piece",
                             calls("rnncourse.build", "check")),
    "demo": Command("", "autograde a demo class with nbgrader and print its grades", calls("rnncourse.demo")),
    "selfcheck": Command("NB", "your notebook's visible checks, one line per graded function (learners)",
                         calls("rnncourse.selfcheck")),
    "grade": Command("NB", "grade one notebook in the sandbox, outside nbgrader", grade),
    "intake": Command("A", "refuse submitted files the grader will not touch",
                      calls("rnncourse.grading.intake")),
    "autograde": Command("A", "intake, then the class graded in parallel into the gradebook", autograde),
    "report": Command("A", "the class's most common mistakes and a figure, from the kept records",
                      calls("rnncourse.grading.report")),
    "batch": Command("NB...", "grade notebooks into result records, outside nbgrader",
                     calls("rnncourse.grading.batch")),
    "collect": Command("A ZIP", "Canvas's submissions download into submitted/",
                       calls("rnncourse.lms.canvas", "collect")),
    "export-canvas": Command("A", "the gradebook's scores as a Canvas grade import",
                             calls("rnncourse.lms.canvas", "export")),
    "gradescope": Command("A", "the Gradescope autograder bundle", calls("rnncourse.lms.gradescope_bundle")),
    "learner-pack": Command("[A]", "what learners download to work on the course",
                            calls("rnncourse.learner_pack")),
}


def usage() -> str:
    synopses = {name: f"{name} {command.args}".strip() for name, command in COMMANDS.items()}
    width = max(map(len, synopses.values()))
    lines = [f"  {synopses[name]:<{width}}  {command.summary}" for name, command in COMMANDS.items()]
    return ("usage: rnncourse COMMAND [ARGS]   (rnncourse COMMAND --help: its own options)\n\n"
            "commands:\n" + "\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["-h"], ["--help"]):
        print(usage())
        return 0
    if not argv:
        print(usage(), file=sys.stderr)
        return 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"rnncourse: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    try:
        return COMMANDS[name].run(rest)
    except ModuleNotFoundError as exc:
        if (exc.name or "rnncourse").startswith("rnncourse"):
            raise
        # the instructor's commands need the instructor's extra: say so rather than a traceback
        print(f"rnncourse {name} needs {exc.name}, which is not installed: "
              "pip install 'rnncourse[instructor]'", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
