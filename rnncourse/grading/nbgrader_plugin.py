"""``nbgrader autograde`` scoring through the sandboxed grader.

``SandboxGrade`` takes the place of nbgrader's ``Execute`` preprocessor (see
``course_config.py``). It never runs the notebook in nbgrader's kernel: it grades
the submission in a separate process (``python -m rnncourse.grading grade``), which
runs the learner's code in the sandbox and the hidden tests in the trusted side.
Each test cell then receives two outputs: the grader's report (stdout) and its
score as a number, clamped to the cell's points, which nbgrader records as the
cell's partial credit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from rnncourse.grading.notebook import TEST_PREFIX, is_test_cell
from rnncourse.grading.runner import feedback_text


class SandboxGrade(NbGraderPreprocessor):
    timeout = Integer(900, help="Seconds allowed to grade one notebook").tag(config=True)
    cell_timeout = Integer(120, help="Seconds one notebook cell may run before it is skipped").tag(config=True)
    call_timeout = Integer(60, help="Seconds one call of a graded function may run").tag(config=True)

    def preprocess(self, nb, resources):
        assignment = resources["nbgrader"]["assignment"]
        submission_dir = resources.get("metadata", {}).get("path") or "."
        record = self._grade(nb, assignment, submission_dir)
        for cell in nb.cells:
            if not is_test_cell(cell):
                continue
            grade_id = cell.metadata.nbgrader.get("grade_id", "")
            points = float(cell.metadata.nbgrader.get("points", 0))
            function = grade_id[len(TEST_PREFIX):] if grade_id.startswith(TEST_PREFIX) else grade_id
            entry = record.get("functions", {}).get(function)
            if entry is None:
                text, score = f"{function}: not graded ({record.get('error') or 'no hidden tests'})\n", 0.0
            else:
                text, score = feedback_text(function, entry), float(entry["score"])
            score = min(max(score, 0.0), points)  # never more than the cell is worth
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text=text),
                nbformat.v4.new_output("execute_result", data={"text/plain": repr(round(score, 4))},
                                       execution_count=None),
            ]
        return nb, resources

    def _grade(self, nb, assignment: str, submission_dir: str) -> dict:
        with tempfile.TemporaryDirectory(prefix="rnncourse-grade-") as tmp:
            path = Path(tmp) / f"{assignment}.ipynb"
            out = Path(tmp) / "record.json"
            nbformat.write(nb, str(path))
            cmd = [sys.executable, "-m", "rnncourse.grading", "grade", str(path),
                   "--assignment", assignment, "--json", str(out), "--quiet",
                   "--submission-dir", os.path.abspath(submission_dir),
                   "--cell-timeout", str(self.cell_timeout), "--call-timeout", str(self.call_timeout)]
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=self.timeout,
                                      env={**os.environ, "PYTHONWARNINGS": "ignore"})
            except subprocess.TimeoutExpired:
                self.log.error("grading %s took longer than %d s", assignment, self.timeout)
                return {"error": f"grading took longer than {self.timeout} s", "functions": {}}
            if proc.returncode != 0 or not out.exists():
                self.log.error("the grader failed: %s", proc.stderr[-3000:])
                return {"error": "the grader failed; see the instructor's log", "functions": {}}
            record = json.loads(out.read_text())
        if record.get("error"):
            self.log.warning("%s: %s", assignment, record["error"][:500])
        for cell, why in record.get("skipped_cells", {}).items():
            self.log.warning("%s: cell %s skipped: it %s", assignment, cell, why)
        return record
