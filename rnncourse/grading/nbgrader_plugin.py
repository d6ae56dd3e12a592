"""``nbgrader autograde`` scoring through the sandboxed grader.

``SandboxGrade`` takes the place of nbgrader's ``Execute`` preprocessor (see
``course_config.py``). It never runs the notebook in nbgrader's kernel: it hands the
submission to a warm grader process (``warm``, loaded once per nbgrader run), which runs
the learner's code in the sandbox and the hidden tests in the trusted side.
Each test cell then receives two outputs: the grader's report (stdout) and its
score as a number, clamped to the cell's points, which nbgrader records as the
cell's partial credit. A submitted notebook that is a link, or sits in a folder
holding links or special files, is not graded (``files.problem``).

``RestoreCourseMetadata`` runs first among nbgrader's sanitizing preprocessors: it
gives every cell the nbgrader metadata of the course's own copy (from the gradebook),
so that what a learner can edit (duplicated or orphaned test cells, metadata without
a ``grade_id``, a solution cell marked as a test, changed points) never breaks
grading and is never scored.

``guard_copies`` (called from ``course_config.py``) makes nbgrader's own copies of a
submission's files refuse links and special files: nbgrader copies with
``shutil.copy``, which follows links.

Every grading keeps its result record beside the autograded notebook (``records``).
``classgrade`` grades a class in parallel first and leaves its records in ``PRECOMPUTED``
under their grading keys; ``SandboxGrade`` then takes the record whose key matches the
notebook nbgrader hands it, and grades the notebook itself when none does.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import types
from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer, Unicode

from rnncourse.grading import files, records, sandbox
from rnncourse.grading.notebook import TEST_PREFIX, is_test_cell
from rnncourse.grading.warm import WarmGrader

# grading key -> result record, graded ahead of nbgrader by ``classgrade`` in this process
PRECOMPUTED: dict[str, dict] = {}
GRADER = WarmGrader(log=None)  # its log goes to nbgrader's, the instructor's


def submission_problems(folder: Path) -> list[str]:
    """What in a submission folder may not be used: links, special files, oversize files."""
    out = []
    folder = Path(folder)
    why = files.problem(folder)
    if why:
        return [f"the folder {folder.name} {why}"]
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            why = files.problem(path)
            if why:
                out.append(f"{path.relative_to(folder)} {why}")
    return out


class RestoreCourseMetadata(NbGraderPreprocessor):
    """Every cell's nbgrader metadata from the course's copy; learners' edits to it dropped."""

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook, MissingEntry

        try:
            with Gradebook(resources["nbgrader"]["db_url"]) as gb:
                source = gb.find_notebook(resources["nbgrader"]["notebook"], resources["nbgrader"]["assignment"])
                course = course_metadata(source)
        except MissingEntry:
            return nb, resources
        seen = set()
        for cell in reversed(nb.cells):  # the last copy of a cell is the one that counts (as Python's)
            meta = cell.get("metadata")
            nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
            if nbg is None:
                continue
            grade_id = nbg.get("grade_id") if isinstance(nbg, dict) else None
            grade_id = grade_id if isinstance(grade_id, str) else None
            wanted = course.get(grade_id)
            if wanted is None or grade_id in seen or wanted["cell_type"] != cell.get("cell_type"):
                del meta["nbgrader"]  # not one of the course's cells (or a second copy): plain
                if grade_id in course and grade_id not in seen:
                    self.log.warning("cell %s: its type was changed; it is graded as missing", grade_id)
                continue
            seen.add(grade_id)
            meta["nbgrader"] = nbformat.from_dict(dict(wanted))
        return nb, resources


def course_metadata(source) -> dict:
    """grade_id -> the nbgrader metadata the course gave that cell (from the gradebook)."""
    grades = {c.name: c.max_score for c in source.grade_cells}
    solutions = {c.name for c in source.solution_cells}
    tasks = {c.name for c in source.task_cells}
    out = {}
    for cell in source.source_cells:
        meta = {"grade": cell.name in grades, "grade_id": cell.name, "locked": bool(cell.locked),
                "schema_version": 3, "solution": cell.name in solutions, "task": cell.name in tasks,
                "cell_type": cell.cell_type}
        if cell.checksum:
            meta["checksum"] = cell.checksum
        if cell.name in grades:
            meta["points"] = grades[cell.name]
        out[cell.name] = meta
    return out


def _guarded_copy(src, dst, *args, **kwargs):
    why = files.problem(Path(src))
    if why:
        raise files.UnsafeFile(f"{src} {why}: not copied (python -m rnncourse.grading.intake names such files)")
    return shutil.copy(src, dst, *args, **kwargs)


