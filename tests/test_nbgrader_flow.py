"""The instructor's path with the real nbgrader commands, in a scratch course root:
generate_assignment, autograde, generate_feedback, export, and the demo class. (Hostile
work through nbgrader: ``test_hostile.py``.)"""

from conftest import make_course_root

from rnncourse import demo

ASSIGNMENT = "04_sequence_batching"


def test_demo_class_scores_as_the_tests_predict(tmp_path):
    """What `make demo` does, in a scratch course root: reference full, blank 0, partials as predicted."""
    root = make_course_root(tmp_path, call_timeout=12)
    lines = []
    problems = demo.run(root, out=lines.append)
    assert problems == [], "\n".join(lines + problems)
    table = "\n".join(lines)
    assert "demo-reference" in table and "demo-blank" in table
    csv = (root / "grades.csv").read_text().splitlines()
    assert csv[0].startswith("assignment,") and any("demo-reference" in row for row in csv)
    page = (root / "feedback" / "demo-reference" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "points" in page and "PASS" in page  # the graders' report is in the feedback
