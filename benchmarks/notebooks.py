"""How long the notebooks take when run top to bottom, alone and on a shared machine.

    python benchmarks/notebooks.py                 # 01, 03 and 05, alone and loaded (~20 min)
    python benchmarks/notebooks.py --only 01,03    # some of them
    python benchmarks/notebooks.py --no-load       # alone only
    python benchmarks/notebooks.py --only 05 --no-load --threads 2   # what the thread choice does

Each source notebook (the reference solutions in the learner's cells, so the learner's path when
every answer is right) is copied into a fresh folder and run there with
``jupyter nbconvert --to notebook --execute``, kernel start included: first alone, then beside one
CPU-bound process per core, as on a node shared with other users. The 05 notebook takes its
default path: no checkpoint beside it, so it trains the default model, then reports its
validation loss.

Targets: 01 and 03 within 60 s alone; 05 within 5 minutes alone, at most twice that beside the
load, to the validation loss its section 6 promises ("about 1.47": met when the loss it
reports rounds to that or below). The three slowest cells of each run are printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rnncourse import course  # noqa: E402

NOTEBOOKS = {"01": "01_rnn_vs_lstm", "03": "03_other_architectures", "05": "05_anna_karnna"}
ALONE_LIMIT_S = {"01": 60, "03": 60, "05": 300}
LOADED_RATIO = {"05": 2.0}  # beside the load, at most this many times the time alone
PROMISE = re.compile(r"validation\s+loss\s+to\s+about\s+(\d+\.\d+)")  # 05's section 6
REACHED = re.compile(r"validation loss: (\d+\.\d+) nats per character")  # 05's loaded checkpoint


@contextmanager
def busy_cores():
    """One CPU-bound process per core, killed on leaving."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


THREAD_CHOICE = "torch.set_num_threads(training_threads())"


def execute(assignment: str, folder: Path, threads: int | None = None) -> tuple[float, dict]:
    """Run the source notebook top to bottom in ``folder``: seconds, and the executed notebook.
    With ``threads``, the copy's setup cell sets that many threads instead of choosing."""
    folder.mkdir()
    notebook = shutil.copy(course.notebook("source", assignment), folder)
    if threads is not None:
        text = Path(notebook).read_text()
        if THREAD_CHOICE not in text:
            sys.exit(f"{assignment} does not choose its threads with {THREAD_CHOICE}")
        Path(notebook).write_text(text.replace(THREAD_CHOICE, f"torch.set_num_threads({threads})"))
    env = {k: v for k, v in os.environ.items() if k != "COURSE_GRADING"}  # the learner's full experiments
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                           "--ExecutePreprocessor.timeout=3600", "--output-dir", str(folder),
                           "--output", "executed", notebook], cwd=folder, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"{assignment} failed:\n{proc.stderr[-3000:]}")
    return seconds, json.loads((folder / "executed.ipynb").read_text())


def cell_seconds(cell: dict) -> float:
    timing = cell.get("metadata", {}).get("execution", {})
    if "iopub.execute_input" not in timing or "shell.execute_reply" not in timing:
        return 0.0
    started, ended = (datetime.fromisoformat(timing[k]) for k in ("iopub.execute_input", "shell.execute_reply"))
    return (ended - started).total_seconds()


def slowest_cells(nb: dict, n: int = 3) -> str:
    """The ``n`` longest cells, as "[index] seconds", from the timings nbconvert records."""
    ranked = sorted(((cell_seconds(c), i) for i, c in enumerate(nb["cells"])), reverse=True)[:n]
    return ", ".join(f"[{i}] {s:.1f} s" for s, i in ranked)


def reached_loss(nb: dict) -> float | None:
    """The validation loss the notebook reports for its trained model."""
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            found = REACHED.search("".join(out.get("text", "")))
            if found:
                return float(found.group(1))
    return None


def promised_loss(assignment: str) -> float | None:
    nb = json.loads(course.notebook("source", assignment).read_text())
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    found = PROMISE.search(text)
    return float(found.group(1)) if found else None


def run(key: str, base: Path, load: bool, threads: int | None = None) -> dict:
    """One notebook alone, then (with ``load``) beside a busy process on every core."""
    assignment = NOTEBOOKS[key]
    result = {}
    for label in ("alone", "loaded") if load else ("alone",):
        with busy_cores() if label == "loaded" else nullcontext():
            seconds, nb = execute(assignment, base / f"{key}-{label}", threads)
        result[label], result[f"{label} loss"] = seconds, reached_loss(nb)
        print(f"{key} {label}: {seconds:.1f} s; slowest cells {slowest_cells(nb)}", flush=True)
    return result


def misses(key: str, result: dict) -> list[str]:
    """The targets this notebook missed (an empty list: all met)."""
    missed = []
    if result["alone"] > ALONE_LIMIT_S[key]:
        missed.append(f"alone > {ALONE_LIMIT_S[key]} s")
    if key in LOADED_RATIO and "loaded" in result and result["loaded"] > LOADED_RATIO[key] * result["alone"]:
        missed.append(f"loaded > {LOADED_RATIO[key]:g}x alone")
    if key == "05":
        promise = promised_loss(NOTEBOOKS[key])
        for label in ("alone", "loaded"):
            loss = result.get(f"{label} loss")
            if label in result and (loss is None or promise is None or round(loss, 2) > promise):
                missed.append(f"{label}: loss {loss} against the promised {promise}")
    return missed


def target(key: str) -> str:
    text = f"alone <= {ALONE_LIMIT_S[key]} s"
    if key in LOADED_RATIO:
        text += f", loaded <= {LOADED_RATIO[key]:g}x alone"
    if key == "05":
        text += f", loss <= {promised_loss(NOTEBOOKS[key])}"
    return text


def report(results: dict) -> None:
    print(f"\n{'notebook':<24} {'alone s':>8} {'loaded s':>9} {'ratio':>6}  {'target':<44} result")
    for key, r in results.items():
        loaded = f"{r['loaded']:.1f}" if "loaded" in r else "-"
        ratio = f"{r['loaded'] / r['alone']:.2f}" if "loaded" in r else "-"
        missed = misses(key, r)
        print(f"{NOTEBOOKS[key]:<24} {r['alone']:>8.1f} {loaded:>9} {ratio:>6}  {target(key):<44} "
              f"{'missed: ' + '; '.join(missed) if missed else 'met'}")
        if key == "05":
            losses = ", ".join(f"{label} {r[f'{label} loss']}" for label in ("alone", "loaded") if label in r)
            print(f"  05 validation loss reached: {losses} (promised about {promised_loss(NOTEBOOKS[key])})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(NOTEBOOKS), help="which notebooks, e.g. 01,03")
    parser.add_argument("--no-load", action="store_true", help="run each notebook alone only")
    parser.add_argument("--threads", type=int, help="set this many threads instead of the notebook's choice")
    args = parser.parse_args()
    keys = args.only.split(",")
    unknown = [k for k in keys if k not in NOTEBOOKS]
    if unknown:
        parser.error(f"unknown notebook {', '.join(unknown)}: choose from {', '.join(NOTEBOOKS)}")
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start"
          + (f"; {args.threads} thread(s), set in place of the notebook's choice" if args.threads else ""), flush=True)
    with tempfile.TemporaryDirectory(prefix="notebook-bench-") as tmp:
        results = {key: run(key, Path(tmp), not args.no_load, args.threads) for key in keys}
    report(results)
    return 1 if any(misses(key, r) for key, r in results.items()) else 0


if __name__ == "__main__":
    sys.exit(main())