def guard_copies() -> None:
    """nbgrader's converters copy a submission's files with ``shutil.copy``, which follows
    links; give them a ``shutil`` whose ``copy`` refuses links and special files."""
    import nbgrader.converters.autograde as autograde
    import nbgrader.converters.base as base

    guarded = types.SimpleNamespace(**{k: getattr(shutil, k) for k in dir(shutil) if not k.startswith("__")})
    guarded.copy = _guarded_copy
    base.shutil = autograde.shutil = guarded


class SandboxGrade(NbGraderPreprocessor):
    timeout = Integer(900, help="Seconds allowed to grade one notebook").tag(config=True)
    cell_timeout = Integer(120, help="Seconds one notebook cell may run before it is skipped").tag(config=True)
    call_timeout = Integer(60, help="Seconds one call of a graded function may run").tag(config=True)
    _said_mode = False
    submitted_directory = Unicode("submitted", help="Where submissions are, from the course root "
                                  "(nbgrader runs in the course root)").tag(config=True)

    def preprocess(self, nb, resources):
        # no grades at all rather than grades from an unisolated run (unless asked for)
        mode = sandbox.mode(strict=True)
        if mode != "bwrap":
            self.log.warning("grading with COURSE_SANDBOX=%s: resource limits only, no isolation", mode)
        assignment = resources["nbgrader"]["assignment"]
        student = resources["nbgrader"].get("student")
        submission_dir = resources.get("metadata", {}).get("path") or "."
        record, key = self._refusal(assignment, student), None
        if record is not None:
            # what nbgrader read may be anything a link pointed at: none of it is kept
            for cell in nb.cells:
                if not is_test_cell(cell):
                    cell.source = f"# not graded: {record['error']}"
                    if cell.cell_type == "code":
                        cell.outputs = []
        else:
            key = self._key(nb, assignment, submission_dir)
            record = PRECOMPUTED.pop(key, None) if key else None
            if record is None:
                record = self._grade(nb, assignment, submission_dir)
        if student:
            # a grading the grader itself failed is never taken as settled: no key, graded again
            records.write(Path(submission_dir), assignment, student,
                          None if record.get("grader_failed") else key, record)
        for cell in nb.cells:
            if not is_test_cell(cell):
                continue
            grade_id = cell.metadata.nbgrader.get("grade_id", "")
            points = float(cell.metadata.nbgrader.get("points", 0))
            function = grade_id[len(TEST_PREFIX):] if grade_id.startswith(TEST_PREFIX) else grade_id
            text, score = records.cell_score(record, function, points)
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text=text),
                nbformat.v4.new_output("execute_result", data={"text/plain": repr(round(score, 4))},
                                       execution_count=None),
            ]
        return nb, resources

    def _key(self, nb, assignment: str, submission_dir: str) -> str | None:
        try:
            extra = records.submission_files(Path(submission_dir), records.ignored(self.config))
        except (OSError, files.UnsafeFile) as exc:
            self.log.warning("%s: no grading key (%s)", assignment, exc)
            return None
        return records.grading_key(nb, assignment, records.course_fingerprint(assignment, Path(os.getcwd())), extra)

    def _refusal(self, assignment: str, student: str | None) -> dict | None:
        """A record with 0 and the reason when the submitted folder holds links or special
        files (nbgrader read the notebook through them before any preprocessor ran)."""
        if not student:
            return None
        folder = Path(os.getcwd()) / self.submitted_directory / student / assignment
        found = submission_problems(folder)
        if not found:
            return None
        self.log.error("%s/%s not graded: %s", student, assignment, "; ".join(found))
        return {"assignment": assignment, "functions": {},
                "error": "not graded: the submission holds files the grader will not read ("
                         + "; ".join(found)[:500] + ")"}

    def _grade(self, nb, assignment: str, submission_dir: str) -> dict:
        options = {"cell_timeout": self.cell_timeout, "call_timeout": self.call_timeout}
        with tempfile.TemporaryDirectory(prefix="rnncourse-grade-") as tmp:
            path = Path(tmp) / f"{assignment}.ipynb"
            nbformat.write(nb, str(path))
            record = GRADER.grade(path, assignment, Path(submission_dir).resolve(), options, self.timeout)
        if record.get("grader_failed"):
            self.log.error("%s: %s", assignment, record["error"])
            return record
        bounds = record.get("bounds") or {}
        if bounds and not SandboxGrade._said_mode:  # once per nbgrader run, at a level always shown
            SandboxGrade._said_mode = True
            self.log.warning("grading in the %s sandbox (memory: %s, processes: %s, /tmp: %s MB)",
                             bounds.get("mode"), bounds.get("memory"), bounds.get("processes"),
                             bounds.get("tmp_mb"))
        if record.get("error"):
            self.log.warning("%s: %s", assignment, record["error"][:500])
        for cell, why in record.get("skipped_cells", {}).items():
            self.log.warning("%s: cell %s skipped: it %s", assignment, cell, why)
        return record
