"""The README's instructor path, verbatim, on a fresh copy of the course; then `make demo` there,
which must leave the course's gradebook, submitted/ and release/ as they were."""

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from classes import gradebook_scores
from environments import linked_environment, pip_install

from rnncourse import course, submissions
from rnncourse.grading.notebook import graded_tests, load

ROOT = course.ROOT
A = "04_sequence_batching"
CLASS = {"ada": "reference", "bea": "blank", "cy": "partial"}
VOCAB = ("def build_vocab(text):\n    chars = sorted(set(text))\n"
         "    return dict(enumerate(chars)), {c: i for i, c in enumerate(chars)}\n")


def instructor_block() -> str:
    """The first bash block of the README's "For instructors" section, as written."""
    section = (ROOT / "README.md").read_text().split("## For instructors", 1)[1]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)


def fresh_copy(dest: Path) -> Path:
    """The course's files as a clone has them (tracked, or new and not ignored): no .venv, no
    gradebook, no build/."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


def course_environment(copy: Path) -> None:
    """``copy/.venv`` as `make install` leaves it: the course's packages, and the copy's own
    `rnncourse` installed in it."""
    venv = copy / ".venv"
    linked_environment(venv)
    pip_install(venv, "--no-deps", "-e", str(copy))
    (venv / ".installed").touch()  # what `make install` leaves once it has installed


def shell_env(copy: Path) -> dict:
    """A login shell's environment: nothing of this test's own environment on PATH."""
    ours = str(Path(sys.executable).parent)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != ours)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "MAKEFLAGS", "MAKELEVEL")}
    return {**env, "PATH": path, "HOME": str(copy.parent)}


def put_class(copy: Path) -> None:
    for student, kind in CLASS.items():
        code = {"reference": None, "blank": None, "partial": VOCAB}[kind]
        nb = submissions.make(A, code, base="reference" if kind == "reference" else "blank")
        submissions.write(nb, copy / "submitted" / student / A / f"{A}.ipynb")


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    """The block run once, as written, in a fresh copy with the class in submitted/."""
    copy = fresh_copy(tmp_path_factory.mktemp("instructor") / "course")
    course_environment(copy)
    put_class(copy)
    proc = subprocess.run(["bash", "-c", "set -euo pipefail\n" + instructor_block()], cwd=copy,
                          env=shell_env(copy), capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return copy, proc


def test_release_registers_every_assignment_and_writes_what_is_committed(term):
    from nbgrader.api import Gradebook

    copy, _ = term
    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}") as gb:
        assert {a.name for a in gb.assignments} == set(course.built())
    for a in course.built():
        assert course.notebook("release", a, copy).read_bytes() == course.notebook("release", a).read_bytes(), a


def test_autograde_prints_and_stores_the_scores(term):
    copy, proc = term
    scores = gradebook_scores(copy, A)
    full = sum(t.points for t in graded_tests(load(course.notebook("source", A))))
    assert scores["ada"] == full > 0 and scores["bea"] == 0 and scores["cy"] == 1, scores
    table = proc.stdout[proc.stdout.index(f"{A}: 3 graded"):]
    for student in CLASS:
        line = next(ln for ln in table.splitlines() if ln.startswith(student + " "))
        assert f"{scores[student]:.2f}" in line, line
    assert (copy / "build" / "report" / f"{A}.png").stat().st_size > 0


def test_feedback_and_export(term):
    copy, _ = term
    for student in CLASS:
        assert (copy / "feedback" / student / A / f"{A}.html").is_file(), student
    rows = (copy / "grades.csv").read_text().splitlines()
    assert rows[0].startswith("assignment,")
    assert sorted(r.split(",")[3] for r in rows if r.startswith(f"{A},")) == sorted(CLASS)


def test_demo_runs_in_its_own_course(term):
    """`make demo` grades its demo class in build/demo/ and prints the table; the course's
    gradebook, submitted/ and release/ are as the instructor left them."""
    copy, _ = term
    before = {name: snapshot(copy / name) for name in ("submitted", "release")}
    gradebook = hashlib.sha256((copy / "gradebook.db").read_bytes()).hexdigest()
    proc = subprocess.run(["make", "demo"], cwd=copy, env=shell_env(copy), capture_output=True,
                          text=True, timeout=3000)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "demo-reference" in proc.stdout and "MISMATCH" not in proc.stdout
    assert {name: snapshot(copy / name) for name in before} == before
    assert hashlib.sha256((copy / "gradebook.db").read_bytes()).hexdigest() == gradebook
    demo = copy / "build" / "demo"
    assert any("demo-reference" in row for row in (demo / "grades.csv").read_text().splitlines())
    page = (demo / "feedback" / "demo-reference" / A / f"{A}.html").read_text()
    assert "points" in page and "PASS" in page  # the graders' report is in the feedback
