"""The result record: how it is scored, totalled, shown, kept, and when a kept one is stale.

A record is one notebook's grade: ``functions`` maps each graded function to its points, its
score, its checks (passed or not, with the message learners read) and its mistakes; ``error``
says why nothing (or not everything) was graded. The grader (``runner``) writes it, the
nbgrader plugin, the Gradescope entry and the class report read it, all through here.

Every grading of record (``nbgrader autograde``, serial or through ``classgrade``) keeps
``autograded/<student>/<assignment>/<assignment>.record.json``: the result record and the
*grading key* it was graded under. The key covers what decides a grade and nothing else:

* the submission as nbgrader hands it to the grader (cell types, sources and grade ids
  after the course's sanitizers) and the bytes of the files beside it;
* the course's grading code: the ``rnncourse`` package, ``autograder/``, ``solutions/``,
  the assignment's source notebook and the course root's ``course_config.py``.

Same key, same grade: ``classgrade`` re-grades only submissions whose key changed, and
``make report`` reads the kept records instead of grading again.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
import os
import time
from pathlib import Path

from rnncourse import course
from rnncourse.grading import files

SUFFIX = ".record.json"


def ignored(config) -> list[str]:
    """Names never part of a submission's files: nbgrader's ignore list (``course_config.py``),
    notebooks and kept records."""
    from nbgrader.coursedir import CourseDirectory

    names = config.CourseDirectory.get("ignore", CourseDirectory.class_traits()["ignore"].default_value)
    return [*names, "*.ipynb", "*" + SUFFIX]


def record_path(folder: Path, assignment: str) -> Path:
    return Path(folder) / f"{assignment}{SUFFIX}"


def submission_files(folder: Path, ignore: list[str]) -> dict[str, bytes]:
    """relative path -> bytes of the files beside a submission's notebook (regular files only,
    capped, never through a link; ``files.UnsafeFile`` otherwise), less those ``ignore`` names."""
    def skip(name: str) -> bool:
        return any(fnmatch.fnmatch(name, pattern) for pattern in ignore)

    out = {}
    folder = Path(folder)
    for dirpath, dirnames, filenames in os.walk(folder):  # never descends through a link
        dirnames[:] = sorted(d for d in dirnames if not skip(d))
        for name in sorted(filenames):
            if not skip(name):
                path = Path(dirpath) / name
                out[path.relative_to(folder).as_posix()] = files.read_regular(path)
    return out


def _digest(parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _tree(root: Path, suffixes: tuple[str, ...] | None = None):
    for path in sorted(Path(root).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and (suffixes is None or path.suffix in suffixes):
            yield path.relative_to(course.ROOT).as_posix()
            yield path.read_bytes()


@functools.cache
def code_fingerprint(assignment: str) -> str:
    return _digest([*_tree(course.ROOT / "rnncourse", (".py",)), *_tree(course.ROOT / "autograder"),
                    *_tree(course.ROOT / "solutions"),
                    *_tree(course.notebook("source", assignment).parent)])


def course_fingerprint(assignment: str, course_root: Path) -> str:
    """The grading code a grade depends on (cached per process: the code does not change
    while a class is graded)."""
    config = Path(course_root) / "course_config.py"
    return _digest([code_fingerprint(assignment), config.read_bytes() if config.exists() else b""])


def grading_key(nb, assignment: str, fingerprint: str, extra: dict[str, bytes]) -> str:
    """The key of one grading: the sanitized notebook's graded content, the submission's other
    files and the course's fingerprint."""
    cells = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader") or {}
        cells.append([cell.get("cell_type"), cell.get("source"), meta.get("grade_id")])
    parts = [assignment, fingerprint, json.dumps(cells)]
    for name in sorted(extra):
        parts += [name, hashlib.sha256(extra[name]).hexdigest()]
    return _digest(parts)


def write(folder: Path, assignment: str, student: str | None, key: str, record: dict) -> Path:
    path = record_path(folder, assignment)
    path.write_text(json.dumps({"student": student, "assignment": assignment, "key": key,
                                "record": record}, indent=1))
    return path


