"""Hostile work through the real nbgrader autograde, for every assignment, and the other entries.

Each assignment's ``tests/corpus/<a>/hostile.py`` is graded twice in one nbgrader batch beside
the reference: as written, and without its hostile lines (its honest work). None may score
above its honest work, nothing trusted may reach feedback, and the course files and the
gradebook stay as they were. The parallel path (``classgrade``: local workers, and a real Dask
cluster for one batch) grades the batches that reach what it does differently (``AROUND``) and
must get the serial grades; the Gradescope entry grades ``GRADESCOPE_IDS``. One batch
also carries what a learner can do to a notebook's nbgrader metadata, and one carries the
files a submission can hold that are not data (links, special files, oversize files).
"""

import copy
import hashlib
import html
import json
import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from classes import dask_cluster
from conftest import CORPUS, corpus, make_course_root

from rnncourse import course, demo, submissions
from rnncourse.grading import leaks, records
from rnncourse.grading.notebook import graded_tests

HOSTILE = [a for a in course.built() if (CORPUS / a / "hostile.py").exists()]
METADATA_BATCH = "04_sequence_batching"
# The parallel path and the Gradescope entry grade with nbgrader's warm grader, sandbox and
# hidden tests; what they do differently is around that: intake, the files carried to workers
# or into /autograder, the gradebook, results.json. The batches that reach it are graded there
# in full: 04's (metadata and file attacks, writes outside, output floods, a killed parent) and
# 05's (every submission carries a model file) on the parallel path; 04's and the first variant
# of every other assignment (05's carries its model file too) on the Gradescope entry.
AROUND = [a for a in HOSTILE if a in (METADATA_BATCH, "05_anna_karnna")]


def submit(root: Path, student: str, nb, assignment: str, files=()) -> Path:
    path = root / "submitted" / student / assignment / f"{assignment}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb, (str, bytes)):
        path.write_text(nb) if isinstance(nb, str) else path.write_bytes(nb)
        return path
    return submissions.write(nb, path, files)


def honest(code: str) -> str:
    """The variant without its hostile lines."""
    out, skipping = [], False
    for line in code.splitlines():
        if line.strip() == "# >>> hostile":
            skipping = True
        elif line.strip() == "# <<< hostile":
            skipping = False
        elif not skipping:
            out.append(line)
    return "\n".join(out) + "\n"


def graded_cells(nb):
    return [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade")
            and not c["metadata"]["nbgrader"].get("solution") and c["cell_type"] == "code"]


def metadata_tampering(reference: dict) -> dict:
    """What a learner (or an honest copy-paste) can do to nbgrader's metadata: name -> notebook."""
    out = {}
    nb = copy.deepcopy(reference)
    nb["cells"] = [c for cell in nb["cells"] for c in ([cell, copy.deepcopy(cell)] if cell in graded_cells(nb) else [cell])]
    out["duplicated-test-cells"] = nb
    nb = copy.deepcopy(reference)
    for cell in graded_cells(nb)[:2]:
        del cell["metadata"]["nbgrader"]["grade_id"]
    out["no-grade-id"] = nb
    nb = copy.deepcopy(reference)
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "code":
            meta.update(solution=False, grade=True, points=100)
    out["solution-cells-made-tests"] = nb
    nb = copy.deepcopy(reference)
    orphan = copy.deepcopy(graded_cells(nb)[0])
    orphan["metadata"]["nbgrader"].update(grade_id="test_bonus", points=50)
    nb["cells"].append(orphan)
    out["orphaned-test-cell"] = nb
    nb = copy.deepcopy(reference)
    for cell in graded_cells(nb):
        cell["metadata"]["nbgrader"]["points"] = 99
    nb["metadata"]["kernelspec"] = {"name": "other", "display_name": "other", "language": "python"}
    out["points-and-kernelspec"] = nb
    nb = copy.deepcopy(reference)
    graded_cells(nb)[0]["metadata"]["nbgrader"]["grade_id"] = ["not", "a", "string"]
    out["grade-id-not-a-string"] = nb
    return out


