"""The runs that chose the project's default CPU run: validation loss against characters read.

    python benchmarks/cpu_recipe.py                      # every candidate, two at a time (~40 min)
    python benchmarks/cpu_recipe.py --pick 256x1-s50     # those whose names contain this
    python benchmarks/cpu_recipe.py --jobs 1             # one at a time: seconds comparable

Each candidate trains a fresh ``CharRNN`` (seed 0) on the encoded novel with the reference
``train`` for a whole number of epochs, as the notebook's default cell does, on one thread
(the thread ``rnncourse.helpers.anna_karnna.training_threads()`` gives on a 2-core machine), and is then measured
as the grade measures a checkpoint (``validation_loss`` on ``novel_validation()``). The loss
reached depends only on the characters read, not on the machine's speed; the seconds are
those of this run (two candidates at a time share the cores, so they run slower than alone).
The single-thread training rate of each shape, alone, is in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name: (n_hidden, n_layers, batch_size, seq_length, lr, weight_decay, epochs); no dropout
CANDIDATES = {
    "128x2-s100-lr3e-3-3ep": (128, 2, 32, 100, 3e-3, 0.1, 3),
    "256x1-s100-lr3e-3-3ep": (256, 1, 32, 100, 3e-3, 0.1, 3),
    "256x1-s100-lr6e-3-3ep": (256, 1, 32, 100, 6e-3, 0.1, 3),
    "256x1-s50-lr6e-3-3ep": (256, 1, 32, 50, 6e-3, 0.1, 3),
    "256x1-s50-lr6e-3-2ep": (256, 1, 32, 50, 6e-3, 0.1, 2),
    "256x1-s50-lr1e-2-2ep": (256, 1, 32, 50, 1e-2, 0.1, 2),
}


def one(name: str) -> dict:
    """Train one candidate (in this process: run by ``--run NAME``) and measure it."""
    import numpy as np
    import torch

    torch.set_num_threads(1)
    sys.path.insert(0, str(ROOT))
    from rnncourse.data import load_anna
    from rnncourse.helpers.anna_karnna import novel_validation, validation_loss
    from solutions.anna_karnna import CharRNN, train

    hidden, layers, batch, seq, lr, wd, epochs = CANDIDATES[name]
    text = load_anna()
    chars = tuple(sorted(set(text)))
    index = {c: i for i, c in enumerate(chars)}
    encoded = np.array([index[c] for c in text], dtype=np.int64)
    torch.manual_seed(0)
    net = CharRNN(chars, n_hidden=hidden, n_layers=layers, drop_prob=0.0)
    started = time.monotonic()
    history = train(net, encoded, epochs=epochs, batch_size=batch, seq_length=seq, lr=lr, clip=5,
                    print_every=400, schedule="cosine", weight_decay=wd)
    seconds = time.monotonic() - started
    return {"name": name, "seconds": round(seconds), "characters": int(history["step"][-1] * batch * seq),
            "along": [round(v, 3) for v in history["val_loss"]],
            "grade_loss": round(validation_loss(net, novel_validation()[1]), 3)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pick", nargs="*", default=[], help="only candidates whose names contain these")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--run", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.run:
        print(json.dumps(one(args.run)))
        return 0
    names = [n for n in CANDIDATES if not args.pick or any(p in n for p in args.pick)]

    def child(name):
        out = subprocess.run([sys.executable, __file__, "--run", name], capture_output=True, text=True)
        return json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else {"name": name, "failed": out.stderr[-500:]}

    print(f"{'candidate':<26} {'characters':>11} {'seconds':>8} {'grade loss':>11}  validation loss along the run")
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for r in pool.map(child, names):
            if "failed" in r:
                print(f"{r['name']:<26} failed: {r['failed']}")
                continue
            print(f"{r['name']:<26} {r['characters']:>11,} {r['seconds']:>8} {r['grade_loss']:>11.3f}  {r['along']}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
