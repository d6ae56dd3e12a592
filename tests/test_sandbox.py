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


# --- every resource of the sandbox is bounded ---------------------------------------------------
FILLERS = '''
import os, subprocess, time

def fill_tmp(mb):
    written = 0
    try:
        with open("/tmp/fill", "wb") as f:
            for _ in range(mb):
                f.write(b"x" * 2**20)
                written += 1
            f.flush()
    except OSError:
        pass
    return written

def tmp_then_allocate(tmp_mb, alloc_mb):
    fill_tmp(tmp_mb)
    block = bytearray(alloc_mb * 2**20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    return len(block)

def fork_bomb(n):
    started = 0
    try:
        for _ in range(n):
            subprocess.Popen(["sleep", "60"])
            started += 1
    except OSError:
        pass
    return started

def shout(mb):
    for _ in range(mb):
        print("x" * 2**20)
    return "done"

def huge_answer(mb):
    return "x" * (mb * 2**20)

def ok():
    return 42
'''


def host_memory_available_mb() -> float:
    for line in open("/proc/meminfo"):
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return 0.0


def bounded_session(**limits):
    s = LearnerSession([CodeCell(0, FILLERS, None)], call_timeout=60,
                       limits=sandbox.Limits(**{"memory_mb": 1024, "tmp_mb": 64, "processes": 64, **limits}))
    s.start()
    return s


def test_tmp_is_a_sized_tmpfs_and_the_host_is_unaffected():
    host_before = host_memory_available_mb()
    s = bounded_session()
    try:
        written = s.call("fill_tmp", 2048)
        assert 32 <= written <= 64, f"/tmp took {written} MB; it is sized at 64 MB"
        assert s.call("ok") == 42  # full /tmp: the sandbox still answers
        assert not os.path.exists("/tmp/fill")  # the sandbox's /tmp is its own
    finally:
        s.close()
    assert host_memory_available_mb() > host_before - 200  # nothing left behind on the host


def test_memory_counts_what_is_written_to_tmp():
    s = bounded_session(memory_mb=768, tmp_mb=512)
    try:
        bounds = s.bounds()
        if bounds["memory"].startswith("cgroup"):
            # 400 MB in /tmp and 500 MB allocated: over 768 MB together, though each fits alone
            with pytest.raises(LearnerError, match="stopped the Python process|MemoryError"):
                s.call("tmp_then_allocate", 400, 500)
        else:  # no cgroup on this machine: the record says memory is bounded by rlimits only
            assert bounds["memory"] == "rlimit" and bounds["tmp_mb"] == 512
        assert s.call("ok") == 42  # a fresh worker answers the next call
    finally:
        s.close()


def test_processes_are_bounded_per_sandbox_and_others_keep_working():
    bomb, other = bounded_session(processes=32), bounded_session(processes=32)
    try:
        started = bomb.call("fork_bomb", 500)
        assert started < 32, f"the sandbox started {started} processes"
        assert other.call("fork_bomb", 5) == 5  # another learner's sandbox is not starved
        assert other.call("ok") == 42
    finally:
        bomb.close()
        other.close()


def test_printing_is_discarded_and_answers_are_capped():
    s = bounded_session()
    try:
        assert s.call("shout", 200) == "done"  # 200 MB printed: nowhere to go, nothing kept
        with pytest.raises(LearnerError, match="could not read|stopped"):
            s.call("huge_answer", 80, timeout=300)  # more than the 64 MB an answer may hold
        assert s.call("ok") == 42
    finally:
        s.close()


def test_grading_of_record_needs_bubblewrap_unless_told(monkeypatch):
    monkeypatch.setattr(sandbox, "bwrap_works", lambda: False)
    monkeypatch.delenv("COURSE_SANDBOX", raising=False)
    with pytest.raises(sandbox.SandboxUnavailable, match="COURSE_SANDBOX=rlimit"):
        sandbox.mode()
    assert sandbox.mode(strict=False) == "rlimit"  # a learner's own self-check
    monkeypatch.setenv("COURSE_SANDBOX", "rlimit")
    assert sandbox.mode() == "rlimit"
