"""The instructor's path with the real nbgrader commands, in a scratch course root:
generate_assignment, autograde, generate_feedback, export; the demo class; and a batch of
hostile submissions graded beside the reference."""

import copy
import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import corpus

from rnncourse import course, demo, submissions

ASSIGNMENT = "04_sequence_batching"
HOSTILE = "# >>> hostile"


def make_course_root(path: Path) -> Path:
    shutil.copy(course.ROOT / "nbgrader_config.py", path)
    config = (course.ROOT / "course_config.py").read_text()
    # short limits so that endless loops cost seconds, not minutes
    config += "\nc.SandboxGrade.cell_timeout = 12\nc.SandboxGrade.call_timeout = 12\n"
    (path / "course_config.py").write_text(config)
    shutil.copytree(course.ROOT / "source", path / "source")
    return path


def submit(root: Path, student: str, nb, assignment=ASSIGNMENT) -> Path:
    path = root / "submitted" / student / assignment / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, (str, bytes)):
        path.write_text(nb) if isinstance(nb, str) else path.write_bytes(nb)
        return path
    return submissions.write(nb, path)


def totals(root: Path, assignment=ASSIGNMENT) -> dict:
    return {s: round(sum(v for v, _ in g.values()), 4)
            for s, g in demo.grades_from_gradebook(assignment, root, prefix="").items()}


