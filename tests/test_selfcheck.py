"""Learners' self-check: one line per graded function, and never a change to their file; for the
project, what the grade will make of the trained model beside the notebook."""

import re
import subprocess
import sys

import pytest
from test_trained_checkpoint import undertrained_checkpoint

from rnncourse import checks, course, submissions
from rnncourse.helpers.anna_karnna import CHECKPOINT_NAME, novel_validation
from rnncourse.selfcheck import selfcheck
from solutions import anna_karnna as ref

A = "04_sequence_batching"
P = "05_anna_karnna"


@pytest.fixture
def notebook(tmp_path):
    def make(code=None, base="reference"):
        return submissions.write(submissions.make(A, code, base=base), tmp_path / A / f"{A}.ipynb")
    return make


def test_reference_passes_every_check(notebook):
    status, text = selfcheck(notebook())
    assert status == 0, text
    assert text.count("✓") == 7 and "7 of 7" in text


def test_blank_release_lists_every_function_as_todo():
    status, text = selfcheck(course.notebook("release", A))
    assert status == 1 and "0 of 7" in text and text.count("not implemented yet") == 7


def test_a_mistake_is_named(notebook):
    code = ("def get_batches(arr, batch_size, seq_length):\n"
            "    n = len(arr) // (batch_size * seq_length)\n"
            "    arr = arr[: n * batch_size * seq_length].reshape((batch_size, -1))\n"
            "    for i in range(0, arr.shape[1], seq_length):\n"
            "        yield arr[:, i:i + seq_length], arr[:, i:i + seq_length]\n")
    status, text = selfcheck(notebook(code))
    assert status == 1
    line = next(ln for ln in text.splitlines() if "get_batches" in ln)
    assert "✗" in line and "shifted by one" in line


def test_broken_notebook_gets_a_clear_message_and_is_not_touched(tmp_path):
    path = tmp_path / f"{A}.ipynb"
    broken = '{"cells": [{"cell_type": "code", "source": "def encode(t'
    path.write_text(broken)
    status, text = selfcheck(path)
    assert status == 2 and "not valid notebook JSON" in text and "not changed" in text
    assert path.read_text() == broken


def test_command_line(notebook):
    proc = subprocess.run([sys.executable, "-m", "rnncourse.selfcheck", str(notebook())],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "7 of 7" in proc.stdout


def measured(text: str) -> float:
    return float(re.search(r"validation loss (\d+\.\d{3}) nats/char", text).group(1))


def test_project_reports_the_trained_model(tmp_path):
    path = submissions.write(submissions.make(P), tmp_path / P / f"{P}.ipynb", course.reference_files(P))
    status, text = selfcheck(path)
    assert status == 0, text
    assert 1.28 < measured(text) < 1.30 and "≤2.00 ✓, ≤1.75 ✓, ≤1.60 ✓" in text, text
    assert f"✓ {CHECKPOINT_NAME} loads into your CharRNN" in text, text


def test_notebook_cell_says_the_checkpoint_is_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the kernel's working directory: the notebook's folder
    checks.selfcheck(P, {"CharRNN": ref.CharRNN})
    assert f"✗ {CHECKPOINT_NAME}: there is none next to the notebook" in capsys.readouterr().out


def beside(folder):
    """(all thresholds reached, text): the self-check's report on the checkpoint in ``folder``
    (read as the self-check reads it), loaded into the reference CharRNN."""
    return checks.run_report(P, {"CharRNN": ref.CharRNN}, checks.read_beside(P, folder))


def test_an_undertrained_model_is_measured_below_the_thresholds(tmp_path):
    loss = undertrained_checkpoint(tmp_path / CHECKPOINT_NAME)
    ok, text = beside(tmp_path)
    assert not ok and abs(measured(text) - loss) < 2e-3 and "≤2.00 ✗, ≤1.75 ✗, ≤1.60 ✗" in text, text


def test_a_link_in_place_of_the_checkpoint_is_not_read(tmp_path):
    (tmp_path / CHECKPOINT_NAME).symlink_to(course.reference_files(P)[0])
    ok, text = beside(tmp_path)
    assert not ok and "symbolic link" in text and "validation loss" not in text, text


def test_a_model_the_grade_does_not_score_is_refused_as_the_grade_refuses_it(tmp_path):
    chars, _ = novel_validation()
    ref.save_checkpoint(ref.CharRNN(chars, n_hidden=16, n_layers=4), tmp_path / CHECKPOINT_NAME)
    ok, text = beside(tmp_path)
    assert not ok and "4 x 16 LSTM" in text and "1 to 3 layers" in text and "validation loss" not in text, text
