"""CPU benchmark of the Anna KaRNNa project (05_anna_karnna).

Trains character-level LSTMs from scratch on data/anna.txt and prints the validation loss
(nats per character on the last 10% of the novel) against training wall time:

* the course's default CPU configuration for ``--minutes`` (15), its learning rate on
  ``warmup_cosine`` (warm-up, peak held, cosine decay over the last 40%) over that budget;
* the same configuration with a ``--short-minutes`` (5) budget, its schedule fitted to 5 minutes;
* the classic configuration (512x2, batch 128, sequence 100, Adam at 1e-3, dropout 0.5) for
  ``--classic-minutes`` (5), beside it;
* the training loop's characters per second as a ratio to a bare ``nn.LSTM``
  forward/backward/Adam step on the same shapes, in the same process.

    python benchmarks/anna_karnna.py                    # the full benchmark (about 30 minutes)
    python benchmarks/anna_karnna.py --quick            # a 3-minute smoke run of every part
    python benchmarks/anna_karnna.py --only sweep --minutes 5   # the configuration sweep (README)
    python benchmarks/anna_karnna.py --only sweep --minutes 15 --pick "b32 d0"   # some of it
    python benchmarks/anna_karnna.py --save solutions/checkpoints/anna_karnna.pt   # keep the default model

Validation time is not counted as training time. Progress lines also give the characters seen,
which do not depend on the machine's speed. Pin the process to two cores to imitate a
2-core laptop on a larger machine: ``taskset -c 0,1 python benchmarks/anna_karnna.py --threads 2``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rnncourse.helpers.anna_karnna import validation_loss, warmup_cosine  # noqa: E402
from solutions.anna_karnna import CharRNN, load_encoded, save_checkpoint  # noqa: E402
from solutions.sequence_batching import get_batches, one_hot_encode, train_val_split  # noqa: E402

# The course's CPU default; "cosine" is warmup_cosine: warm-up, the peak rate held, then a
# cosine decay over the last 40% of the budget.
DEFAULT = dict(n_hidden=256, n_layers=2, drop_prob=0.0, weight_decay=0.1, batch_size=32, seq_length=100, lr=3e-3,
               schedule="cosine")
CLASSIC = dict(n_hidden=512, n_layers=2, drop_prob=0.5, batch_size=128, seq_length=100, lr=1e-3, schedule="constant")
BASELINE = dict(n_hidden=256, n_layers=2, drop_prob=0.2, batch_size=64, seq_length=100, lr=3e-3, schedule="constant")
# The runs that decided the default (benchmarks/README.md), in the order they were made; the
# earlier ones warmed up over 3% of the budget and had no weight decay.
EARLY = dict(warmup_frac=0.03, weight_decay=0.0)
SWEEP = {
    "b64 d0.2 constant": BASELINE,
    "b64 d0.2 cos": dict(BASELINE, **EARLY, schedule="cosine", decay_frac=1.0),
    "b64 d0.2 wsd0.3": dict(BASELINE, **EARLY, schedule="cosine", decay_frac=0.3),
    "b32 d0.2 wsd0.3": dict(BASELINE, **EARLY, batch_size=32, schedule="cosine", decay_frac=0.3),
    "b32 d0 wsd0.3": dict(DEFAULT, **EARLY, decay_frac=0.3),
    "b32 d0 wsd0.4": dict(DEFAULT, **EARLY),
    "b32 d0.3 wsd0.4": dict(DEFAULT, **EARLY, drop_prob=0.3),
    "b32 d0 wd0.1 wsd0.4 warm-up 3%": dict(DEFAULT, warmup_frac=0.03),
    "b32 d0 wd0.1 wsd0.4 (default)": DEFAULT,
}


def optimizer(params, cfg):
    """The course's optimizer: Adam with decoupled weight decay (AdamW; plain Adam at 0)."""
    return torch.optim.AdamW(params, lr=cfg["lr"], weight_decay=cfg.get("weight_decay", 0.0))


