"""Whole classes of realistic submissions, for the class-grading tests and benchmark.

A class mixes the reference, the blank release, the demo learners and the corpora's
correct and wrong variants (cycled, under new student ids, when more are asked for).
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rnncourse import course, demo, submissions

CORPUS = Path(__file__).parent / "corpus"


def learners(assignment: str, kinds=("correct", "wrong")) -> list[tuple[str, dict, list]]:
    """(name, notebook, files) for the reference, the blank, demo learners and corpus variants."""
    out = []
    for person in demo.demo_class(assignment):
        nb = submissions.make(assignment, person.code, base=person.base)
        files = course.reference_files(assignment) if person.base == "reference" else []
        out.append((person.student.removeprefix(demo.PREFIX), nb, files))
    by_kind = []
    for kind in kinds:
        path = CORPUS / assignment / f"{kind}.py"
        by_kind.append([(kind, v) for v in (submissions.parse_corpus(path) if path.exists() else [])])
    for kind, v in (pair for pairs in itertools.zip_longest(*by_kind) for pair in pairs if pair):  # kinds mixed
        target = next(iter(v.expect), None)
        nb = submissions.make(assignment, v.code, base="reference", target=target)
        out.append((f"{kind}-{v.name}", nb, course.reference_files(assignment)))
    return out


def make_class(root: Path, assignment: str, size: int, kinds=("correct", "wrong")) -> list[str]:
    """Write ``size`` submissions into ``root/submitted``; the student ids, in order."""
    pool = learners(assignment, kinds)
    students = []
    for i in range(size):
        name, nb, files = pool[i % len(pool)]
        student = f"s{i:03d}-{name}"[:60]
        submissions.write(nb, root / "submitted" / student / assignment / f"{assignment}.ipynb", files)
        students.append(student)
    return students


def nbgrader_course(root: Path, assignment: str, template) -> Path:
    """A scratch course root (``template``: conftest.make_course_root) with ``assignment`` in
    its gradebook."""
    template(root)
    demo.nbgrader(root, "generate_assignment", assignment, "--force")
    shutil.rmtree(root / "release", ignore_errors=True)
    return root


def gradebook_scores(root: Path, assignment: str) -> dict[str, float]:
    """student -> total score of ``assignment``, from the course root's gradebook."""
    from rnncourse.grading.classgrade import scores

    return {s: round(score, 4) for s, (score, _) in scores(assignment, f"sqlite:///{root / 'gradebook.db'}").items()}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class DaskCluster:
    address: str
    scheduler: subprocess.Popen
    workers: list[subprocess.Popen]

    def kill_worker(self, i: int) -> None:
        """SIGKILL a worker and its nanny, as a lost node would go."""
        os.killpg(self.workers[i].pid, signal.SIGKILL)
        self.workers[i].wait(timeout=30)

    def live_workers(self) -> int:
        from distributed import Client

        with Client(self.address, timeout="10s") as client:
            return len(client.scheduler_info()["workers"])


@contextmanager
def dask_cluster(workdir: Path, n_workers: int = 2, timeout: float = 90):
    """A real ``dask scheduler`` and ``n_workers`` ``dask worker`` processes (one thread each) on
    127.0.0.1, started in ``workdir`` (not the course root); all stopped on exit."""
    dask = str(Path(sys.executable).parent / "dask")
    address = f"tcp://127.0.0.1:{free_port()}"
    logs = workdir / "dask-logs"
    logs.mkdir(parents=True, exist_ok=True)

    def start(args, name):
        return subprocess.Popen([dask, *args], cwd=workdir, start_new_session=True,
                                stdout=open(logs / f"{name}.out", "w"), stderr=subprocess.STDOUT)

    procs = [start(["scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                    "--no-dashboard"], "scheduler")]
    try:
        workers = [start(["worker", address, "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1",
                          "--no-dashboard", "--name", f"worker-{i}"], f"worker-{i}") for i in range(n_workers)]
        procs += workers
        cluster = DaskCluster(address, procs[0], workers)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if cluster.live_workers() == n_workers:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the Dask cluster did not start: see {logs}")
            time.sleep(1)
        yield cluster
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
