"""Reading a course notebook: the learner's code cells, the graded test cells, their points.

The notebook is read as JSON only; nothing in it is executed here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

SKIP_TAG = "grading:skip"  # cells (demos, long training, plots) the grader does not run
TEST_PREFIX = "test_"  # a test cell's grade_id is "test_<graded function>"
MAGIC = re.compile(r"^\s*[%!].*$", re.M)


class NotebookError(ValueError):
    """The file is not a readable notebook; the message says why, in words a learner follows."""


@dataclass
class CodeCell:
    index: int
    source: str
    grade_id: str | None


@dataclass
class GradedTest:
    grade_id: str
    function: str
    points: float


def load(path: str | Path) -> dict:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotebookError(f"cannot read {path.name}: {exc.strerror}") from None
    try:
        nb = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise NotebookError(f"{path.name} is not a text file (it is not UTF-8)") from None
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"{path.name} is not valid notebook JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}). The file may have been cut off or edited outside Jupyter; "
            "restore it from a checkpoint or download a fresh copy of the assignment."
        ) from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{path.name} is JSON but not a notebook (no list of cells)")
    return nb


def cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        src = "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def nbgrader_metadata(cell: dict) -> dict:
    meta = cell.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    nbg = meta.get("nbgrader")
    return nbg if isinstance(nbg, dict) else {}


def _tags(cell: dict) -> list:
    meta = cell.get("metadata")
    tags = meta.get("tags", []) if isinstance(meta, dict) else []
    return tags if isinstance(tags, list) else []


def is_test_cell(cell: dict) -> bool:
    nbg = nbgrader_metadata(cell)
    return cell.get("cell_type") == "code" and bool(nbg.get("grade")) and not nbg.get("solution")


def learner_code(nb: dict, test_ids: set[str] | None = None) -> list[CodeCell]:
    """The code the grader runs: every code cell but the test cells and cells tagged to skip.

    With ``test_ids`` (the grade ids of the release's test cells) a test cell is one that
    carries such an id, however the learner's copy marks it: copies of a test cell are left
    out, and a cell marked as a test but holding the learner's code still runs. Without it,
    the notebook's own marks decide. Jupyter magics and shell escapes are removed.
    """
    cells = []
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        is_test = (str(nbgrader_metadata(cell).get("grade_id", "")) in test_ids) if test_ids is not None \
            else is_test_cell(cell)
        if is_test or SKIP_TAG in _tags(cell):
            continue
        src = MAGIC.sub("", cell_source(cell))
        if src.strip():
            cells.append(CodeCell(i, src, nbgrader_metadata(cell).get("grade_id")))
    return cells


def graded_tests(nb: dict) -> list[GradedTest]:
    """The test cells of a notebook, each scoring one graded function."""
    tests = []
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or not is_test_cell(cell):
            continue
        nbg = nbgrader_metadata(cell)
        grade_id = str(nbg.get("grade_id", ""))
        if grade_id.startswith(TEST_PREFIX):
            tests.append(GradedTest(grade_id, grade_id[len(TEST_PREFIX):], float(nbg.get("points", 0))))
    return tests