def file_attacks(root: Path, assignment: str) -> dict:
    """Submissions whose folder holds what is not data. student -> the entry intake must name."""
    reference = submissions.make(assignment)
    out = {}
    folder = submit(root, "link-notebook", reference, assignment).parent
    (folder / f"{assignment}.ipynb").unlink()
    (folder / f"{assignment}.ipynb").symlink_to(root / "source" / assignment / f"{assignment}.ipynb")
    out["link-notebook"] = f"{assignment}.ipynb"
    folder = submit(root, "link-hidden-tests", reference, assignment).parent
    (folder / "tests.py").symlink_to(course.ROOT / "autograder" / f"test_{assignment}.py")
    out["link-hidden-tests"] = "tests.py"
    folder = submit(root, "link-gradebook", reference, assignment).parent
    (folder / "grades.db").symlink_to(root / "gradebook.db")
    out["link-gradebook"] = "grades.db"
    folder = submit(root, "hard-link", reference, assignment).parent
    os.link(root / "course_config.py", folder / "config.py")
    out["hard-link"] = "config.py"
    folder = submit(root, "fifo", reference, assignment).parent
    os.mkfifo(folder / "pipe")
    out["fifo"] = "pipe"
    folder = submit(root, "oversize", reference, assignment).parent
    with open(folder / "notes.txt", "wb") as f:
        f.truncate(50 * 2**20)
    out["oversize"] = "notes.txt"
    return out


