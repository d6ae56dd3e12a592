"""Grade one submission: (notebook, course) in, a result record out.

    record = grade_notebook("submitted/ada/04_sequence_batching/04_sequence_batching.ipynb",
                            "04_sequence_batching")

The learner's code runs in a sandbox (``session``); the hidden tests of
``autograder/test_<assignment>.py`` run here, in a trusted process, through pytest.
Points come from the course's own release notebook, never from the submission.
"""

from __future__ import annotations

import io
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from rnncourse import course
from rnncourse.grading import hidden, records
from rnncourse.grading import notebook as nbfile
from rnncourse.grading.codeview import Notebook
from rnncourse.grading.hidden import Learner, Mistake
from rnncourse.grading.session import LearnerError, LearnerSession

COURSE_ROOT = course.ROOT


class GradingPlugin:
    """pytest plugin: hands tests the ``learner`` fixture and records each graded outcome."""

    def __init__(self, cells, session_options: dict, submission_dir: Path):
        self.cells, self.session_options = cells, session_options
        self.folder = submission_dir
        self.session: LearnerSession | None = None
        self.outcomes: list[dict] = []

    def pytest_configure(self, config):
        config.addinivalue_line("markers", "graded(function, weight=1): the graded function scored")

    @pytest.fixture(scope="session")
    def learner(self):
        if self.session is None:
            self.session = LearnerSession(self.cells, **self.session_options)
            self.session.start()
        return Learner(self.session)

    @pytest.fixture(scope="session")
    def submission_dir(self) -> Path:
        """The submission's folder, read here on the trusted side (a checkpoint, say).
        Files from it are data: load them safely (``torch.load(..., weights_only=True)``)."""
        return self.folder

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        marker = item.get_closest_marker("graded")
        if marker is None or report.when == "teardown":
            return
        if report.when == "setup" and report.passed:
            return
        function = marker.args[0]
        doc = (item.function.__doc__ or item.name).strip().splitlines()[0]
        entry = {"test": item.name, "function": function, "weight": float(marker.kwargs.get("weight", 1.0)),
                 "description": doc, "passed": report.passed, "message": ""}
        if report.passed:
            # a passed check may still say what it measured: record_property("detail", text)
            entry["message"] = str(dict(report.user_properties).get("detail", ""))
        else:
            entry["message"] = _failure_message(call.excinfo)
            if call.excinfo is not None and not isinstance(
                    call.excinfo.value, (Mistake, LearnerError, pytest.skip.Exception)):
                # the grader's own failure: its details are for the instructor's log only
                print(f"grader error in {item.name}:\n{report.longreprtext[-3000:]}", file=sys.__stderr__)
        self.outcomes.append(entry)


def _failure_message(excinfo) -> str:
    """Only messages written for learners: a Mistake's or a LearnerError's. Any other exception
    is the grader's own and its text (which can quote hidden tests or the reference) stays out."""
    if excinfo is None:
        return "failed"
    exc = excinfo.value
    if isinstance(exc, (Mistake, LearnerError)):
        return str(exc)
    if isinstance(exc, pytest.skip.Exception):
        return "not checked"
    return f"the grader could not check this ({type(exc).__name__}); the instructor's log has the details"


def grade_notebook(path: str | Path, assignment: str, *, course_root: Path = COURSE_ROOT,
                   session_options: dict | None = None, submission_dir: Path | None = None,
                   code_scan: bool = True) -> dict:
    """The result record of one notebook. ``code_scan=False`` grades a notebook even when its
    code reaches into the grader (the tests use it to show the sandbox holds on its own)."""
    started = time.monotonic()
    tests = nbfile.graded_tests(nbfile.load(course.notebook("release", assignment, course_root)))
    record = {"assignment": assignment, "notebook": str(path), "sandbox": "", "error": None,
              "notebook_errors": [], "skipped_cells": {}, "functions": {}}
    try:
        nb = nbfile.load(path)
    except nbfile.NotebookError as exc:
        return records.refused(record, tests, "unreadable_notebook", str(exc), started)
    # which cells are tests is the release's word, never the submission's metadata
    cells = nbfile.learner_code(nb, {t.grade_id for t in tests})
    refusal = tampering_message(cells) if code_scan else ""
    if refusal:
        return records.refused(record, tests, "tampering", refusal, started)
    plugin = GradingPlugin(cells, session_options or {}, Path(submission_dir or Path(path).parent))
    test_file = course_root / "autograder" / f"test_{assignment}.py"
    args = [str(test_file), "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "--no-header",
            "--rootdir", str(test_file.parent), "-o", "addopts=", "-W", "ignore::DeprecationWarning"]
    sink = io.StringIO()
    hidden.NOTES.clear()
    try:
        with redirect_stdout(sink), redirect_stderr(sink):
            code = pytest.main(args, plugins=[plugin])
    finally:
        if plugin.session is not None:
            record["sandbox"] = plugin.session.mode
            record["bounds"] = plugin.session.bounds()
            record["notebook_errors"] = plugin.session.report.errors
            record["skipped_cells"] = {str(k): v for k, v in plugin.session.report.skipped.items()}
            plugin.session.close()
    if code not in (0, 1):  # 0: all passed, 1: some failed; anything else is the grader's fault
        # pytest's output quotes the hidden tests: it goes to the instructor's log, not the record
        print(f"the hidden tests of {assignment} did not run (pytest exit {int(code)}):\n"
              f"{sink.getvalue()[-4000:]}", file=sys.stderr)
        record["error"] = f"the hidden tests did not run (pytest exit {int(code)}); see the instructor's log"
    record["functions"] = records.scored(plugin.outcomes, tests, hidden.NOTES)
    record["duration_s"] = round(time.monotonic() - started, 2)
    return record


def tampering_message(cells) -> str:
    """Why a notebook is not graded at all, when its code reaches into the grader or the running
    program (``codeview``); "" when it does not."""
    found = Notebook(cells).tampering()
    if not found:
        return ""
    _, what, where = found
    return (f"not graded: your notebook {what} ({where}). Code that reaches into the grader or the "
            "running program (imports of rnncourse.grading or of the checks' helpers, gc, inspect or importlib, frames, "
            "sys.modules, non-public __attributes__, exec/eval, a library's function replaced, "
            "pickles loaded) could change any answer, so none is scored while it is there: remove it "
            "and submit again")
