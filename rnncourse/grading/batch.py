"""Grade many notebooks: one result record each, in parallel worker processes.

    python -m rnncourse.grading.batch --assignment 04_sequence_batching --out records/ NB [NB ...]

Each notebook is still graded on its own (its own sandbox, its own record); a
process grades a chunk of notebooks one after the other to save start-up time.
A notebook whose grading fails gets a record with its ``error``; the batch goes on.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from rnncourse.grading import records
from rnncourse.grading.runner import grade_notebook


def _grade_chunk(paths: list[str], assignment: str, out_dir: Path, code_scan: bool = True) -> None:
    for i, path in enumerate(paths):
        try:
            record = grade_notebook(path, assignment, code_scan=code_scan)
        except Exception as exc:  # the grader's own failure stays with this notebook
            record = {**records.failed(assignment, f"grading failed: {type(exc).__name__}: {exc}"), "notebook": path}
        (out_dir / f"{i:05d}.json").write_text(json.dumps(record))


def grade_many(paths: list[str | Path], assignment: str, jobs: int = 2,
               timeout: float = 3600, code_scan: bool = True) -> list[dict]:
    """Records in the order of ``paths``."""
    paths = [str(p) for p in paths]
    jobs = max(1, min(jobs, len(paths)))
    chunks = [paths[i::jobs] for i in range(jobs)]
    with tempfile.TemporaryDirectory(prefix="rnncourse-batch-") as tmp:
        procs = []
        for k, chunk in enumerate(chunks):
            out = Path(tmp) / str(k)
            out.mkdir()
            cmd = [sys.executable, "-I", "-m", "rnncourse.grading.batch", "--assignment", assignment,
                   "--out", str(out), *([] if code_scan else ["--no-code-scan"]), *chunk]
            procs.append((subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                           env={**os.environ, "PYTHONWARNINGS": "ignore"}), out, chunk))
        graded: dict[str, dict] = {}
        for proc, out, chunk in procs:
            try:
                _, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                err = b"timed out"
            for i, path in enumerate(chunk):
                f = out / f"{i:05d}.json"
                why = f"grading process failed: {err.decode(errors='replace')[-500:]}"
                graded[path] = json.loads(f.read_text()) if f.exists() else {
                    **records.failed(assignment, why), "notebook": path}
    return [graded[p] for p in paths]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnncourse.grading.batch")
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--no-code-scan", action="store_true",
                        help="grade notebooks whose code reaches into the grader (for tests)")
    parser.add_argument("notebooks", nargs="+")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    _grade_chunk(args.notebooks, args.assignment, args.out, code_scan=not args.no_code_scan)
    return 0


if __name__ == "__main__":
    sys.exit(main())
