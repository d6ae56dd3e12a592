"""Result records kept beside autograded notebooks, and the key that says when one is stale.

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
