"""Learners' self-check: one line per graded function, and never a change to their file."""

import subprocess
import sys

import pytest

from rnncourse import course, submissions
from rnncourse.selfcheck import selfcheck

A = "04_sequence_batching"


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
