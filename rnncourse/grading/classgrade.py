"""``make autograde``: a class graded in parallel through Dask, into nbgrader's gradebook.

    python -m rnncourse.grading.classgrade ASSIGNMENT [--scheduler tcp://HOST:PORT]
                                            [--workers N] [--force] [--root .]

Run in the course root. For every ``submitted/<student>/<assignment>/``:

1. the notebook is read and sanitized as nbgrader will (the sanitizers of
   ``course_config.py``) and its grading key computed (``records``). A submission whose
   kept record has that key, and a grade in the gradebook, is up to date and is not graded
   again (``--force`` grades all).
2. The rest are graded on Dask workers, a few per worker in flight at a time: by default a
   local cluster of one single-threaded worker process per core (TLS, certificates made for
   the run); with ``--scheduler`` the workers of an existing cluster. A worker hands one
   notebook at a time to its warm grader process (``warm``), which grades it in its own
   sandbox. What a worker is sent is the learner's data (the sanitized notebook, the files
   beside it); what it sends back is a result record, trusted like the worker itself.
3. As each record comes back, ``nbgrader autograde`` runs for that student in this process
   (nbgrader's own API): ``SandboxGrade`` takes the record for its key, and nbgrader writes
   the gradebook, the autograded notebook and its feedback outputs as always. A notebook
   whose record did not come (a failed task, a key that differs) is graded by
   ``SandboxGrade`` itself, so the result is the serial one either way.

A worker that dies mid-batch loses nothing: Dask runs its tasks on the other workers, and
each submission's record is taken once. nbgrader's log goes to ``build/autograde/<a>.log``.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import sys
import tempfile
import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import dask
import nbformat

from rnncourse import nbgrader_run
from rnncourse.grading import files, records, sandbox
from rnncourse.grading.nbgrader_plugin import PRECOMPUTED, submission_problems
from rnncourse.grading.warm import WarmGrader

_ONE_AT_A_TIME = threading.Lock()  # a worker started with several threads still grades serially
_GRADER = WarmGrader()  # this worker's warm grader process


class CourseMismatch(RuntimeError):
    """A worker holds a different version of the course's grading code."""


def grade_submission(assignment: str, notebook: str, extra: dict[str, bytes], options: dict,
                     fingerprint: str, timeout: float) -> dict:
    """On a worker: the result record of one sanitized notebook (JSON text) and its files."""
    with _ONE_AT_A_TIME:
        sandbox.mode(strict=True)  # a worker without bubblewrap grades nothing
        if records.code_fingerprint(assignment) != fingerprint:
            raise CourseMismatch(f"the worker's course at {records.course.ROOT} differs from the "
                                 "instructor's: install the same commit on every worker")
        with tempfile.TemporaryDirectory(prefix="rnncourse-class-") as tmp:
            folder = Path(tmp) / "submission"
            folder.mkdir()
            for name, data in extra.items():
                path = (folder / name).resolve()
                if folder.resolve() not in path.parents:
                    raise ValueError(f"file name outside the submission: {name!r}")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            path = folder / f"{assignment}.ipynb"
            path.write_text(notebook)
            return _GRADER.grade(path, assignment, folder, options, timeout)


@dataclass
class Submission:
    student: str
    folder: Path
    key: str | None = None
    notebook: str | None = None  # sanitized, as JSON text; None: nbgrader alone handles it
    extra: dict = field(default_factory=dict)
    status: str = ""


def load_config(root: Path):
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def sanitizers(config) -> list:
    from nbgrader.converters import Autograde
    from traitlets.utils.importstring import import_item

    names = config.Autograde.get("sanitize_preprocessors") or Autograde.sanitize_preprocessors.default_value
    return [(import_item(n) if isinstance(n, str) else n)(config=config) for n in names]


def prepare(assignment: str, sub: Submission, config, fingerprint: str,
            cleaners: list | None = None) -> Submission:
    """Read and sanitize one submission as nbgrader will (``cleaners``: ``sanitizers(config)``,
    made once per class), and compute its grading key."""
    path = sub.folder / f"{assignment}.ipynb"
    if submission_problems(sub.folder) or not path.exists():
        return sub  # refused or missing: nbgrader and SandboxGrade say so
    try:
        nb = nbformat.reads(files.read_regular(path).decode("utf-8"), as_version=4)
        extra = records.submission_files(sub.folder, records.ignored(config))
        resources = {"nbgrader": {"student": sub.student, "assignment": assignment, "notebook": assignment,
                                  "db_url": config.CourseDirectory.db_url}}
        for pp in cleaners or sanitizers(config):
            nb, resources = pp(nb, resources)
    except Exception:  # unreadable: nbgrader reports it in its own words
        return sub
    sub.key = records.grading_key(nb, assignment, fingerprint, extra)
    sub.notebook, sub.extra = nbformat.writes(nb), extra
    return sub


