"""Shared fixtures: corpora graded in batches, once per session."""

import functools
import tempfile
from pathlib import Path

from rnncourse import course, submissions
from rnncourse.grading.batch import grade_many

CORPUS = Path(__file__).parent / "corpus"


def corpus(assignment: str, kind: str) -> list[submissions.Variant]:
    path = CORPUS / assignment / f"{kind}.py"
    return submissions.parse_corpus(path) if path.exists() else []


def corpus_ids() -> list[tuple[str, str, str]]:
    """(assignment, kind, variant name) for every variant of every corpus."""
    return [(a, kind, v.name) for a in course.built() for kind in ("wrong", "correct")
            for v in corpus(a, kind)]


def graded_corpus(assignment: str, kind: str) -> dict:
    """variant name -> result record."""
    return _graded(assignment)[kind]


@functools.cache
def _graded(assignment: str) -> dict:
    """kind -> variant name -> result record; every corpus of the assignment is graded in one
    parallel batch (one warm-up and one tail, not one per corpus)."""
    kinds = {kind: corpus(assignment, kind) for kind in ("wrong", "correct")}
    tmp = Path(tempfile.mkdtemp(prefix=f"corpus-{assignment}-"))
    paths = []
    for kind, variants in kinds.items():
        for v in variants:
            target = next(iter(v.expect), None)
            nb = submissions.make(assignment, v.code, base="reference", target=target)
            files = course.reference_files(assignment)  # every variant starts from the reference work
            paths.append(submissions.write(nb, tmp / kind / v.name / f"{assignment}.ipynb", files))
    records = iter(grade_many(paths, assignment, jobs=2))
    return {kind: {v.name: next(records) for v in variants} for kind, variants in kinds.items()}


def make_course_root(path: Path, call_timeout: int = 30) -> Path:
    """A scratch nbgrader course root: the course's configuration and source/, short limits so
    that endless loops cost seconds, not minutes."""
    course.scratch_root(path)
    with open(path / "course_config.py", "a") as config:
        config.write(f"\nc.SandboxGrade.cell_timeout = 12\nc.SandboxGrade.call_timeout = {call_timeout}\n")
    return path
