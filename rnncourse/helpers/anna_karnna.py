"""Helpers for the Anna KaRNNa project (05): devices, threads, the learning-rate schedule, progress lines
for a training run, checkpoints, the validation loss the grade uses, and the loss plot.

The working versions of assignment 04's functions (batches, one-hot vectors) are not here:
the project's notebook carries them in a provided cell, released with the project.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time

import numpy as np
import torch

CHECKPOINT_NAME = "anna_karnna.pt"
# the shapes of model the grade scores (the notebook's largest configuration is 512 x 2)
MAX_LAYERS, MAX_HIDDEN = 3, 512


def checkpoint_int(value) -> int | None:
    """A checkpoint's ``n_layers`` or ``n_hidden`` as an int (a one-element integer tensor counts), else None."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_floating_point():
        value = int(value.item())
    return None if isinstance(value, bool) or not isinstance(value, int) else value


def size_problem(n_layers: int, n_hidden: int) -> str | None:
    """Why a checkpoint of this shape is not scored, or None: one rule for the grade and the self-check."""
    if 1 <= n_layers <= MAX_LAYERS and 1 <= n_hidden <= MAX_HIDDEN:
        return None
    return (f"it holds a {n_layers} x {n_hidden} LSTM; the grade scores models of 1 to {MAX_LAYERS} layers "
            f"of at most {MAX_HIDDEN} units (the notebook's largest configuration is 512 x 2)")


