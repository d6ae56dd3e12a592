"""A class graded in parallel (``make autograde``): locally by default, on a real Dask cluster
when asked, with the same grades as nbgrader's serial path and nothing lost to a dead worker.

One class of 12 realistic 02 submissions (reference, blank, demo learners, corpus variants)
is graded serially by ``nbgrader autograde`` (today's path) in one course root, and by
``rnncourse.grading.classgrade`` in another: on local workers, again unchanged, after one
learner resubmits, and forced on a ``dask scheduler`` with two ``dask worker`` processes of
which one is killed mid-batch.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from classes import dask_cluster, gradebook_scores, make_class, nbgrader_course
from conftest import make_course_root

from rnncourse import demo, submissions
from rnncourse.grading import records, report
from rnncourse.grading.notebook import is_test_cell

A = "02_lstm_gates"
SIZE = 12


def classgrade(root: Path, *args: str, timeout: float = 1200) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rnncourse.grading.classgrade", A, *args], cwd=root,
                          capture_output=True, text=True, timeout=timeout)


def feedback_outputs(root: Path, student: str) -> list[str]:
    """The grader's text in each test cell of a learner's autograded notebook."""
    nb = json.loads((root / "autograded" / student / A / f"{A}.ipynb").read_text())
    return ["".join(o.get("text", "")) for c in nb["cells"] if is_test_cell(c) for o in c.get("outputs", [])]


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    root = nbgrader_course(tmp_path_factory.mktemp("serial"), A, make_course_root)
    students = make_class(root, A, SIZE)
    demo.nbgrader(root, "autograde", A, "--log-level=WARN", check=False)
    return {"root": root, "students": students, "scores": gradebook_scores(root, A)}


@pytest.fixture(scope="module")
def parallel(serial, tmp_path_factory):
    root = nbgrader_course(tmp_path_factory.mktemp("parallel"), A, make_course_root)
    make_class(root, A, SIZE)
    started = time.monotonic()
    proc = classgrade(root)
    return {"root": root, "proc": proc, "seconds": time.monotonic() - started,
            "scores": gradebook_scores(root, A)}


def test_the_class_gets_the_serial_grades(serial, parallel):
    proc = parallel["proc"]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert len(parallel["scores"]) == SIZE
    assert parallel["scores"] == serial["scores"]
    assert "graded by nbgrader itself" not in proc.stdout, proc.stdout  # every record came from a worker
    # the score table, and a progress bar with the time left
    for student in serial["students"]:
        assert any(line.startswith(student) and f"{serial['scores'][student]:.2f}" in line
                   for line in proc.stdout.splitlines()), proc.stdout
    assert "notebook/s" in proc.stderr or "s/notebook" in proc.stderr


def test_autograded_notebooks_and_records_are_as_nbgrader_writes_them(serial, parallel):
    root = parallel["root"]
    for student in serial["students"]:
        assert feedback_outputs(root, student) == feedback_outputs(serial["root"], student), student
        kept = records.read(root / "autograded" / student / A, A)
        assert kept and kept["key"] and kept["student"] == student
        serial_kept = records.read(serial["root"] / "autograded" / student / A, A)
        assert serial_kept["key"] == kept["key"], "the serial path and the parallel one key differently"
    feedback = demo.nbgrader(root, "generate_feedback", A, "--log-level=WARN", check=False)
    assert feedback.returncode == 0, feedback.stderr[-2000:]
    pages = list((root / "feedback").glob(f"*/{A}/*"))
    assert len([p for p in pages if p.suffix == ".html"]) == SIZE
    assert not [p for p in pages if p.name.endswith(records.SUFFIX)], "records are the course's, not feedback"
    export = demo.nbgrader(root, "export", "--log-level=WARN", check=False)
    assert export.returncode == 0 and len((root / "grades.csv").read_text().splitlines()) == SIZE + 1


def test_a_rerun_grades_only_what_changed(serial, parallel):
    root = parallel["root"]
    again = classgrade(root)
    assert again.returncode == 0 and f"0 graded, {SIZE} unchanged" in again.stdout, again.stdout
    # one learner resubmits: the blank release instead of the reference
    student = serial["students"][0]
    submissions.write(submissions.make(A, base="blank"), root / "submitted" / student / A / f"{A}.ipynb")
    changed = classgrade(root)
    assert changed.returncode == 0 and f"1 graded, {SIZE - 1} unchanged" in changed.stdout, changed.stdout
    assert gradebook_scores(root, A)[student] == 0.0
    # a grade lost from the gradebook is graded again, though its record is kept
    from nbgrader.api import Gradebook

    lost = serial["students"][1]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        gb.remove_submission(A, lost)
    regraded = classgrade(root)
    assert regraded.returncode == 0 and f"1 graded, {SIZE - 1} unchanged" in regraded.stdout, regraded.stdout
    assert lost in gradebook_scores(root, A)
    parallel["scores"] = gradebook_scores(root, A)


def test_the_report_reads_the_kept_records(parallel, tmp_path):
    png = tmp_path / "report.png"
    out = subprocess.run([sys.executable, "-m", "rnncourse.grading.report", A, "--root", str(parallel["root"]),
                          "--png", str(png)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    kept = list(records.kept(parallel["root"], A).values())
    assert len(kept) == SIZE
    row = report.functions(kept)["lstm_cell"]
    full = sum(f >= 1 for f in row["fractions"])
    assert f"lstm_cell (2 points): {full} full marks, {row['missing']} left undone, " \
           f"{row['mistaken']} with mistakes" in out.stdout, out.stdout
    assert row["missing"] >= 1  # the blank release
    _, top_test, count, _ = report.mistakes(kept)[0]
    assert f"{count:>4}  {top_test}" in out.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


def test_on_a_dask_cluster_a_killed_worker_loses_nothing(serial, parallel, tmp_path):
    """Forced regrading on a real scheduler and two workers; one worker is killed mid-batch."""
    root = parallel["root"]
    before = {s: records.read(root / "autograded" / s / A, A)["key"] for s in serial["students"]}
    with dask_cluster(tmp_path) as cluster:
        started = time.time()
        proc = subprocess.Popen([sys.executable, "-m", "rnncourse.grading.classgrade", A, "--force",
                                 "--scheduler", cluster.address], cwd=root, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 600
        done = 0
        while done < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
            done = sum(1 for s in serial["students"]
                       if (p := records.record_path(root / "autograded" / s / A, A)).exists()
                       and p.stat().st_mtime > started)
        assert done < SIZE, "the batch ended before a worker could be killed"
        cluster.kill_worker(1)
        out, err = proc.communicate(timeout=1200)
        assert cluster.live_workers() == 1
    assert proc.returncode == 0, out[-3000:] + err[-3000:]
    assert f"{SIZE} graded, 0 unchanged, 0 failed" in out, out
    assert "graded by nbgrader itself" not in out, out  # the lost tasks ran on the other worker
    assert gradebook_scores(root, A) == parallel["scores"]
    import sqlite3

    db = sqlite3.connect(root / "gradebook.db")
    assert db.execute("SELECT count(*) FROM submitted_assignment").fetchone()[0] == SIZE  # none twice
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    after = {s: records.read(root / "autograded" / s / A, A)["key"] for s in serial["students"]}
    assert after == before


def test_a_worker_without_the_sandbox_grades_nothing(parallel, tmp_path, monkeypatch):
    """Workers that cannot sandbox stop the batch with a clear error; no grade is written."""
    root = parallel["root"]
    db_before = (root / "gradebook.db").read_bytes()
    monkeypatch.setenv("PATH", "/nonexistent-bin")  # no bwrap for the workers
    monkeypatch.delenv("COURSE_SANDBOX", raising=False)
    proc = classgrade(root, "--force", "--workers", "1")
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "cannot grade" in proc.stdout and "bubblewrap" in proc.stdout.lower(), proc.stdout
    assert (root / "gradebook.db").read_bytes() == db_before


def test_the_local_cluster_takes_only_its_own_clients():
    """The default cluster's scheduler (which runs whatever it is sent) speaks TLS with
    certificates made for the run: another user of the machine cannot submit to it."""
    from distributed import Client
    from distributed.security import Security

    from rnncourse.grading.classgrade import cluster

    with cluster(None, 1) as client:
        address = client.scheduler.address
        assert address.startswith("tls://127.0.0.1:"), address
        assert client.submit(sum, [1, 2]).result(timeout=60) == 3
        # certificates of its own (another authority), or none: the scheduler closes the connection
        for stranger, security in ((address, Security.temporary()), (address.replace("tls://", "tcp://"), None)):
            with pytest.raises(OSError):
                Client(stranger, security=security, timeout="5s").close()


def test_an_assignment_missing_from_the_gradebook_is_named(tmp_path):
    root = make_course_root(tmp_path / "course")
    make_class(root, A, 1)
    proc = classgrade(root)
    assert proc.returncode == 2, proc.stdout + proc.stderr[-2000:]
    assert f"nbgrader generate_assignment {A}" in proc.stdout
    assert not (root / "autograded").exists()
