"""CPU benchmark of the Anna KaRNNa project (05_anna_karnna).

Trains character-level LSTMs from scratch on data/anna.txt and prints the validation loss
(nats per character on the last 10% of the novel) against training wall time:

* the course's default CPU configuration for ``--minutes`` (15), learning rate on a warm-up +
  cosine schedule over that budget;
* the same configuration with a ``--short-minutes`` (5) budget, its schedule fitted to 5 minutes;
* the classic configuration (512x2, batch 128, sequence 100, Adam at 1e-3, dropout 0.5) for
  ``--classic-minutes`` (5), beside it;
* the training loop's characters per second as a ratio to a bare ``nn.LSTM``
  forward/backward/Adam step on the same shapes, in the same process.

    python benchmarks/anna_karnna.py                    # the full benchmark (about 30 minutes)
    python benchmarks/anna_karnna.py --quick            # a 3-minute smoke run of every part
    python benchmarks/anna_karnna.py --only sweep --minutes 2   # the configuration sweep (README)
    python benchmarks/anna_karnna.py --save solutions/checkpoints/anna_karnna.pt   # keep the default model

Validation time is not counted as training time. Pin the process to two cores to imitate a
2-core laptop on a larger machine: ``taskset -c 0,1 python benchmarks/anna_karnna.py --threads 2``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rnncourse.charmodel import validation_loss, warmup_cosine  # noqa: E402
from solutions.anna_karnna import CharRNN, load_encoded, save_checkpoint  # noqa: E402
from solutions.sequence_batching import get_batches, one_hot_encode, train_val_split  # noqa: E402

DEFAULT = dict(n_hidden=256, n_layers=2, drop_prob=0.2, batch_size=64, seq_length=100, lr=3e-3, schedule="cosine")
CLASSIC = dict(n_hidden=512, n_layers=2, drop_prob=0.5, batch_size=128, seq_length=100, lr=1e-3, schedule="constant")
SWEEP = {
    "plain 256x2 b64 lr3e-3": dict(DEFAULT, schedule="constant"),
    "default 256x2 b64 cosine": DEFAULT,
    "256x2 b32 s100 cosine": dict(DEFAULT, batch_size=32),
    "256x2 b128 s100 cosine lr4e-3": dict(DEFAULT, batch_size=128, lr=4e-3),
    "256x2 b64 s50 cosine": dict(DEFAULT, seq_length=50),
    "384x2 b64 cosine lr2e-3": dict(DEFAULT, n_hidden=384, lr=2e-3),
    "512x1 b64 cosine": dict(DEFAULT, n_hidden=512, n_layers=1),
    "128x2 b64 cosine lr5e-3": dict(DEFAULT, n_hidden=128, lr=5e-3, drop_prob=0.0),
}


def run(name, cfg, minutes, marks, data, chars, seed=0, save=None, progress=True):
    """Train for ``minutes`` of wall time; returns rows (minutes, val_loss) and chars/s of training."""
    torch.manual_seed(seed)
    train, val = data
    net = CharRNN(chars, n_hidden=cfg["n_hidden"], n_layers=cfg["n_layers"], drop_prob=cfg["drop_prob"])
    opt = torch.optim.Adam(net.parameters(), lr=cfg["lr"])
    criterion = nn.CrossEntropyLoss()
    B, T, V = cfg["batch_size"], cfg["seq_length"], len(chars)
    budget = minutes * 60.0
    marks = sorted(m for m in marks if m <= minutes + 1e-9)
    rows, clock, chars_seen, step, done = [], 0.0, 0, 0, False
    net.train()
    while not done:
        h = net.init_hidden(B)
        for x, y in get_batches(train, B, T):
            started = time.perf_counter()
            if cfg["schedule"] == "cosine":
                for g in opt.param_groups:
                    g["lr"] = cfg["lr"] * warmup_cosine(int(clock), int(budget), 0.03, 0.03)
            inputs = torch.from_numpy(one_hot_encode(x, V))
            targets = torch.from_numpy(y)
            h = tuple(each.detach() for each in h)
            opt.zero_grad()
            out, h = net(inputs, h)
            loss = criterion(out, targets.reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 5)
            opt.step()
            clock += time.perf_counter() - started
            chars_seen += B * T
            step += 1
            while marks and clock >= marks[0] * 60:
                vl = validation_loss(net, val)
                net.train()
                rows.append((marks.pop(0), vl))
                if progress:
                    print(f"  [{name}] {rows[-1][0]:>5.1f} min  step {step:>6}  val {vl:.3f}  "
                          f"({chars_seen / clock:,.0f} chars/s)", flush=True)
            if clock >= budget:
                done = True
                break
    if save:
        save_checkpoint(net, save)
        print(f"  saved {save}")
    return rows, chars_seen / clock


def bare_lstm_rate(cfg, V, steps=20):
    """Characters per second of nn.LSTM + Adam alone on the same shapes (no data, no output layer)."""
    torch.manual_seed(0)
    lstm = nn.LSTM(V, cfg["n_hidden"], cfg["n_layers"], batch_first=True, dropout=cfg["drop_prob"])
    opt = torch.optim.Adam(lstm.parameters(), lr=1e-3)
    x = torch.zeros(cfg["batch_size"], cfg["seq_length"], V)
    x[..., 0] = 1
    for i in range(steps + 3):
        if i == 3:
            started = time.perf_counter()
        out, _ = lstm(x)
        opt.zero_grad()
        out.sum().backward()
        opt.step()
    return cfg["batch_size"] * cfg["seq_length"] * steps / (time.perf_counter() - started)


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
        for label, cfg in (("default", DEFAULT), ("classic", CLASSIC)):
            bare = bare_lstm_rate(cfg, len(chars))
            _, loop = run(f"{label} loop", cfg, 0.5, [], data, chars, progress=False)
            bare = (bare + bare_lstm_rate(cfg, len(chars))) / 2  # before and after, against drift
            print(f"  {label:8s} loop {loop:>8,.0f} chars/s   bare LSTM {bare:>8,.0f} chars/s   "
                  f"ratio {loop / bare:.2f}")
        if args.only == "ratio":
            return 0

    if args.only == "sweep":
        results = {n: run(n, c, args.minutes, marks, data, chars) for n, c in SWEEP.items()}
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
