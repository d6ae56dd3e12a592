"""The console command ``rnncourse``: every command listed, each one's own help, and real runs
through it (the self-check, the grader in isolated mode, autograde stopping at intake)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rnncourse import course
from rnncourse.cli import COMMANDS

RNNCOURSE = Path(sys.executable).parent / "rnncourse"  # installed with the package (pyproject.toml)


def rnncourse(*args: str, cwd: Path = course.ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(RNNCOURSE), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_help_lists_every_command():
    proc = rnncourse("--help")
    assert proc.returncode == 0, proc.stderr
    listed = [line.split()[0] for line in proc.stdout.splitlines() if line.startswith("  ")]
    assert listed == list(COMMANDS)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_command_shows_its_own_help(command):
    proc = rnncourse(command, "--help")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("usage:") and "rnncourse COMMAND" not in proc.stdout


def test_an_unknown_command_exits_2_with_the_list():
    proc = rnncourse("grade-everything")
    assert proc.returncode == 2
    assert "unknown command 'grade-everything'" in proc.stderr
    assert all(name in proc.stderr for name in COMMANDS)


def test_selfcheck_of_a_blank_release_notebook():
    assignment = "04_sequence_batching"
    proc = rnncourse("selfcheck", str(course.notebook("release", assignment)))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"build_vocab +todo: not implemented yet", proc.stdout), proc.stdout
    assert "0 of 7 functions pass their visible checks" in proc.stdout


def test_the_grader_never_imports_from_the_current_folder(tmp_path):
    # a learner's pytest.py beside their notebook must not replace the grader's pytest
    (tmp_path / "pytest.py").write_text("raise SystemExit('the folder’s pytest.py was imported')\n")
    proc = rnncourse("grade", "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "python -m rnncourse.grading grade" in proc.stdout


def test_autograde_stops_when_intake_refuses(tmp_path):
    assignment = "04_sequence_batching"
    folder = tmp_path / "submitted" / "learner" / assignment
    folder.mkdir(parents=True)
    os.symlink("/etc/passwd", folder / "data.txt")
    proc = rnncourse("autograde", assignment, "--root", str(tmp_path), "--workers", "1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "REFUSED submitted/learner/04_sequence_batching/data.txt" in proc.stdout
    assert "gradebook" not in proc.stdout + proc.stderr  # classgrade never started
    assert not (tmp_path / "gradebook.db").exists()


def test_batch_writes_one_record_per_notebook_in_order(tmp_path):
    """``rnncourse batch`` grades notebooks side by side; each record is named for its place."""
    import json

    from rnncourse import submissions
    from rnncourse.grading.records import total

    assignment = "04_sequence_batching"
    paths = [submissions.write(submissions.make(assignment, base=base), tmp_path / base / f"{assignment}.ipynb")
             for base in ("blank", "reference", "blank")]
    proc = rnncourse("batch", "--assignment", assignment, "--out", str(tmp_path / "records"), *map(str, paths))
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = [json.loads((tmp_path / "records" / f"{i:05d}.json").read_text()) for i in range(3)]
    assert [r["notebook"] for r in found] == [str(p) for p in paths]
    scores = [total(r) for r in found]
    assert scores[1][0] == scores[1][1] > 0 and scores[0][0] == scores[2][0] == 0, scores
