"""The Gradescope bundle: what it holds, what its setup.sh does (read, not run: it needs apt and
the network), and its run_autograder grading submissions under a stand-in /autograder."""

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from environments import linked_environment, purelib

from rnncourse import course, submissions
from rnncourse.grading import notebook as nbfile
from rnncourse.grading.gradescope import VISIBILITY, WRITTEN_TEST
from rnncourse.lms import gradescope_bundle as gradescope

A = "04_sequence_batching"
VISIBLE = "after_due_date"
ANSWER = "Rows must be contiguous streams, or the carried hidden state belongs to other text."
TOP_FIELDS = {"score", "execution_time", "output", "output_format", "test_output_format",
              "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
TEST_FIELDS = {"score", "max_score", "status", "name", "name_format", "number", "output",
               "output_format", "tags", "visibility", "extra_data"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("build") / f"{A}.zip"
    assert gradescope.main([A, "--visibility", VISIBLE, "--out", str(out)]) == 0
    return out


def unzip(bundle: Path, dest: Path) -> None:
    """As Gradescope's unzip does: with each file's mode."""
    with zipfile.ZipFile(bundle) as zf:
        for info in zf.infolist():
            Path(zf.extract(info, dest)).chmod(info.external_attr >> 16 & 0o777)


def stand_in_venv(venv: Path, source: Path) -> dict:
    """What setup.sh makes, without the network: the grading packages in ``venv`` and the course
    in ``source`` on its path, as setup.sh's .pth puts it."""
    env = linked_environment(venv)
    (purelib(venv / "bin" / "python") / "rnncourse-course.pth").write_text(f"{source}\n")
    return env


@pytest.fixture(scope="module")
def autograder(bundle, tmp_path_factory) -> tuple[Path, dict]:
    """A stand-in /autograder: source/ unzipped from the bundle, venv/ as setup.sh leaves it."""
    root = tmp_path_factory.mktemp("autograder")
    unzip(bundle, root / "source")
    env = stand_in_venv(root / "venv", root / "source")
    return root, {**os.environ, **env, "AUTOGRADER_ROOT": str(root)}


def test_the_bundle_holds_what_grading_reads_and_nothing_else(bundle):
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
    package = sorted(p.relative_to(course.ROOT).as_posix() for p in (course.ROOT / "rnncourse").rglob("*.py")
                     if "__pycache__" not in p.parts)
    assert sorted(names) == sorted([
        "setup.sh", "run_autograder", "requirements.txt", "README.md", *package,
        "autograder/conftest.py", f"autograder/test_{A}.py", "solutions/__init__.py",
        "solutions/sequence_batching.py", f"release/{A}/{A}.ipynb", "data/anna.txt"])
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert not any(n.startswith(("tests/", "demo/", "solutions/walkthroughs", "solutions/checkpoints", ".git"))
                   for n in names)


def test_the_time_limits_are_the_instructors(tmp_path):
    out = tmp_path / f"{A}.zip"
    assert gradescope.main([A, "--out", str(out), "--cell-timeout", "300", "--call-timeout", "90"]) == 0
    script = zipfile.ZipFile(out).read("run_autograder").decode()
    assert "--cell-timeout 300 --call-timeout 90" in script
    run = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True)
    assert run.returncode == 0, run.stderr


def test_requirements_are_the_courses_pins_with_cpu_torch(bundle):
    with zipfile.ZipFile(bundle) as zf:
        pins = zf.read("requirements.txt").decode().split()
        setup = zf.read("setup.sh").decode()
        readme = zf.read("README.md").decode()
    ours = (course.ROOT / "requirements.txt").read_text().split()
    assert set(pins) <= set(ours)
    assert [p.split("==")[0] for p in pins] == list(gradescope.GRADING_PACKAGES)
    # torch alone from PyTorch's CPU index, at requirements.txt's version, before the rest
    torch_line = next(line for line in setup.splitlines() if "--index-url" in line)
    assert gradescope.TORCH_CPU_INDEX in torch_line and "^torch==" in torch_line
    assert setup.index(torch_line) < setup.index('-r "$SOURCE/requirements.txt"')
    assert "apt-get install -y -qq bubblewrap" in setup and "python3.11" in setup
    assert "==" not in setup.replace("'^torch=='", "")  # no version written here
    with zipfile.ZipFile(bundle) as zf:
        for script in ("setup.sh", "run_autograder"):
            assert subprocess.run(["bash", "-n"], input=zf.read(script), capture_output=True).returncode == 0
    written = sum(q.points for q in gradescope.questions(A))
    assert written == 5 and "manual question" in readme and f"worth {written:g} points" in readme


def reference_with_an_answer() -> dict:
    nb = submissions.make(A)
    cell = next(c for c in nb["cells"] if nbfile.nbgrader_metadata(c).get("grade_id") == "written_contiguous_rows")
    cell["source"] = ANSWER
    return nb


def submit(submission: Path, case: str) -> None:
    if case == "reference":
        submissions.write(reference_with_an_answer(), submission / f"{A}.ipynb")
    elif case == "blank":
        submissions.write(submissions.make(A, None, base="blank"), submission / f"{A}.ipynb")
    elif case == "broken":
        (submission / f"{A}.ipynb").write_text('{"cells": [ {"cell_type": "code", ')
    elif case == "misnamed":
        submissions.write(submissions.make(A), submission / "my_work.ipynb")


def check_fields(out: dict) -> None:
    """results.json as Gradescope's specification describes it."""
    assert set(out) <= TOP_FIELDS
    assert isinstance(out["score"], (int, float)) and isinstance(out["output"], str)
    assert out["visibility"] == VISIBLE and out["stdout_visibility"] in VISIBILITY
    assert out["output_format"] in FORMATS and isinstance(out["tests"], list) and out["tests"]
    for test in out["tests"]:
        assert set(test) <= TEST_FIELDS, test["name"]
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert 0 <= test["score"] <= test["max_score"] and test["status"] in {"passed", "failed"}
        assert test["visibility"] == VISIBLE and test.get("output_format", "text") in FORMATS


@pytest.mark.parametrize("case", ["reference", "blank", "broken", "misnamed"])
def test_run_autograder_writes_gradescope_results(autograder, case):
    root, env = autograder
    submission, results = root / "submission", root / "results" / "results.json"
    for folder in (submission, results.parent):
        shutil.rmtree(folder, ignore_errors=True)
    submission.mkdir()
    submit(submission, case)
    # started inside the submission folder, as a careless harness might: it leaves for / first
    proc = subprocess.run([root / "source" / "run_autograder"], cwd=submission, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(results.read_text())
    check_fields(out)
    graded = [t for t in out["tests"] if t["name"] != WRITTEN_TEST]
    written = next(t for t in out["tests"] if t["name"] == WRITTEN_TEST)
    assert written["max_score"] == 0 and written["output_format"] == "md"
    assert "5 points, graded by hand" in written["output"]
    points = sum(t.points for t in nbfile.graded_tests(nbfile.load(course.notebook("release", A))))
    if case == "reference":
        assert out["score"] == points == sum(t["max_score"] for t in graded) == 12
        assert all(t["status"] == "passed" for t in graded)
        assert f"> {ANSWER}" in written["output"] and "*(no answer)*" in written["output"]
        assert out["extra_data"]["sandbox"] == "bwrap"
        assert "graded by hand in a separate question" in out["output"]
    elif case == "blank":
        assert out["score"] == 0 and sum(t["max_score"] for t in graded) == points
        assert all(t["status"] == "failed" for t in graded)
    elif case == "broken":
        assert out["score"] == 0 and "not valid notebook JSON" in out["output"]
        assert "could not be read" in written["output"]
    else:
        assert out["score"] == 0 and f"No notebook named {A}.ipynb" in out["output"]
        assert "my_work.ipynb" in out["output"]
