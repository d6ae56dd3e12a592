"""The Gradescope entry: grade ``<submission>/<assignment>.ipynb`` and write results.json.

One test per graded function, with the grader's feedback, and the visibility chosen.

Written answers (markdown cells marked solution and grade in the course's notebook) are graded
by hand. results.json cannot grade them, so it carries them as a 0-point test whose output
shows each question with the learner's answer, for whoever grades the manual question. The
submission is read as JSON only; its text is shown, quoted, never run.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from rnncourse import course
from rnncourse.grading import files, sandbox
from rnncourse.grading import notebook as nbfile
from rnncourse.grading.records import feedback_text, total
from rnncourse.grading.runner import grade_notebook

# Gradescope's values, most open first. Visible is Gradescope's own default and what the course's
# feedback is written for: learners see which checks failed and why, as they would in nbgrader.
VISIBILITY = ("visible", "after_due_date", "after_published", "hidden")
WRITTEN_TEST = "Written answers (graded by hand in the manual question)"
PLACEHOLDER = "YOUR ANSWER HERE"  # what an unanswered cell of the release holds
MAX_ANSWER_CHARS = 20_000  # a pasted novel stays readable


@dataclass
class Question:
    grade_id: str
    points: float
    prompt: str  # the question: the last paragraph of the cell before the answer cell


def questions(assignment: str, root: Path = course.ROOT) -> list[Question]:
    """The assignment's written questions, in the order of its release notebook."""
    cells = nbfile.load(course.notebook("release", assignment, root))["cells"]
    found = []
    for i, cell in enumerate(cells):
        nbg = nbfile.nbgrader_metadata(cell)
        if cell.get("cell_type") == "markdown" and nbg.get("solution") and nbg.get("grade"):
            # the cell before holds the question (the first one opens the section too)
            prompt = nbfile.cell_source(cells[i - 1]).strip().split("\n\n")[-1] if i else ""
            found.append(Question(str(nbg["grade_id"]), float(nbg.get("points", 0)), prompt))
    return found


def written_points(assignment: str) -> float:
    return sum(q.points for q in questions(assignment))


def answers(nb: dict | None) -> dict[str, str]:
    """The submission's markdown cells by grade id (the learner's metadata: for reading only)."""
    if nb is None:
        return {}
    return {str(nbfile.nbgrader_metadata(c).get("grade_id")): nbfile.cell_source(c) for c in nb["cells"]
            if isinstance(c, dict) and c.get("cell_type") == "markdown" and nbfile.nbgrader_metadata(c)}


def _quoted(text: str) -> str:
    """The learner's answer as a markdown block quote, so that it reads as theirs, not ours."""
    text = text.strip()
    if not text or text == PLACEHOLDER:
        return "*(no answer)*"
    if len(text) > MAX_ANSWER_CHARS:
        text = text[:MAX_ANSWER_CHARS] + "\n\n*(cut here: the answer is longer)*"
    return "\n".join("> " + line for line in text.splitlines())


def written_markdown(assignment: str, nb: dict | None, why_unread: str = "") -> str:
    qs = questions(assignment)
    total = sum(q.points for q in qs)
    head = f"**{total:g} points, graded by hand** in the assignment's manual question; not part of the autograded score."
    if nb is None:
        return f"{head}\n\nThe notebook could not be read, so there are no answers to show. {why_unread}".strip()
    given = answers(nb)
    parts = [head]
    for q in qs:
        answer = given.get(q.grade_id)
        shown = _quoted(answer) if answer is not None else f"*(the answer cell `{q.grade_id}` is missing)*"
        parts.append(f"---\n\n#### `{q.grade_id}`\n\n{q.prompt}\n\n"
                     f"**Answer:**\n\n{shown}")
    return "\n\n".join(parts)


def written_test(assignment: str, nb: dict | None, visibility: str, why_unread: str = "") -> dict:
    """The 0-point test that shows the written answers."""
    return {"name": WRITTEN_TEST, "score": 0, "max_score": 0, "status": "passed",
            "output": written_markdown(assignment, nb, why_unread), "output_format": "md",
            "visibility": visibility, "tags": ["written"]}


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
    for cell, why in (record.get("skipped_cells") or {}).items():
        out["output"] += f"\nCell {cell} was skipped: it {why}."
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


def limits(args) -> dict:
    """The sandbox's time limits from the command line (``--cell-timeout``, ``--call-timeout``)."""
    return {"cell_timeout": args.cell_timeout, "call_timeout": args.call_timeout}


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
        out = gradescope_results(grade_notebook(notebook, args.assignment, submission_dir=submission,
                                                 session_options=limits(args)))
        nb, unread = _read(notebook)
    _write(results, _shown(out, args.assignment, nb, unread, args.visibility))
    print(f"{args.assignment}: {out['score']} points; sandbox: {out['extra_data'].get('sandbox')}")
    return 0


def _write(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1))
