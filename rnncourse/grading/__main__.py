"""Command line of the grader.

    python -m rnncourse.grading grade NOTEBOOK [--assignment A] [--json OUT]
        Grade one notebook; print a table; write the result record as JSON.
    python -m rnncourse.grading gradescope [--submission DIR] [--results FILE] [--assignment A]
        Grade the notebook in DIR and write Gradescope's results.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rnncourse import course
from rnncourse.grading.runner import feedback_text, grade_notebook, total


def guess_assignment(path: Path) -> str:
    name = course.guess(path)
    if name:
        return name
    sys.exit(f"cannot tell the assignment of {path}; pass --assignment (one of {', '.join(course.ASSIGNMENTS)})")


def gradescope_results(record: dict) -> dict:
    """Gradescope's results.json: one test per graded function, with the grader's messages."""
    tests = []
    for function, entry in record["functions"].items():
        tests.append({"name": function, "score": entry["score"], "max_score": entry["points"],
                      "output": feedback_text(function, entry),
                      "status": "passed" if entry["score"] >= entry["points"] else "failed"})
    score, _ = total(record)
    out = {"score": score, "tests": tests, "visibility": "visible", "stdout_visibility": "hidden"}
    if record.get("error"):
        out["output"] = record["error"]
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnncourse.grading")
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("grade", help="grade one notebook")
    g.add_argument("notebook", type=Path)
    g.add_argument("--assignment")
    g.add_argument("--json", type=Path, help="write the result record here")
    g.add_argument("--submission-dir", type=Path,
                   help="the submission's folder (default: the notebook's folder)")
    g.add_argument("--cell-timeout", type=float, default=120.0,
                   help="seconds one notebook cell may run before it is skipped")
    g.add_argument("--call-timeout", type=float, default=60.0,
                   help="seconds one call of a graded function may run")
    g.add_argument("--quiet", action="store_true")
    gs = sub.add_parser("gradescope", help="grade a Gradescope submission folder")
    gs.add_argument("--submission", type=Path, default=Path("/autograder/submission"))
    gs.add_argument("--results", type=Path, default=Path("/autograder/results/results.json"))
    gs.add_argument("--assignment")
    args = parser.parse_args(argv)

    if args.command == "grade":
        assignment = args.assignment or guess_assignment(args.notebook)
        options = {"cell_timeout": args.cell_timeout, "call_timeout": args.call_timeout}
        record = grade_notebook(args.notebook, assignment, submission_dir=args.submission_dir,
                                session_options=options)
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

    notebooks = sorted(args.submission.rglob("*.ipynb"))
    assignment = args.assignment or (guess_assignment(notebooks[0]) if notebooks else None)
    if not notebooks or assignment is None:
        results = {"score": 0, "output": "No notebook (.ipynb) was found in the submission."}
    else:
        wanted = [n for n in notebooks if n.name == f"{assignment}.ipynb"] or notebooks
        results = gradescope_results(grade_notebook(wanted[0], assignment))
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
