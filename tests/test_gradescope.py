"""The standalone grader and Gradescope's results.json."""

import json
import subprocess
import sys

from rnncourse import submissions

A = "04_sequence_batching"


def test_gradescope_results_for_a_partial_submission(tmp_path):
    code = "def build_vocab(text):\n    chars = sorted(set(text))\n" \
           "    return dict(enumerate(chars)), {c: i for i, c in enumerate(chars)}\n"
    sub = tmp_path / "submission"
    submissions.write(submissions.make(A, code, base="blank"), sub / f"{A}.ipynb")
    results = tmp_path / "results" / "results.json"
    proc = subprocess.run([sys.executable, "-m", "rnncourse.grading", "gradescope", "--submission", str(sub),
                           "--results", str(results)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(results.read_text())
    tests = {t["name"]: t for t in out["tests"]}
    assert tests["build_vocab"]["score"] == tests["build_vocab"]["max_score"] == 1
    assert tests["get_batches"]["score"] == 0 and "not implemented" in tests["get_batches"]["output"]
    assert out["score"] == 1
    assert all(set(t) >= {"name", "score", "max_score", "output"} for t in out["tests"])


def test_gradescope_without_a_notebook_says_so(tmp_path):
    results = tmp_path / "results.json"
    subprocess.run([sys.executable, "-m", "rnncourse.grading", "gradescope", "--submission", str(tmp_path),
                    "--results", str(results), "--assignment", A], check=True, timeout=120)
    out = json.loads(results.read_text())
    assert out["score"] == 0 and "No notebook" in out["output"]


def test_grade_command_writes_a_result_record(tmp_path):
    nb = submissions.write(submissions.make(A), tmp_path / f"{A}.ipynb")
    record_path = tmp_path / "record.json"
    subprocess.run([sys.executable, "-m", "rnncourse.grading", "grade", str(nb), "--json", str(record_path),
                    "--quiet"], check=True, timeout=600)
    record = json.loads(record_path.read_text())
    assert record["sandbox"] == "bwrap" and record["error"] is None
    for function, entry in record["functions"].items():
        assert entry["score"] == entry["points"] > 0, function
        assert entry["checks"] and all(c["passed"] for c in entry["checks"])
