"""How fast a class is graded: nbgrader's serial path against ``make autograde``'s parallel one.

    python benchmarks/class_grading.py               # a class of 40 02 submissions (~15 min here)
    python benchmarks/class_grading.py --size 12     # smaller, quicker

In one run, on one class of realistic 02 submissions (reference, blank, demo learners and
the corpora's correct and wrong variants, cycled), each in its own scratch course root:

1. **serial**: ``nbgrader autograde`` with the course's configuration (one grader process
   and one sandbox per notebook, one notebook after another): the path before ``classgrade``;
2. **default**: ``python -m rnncourse.grading.classgrade`` (``make autograde``): local Dask
   workers, one single-threaded process per core;
3. **cluster**: the same, on a ``dask scheduler`` with two ``dask worker`` processes of one
   thread each on this machine;
4. **bare**: the code the grader runs of the reference notebook (its cells, less those tagged
   ``grading:skip``) in a plain ``python``: no sandbox, no hidden tests, no nbgrader; the
   grader's overhead per notebook is measured against it.

It prints seconds and core-seconds (the whole machine's busy time) per notebook, the speed-ups
over the serial path (targets: default ≥ 4×, cluster ≥ 1.8×), the core-seconds each path spends
per notebook beyond the bare execution, and the ceiling this machine allows: the serial time
over the bare execution spread on every core. Every path must give the serial path's grades.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from classes import dask_cluster, gradebook_scores, make_class, nbgrader_course  # noqa: E402
from conftest import make_course_root  # noqa: E402

from rnncourse import demo, submissions  # noqa: E402
from rnncourse.grading.notebook import graded_tests, learner_code  # noqa: E402

A = "02_lstm_gates"


def course(base: Path, name: str, size: int) -> Path:
    root = nbgrader_course(base / name, A, make_course_root)
    make_class(root, A, size)
    return root


def busy() -> float:
    """Core-seconds this machine has been busy (all processes), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def timed(label: str, fn, cores: dict) -> float:
    started, before = time.monotonic(), busy()
    fn()
    seconds = time.monotonic() - started
    cores[label] = busy() - before
    print(f"  {label}: {seconds:.1f} s, {cores[label]:.0f} core-s", flush=True)
    return seconds


def classgrade(root: Path, *args: str) -> None:
    proc = subprocess.run([sys.executable, "-m", "rnncourse.grading.classgrade", A, *args], cwd=root,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"classgrade failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")


def bare(base: Path, runs: int) -> None:
    """Run the reference notebook's graded code (the cells the grader runs) ``runs`` times, each in
    a plain ``python``: no sandbox, no hidden tests, no nbgrader."""
    nb = submissions.make(A)
    ids = {t.grade_id for t in graded_tests(nb)}
    script = base / "bare.py"
    script.write_text("\n\n".join(c.source for c in learner_code(nb, ids)))
    for _ in range(runs):
        subprocess.run([sys.executable, str(script)], cwd=base, capture_output=True, check=True,
                       env={**os.environ, "MPLBACKEND": "Agg"})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=40)
    args = parser.parse_args()
    n = args.size
    print(f"a class of {n} {A} submissions on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="class-bench-") as tmp:
        base = Path(tmp)
        roots = {name: course(base, name, n) for name in ("serial", "default", "cluster")}
        cores: dict = {}
        seconds = {"serial": timed("serial", lambda: demo.nbgrader(
            roots["serial"], "autograde", A, "--log-level=WARN", check=False), cores)}
        seconds["default"] = timed("default", lambda: classgrade(roots["default"]), cores)
        with dask_cluster(base / "dask") as cluster:
            seconds["cluster"] = timed("cluster", lambda: classgrade(roots["cluster"], "--scheduler",
                                                                      cluster.address), cores)
        runs = min(n, 5)  # scaled to the class
        seconds["bare"] = timed(f"bare ({runs} runs)", lambda: bare(base, runs), cores) * n / runs
        cores["bare"] = cores.pop(f"bare ({runs} runs)") * n / runs
        grades = {name: gradebook_scores(root, A) for name, root in roots.items()}
    same = all(grades[name] == grades["serial"] for name in ("default", "cluster"))
    print(f"\n{'path':<8} {'s/notebook':>10} {'speed-up':>9} {'core-s/notebook':>16} {'overhead core-s/nb':>19}")
    for name in ("serial", "default", "cluster", "bare"):
        s, c = seconds[name], cores[name] / n
        print(f"{name:<8} {s / n:>10.2f} {seconds['serial'] / s:>8.1f}x {c:>16.2f} {c - cores['bare'] / n:>19.2f}")
    ceiling = seconds["serial"] / (cores["bare"] / (os.cpu_count() or 1))
    print(f"\ntargets: default >= 4x ({seconds['serial'] / seconds['default']:.1f}x), "
          f"cluster >= 1.8x ({seconds['serial'] / seconds['cluster']:.1f}x); "
          f"same grades on every path: {same}\n"
          f"ceiling on {os.cpu_count()} cores (the notebooks' own code alone, on every core, nothing else): "
          f"{ceiling:.1f}x")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
