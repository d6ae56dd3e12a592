"""The standalone grader and the Gradescope entry: results.json, and what it refuses."""

import json
import os
import subprocess
import sys
from pathlib import Path

from rnncourse import submissions

A = "04_sequence_batching"
VOCAB = ("def build_vocab(text):\n    chars = sorted(set(text))\n"
         "    return dict(enumerate(chars)), {c: i for i, c in enumerate(chars)}\n")


def gradescope(sub: Path, results: Path, *extra, cwd="/", env=None, assignment=A):
    args = [sys.executable, "-m", "rnncourse.grading", "gradescope", "--submission", str(sub),
            "--results", str(results)]
    args += ["--assignment", assignment] if assignment else []
    return subprocess.run(args + list(extra), capture_output=True, text=True, timeout=600, cwd=cwd,
                          env={**os.environ, **(env or {})})


def partial(folder: Path, name: str = f"{A}.ipynb") -> Path:
    return submissions.write(submissions.make(A, VOCAB, base="blank"), folder / name)


def test_gradescope_results_for_a_partial_submission(tmp_path):
    sub = tmp_path / "submission"
    partial(sub)
    results = tmp_path / "results" / "results.json"
    proc = gradescope(sub, results)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(results.read_text())
    tests = {t["name"]: t for t in out["tests"]}
    assert tests["build_vocab"]["score"] == tests["build_vocab"]["max_score"] == 1
    assert tests["get_batches"]["score"] == 0 and "not implemented" in tests["get_batches"]["output"]
    assert out["score"] == 1
    assert all(set(t) >= {"name", "score", "max_score", "output"} for t in out["tests"])
    # the sandbox it ran in is stated, for the instructor and the learner
    assert out["extra_data"]["sandbox"] == "bwrap" and "bwrap sandbox" in out["output"]
    assert out["extra_data"]["bounds"]["tmp_mb"]


def test_the_time_limits_are_the_instructors(tmp_path):
    """A cell that never ends is skipped after --cell-timeout seconds; the work before it counts."""
    sub = tmp_path / "submission"
    submissions.write(submissions.make(A, "# -- cell build_vocab\n" + VOCAB + "# -- cell encode\nwhile True:\n    pass\n",
                                         base="blank"), sub / f"{A}.ipynb")
    results = tmp_path / "results.json"
    proc = gradescope(sub, results, "--cell-timeout", "3", "--call-timeout", "5")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(results.read_text())
    assert out["score"] == 1
    assert "was skipped: it ran longer than 3 s" in out["output"], out["output"]


def test_the_assignment_must_be_named(tmp_path):
    partial(tmp_path / "submission")
    proc = gradescope(tmp_path / "submission", tmp_path / "results.json", assignment=None)
    assert proc.returncode != 0 and "--assignment" in proc.stderr
    assert not (tmp_path / "results.json").exists()


def test_only_the_assignments_own_notebook_is_graded(tmp_path):
    """A notebook of another assignment, or under another name, is not graded in this slot."""
    sub = tmp_path / "submission"
    partial(sub, "my_work.ipynb")
    submissions.write(submissions.make("03_other_architectures"), sub / "03_other_architectures.ipynb")
    results = tmp_path / "results.json"
    proc = gradescope(sub, results, assignment="01_rnn_vs_lstm")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(results.read_text())
    assert out["score"] == 0 and "01_rnn_vs_lstm.ipynb" in out["output"]
    assert "03_other_architectures.ipynb" in out["output"]  # says what it found instead


def test_nothing_in_the_submission_folder_is_imported(tmp_path):
    """A pytest.py (or numpy.py) beside the notebook is data: run from inside the folder the entry
    refuses to start; run from elsewhere it grades the notebook as written."""
    sub = tmp_path / "submission"
    partial(sub)
    for name in ("pytest.py", "numpy.py", "sitecustomize.py"):
        (sub / name).write_text("import sys\nprint('IMPORTED FROM THE SUBMISSION')\nmain = lambda *a, **k: 0\n")
    results = tmp_path / "results.json"
    inside = gradescope(sub, results, cwd=sub)
    assert inside.returncode != 0 and "inside the submission" in inside.stderr + inside.stdout
    assert not results.exists()
    outside = gradescope(sub, results, cwd=sub.parent)
    assert outside.returncode == 0, outside.stderr[-2000:]
    assert "IMPORTED FROM THE SUBMISSION" not in outside.stdout + outside.stderr
    assert json.loads(results.read_text())["score"] == 1


def test_a_linked_notebook_is_not_graded(tmp_path):
    from rnncourse import course

    sub = tmp_path / "submission"
    sub.mkdir()
    (sub / f"{A}.ipynb").symlink_to(course.notebook("source", A))
    results = tmp_path / "results.json"
    assert gradescope(sub, results).returncode == 0
    out = json.loads(results.read_text())
    assert out["score"] == 0 and "symbolic link" in out["output"]


def fake_bwrap(folder: Path) -> dict:
    """An environment in which bubblewrap is found but cannot run (a container without user
    namespaces behaves so)."""
    folder.mkdir()
    (folder / "bwrap").write_text("#!/bin/sh\nexit 1\n")
    (folder / "bwrap").chmod(0o755)
    return {"PATH": f"{folder}:{os.environ['PATH']}"}


def test_without_bubblewrap_it_stops_unless_told(tmp_path):
    sub = tmp_path / "submission"
    partial(sub)
    env = fake_bwrap(tmp_path / "bin")
    results = tmp_path / "results.json"
    proc = gradescope(sub, results, env=env)
    assert proc.returncode != 0 and "bubblewrap" in proc.stderr
    out = json.loads(results.read_text())
    assert out["score"] == 0 and "not set up correctly" in out["output"] and "COURSE_SANDBOX=rlimit" in out["output"]
    proc = gradescope(sub, results, env={**env, "COURSE_SANDBOX": "rlimit"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(results.read_text())
    assert out["score"] == 1 and out["extra_data"]["sandbox"] == "rlimit" and "rlimit sandbox" in out["output"]


def test_gradescope_without_a_notebook_says_so(tmp_path):
    results = tmp_path / "results.json"
    gradescope(tmp_path, results, cwd="/")
    out = json.loads(results.read_text())
    assert out["score"] == 0 and "No notebook" in out["output"]


def test_grade_command_writes_a_result_record(tmp_path):
    nb = submissions.write(submissions.make(A), tmp_path / f"{A}.ipynb")
    record_path = tmp_path / "record.json"
    subprocess.run([sys.executable, "-I", "-m", "rnncourse.grading", "grade", str(nb), "--json",
                    str(record_path), "--quiet"], check=True, timeout=600)
    record = json.loads(record_path.read_text())
    assert record["sandbox"] == "bwrap" and record["error"] is None
    for function, entry in record["functions"].items():
        assert entry["score"] == entry["points"] > 0, function
        assert entry["checks"] and all(c["passed"] for c in entry["checks"])
