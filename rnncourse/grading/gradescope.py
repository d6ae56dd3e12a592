"""What the Gradescope entry writes besides the scores: visibility and the written answers.

Written answers (markdown cells marked solution and grade in the course's notebook) are graded
by hand. results.json cannot grade them, so it carries them as a 0-point test whose output
shows each question with the learner's answer, for whoever grades the manual question. The
submission is read as JSON only; its text is shown, quoted, never run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rnncourse import course
from rnncourse.grading import notebook as nbfile

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
        nbg = nbfile._nbgrader(cell)
        if cell.get("cell_type") == "markdown" and nbg.get("solution") and nbg.get("grade"):
            # the cell before holds the question (the first one opens the section too)
            prompt = nbfile._source(cells[i - 1]).strip().split("\n\n")[-1] if i else ""
            found.append(Question(str(nbg["grade_id"]), float(nbg.get("points", 0)), prompt))
    return found


def written_points(assignment: str) -> float:
    return sum(q.points for q in questions(assignment))


def answers(nb: dict | None) -> dict[str, str]:
    """The submission's markdown cells by grade id (the learner's metadata: for reading only)."""
    if nb is None:
        return {}
    return {str(nbfile._nbgrader(c).get("grade_id")): nbfile._source(c) for c in nb["cells"]
            if isinstance(c, dict) and c.get("cell_type") == "markdown" and nbfile._nbgrader(c)}


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