class TrainingLoop:
    """The course's training step (as the reference ``train`` takes it), one step at a time:
    batches from ``get_batches``, one-hot inputs, ``CharRNN`` forward, cross-entropy, backward,
    clipping at 5, Adam; the hidden state carried and detached, reset at every epoch."""

    def __init__(self, cfg, train, chars, seed=0):
        torch.manual_seed(seed)
        self.cfg, self.train, self.n_chars = cfg, train, len(chars)
        self.net = CharRNN(chars, n_hidden=cfg["n_hidden"], n_layers=cfg["n_layers"], drop_prob=cfg["drop_prob"])
        self.opt = optimizer(self.net.parameters(), cfg)
        self.criterion = nn.CrossEntropyLoss()
        self.batches = self._batches()
        self.net.train()

    def _batches(self):
        while True:
            self.h = self.net.init_hidden(self.cfg["batch_size"])
            yield from get_batches(self.train, self.cfg["batch_size"], self.cfg["seq_length"])

    def step(self, lr):
        """One training step at learning rate ``lr``; returns the batch's loss."""
        x, y = next(self.batches)
        for group in self.opt.param_groups:
            group["lr"] = lr
        inputs = torch.from_numpy(one_hot_encode(x, self.n_chars))
        targets = torch.from_numpy(y)
        self.h = tuple(each.detach() for each in self.h)
        self.opt.zero_grad()
        out, self.h = self.net(inputs, self.h)
        loss = self.criterion(out, targets.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(self.net.parameters(), 5)
        self.opt.step()
        return loss.item()


class BareLSTM:
    """``nn.LSTM`` forward, backward and Adam step alone on the same shapes: no data, no output
    layer, no loss; the yardstick for the training loop's overhead."""

    def __init__(self, cfg, n_chars, seed=0):
        torch.manual_seed(seed)
        self.lstm = nn.LSTM(n_chars, cfg["n_hidden"], cfg["n_layers"], batch_first=True,
                            dropout=cfg["drop_prob"] if cfg["n_layers"] > 1 else 0.0)
        self.opt = optimizer(self.lstm.parameters(), cfg)
        self.x = torch.zeros(cfg["batch_size"], cfg["seq_length"], n_chars)
        self.x[..., 0] = 1

    def step(self, lr=None):
        out, _ = self.lstm(self.x)
        self.opt.zero_grad()
        out.sum().backward()
        self.opt.step()


def lr_at(cfg, clock, budget):
    if cfg["schedule"] != "cosine":
        return cfg["lr"]
    shape = {k: cfg[k] for k in ("warmup_frac", "floor", "decay_frac") if k in cfg}
    return cfg["lr"] * warmup_cosine(int(clock), int(budget), **shape)


def run(name, cfg, minutes, marks, data, chars, seed=0, save=None, progress=True):
    """Train for ``minutes`` of wall time; returns rows (minutes, val_loss) and chars/s of training.

    The learning-rate schedule runs over the wall-time budget; validation time is not counted."""
    train, val = data
    loop = TrainingLoop(cfg, train, chars, seed)
    budget, per_step = minutes * 60.0, cfg["batch_size"] * cfg["seq_length"]
    marks = sorted(m for m in marks if m <= minutes + 1e-9)
    rows, clock, step, smooth = [], 0.0, 0, None
    while clock < budget:
        started = time.perf_counter()
        loss = loop.step(lr_at(cfg, clock, budget))
        clock += time.perf_counter() - started
        step += 1
        smooth = loss if smooth is None else 0.98 * smooth + 0.02 * loss
        while marks and clock >= marks[0] * 60:
            vl = validation_loss(loop.net, val)
            rows.append((marks.pop(0), vl))
            if progress:
                print(f"  [{name}] {rows[-1][0]:>5.1f} min  step {step:>6}  {step * per_step / 1e6:5.1f}M chars  "
                      f"train {smooth:.3f}  val {vl:.3f}  ({step * per_step / clock:,.0f} chars/s)", flush=True)
    if save:
        save_checkpoint(loop.net, save)
        print(f"  saved {save}")
    return rows, step * per_step / clock


def throughput(cfg, train, chars, rounds=15, steps=4):
    """(loop, bare) characters per second, measured in alternating blocks of ``steps`` steps and
    compared by their medians, so that drift in the machine's speed hits both alike."""
    loop, bare = TrainingLoop(cfg, train, chars), BareLSTM(cfg, len(chars))
    times = {"loop": [], "bare": []}
    for i in range(rounds + 1):
        for key, fn in (("bare", bare.step), ("loop", loop.step)):
            started = time.perf_counter()
            for _ in range(steps):
                fn(cfg["lr"])
            if i:  # the first round warms up
                times[key].append((time.perf_counter() - started) / steps)
    per_step = cfg["batch_size"] * cfg["seq_length"]
    return per_step / statistics.median(times["loop"]), per_step / statistics.median(times["bare"])


def table(results, marks):
    names = list(results)
    print("\nvalidation loss (nats per character, last 10% of the novel) against training wall time")
    print(f"{'minutes':>8} | " + " | ".join(f"{n:>26}" for n in names))
    for m in marks:
        cells = []
        for n in names:
            got = dict(results[n][0]).get(m)
            cells.append(f"{got:>26.3f}" if got is not None else f"{'':>26}")
        print(f"{m:>8g} | " + " | ".join(cells))
    print(f"{'chars/s':>8} | " + " | ".join(f"{results[n][1]:>26,.0f}" for n in names))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=15)
    ap.add_argument("--short-minutes", type=float, default=5)
    ap.add_argument("--classic-minutes", type=float, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="1-minute runs: checks that everything works")
    ap.add_argument("--only", choices=["default", "sweep", "ratio"], help="run one part")
    ap.add_argument("--pick", nargs="*", default=[], help="sweep only the configurations whose names contain these")
    ap.add_argument("--save", type=Path, help="save the default run's model here (save_checkpoint format)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.quick:
        args.minutes = args.short_minutes = args.classic_minutes = 1
    marks = [m for m in (0.5, 1, 2, 3, 5, 7, 10, 15, 20, 30) if m <= args.minutes] or [args.minutes]
    if args.minutes not in marks:
        marks.append(args.minutes)
    _, chars, encoded = load_encoded()
    data = train_val_split(encoded, 0.1)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"train {len(data[0]):,} chars, validation {len(data[1]):,} chars")

    if args.only in (None, "ratio"):
        print("\nthroughput: training loop vs bare nn.LSTM forward/backward/Adam step, same shapes")
        # With dropout, the model's dropout layer (whose random masks are slow to draw on AMD
        # CPUs) weighs on the loop but not on the bare LSTM: the reason the default has none.
        for label, cfg in (("default", DEFAULT), ("default, dropout 0.3", dict(DEFAULT, drop_prob=0.3, weight_decay=0.0)),
                           ("classic", CLASSIC)):
            loop, bare = throughput(cfg, data[0], chars)
            print(f"  {label:20s} loop {loop:>8,.0f} chars/s   bare LSTM {bare:>8,.0f} chars/s   "
                  f"ratio {loop / bare:.2f}", flush=True)
        if args.only == "ratio":
            return 0

    if args.only == "sweep":
        picked = {n: c for n, c in SWEEP.items() if not args.pick or any(p in n for p in args.pick)}
        results = {n: run(n, c, args.minutes, marks, data, chars) for n, c in picked.items()}
        table(results, marks)
        return 0

    results = {}
    results[f"default, {args.minutes:g}-min schedule"] = run("default", DEFAULT, args.minutes, marks, data,
                                                               chars, save=args.save)
    if args.short_minutes and args.short_minutes != args.minutes:
        results[f"default, {args.short_minutes:g}-min schedule"] = run("default short", DEFAULT,
                                                                     args.short_minutes, marks, data, chars)
    if args.classic_minutes and args.only != "default":
        results["classic 512x2 b128 lr1e-3"] = run("classic", CLASSIC, args.classic_minutes, marks, data, chars)
    table(results, marks)
    print("\ntargets for the default: <= 1.50 within 5 minutes, <= 1.35 within 15 minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