def default_device() -> torch.device:
    """The GPU when there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def model_device(net) -> torch.device:
    return next(net.parameters()).device


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity, capped by a cgroup CPU quota (a
    JupyterHub container often sees every core of the node but may use only a few)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    with contextlib.suppress(OSError, ValueError):
        quota, period = open("/sys/fs/cgroup/cpu.max").read().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, int(int(quota) / int(period))))
    return max(1, cores)


def busy_cores(samples: int = 5) -> float:
    """How many cores other programs keep busy now: the runnable tasks beside this one, the median
    of a few readings of /proc/loadavg over half a second (the 1-minute load average, which lags,
    where there is no /proc)."""
    readings = []
    with contextlib.suppress(OSError, ValueError, IndexError):
        for _ in range(samples):
            running = int(open("/proc/loadavg").read().split()[3].split("/")[0])
            readings.append(running - 1)  # this process, reading
            time.sleep(0.1)
    if readings:
        return float(np.median(readings))
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0


def training_threads(most: int = 4) -> int:
    """How many threads PyTorch should train on here: the cores nobody else is using less one,
    at most ``most`` (the project's LSTM gains little beyond) and at least one.

    The core left over serves everything else: Jupyter, the browser, the kernel's output, and
    other people's work that starts after the run has begun. A matrix product split between
    threads waits for the slowest, and a thread that loses its core holds up the others, so a
    run that took every core at the start slows to a crawl when load arrives (the project's
    notebook on a 2-core machine, beside a busy process per core: 5.9 times its time alone on
    two threads, 1.14 times on one; benchmarks/README.md)."""
    return max(1, min(most, int(usable_cores() - busy_cores() + 0.5) - 1))


def warmup_cosine(step: int, total_steps: int, warmup_frac: float = 0.15, floor: float = 0.03,
                  decay_frac: float = 0.4) -> float:
    """The learning-rate multiplier at ``step`` of ``total_steps``: a linear warm-up over the
    first ``warmup_frac`` of the steps, the peak rate held, then a cosine down to ``floor`` over
    the last ``decay_frac`` ("warm-up, stable, decay"; ``decay_frac=1`` is the plain cosine).

    A short run learns fastest at the peak rate; the decay at the end removes the noise that a
    high rate leaves (benchmarks/README.md).
    """
    warmup = max(1, int(total_steps * warmup_frac))
    if step < warmup:
        return (step + 1) / warmup
    decay_start = max(warmup, total_steps - int(total_steps * decay_frac))
    if step < decay_start:
        return 1.0
    progress = min(1.0, (step - decay_start) / max(1, total_steps - decay_start))
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))


class Progress:
    """Progress lines for a training run of ``total_steps`` steps of ``chars_per_step``
    characters each (``batch_size * seq_length``):

        step 1,200/2,232 (54%) [##########----------] | 21,300 chars/s | loss 1.612 | val 1.586 | 1 min 18 s left

    Call ``update(step, loss)`` after every step, with ``val_loss=`` when there is a new
    validation loss. A line comes every ``every`` seconds and at the last step; its loss is the
    mean training loss since the line before, its speed and time left count everything since
    the start (validation included).
    """

    def __init__(self, total_steps: int, chars_per_step: int, every: float = 10.0):
        self.total_steps, self.chars_per_step, self.every = total_steps, chars_per_step, every
        self.started = self.last_line = time.monotonic()
        self.losses: list[float] = []
        self.val_loss = None

    def seconds(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self.started

    def update(self, step: int, loss: float, val_loss: float | None = None) -> None:
        self.losses.append(float(loss))
        if val_loss is not None:
            self.val_loss = val_loss
        if time.monotonic() - self.last_line >= self.every or step >= self.total_steps:
            self.last_line = time.monotonic()
            _say(self.line(step, self.seconds()))
            self.losses = []

    def line(self, step: int, seconds: float) -> str:
        seconds = max(seconds, 1e-9)
        done = min(1.0, step / max(1, self.total_steps))
        bar = "#" * round(20 * done)
        parts = [f"step {step:,}/{self.total_steps:,} ({100 * done:.0f}%) [{bar:-<20}]",
                 f"{step * self.chars_per_step / seconds:,.0f} chars/s",
                 f"loss {np.mean(self.losses):.3f}"]
        if self.val_loss is not None:
            parts.append(f"val {self.val_loss:.3f}")
        left = seconds / step * (self.total_steps - step)
        parts.append(f"done in {_minutes(seconds)}" if step >= self.total_steps else f"{_minutes(left)} left")
        return " | ".join(parts)


def _minutes(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def _say(line: str) -> None:
    """Print ``line``, and in a Jupyter kernel also write it to the terminal the kernel runs in:
    there ``jupyter nbconvert --execute`` shows it live (cell output is only saved, at the end)
    and JupyterLab's terminal keeps a log."""
    print(line, flush=True)
    fd = _kernel_terminal()
    if fd is not None:
        with contextlib.suppress(OSError):  # a closed terminal must not stop a training run
            os.write(fd, (line + "\n").encode())


def _kernel_terminal() -> int | None:
    """This process's own stderr when ``print`` does not reach it (a Jupyter kernel sends it to
    the notebook), else None (a script: ``print`` is already on the terminal)."""
    if sys.stdout is sys.__stdout__:
        return None
    # ipykernel 6+ on Linux and macOS forwards file descriptor 2 into the notebook too, and
    # keeps a copy of the real one
    return getattr(sys.stderr, "_original_stdstream_copy", None) or 2


@torch.no_grad()
def validation_loss(net, encoded_val, batch_size: int = 32, seq_length: int = 250) -> float:
    """Mean cross-entropy (nats per character) of next-character prediction on ``encoded_val``.

    The text is cut into ``batch_size`` contiguous rows; the hidden state is carried along
    each row, so every prediction sees the row's whole past. Dropout is off (eval mode).
    """
    was_training = net.training
    net.eval()
    device = model_device(net)
    n_chars = len(net.chars)
    arr = np.asarray(encoded_val, dtype=np.int64)
    row = (len(arr) - 1) // batch_size
    x_all = arr[: row * batch_size].reshape(batch_size, row)
    y_all = arr[1 : row * batch_size + 1].reshape(batch_size, row)
    h = net.init_hidden(batch_size)
    total = 0.0
    for start in range(0, row, seq_length):
        x = torch.nn.functional.one_hot(torch.from_numpy(x_all[:, start : start + seq_length]),
                                        n_chars).float().to(device)
        y = torch.from_numpy(y_all[:, start : start + seq_length]).to(device)
        out, h = net(x, h)
        total += torch.nn.functional.cross_entropy(out, y.reshape(-1), reduction="sum").item()
    net.train(was_training)
    return total / (row * batch_size)


def plot_history(history, ax=None, title="Training and validation loss"):
    """Training loss (per step, smoothed) and validation loss against the step, in nats per character."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    steps, losses = np.asarray(history["step"]), np.asarray(history["train_loss"])
    if len(losses):
        k = max(1, len(losses) // 50)
        smooth = np.convolve(losses, np.ones(k) / k, mode="valid")
        ax.plot(steps[k - 1 :], smooth, label=f"training (mean of {k} steps)", color="tab:blue")
    if history.get("val_loss"):
        ax.plot(history["val_step"], history["val_loss"], "o-", label="validation", color="tab:orange")
    ax.set_xlabel("training step")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return ax


def novel_validation() -> tuple[tuple, np.ndarray]:
    """(chars, val): the novel's sorted vocabulary and its last 10% encoded with it, the text a
    trained model's grade is measured on (``validation_loss`` with its defaults), as the
    notebook's ``train_val_split(encoded, 0.1)`` cuts it."""
    from rnncourse.data import load_anna

    text = load_anna()
    chars = tuple(sorted(set(text)))
    codes = {ch: i for i, ch in enumerate(chars)}
    split = int(len(text) * (1 - 0.1))
    return chars, np.array([codes[ch] for ch in text[split:]], dtype=np.int64)
