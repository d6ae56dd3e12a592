"""Command line of the grader.

    python -I -m rnncourse.grading grade NOTEBOOK [--assignment A] [--json OUT]
        Grade one notebook; print a table; write the result record as JSON.
    python -I -m rnncourse.grading gradescope --assignment A [--submission DIR] [--results FILE]
                                              [--visibility visible|after_due_date|after_published|hidden]
        Grade DIR/A.ipynb (nothing else in DIR) and write Gradescope's results.json, with the
        learner's written answers shown in a 0-point test for the manual question.

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
from rnncourse.grading import files, sandbox  # noqa: E402
from rnncourse.grading import notebook as nbfile  # noqa: E402
from rnncourse.grading.gradescope import VISIBILITY, written_points, written_test  # noqa: E402
from rnncourse.grading.runner import feedback_text, grade_notebook, total  # noqa: E402


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
                      "output": feedback_text(function, entry), "output_format": "text",
                      "status": "passed" if entry["score"] >= entry["points"] else "failed"})
    score, _ = total(record)
    bounds = record.get("bounds") or {"mode": record.get("sandbox")}
    ran = record.get("sandbox") or "not run"
    out = {"score": score, "tests": tests,
           "output": f"Graded in the {ran} sandbox." if ran != "not run" else "Nothing of the notebook was run.",
           "extra_data": {"assignment": record.get("assignment"), "sandbox": record.get("sandbox"),
                          "bounds": bounds}}
    if record.get("error"):
        out["output"] += " " + record["error"]
    if "duration_s" in record:
        out["execution_time"] = record["duration_s"]
    return out


def _shown(out: dict, assignment: str, nb: dict | None, why_unread: str, visibility: str) -> dict:
    """What every results.json carries, graded or not: the written answers for the manual
    question, and when learners may see it all (the grader's own stdout stays hidden)."""
    written = written_points(assignment)
    if written:
        out["tests"].append(written_test(assignment, nb, visibility, why_unread))
        out["output"] += (f"\n\nThe written answers ({written:g} points) are graded by hand in a "
                          "separate question; this score is the autograded part.")
    for test in out["tests"]:
        test["visibility"] = visibility
    out.update(visibility=visibility, stdout_visibility="hidden", output_format="text")
    return out


def _read(notebook: Path) -> tuple[dict | None, str]:
    """The submitted notebook as JSON data (nothing in it runs here), or why it cannot be read."""
    try:
        return nbfile.load(notebook), ""
    except nbfile.NotebookError as exc:
        return None, str(exc)


def gradescope(args) -> int:
    """Grade ``<submission>/<assignment>.ipynb`` for Gradescope; refuse what is unsafe to run."""
    submission, results = args.submission.resolve(), args.results
    cwd = Path.cwd().resolve()
    if cwd == submission or submission in cwd.parents:
        sys.exit(f"refusing to run from inside the submission folder {submission}: files there "
                 "could be imported in place of the grader's (cd / first)")
    notebook = submission / f"{args.assignment}.ipynb"
    out = {"score": 0, "tests": [], "extra_data": {"assignment": args.assignment}}
    why = files.problem(notebook) if os.path.lexists(notebook) else "missing"
    try:
        sandbox.mode(strict=True)
    except sandbox.SandboxUnavailable as exc:
        out["output"] = f"The autograder is not set up correctly; nothing was graded. {exc}"
        _write(results, {**out, "visibility": args.visibility, "stdout_visibility": "hidden"})
        print(exc, file=sys.stderr)
        return 2
    nb, unread = None, ""
    if why == "missing":
        found = ", ".join(sorted(p.name for p in submission.glob("*.ipynb"))) or "none"
        out["output"] = (f"No notebook named {notebook.name} was found in the submission (notebooks found: "
                         f"{found}). Submit the assignment's notebook under its own name.")
    elif why:
        out["output"] = f"{notebook.name} {why}; nothing was graded."
    else:
        out = gradescope_results(grade_notebook(notebook, args.assignment, submission_dir=submission))
        nb, unread = _read(notebook)
    _write(results, _shown(out, args.assignment, nb, unread, args.visibility))
    print(f"{args.assignment}: {out['score']} points; sandbox: {out['extra_data'].get('sandbox')}")
    return 0


def _write(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
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
    return 2


if __name__ == "__main__":
    sys.exit(main())