def digest(paths) -> str:
    h = hashlib.sha256()
    for base in paths:
        base = Path(base)
        files = sorted(p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if base.is_dir() else [base]
        for f in files:
            h.update(str(f).encode() + f.read_bytes())
    return h.hexdigest()


def protected(root: Path) -> list[Path]:
    return [course.ROOT / "course_config.py", course.ROOT / "autograder", course.ROOT / "solutions",
            course.ROOT / "rnncourse", root / "course_config.py", root / "source"]


def prepare(assignment: str, root: Path, honest_copies: bool = True) -> dict:
    """A course root with the batch submitted: the reference, each variant and (unless
    ``honest_copies`` is false) each variant's honest work."""
    make_course_root(root)
    demo.nbgrader(root, "generate_assignment", assignment, "--force", "--log-level=WARN")
    files = course.reference_files(assignment)  # the project's trained model, beside its notebook
    reference = submissions.make(assignment)
    submit(root, "reference", reference, assignment, files)
    variants = corpus(assignment, "hostile")
    for v in variants:
        submit(root, f"hostile-{v.name}", submissions.make(assignment, v.code, base="blank"), assignment, files)
        if honest_copies:
            submit(root, f"honest-{v.name}", submissions.make(assignment, honest(v.code), base="blank"),
                   assignment, files)
    meta = {"root": root, "assignment": assignment, "variants": variants, "metadata": [], "files": {}}
    if assignment == METADATA_BATCH:
        for name, nb in metadata_tampering(reference).items():
            submit(root, name, nb, assignment)
            meta["metadata"].append(name)
        blank = submissions.make(assignment, base="blank")
        submit(root, "corrupt-json", json.dumps(reference)[:5000], assignment)
        submit(root, "empty-file", "", assignment)
        no_cells = copy.deepcopy(blank)
        no_cells["cells"] = []
        submit(root, "no-cells", no_cells, assignment)
        meta["files"] = file_attacks(root, assignment)
    gradebook = root / "gradebook.db"
    meta["before"] = digest(protected(root))
    meta["gradebook_before"] = sqlite3.connect(gradebook).execute("SELECT count(*) FROM assignment").fetchone()
    return meta


def autograde(meta: dict) -> dict:
    root, assignment = meta["root"], meta["assignment"]
    intake = subprocess.run([sys.executable, "-m", "rnncourse.grading.intake", assignment, "--root", str(root)],
                            capture_output=True, text=True)
    started = time.monotonic()
    # an instructor who skips intake: nbgrader itself must still refuse what is not data
    proc = demo.nbgrader(root, "autograde", assignment, "--force", "--log-level=WARN", check=False)
    feedback = demo.nbgrader(root, "generate_feedback", assignment, "--force", "--log-level=WARN", check=False)
    return {**meta, "intake": intake, "log": proc.stderr, "feedback": feedback,
            "seconds": time.monotonic() - started, "totals": totals(root, assignment),
            "after": digest(protected(root))}


def totals(root: Path, assignment: str) -> dict:
    return {s: round(sum(v for v, _ in g.values()), 4)
            for s, g in demo.grades_from_gradebook(assignment, root, prefix="").items()}


@pytest.fixture(scope="module")
def batches(tmp_path_factory):
    """Every assignment's hostile batch, graded by nbgrader, two assignments at a time (the
    later assignments, whose notebooks take longest to grade, first)."""
    metas = [prepare(a, tmp_path_factory.mktemp(f"hostile-{a}")) for a in reversed(HOSTILE)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(autograde, metas))
    return {b["assignment"]: b for b in done}


def points(assignment: str) -> float:
    return sum(t.points for t in graded_tests(submissions.release_notebook(assignment)))


@pytest.mark.parametrize("assignment", HOSTILE)
def test_the_batch_finishes_and_the_reference_keeps_full_marks(batches, assignment):
    batch = batches[assignment]
    got = batch["totals"]
    assert got.get("reference") == points(assignment), batch["log"][-3000:]
    for v in batch["variants"]:
        assert f"hostile-{v.name}" in got and f"honest-{v.name}" in got, f"{v.name} was not graded"


HOSTILE_IDS = [(a, v.name) for a in HOSTILE for v in corpus(a, "hostile")]


@pytest.mark.parametrize("assignment,name", HOSTILE_IDS, ids=[f"{a}-{n}" for a, n in HOSTILE_IDS])
def test_hostile_submission_scores_no_more_than_its_honest_work(batches, assignment, name):
    got = batches[assignment]["totals"]
    assert got[f"hostile-{name}"] <= got[f"honest-{name}"] + 1e-9, \
        f"{name}: {got[f'hostile-{name}']} > honest {got[f'honest-{name}']}"


@pytest.mark.parametrize("assignment", HOSTILE)
def test_course_files_and_gradebook_intact(batches, assignment):
    batch = batches[assignment]
    assert batch["after"] == batch["before"], "a submission changed course files"
    assert not Path("/tmp/hostile-was-here").exists() and not Path("/hostile-was-here").exists()
    db = sqlite3.connect(batch["root"] / "gradebook.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM assignment").fetchone() == batch["gradebook_before"]
    rows = db.execute("SELECT g.auto_score, c.max_score FROM grade g JOIN grade_cells c ON g.cell_id = c.id "
                      "WHERE g.auto_score IS NOT NULL").fetchall()
    assert rows and all(0 <= score <= mx for score, mx in rows)


@pytest.mark.parametrize("assignment", HOSTILE)
def test_nothing_trusted_reaches_feedback_or_autograded(batches, assignment):
    batch = batches[assignment]
    root = batch["root"]
    assert (root / "feedback" / "reference" / assignment / f"{assignment}.html").exists(), \
        batch["feedback"].stderr[-2000:]
    found = []
    for folder in ("feedback", "autograded"):
        for page in (root / folder).rglob("*"):
            if not page.is_file() or page.suffix not in (".html", ".ipynb", ".py", ".txt", ".db"):
                continue
            student = page.relative_to(root / folder).parts[0]
            own = root / "submitted" / student / assignment / f"{assignment}.ipynb"
            text = page.read_text(errors="replace")
            hits = leaks.leaks(text, own if own.is_file() and not own.is_symlink() else None)
            found += [f"{page.relative_to(root)}: {hit[:70]}" for hit in hits[:3]]
    assert not found, "\n".join(found[:20])


def test_metadata_a_learner_can_edit_never_breaks_grading(batches):
    got = batches[METADATA_BATCH]["totals"]
    for name in batches[METADATA_BATCH]["metadata"]:
        assert got.get(name) == got["reference"], f"{name}: {got.get(name)} (reference {got['reference']})"
    assert got["no-cells"] == 0
    assert got.get("corrupt-json", 0) == 0 and got.get("empty-file", 0) == 0


def test_files_that_are_not_data_are_refused(batches):
    batch = batches[METADATA_BATCH]
    root, assignment = batch["root"], batch["assignment"]
    intake = batch["intake"]
    assert intake.returncode == 1, intake.stdout
    for student, entry in batch["files"].items():
        assert f"submitted/{student}/{assignment}/{entry}" in intake.stdout, (student, intake.stdout)
    # nbgrader run without intake: nothing behind a link was copied or graded
    got = batch["totals"]
    assert got.get("link-notebook", 0) == 0
    for student in batch["files"]:
        folder = root / "autograded" / student / assignment
        names = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
        assert names <= {f"{assignment}.ipynb", records.record_path(folder, assignment).name}, (student, names)
    gradebook = (root / "gradebook.db").read_bytes()[:16]
    assert gradebook.startswith(b"SQLite format 3")


def test_quarantine_moves_links_not_what_they_point_to(tmp_path):
    root = make_course_root(tmp_path / "course")
    assignment = METADATA_BATCH
    submit(root, "ada", submissions.make(assignment, base="blank"), assignment)
    target = tmp_path / "secret.txt"
    target.write_text("secret")
    (root / "submitted" / "ada" / assignment / "link.txt").symlink_to(target)
    args = [sys.executable, "-m", "rnncourse.grading.intake", assignment, "--root", str(root)]
    assert subprocess.run(args, capture_output=True).returncode == 1
    moved = subprocess.run(args + ["--quarantine"], capture_output=True, text=True)
    assert moved.returncode == 0 and "link.txt" in moved.stdout
    assert (root / "quarantine" / "ada" / assignment / "link.txt").is_symlink() and target.read_text() == "secret"
    assert subprocess.run(args, capture_output=True).returncode == 0


# --- the parallel path: local Dask workers, and a real Dask cluster ------------------------------
@pytest.fixture(scope="module")
def parallel_batches(batches, tmp_path_factory):
    """The ``AROUND`` batches again (their honest copies, already scored, left out), graded by
    ``classgrade``: on local workers, and the batch with the metadata and file attacks on a
    ``dask scheduler`` with two ``dask worker`` processes."""
    out = {}
    for assignment in AROUND:
        meta = prepare(assignment, tmp_path_factory.mktemp(f"parallel-{assignment}"), honest_copies=False)
        root, live = meta["root"], None
        command = [sys.executable, "-m", "rnncourse.grading.classgrade", assignment]
        if assignment == METADATA_BATCH:
            with dask_cluster(tmp_path_factory.mktemp("dask")) as cluster:
                proc = subprocess.run(command + ["--scheduler", cluster.address], cwd=root, capture_output=True,
                                      text=True, timeout=1800)
                live = cluster.live_workers()
        else:
            proc = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=1800)
        out[assignment] = {**meta, "proc": proc, "live": live, "totals": totals(root, assignment),
                           "after": digest(protected(root))}
    return out