def read(folder: Path, assignment: str) -> dict | None:
    """The kept entry (student, assignment, key, record) of an autograded folder, or None."""
    path = record_path(folder, assignment)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def kept(course_root: Path, assignment: str) -> dict[str, dict]:
    """student -> kept result record, for every autograded submission of ``assignment``."""
    out = {}
    for folder in sorted((Path(course_root) / "autograded").glob(f"*/{assignment}")):
        entry = read(folder, assignment)
        if entry is not None:
            out[folder.parent.name] = entry["record"]
    return out


def scored(outcomes: list[dict], tests: list, notes: dict | None = None) -> dict:
    """``functions`` of a record: each graded test cell's points shared among its checks."""
    functions = {}
    for test in tests:
        mine = [o for o in outcomes if o["function"] == test.function]
        total = sum(o["weight"] for o in mine)
        passed = sum(o["weight"] for o in mine if o["passed"])
        fraction = passed / total if total else 0.0
        functions[test.function] = {
            "grade_id": test.grade_id,
            "points": test.points,
            "score": round(test.points * fraction, 4),
            "fraction": round(fraction, 6),
            "checks": mine,
            "mistakes": [{"test": o["test"], "message": o["message"]} for o in mine if not o["passed"]],
            "unobserved": list((notes or {}).get(test.function, [])),
        }
        if not mine:
            functions[test.function]["mistakes"] = [
                {"test": "no_hidden_tests", "message": "the course has no hidden test for this function"}]
    return functions


def refused(record: dict, tests, test: str, message: str, started: float) -> dict:
    """The record of a notebook none of which ran: every function 0, with ``message``."""
    record["error"], record["sandbox"] = message, "not run"
    record["functions"] = scored([], tests)
    for f in record["functions"].values():
        f["mistakes"] = [{"test": test, "message": message}]
    record["duration_s"] = round(time.monotonic() - started, 2)
    return record


def total(record: dict) -> tuple[float, float]:
    fs = record["functions"].values()
    return round(sum(f["score"] for f in fs), 4), sum(f["points"] for f in fs)


def feedback_text(function: str, entry: dict) -> str:
    """What the learner reads under a test cell: the score and each check, passed or not, with
    its message (what is wrong, or what a passed check measured)."""
    lines = [f"{function}: {entry['score']:g} / {entry['points']:g} points"]
    for check in entry["checks"]:
        mark = "PASS" if check["passed"] else "FAIL"
        lines.append(f"  [{mark}] {check['description']}")
        if check["message"]:
            lines.append(f"         {check['message']}")
    if not entry["checks"]:
        lines += [f"  {m['message']}" for m in entry["mistakes"]]
    for note in entry.get("unobserved", []):
        lines.append(f"  [NOT SCORED] {note}")
    return "\n".join(lines) + "\n"


def failed(assignment: str, error: str, **flags) -> dict:
    """The record of a grading that did not finish (the grader's failure, not the learner's):
    nothing scored; ``grader_failed`` records are never kept as settled."""
    return {"assignment": assignment, "error": error, "functions": {}, "grader_failed": True, **flags}


def cell_score(record: dict, function: str, points: float) -> tuple[str, float]:
    """(feedback, score) for the test cell of ``function``, worth ``points`` in the gradebook:
    never more than the cell is worth, whatever the record says."""
    entry = record.get("functions", {}).get(function)
    if entry is None:
        return f"{function}: not graded ({record.get('error') or 'no hidden tests'})\n", 0.0
    return feedback_text(function, entry), min(max(float(entry["score"]), 0.0), points)


# how the grader words work left undone (session.LearnerError.message)
MISSING = ("is not implemented yet", "is not defined:")


def missing(entry: dict) -> bool:
    """The function was left undone: every check failed because it is missing or unimplemented."""
    checks = entry.get("checks") or []
    return bool(checks) and all(not c["passed"] and any(m in c.get("message", "") for m in MISSING)
                                for c in checks)
