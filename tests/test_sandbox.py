"""The sandbox a learner's code runs in: what it can and cannot do."""

import os
import time

import numpy as np
import pytest

from rnncourse import course
from rnncourse.grading import sandbox
from rnncourse.grading.notebook import CodeCell
from rnncourse.grading.session import LearnerError, LearnerSession

PROBE = '''
import os, socket
from pathlib import Path
ROOT = Path("%s")

def uid():
    return os.getuid()

def can_read(path):
    try:
        Path(path).read_bytes()
        return True
    except OSError:
        return False

def can_write(path):
    try:
        Path(path).write_text("x")
        return True
    except OSError:
        return False

def connect(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return "connected"
    except OSError as exc:
        return type(exc).__name__

def processes():
    return sorted(int(p) for p in os.listdir("/proc") if p.isdigit())

def allocate(gib):
    return len(bytearray(gib * 2**30))

def spin():
    while True:
        pass

def die():
    os._exit(7)
''' % course.ROOT


@pytest.fixture(scope="module")
def session():
    s = LearnerSession([CodeCell(0, PROBE, None)], call_timeout=10)
    s.start()
    yield s
    s.close()


def test_bubblewrap_is_used():
    assert sandbox.mode() == "bwrap", "bubblewrap is missing: `make install` installs it as root"


def test_runs_as_an_unprivileged_user(session):
    assert session.call("uid") != 0


def test_cannot_read_hidden_tests_solutions_source_or_gradebook(session):
    for part in ("autograder/test_04_sequence_batching.py", "solutions/sequence_batching.py",
                 "source/04_sequence_batching/04_sequence_batching.ipynb", "course_config.py"):
        assert (course.ROOT / part).exists()
        assert session.call("can_read", str(course.ROOT / part)) is False, part


def test_can_read_the_course_package_and_data(session):
    assert session.call("can_read", str(course.ROOT / "rnncourse" / "checks" / "__init__.py"))
    assert session.call("can_read", str(course.ROOT / "data" / "anna.txt"))


def test_cannot_write_outside_its_private_tmp(session):
    assert session.call("can_write", "/tmp/inside-only")
    assert not os.path.exists("/tmp/inside-only")
    for path in (course.ROOT / "course_config.py", course.ROOT / "rnncourse" / "x.py", "/etc/passwd"):
        assert session.call("can_write", str(path)) is False, path


def test_has_no_network(session):
    assert session.call("connect", 22) != "connected"


def test_sees_only_its_own_processes(session):
    assert max(session.call("processes")) < 100


def test_memory_is_limited(session):
    with pytest.raises(LearnerError, match="MemoryError|stopped"):
        session.call("allocate", 64)


def test_an_endless_loop_is_stopped_and_the_session_recovers(session):
    started = time.monotonic()
    with pytest.raises(LearnerError, match="did not finish"):
        session.call("spin", timeout=3)
    assert time.monotonic() - started < 30
    assert session.call("uid") != 0  # a fresh worker answers the next call


def test_a_dying_process_fails_one_call_only(session):
    with pytest.raises(LearnerError, match="stopped the Python process"):
        session.call("die")
    assert np.array_equal(session.call("can_read", "/nonexistent"), False)


def test_a_cell_that_hangs_is_skipped_and_later_cells_still_run():
    cells = [CodeCell(0, "x = 1\n", None), CodeCell(1, "while True:\n    pass\n", None),
             CodeCell(2, "def f():\n    return x + 1\n", None)]
    s = LearnerSession(cells, cell_timeout=3)
    try:
        report = s.start()
        assert 1 in report.skipped and s.call("f") == 2
    finally:
        s.close()
