"""Command line of the grader.

    python -I -m rnncourse.grading grade NOTEBOOK [--assignment A] [--json OUT]
        Grade one notebook; print a table; write the result record as JSON.
    python -I -m rnncourse.grading gradescope --assignment A [--submission DIR] [--results FILE]
                                              [--visibility visible|after_due_date|after_published|hidden]
        Grade DIR/A.ipynb (nothing else in DIR) and write Gradescope's results.json, with the
        learner's written answers shown in a 0-point test for the manual question.
    Both take --cell-timeout S (default 120) and --call-timeout S (default 60): how long one
    notebook cell, and one call of a graded function, may run before it is stopped.

Run it in Python's isolated mode (``-I``) and never from inside a submission folder: a
learner's ``pytest.py`` or ``numpy.py`` there must not be importable. The Gradescope entry
re-starts itself with ``-I`` and refuses to run from inside the submission. Both need
bubblewrap, unless ``COURSE_SANDBOX=rlimit`` asks for resource limits alone; the sandbox
mode is written into every record and into results.json.
"""

# Before any other import: a learner's json.py or pytest.py in the current folder must never
# be imported in place of the library's, so the grader always runs in isolated mode.
import os  # noqa: E402  (os and sys are loaded before the current folder is searched)
import sys  # noqa: E402

if not sys.flags.isolated:
    os.execv(sys.executable, [sys.executable, "-I", "-m", "rnncourse.grading", *sys.argv[1:]])

import argparse  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

from rnncourse import course  # noqa: E402
from rnncourse.grading import sandbox  # noqa: E402
from rnncourse.grading.gradescope import VISIBILITY, gradescope, limits  # noqa: E402
from rnncourse.grading.records import feedback_text, total  # noqa: E402
from rnncourse.grading.runner import grade_notebook  # noqa: E402


def guess_assignment(path: Path) -> str:
    name = course.guess(path)
    if name:
        return name
    sys.exit(f"cannot tell the assignment of {path}; pass --assignment (one of {', '.join(course.ASSIGNMENTS)})")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m rnncourse.grading")
    sub = parser.add_subparsers(dest="command", required=True)
    timeouts = argparse.ArgumentParser(add_help=False)
    timeouts.add_argument("--cell-timeout", type=float, default=120.0,
                          help="seconds one notebook cell may run before it is skipped")
    timeouts.add_argument("--call-timeout", type=float, default=60.0,
                          help="seconds one call of a graded function may run")
    g = sub.add_parser("grade", help="grade one notebook", parents=[timeouts])
    g.add_argument("notebook", type=Path)
    g.add_argument("--assignment")
    g.add_argument("--json", type=Path, help="write the result record here")
    g.add_argument("--submission-dir", type=Path,
                   help="the submission's folder (default: the notebook's folder)")
    g.add_argument("--quiet", action="store_true")
    gs = sub.add_parser("gradescope", help="grade a Gradescope submission folder", parents=[timeouts])
    gs.add_argument("--assignment", required=True, choices=list(course.ASSIGNMENTS))
    gs.add_argument("--submission", type=Path, default=Path("/autograder/submission"))
    gs.add_argument("--results", type=Path, default=Path("/autograder/results/results.json"))
    gs.add_argument("--visibility", choices=VISIBILITY, default=VISIBILITY[0],
                    help="when learners see the results (Gradescope's test visibility; default: visible)")
    args = parser.parse_args(argv)

    if args.command == "gradescope":
        return gradescope(args)
    try:
        sandbox.mode(strict=True)
    except sandbox.SandboxUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "grade":
        assignment = args.assignment or guess_assignment(args.notebook)
        record = grade_notebook(args.notebook, assignment, submission_dir=args.submission_dir,
                                session_options=limits(args))
        if args.json:
            args.json.write_text(json.dumps(record, indent=1))
        if not args.quiet:
            for function, entry in record["functions"].items():
                print(feedback_text(function, entry))
            score, points = total(record)
            print(f"total: {score:g} / {points:g}   (sandbox: {record['sandbox'] or 'none'})")
            if record["error"]:
                print("error:", record["error"])
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
