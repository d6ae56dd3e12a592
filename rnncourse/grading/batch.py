"""Grade many notebooks: one result record each, on warm graders working side by side.

    python -I -m rnncourse.grading.batch --assignment 04_sequence_batching --out records/ NB [NB ...]

Each notebook is still graded on its own (its own sandbox, its own record) by a warm grader
(``warm.WarmGrader``, as ``nbgrader autograde`` and the class grader's workers grade); each of
``--jobs`` graders takes the next notebook as soon as it is done, so one slow notebook never
holds back the ones queued behind it. A notebook whose grading fails gets a record with its
``error``; the batch goes on. Records are written as ``records/00000.json``, ... in the order
the notebooks are named.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rnncourse.grading.warm import WarmGrader


def grade_many(paths: list[str | Path], assignment: str, jobs: int = 2,
               timeout: float = 3600, code_scan: bool = True) -> list[dict]:
    """Records in the order of ``paths``; ``timeout`` bounds the grading of each notebook."""
    paths = [Path(p) for p in paths]
    graded: list[dict | None] = [None] * len(paths)
    queue, lock = iter(range(len(paths))), threading.Lock()

    def work() -> None:
        grader = WarmGrader(log=None)  # its log is the caller's stderr
        try:
            while True:
                with lock:
                    i = next(queue, None)
                if i is None:
                    return
                record = grader.grade(paths[i], assignment, paths[i].parent, {}, timeout, code_scan=code_scan)
                graded[i] = {**record, "notebook": str(paths[i])}
        finally:
            grader.close()

    workers = max(1, min(jobs, len(paths)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for done in [pool.submit(work) for _ in range(workers)]:
            done.result()
    return graded


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnncourse.grading.batch")
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=2, help="notebooks graded at once (default 2)")
    parser.add_argument("--no-code-scan", action="store_true",
                        help="grade notebooks whose code reaches into the grader (for tests)")
    parser.add_argument("notebooks", nargs="+")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    found = grade_many(args.notebooks, args.assignment, args.jobs, code_scan=not args.no_code_scan)
    for i, record in enumerate(found):
        (args.out / f"{i:05d}.json").write_text(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