@pytest.mark.parametrize("assignment", AROUND)
def test_the_parallel_path_grades_hostile_work_as_the_serial_one(batches, parallel_batches, assignment):
    batch = parallel_batches[assignment]
    proc = batch["proc"]
    assert proc.returncode in (0, 1) and "cannot grade" not in proc.stdout, proc.stdout[-3000:] + proc.stderr[-3000:]
    serial = batches[assignment]["totals"]
    assert batch["totals"] == {student: serial[student] for student in batch["totals"]}
    assert set(batch["totals"]) == {s for s in serial if not s.startswith("honest-")}
    assert batch["after"] == batch["before"], "a submission changed course files"
    db = sqlite3.connect(batch["root"] / "gradebook.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM assignment").fetchone() == batch["gradebook_before"]
    if batch["live"] is not None:
        assert batch["live"] == 2, "a worker was lost for good"


# --- the Gradescope entry ---------------------------------------------------------------------
LIMITS = ("--cell-timeout", "12", "--call-timeout", "30")  # the scratch course's (make_course_root)


def gradescope_one(job):
    assignment, student, folder, results = job
    proc = subprocess.run([sys.executable, "-I", "-m", "rnncourse.grading", "gradescope", "--assignment",
                           assignment, "--submission", str(folder), "--results", str(results),
                           *LIMITS],
                          capture_output=True, text=True, timeout=1200, cwd="/")
    return (assignment, student), (proc, json.loads(results.read_text()) if results.exists() else None)


GRADESCOPE_IDS = [(a, v.name) for a in HOSTILE for i, v in enumerate(corpus(a, "hostile"))
                  if a == METADATA_BATCH or i == 0]


@pytest.fixture(scope="module")
def gradescope_runs(batches, tmp_path_factory):
    """(assignment, student) -> (process, results.json) for the ``GRADESCOPE_IDS`` variants."""
    jobs = [(a, f"hostile-{name}", batches[a]["root"] / "submitted" / f"hostile-{name}" / a,
             tmp_path_factory.mktemp("gs") / "results.json") for a, name in GRADESCOPE_IDS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(gradescope_one, jobs))