def test_demo_class_scores_as_the_tests_predict(tmp_path):
    """What `make demo` does, in a scratch course root: reference full, blank 0, partials as predicted."""
    root = make_course_root(tmp_path)
    lines = []
    problems = demo.run(root, out=lines.append)
    assert problems == [], "\n".join(lines + problems)
    table = "\n".join(lines)
    assert "demo-reference" in table and "demo-blank" in table
    csv = (root / "grades.csv").read_text().splitlines()
    assert csv[0].startswith("assignment,") and any("demo-reference" in row for row in csv)
    page = (root / "feedback" / "demo-reference" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "points" in page and "PASS" in page  # the graders' report is in the feedback


def honest(code: str) -> str:
    """The variant without its hostile lines."""
    out, skipping = [], False
    for line in code.splitlines():
        if line.strip() == HOSTILE:
            skipping = True
        elif line.strip() == "# <<< hostile":
            skipping = False
        elif not skipping:
            out.append(line)
    return "\n".join(out) + "\n"


def tamper_with_test_cells(nb, delete=False, points=None, source=None, outputs=None):
    nb = copy.deepcopy(nb)
    kept = []
    for cell in nb["cells"]:
        nbg = cell.get("metadata", {}).get("nbgrader", {})
        if nbg.get("grade") and not nbg.get("solution") and cell["cell_type"] == "code":
            if delete:
                continue
            if points is not None:
                nbg["points"] = points
            if source is not None:
                cell["source"] = source
            if outputs is not None:
                cell["outputs"] = outputs
        kept.append(cell)
    nb["cells"] = kept
    return nb


def digest(paths) -> str:
    h = hashlib.sha256()
    for base in paths:
        files = sorted(p for p in Path(base).rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if Path(base).is_dir() else [Path(base)]
        for f in files:
            h.update(str(f).encode() + f.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    root = make_course_root(tmp_path_factory.mktemp("hostile-course"))
    demo.nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", "--log-level=WARN")
    reference = submissions.make(ASSIGNMENT)
    blank = submissions.make(ASSIGNMENT, base="blank")
    submit(root, "reference", reference)
    variants = corpus(ASSIGNMENT, "hostile")
    for v in variants:
        submit(root, f"hostile-{v.name}", submissions.make(ASSIGNMENT, v.code, base="blank"))
        submit(root, f"honest-{v.name}", submissions.make(ASSIGNMENT, honest(v.code), base="blank"))
    fake_result = [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                    "data": {"text/plain": "1000"}}]
    submit(root, "deleted-test-cells", tamper_with_test_cells(reference, delete=True))
    submit(root, "edited-test-cells", tamper_with_test_cells(blank, points=1000, source="1000"))
    submit(root, "fake-outputs", tamper_with_test_cells(blank, outputs=fake_result))
    no_cells = copy.deepcopy(blank)
    no_cells["cells"] = []
    submit(root, "no-cells", no_cells)
    submit(root, "corrupt-json", json.dumps(reference)[:5000])
    submit(root, "empty-file", "")
    # what the hostile submissions aim at (see write_outside_the_sandbox in the corpus)
    protected = [course.ROOT / "course_config.py", course.ROOT / "autograder" / f"test_{ASSIGNMENT}.py",
                 course.ROOT / "solutions" / "sequence_batching.py",
                 course.ROOT / "rnncourse" / "grading" / "runner.py",
                 root / "course_config.py", root / "source"]
    before = digest(protected)
    proc = demo.nbgrader(root, "autograde", ASSIGNMENT, "--force", "--log-level=WARN", check=False)
    feedback = demo.nbgrader(root, "generate_feedback", ASSIGNMENT, "--force", "--log-level=WARN",
                             check=False)
    return {"root": root, "variants": variants, "totals": totals(root), "log": proc.stderr,
            "protected_unchanged": digest(protected) == before, "feedback": feedback}


def test_hostile_batch_finishes_and_reference_keeps_full_marks(hostile_batch):
    got = hostile_batch["totals"]
    points = sum(t.points for t in __import__("rnncourse.grading.notebook", fromlist=["x"]).graded_tests(
        submissions.release_notebook(ASSIGNMENT)))
    assert got.get("reference") == points, hostile_batch["log"][-3000:]
    for v in hostile_batch["variants"]:
        assert f"hostile-{v.name}" in got and f"honest-{v.name}" in got, f"{v.name} was not graded"


@pytest.mark.parametrize("name", [v.name for v in corpus(ASSIGNMENT, "hostile")])
def test_hostile_submission_scores_no_more_than_its_honest_work(hostile_batch, name):
    got = hostile_batch["totals"]
    assert got[f"hostile-{name}"] <= got[f"honest-{name}"] + 1e-9, \
        f"{name}: {got[f'hostile-{name}']} > honest {got[f'honest-{name}']}"


def test_tampered_test_cells_change_nothing(hostile_batch):
    got = hostile_batch["totals"]
    assert got["deleted-test-cells"] == got["reference"], "deleted test cells must be restored and graded"
    assert got["edited-test-cells"] == 0
    assert got["fake-outputs"] == 0
    assert got["no-cells"] == 0


def test_unreadable_notebooks_score_zero_and_say_why(hostile_batch):
    got = hostile_batch["totals"]
    assert got.get("corrupt-json", 0) == 0 and got.get("empty-file", 0) == 0
    assert "corrupt-json" in hostile_batch["log"] and "empty-file" in hostile_batch["log"]


def test_course_files_and_gradebook_intact(hostile_batch):
    assert hostile_batch["protected_unchanged"], "a submission changed course files"
    assert not Path("/tmp/hostile-was-here").exists() and not Path("/hostile-was-here").exists()
    db = sqlite3.connect(hostile_batch["root"] / "gradebook.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # every grade is within its cell's points
    rows = db.execute("SELECT g.auto_score, c.max_score FROM grade g JOIN grade_cells c ON g.cell_id = c.id "
                      "WHERE g.auto_score IS NOT NULL").fetchall()
    assert rows and all(0 <= score <= mx for score, mx in rows)


def test_feedback_for_the_batch_shows_no_hidden_tests(hostile_batch):
    root = hostile_batch["root"]
    assert (root / "feedback" / "reference" / ASSIGNMENT / f"{ASSIGNMENT}.html").exists(), \
        hostile_batch["feedback"].stderr[-2000:]
    assert demo.leaks_in_feedback(ASSIGNMENT, root) == []


def test_intake_names_the_unreadable_notebooks(hostile_batch):
    from rnncourse.grading.intake import problems

    found = dict(problems(hostile_batch["root"], ASSIGNMENT))
    unreadable = [m for m, bad in found.items() if bad]
    assert any(m.startswith("corrupt-json:") and "not valid notebook JSON" in m for m in unreadable)
    assert any(m.startswith("empty-file:") for m in unreadable)
    assert not any(m.startswith(("reference:", "hostile-")) for m in unreadable)