def up_to_date(root: Path, assignment: str, sub: Submission) -> bool:
    folder = root / "autograded" / sub.student / assignment
    entry = records.read(folder, assignment)
    return bool(sub.key and entry and entry.get("key") == sub.key
                and (folder / f"{assignment}.ipynb").exists())


@contextmanager
def cluster(scheduler: str | None, workers: int):
    """A Dask client: on the cluster at ``scheduler``, or on local worker processes."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, timeout="30s") as client:
            yield client
        return
    # A Dask scheduler runs whatever it is sent: on a machine learners share, its port on
    # 127.0.0.1 must not accept them. security=True: TLS with certificates made for this run only.
    # The workers only wait on their warm graders: no need for Dask's statistical profiler.
    with dask.config.set({"distributed.worker.profile.enabled": False}), \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                         security=True, silence_logs=logging.ERROR) as local, Client(local) as client:
        yield client


def students(root: Path, assignment: str) -> list[str]:
    submitted = root / "submitted"
    return sorted(p.parent.name for p in submitted.glob(f"*/{assignment}")
                  if not p.parent.name.startswith("."))


def session_options(config) -> dict:
    from rnncourse.grading.nbgrader_plugin import SandboxGrade

    traits = SandboxGrade.class_traits()
    return {name: config.SandboxGrade.get(name, traits[name].default_value)
            for name in ("cell_timeout", "call_timeout")}


def grading_timeout(config) -> float:
    from rnncourse.grading.nbgrader_plugin import SandboxGrade

    return config.SandboxGrade.get("timeout", SandboxGrade.class_traits()["timeout"].default_value)


def scores(assignment: str, db_url: str) -> dict[str, tuple[float, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id=None) as gb:
        return {s.student_id: (s.score, s.max_score) for s in gb.assignment_submissions(assignment)}


def nbgrader_autograde(config, assignment: str, log):
    """``nbgrader autograde ASSIGNMENT --student S --force`` in this process, as nbgrader's own
    API runs it (its log captured); returns ``run(student) -> {success, log, error}``."""
    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log, temp_attrs

    coursedir = CourseDirectory(config=config)

    def run(student: str) -> dict:
        with temp_attrs(coursedir, assignment_id=assignment, student_id=student):
            app = Autograde(coursedir=coursedir, config=config, log=log)
            app.force, app.create_student = True, True
            return capture_log(app)

    return run


def grade_class(root: Path, assignment: str, *, scheduler: str | None = None, workers: int | None = None,
                force: bool = False, out=sys.stdout) -> int:
    """Grade the class; 0 when every submission was graded, 1 when nbgrader failed one, 2 when
    nothing could be graded (the assignment is not in the gradebook, or the workers cannot grade)."""
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy's notes on nbgrader's session use
    root = Path(root).resolve()
    os.chdir(root)  # nbgrader and SandboxGrade work from the course root
    os.environ.update(nbgrader_run.env())  # alembic, when nbgrader creates the gradebook
    if not registered(assignment, load_config(root).CourseDirectory.db_url):
        print(f"error: {assignment} is not in the gradebook: run `make release` (or `nbgrader "
              f"generate_assignment {assignment} --force`) in the course root first", file=out)
        return 2
    return ClassGrading(root, assignment, scheduler, workers or os.cpu_count() or 1, force, out).run()


def registered(assignment: str, db_url: str) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            return False
    return True


class ClassGrading:
    """One run: submissions read and keyed one by one, graded on Dask workers a window at a time
    (so the class's files are never all in memory), each handed to nbgrader as its record comes."""

    def __init__(self, root: Path, assignment: str, scheduler: str | None, workers: int, force: bool, out):
        self.root, self.assignment, self.scheduler, self.workers = root, assignment, scheduler, workers
        self.force, self.out = force, out
        self.config = load_config(root)
        self.fingerprint = records.course_fingerprint(assignment, root)
        self.cleaners = sanitizers(self.config)
        self.in_gradebook = set(scores(assignment, self.config.CourseDirectory.db_url))
        self.class_ = [Submission(s, root / "submitted" / s / assignment) for s in students(root, assignment)]
        self.failed: list[str] = []
        self.by_nbgrader: list[str] = []  # graded by SandboxGrade itself: no record came for them

    def run(self) -> int:
        from tqdm import tqdm

        log_path = self.root / "build" / "autograde" / f"{self.assignment}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = logging.getLogger("rnncourse.autograde")
        log.propagate, log.handlers = False, []
        log.setLevel(logging.INFO)
        self.nbgrader_run = nbgrader_autograde(self.config, self.assignment, log)
        started = time.monotonic()
        with open(log_path, "a") as self.log_file, \
                tqdm(total=len(self.class_), unit="notebook", desc=f"grading {self.assignment}",
                     file=sys.stderr, disable=not self.class_) as self.bar:
            waiting = self.to_grade()
            first = next(waiting, None)
            if first is not None:
                with cluster(self.scheduler, self.workers) as client:
                    if self.on_workers(client, itertools.chain([first], waiting)):
                        return 2
        graded = [s for s in self.class_ if s.status != "unchanged"]
        print(f"\n{self.assignment}: {len(graded)} graded, {len(self.class_) - len(graded)} unchanged, "
              f"{len(self.failed)} failed, in {time.monotonic() - started:.0f} s "
              f"(nbgrader's log: {log_path.relative_to(self.root)})", file=self.out)
        if self.by_nbgrader:
            print(f"graded by nbgrader itself (no worker record): {', '.join(self.by_nbgrader)}", file=self.out)
        self.print_table()
        return 1 if self.failed else 0

    def to_grade(self):
        """The submissions to send to workers, read and keyed as they are needed; those up to date
        are skipped, and those nbgrader alone can judge (refused, missing, unreadable) go to it."""
        for sub in self.class_:
            prepare(self.assignment, sub, self.config, self.fingerprint, self.cleaners)
            if not self.force and sub.student in self.in_gradebook and up_to_date(self.root, self.assignment, sub):
                sub.status = "unchanged"
                self.bar.update(1)
            elif sub.notebook is None:
                sub.status = "graded"
                self.nbgrader(sub, None)
            else:
                sub.status = "graded"
                yield sub

    def nbgrader(self, sub: Submission, record: dict | None) -> None:
        """nbgrader's autograde of one learner, with the worker's record when there is one."""
        if record is not None:
            PRECOMPUTED[sub.key] = record
        result = self.nbgrader_run(sub.student)
        self.log_file.write(f"==== {sub.student}\n{result.get('log', '')}{result.get('error', '')}\n")
        if not result["success"]:
            self.failed.append(sub.student)
            sub.status = "FAILED"
        left = PRECOMPUTED.pop(sub.key, None) if sub.key else None
        if sub.notebook is not None and (record is None or left is not None):
            self.by_nbgrader.append(sub.student)  # no record, or nbgrader's notebook had another key
        self.bar.update(1)

    def on_workers(self, client, waiting) -> bool:
        """Grade ``waiting`` on the cluster; True when its workers cannot grade at all."""
        from distributed import as_completed

        options, timeout = session_options(self.config), grading_timeout(self.config)
        code = records.code_fingerprint(self.assignment)
        futures: dict = {}
        running = as_completed()

        def top_up():
            window = max(4, 2 * len(client.scheduler_info().get("workers", {})))
            while len(futures) < window and (sub := next(waiting, None)) is not None:
                future = client.submit(grade_submission, self.assignment, sub.notebook, sub.extra, options, code,
                                       timeout, key=f"grade-{self.assignment}-{sub.student}-{sub.key[:16]}")
                sub.extra = {}  # sent: not kept
                futures[future] = sub
                running.add(future)

        top_up()
        for future in running:
            sub = futures.pop(future)
            top_up()  # keep the workers busy while nbgrader takes this one
            try:
                record = future.result()
            except (CourseMismatch, sandbox.SandboxUnavailable) as exc:
                for f in futures:
                    f.cancel()
                print(f"error: a worker cannot grade: {exc}", file=self.out)
                return True
            except Exception as exc:  # the task's own failure: SandboxGrade grades it
                print(f"{sub.student}: the worker failed ({type(exc).__name__}); graded here instead", file=self.out)
                record = None
            if record is not None and record.get("grader_failed") and not record.get("timed_out"):
                record = None  # the grader crashed: SandboxGrade grades it again, with its log
            self.nbgrader(sub, record)
        return False

    def print_table(self) -> None:
        table = scores(self.assignment, self.config.CourseDirectory.db_url)
        width = max([len(s.student) for s in self.class_] + [7])
        print(f"{'student':<{width}}  {'score':>7}  {'max':>5}", file=self.out)
        for s in self.class_:
            score, most = table.get(s.student, (0.0, 0.0))
            print(f"{s.student:<{width}}  {score:>7.2f}  {most:>5g}  {s.status}", file=self.out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnncourse.grading.classgrade",
                                     description="Grade the class in submitted/ in parallel, into nbgrader's gradebook.")
    parser.add_argument("assignment")
    parser.add_argument("--root", type=Path, default=Path("."), help="the course root (default: here)")
    parser.add_argument("--scheduler", default=os.environ.get("DASK_SCHEDULER") or None,
                        help="a Dask scheduler's address (tcp://HOST:PORT); default: local workers")
    parser.add_argument("--workers", type=int, default=None,
                        help="local worker processes (default: one per core)")
    parser.add_argument("--force", action="store_true", help="grade every submission, changed or not")
    args = parser.parse_args(argv)
    # the workers import grade_submission by name: never from __main__ (python -m)
    from rnncourse.grading import classgrade

    return classgrade.grade_class(args.root, args.assignment, scheduler=args.scheduler, workers=args.workers,
                       force=args.force)


if __name__ == "__main__":
    sys.exit(main())