@pytest.mark.parametrize("assignment,name", GRADESCOPE_IDS, ids=[f"{a}-{n}" for a, n in GRADESCOPE_IDS])
def test_gradescope_entry_contains_hostile_work(batches, gradescope_runs, assignment, name):
    proc, results = gradescope_runs[(assignment, f"hostile-{name}")]
    assert proc.returncode == 0 and results is not None, proc.stderr[-2000:]
    honest_total = batches[assignment]["totals"][f"honest-{name}"]
    assert results["score"] <= honest_total + 1e-9, f"{name}: {results['score']} > honest {honest_total}"
    assert results["extra_data"]["sandbox"] in ("bwrap", "not run"), results["extra_data"]
    own = batches[assignment]["root"] / "submitted" / f"hostile-{name}" / assignment / f"{assignment}.ipynb"
    assert not leaks.leaks(json.dumps(results), own)


def test_the_leak_check_finds_a_trusted_line_in_a_page():
    line = sorted(leaks.trusted_lines())[0]
    page = f"<html><body><pre>{html.escape(line)}</pre></body></html>"
    assert leaks.leaks(page) == [line]
    assert leaks.leaks("<html><body><p>nothing here</p></body></html>") == []


def test_importing_the_checks_helpers_is_refused():
    """The visible checks compute expected answers and named mistakes on public inputs; a notebook
    may take its check functions from them, never the helpers (a graded function built from them
    is the course's code, not the learner's)."""
    from rnncourse.grading.notebook import CodeCell
    from rnncourse.grading.runner import tampering_message

    def refused(code):
        return tampering_message([CodeCell(1, code, None)])

    assert not refused("from rnncourse.checks import selfcheck\n"
                       "from rnncourse.checks.lstm_gates import (check_sigmoid, check_forget_gate)")
    for code in ("from rnncourse.checks.other_architectures import peephole_cell",
                 "import rnncourse.checks.lstm_gates as lg", "from rnncourse import checks",
                 "from rnncourse.checks import lstm_gates"):
        assert "the course's checks" in refused(code), code


# --- the sandbox holds without the code scan ------------------------------------------------------
CODE_SCAN_ONLY = "code-scan"  # a variant's header `-> code-scan`: its hostile lines compute the answers


def refused_by_the_code_scan(assignment: str, variant) -> bool:
    from rnncourse.grading.notebook import learner_code
    from rnncourse.grading.runner import tampering_message

    return bool(tampering_message(learner_code(submissions.make(assignment, variant.code, base="blank"))))


# the variants the code scan refuses (those whose attack computes the answers itself left out)
UNSCANNED = [(a, v) for a in HOSTILE for v in corpus(a, "hostile")
             if CODE_SCAN_ONLY not in v.expect and refused_by_the_code_scan(a, v)]


@pytest.fixture(scope="module")
def unscanned(tmp_path_factory):
    """Those variants graded as if there were no code scan: the sandbox, the stand-ins and the
    replays must hold on their own."""
    from rnncourse.grading.batch import grade_many

    out = {}
    for assignment in HOSTILE:
        chosen = [(v.name, submissions.write(submissions.make(assignment, v.code, base="blank"),
                                             tmp_path_factory.mktemp("unscanned") / f"{assignment}.ipynb",
                                             course.reference_files(assignment)))
                  for a, v in UNSCANNED if a == assignment]
        records = grade_many([p for _, p in chosen], assignment, jobs=2, code_scan=False) if chosen else []
        out.update({(assignment, name): record for (name, _), record in zip(chosen, records)})
    return out


@pytest.mark.parametrize("assignment,name", [(a, v.name) for a, v in UNSCANNED],
                         ids=[f"{a}-{v.name}" for a, v in UNSCANNED])
def test_without_the_code_scan_hostile_work_still_scores_no_more(batches, unscanned, assignment, name):
    from rnncourse.grading.records import total

    record = unscanned[(assignment, name)]
    honest_total = batches[assignment]["totals"][f"honest-{name}"]
    assert total(record)[0] <= honest_total + 1e-9, (name, record["functions"])
    assert not leaks.leaks(json.dumps(record), Path(record["notebook"]))
    assert not Path("/tmp/hostile-was-here").exists()
