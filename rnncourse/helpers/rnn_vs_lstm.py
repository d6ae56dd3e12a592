"""Sequences and figures for assignment 01 (why recurrence, and where plain RNNs break).

* sine-wave data: ``sine_streams`` (contiguous windows of several waves, for training with a
  carried hidden state) and ``sine_windows`` (fresh windows, for evaluation);
* ``train_sine`` / ``sine_errors``: the training loop of the notebook and its yardstick;
* figures: gradient norms per time step, the unrolled network, activation functions,
  predictions against targets.
"""

from __future__ import annotations

import math

import numpy as np

DT = 0.25  # radians between two samples of the wave: about 25 samples per period


def sine_streams(n_batches: int, batch_size: int = 8, seq_length: int = 20, dt: float = DT,
                 seed: int = 0):
    """Consecutive (x, y) windows of ``batch_size`` sine waves with random phases.

    Row r of batch k+1 continues exactly where row r of batch k stopped, so the hidden
    state may be carried from one batch to the next. ``y`` is ``x`` one step ahead.
    Returns a list of ``n_batches`` pairs of float32 tensors (batch_size, seq_length, 1).
    """
    import torch

    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * math.pi, size=(batch_size, 1))
    t = phase + dt * np.arange(n_batches * seq_length + 1)[None, :]
    wave = np.sin(t).astype(np.float32)
    out = []
    for k in range(n_batches):
        s = k * seq_length
        x = torch.from_numpy(wave[:, s : s + seq_length].copy()).unsqueeze(-1)
        y = torch.from_numpy(wave[:, s + 1 : s + seq_length + 1].copy()).unsqueeze(-1)
        out.append((x, y))
    return out


def sine_windows(n: int, seq_length: int = 30, dt: float = DT, seed: int = 1):
    """``n`` independent windows with random phases: (x, y) float32 tensors (n, seq_length, 1)."""
    import torch

    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * math.pi, size=(n, 1))
    wave = np.sin(phase + dt * np.arange(seq_length + 1)[None, :]).astype(np.float32)
    return (torch.from_numpy(wave[:, :-1].copy()).unsqueeze(-1),
            torch.from_numpy(wave[:, 1:].copy()).unsqueeze(-1))


def sine_errors(pred, x, y, warmup: int = 3) -> tuple[float, float]:
    """(model's mean squared error, error of predicting the last value), after ``warmup`` steps.

    The first steps are left out: from one or two samples nobody can tell whether the
    wave is rising or falling.
    """
    pred, x, y = (np.asarray(v.detach().cpu() if hasattr(v, "detach") else v, dtype=np.float64)
                  for v in (pred, x, y))
    model = float(np.mean((pred[:, warmup:] - y[:, warmup:]) ** 2))
    last = float(np.mean((x[:, warmup:] - y[:, warmup:]) ** 2))
    return model, last


def train_sine(model, batches, lr: float = 0.01, clip: float | None = 1.0, progress=None,
               snapshot_every: int = 0, probe=None, detach=None):
    """The notebook's loop: Adam on mean squared error, hidden state carried and detached
    between batches, gradients clipped at ``clip``.

    ``detach`` cuts the carried hidden state from the graph; the notebook passes your
    ``detach_hidden``. Without it the state is taken to be one tensor (``nn.RNN``'s).

    Returns (losses, snapshots): one loss per batch, and every ``snapshot_every`` batches
    (step, prediction on ``probe``'s x) when ``probe`` is given.
    """
    import torch
    import torch.nn.functional as F

    opt = torch.optim.Adam(model.parameters(), lr=lr)
    hidden, losses, snapshots = None, [], []
    steps = enumerate(batches)
    if progress is not None:
        steps = progress(steps, total=len(batches))
    for step, (x, y) in steps:
        if probe is not None and snapshot_every and step % snapshot_every == 0:
            with torch.no_grad():
                snapshots.append((step, model(probe[0], None)[0].detach().clone()))
        output, hidden = model(x, hidden)
        hidden = hidden.detach() if detach is None else detach(hidden)
        loss = F.mse_loss(output, y)
        opt.zero_grad()
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        losses.append(loss.item())
    if probe is not None and snapshot_every:
        with torch.no_grad():
            snapshots.append((len(batches), model(probe[0], None)[0].detach().clone()))
    return losses, snapshots


# --- figures ---------------------------------------------------------------------------------
def plot_gradient_norms(curves: dict, title: str, ax=None, floor: float | None = None):
    """One line per entry of ``curves`` (label -> (seq,) norms), y axis on a log scale.

    The x axis is the time step t; the last step is where the loss is. Norms of exactly 0
    cannot be drawn on a log scale; with ``floor`` they are drawn at ``floor`` (dotted).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4))
    for label, norms in curves.items():
        norms = np.asarray(norms.detach().cpu() if hasattr(norms, "detach") else norms, dtype=float)
        steps = np.arange(len(norms))
        if floor is not None:
            shown = np.where(norms > 0, norms, np.nan)
            line, = ax.plot(steps, shown, label=label)
            zero = norms <= 0
            if zero.any():
                ax.plot(steps[zero], np.full(zero.sum(), floor), ":", color=line.get_color())
        else:
            ax.plot(steps, np.where(norms > 0, norms, np.nan), label=label)
    ax.set_yscale("log")
    ax.set_xlabel("time step t (the loss is at the last step)")
    ax.set_ylabel(r"$\|\partial L / \partial h_t\|$ (log scale)")
    ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9)
    return ax


def draw_unrolled(steps: int = 4, ax=None):
    """The RNN folded (one cell with a loop) and unrolled (one copy per step, shared weights)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.2))

    def box(cx, cy, text, colour):
        ax.add_patch(FancyBboxPatch((cx - 0.35, cy - 0.3), 0.7, 0.6, boxstyle="round,pad=0.05",
                                    facecolor=colour, edgecolor="black"))
        ax.text(cx, cy, text, ha="center", va="center", fontsize=10)

    def arrow(x0, y0, x1, y1, **kw):
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=12, **kw))

    # folded
    box(0, 1, "RNN", "#cfe2f3")
    ax.text(0, -0.2, r"$x_t$", ha="center", fontsize=11)
    arrow(0, 0.0, 0, 0.65)
    arrow(0, 1.35, 0, 2.0)
    ax.text(0, 2.1, r"$h_t$", ha="center", fontsize=11)
    arrow(0.4, 1.15, 0.4, 0.85, connectionstyle="arc3,rad=-1.8")
    ax.text(0.95, 1.0, r"$W_{hh}$", fontsize=9, va="center")
    ax.text(1.6, 1.0, "=", fontsize=18, va="center")
    # unrolled
    for k in range(steps):
        cx = 3.2 + 1.6 * k  # room for h_{-1} between the "=" and the first copy
        box(cx, 1, "RNN", "#cfe2f3")
        ax.text(cx, -0.2, rf"$x_{{{k}}}$", ha="center", fontsize=11)
        arrow(cx, 0.0, cx, 0.65)
        arrow(cx, 1.35, cx, 2.0)
        ax.text(cx, 2.1, rf"$h_{{{k}}}$", ha="center", fontsize=11)
        if k == 0:
            ax.text(cx - 1.2, 1.0, r"$h_{-1}$", fontsize=10, va="center")
            arrow(cx - 0.85, 1.0, cx - 0.4, 1.0)
        if k < steps - 1:
            arrow(cx + 0.4, 1.0, cx + 1.2, 1.0)
            ax.text(cx + 0.8, 1.12, r"$W_{hh}$", fontsize=8, ha="center")
    ax.set_xlim(-0.8, 3.2 + 1.6 * steps)
    ax.set_ylim(-0.5, 2.4)
    ax.axis("off")
    ax.set_title("Folded (left) and unrolled in time (right): every copy shares the same weights",
                 fontsize=10)
    return ax


def plot_activations(ax=None):
    """tanh and the logistic sigmoid with their derivatives, on the same axes."""
    import matplotlib.pyplot as plt

    z = np.linspace(-5, 5, 401)
    sig = 1 / (1 + np.exp(-z))
    tanh = np.tanh(z)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    ax.plot(z, tanh, label=r"$\tanh(z)$", color="C0")
    ax.plot(z, 1 - tanh**2, "--", label=r"$\tanh'(z)$ (max 1)", color="C0")
    ax.plot(z, sig, label=r"$\sigma(z)$", color="C3")
    ax.plot(z, sig * (1 - sig), "--", label=r"$\sigma'(z)$ (max 0.25)", color="C3")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xlabel("z (pre-activation)")
    ax.set_ylabel("value")
    ax.set_title("tanh is zero-centred and its slope reaches 1; the sigmoid's only 0.25")
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)
    return ax


def plot_sine_snapshots(snapshots, probe, row: int = 0, axes=None):
    """Prediction against target for one probe window at several points of training.

    Every panel has the same axes: time step on x, value on y from -1.3 to 1.3.
    """
    import matplotlib.pyplot as plt

    x, y = probe
    n = len(snapshots)
    if axes is None:
        _, axes = plt.subplots(1, n, figsize=(3.2 * n, 3), sharey=True)
    axes = np.atleast_1d(axes)
    steps = np.arange(y.shape[1])
    for ax, (step, pred) in zip(axes, snapshots):
        ax.plot(steps, y[row, :, 0].detach().cpu().numpy(), "o", ms=3, color="grey",
                label="target (next value)")
        ax.plot(steps, pred[row, :, 0].detach().cpu().numpy(), "-", color="C1", label="prediction")
        ax.set_title(f"after {step} batches", fontsize=10)
        ax.set_xlabel("time step")
        ax.set_ylim(-1.3, 1.3)
    axes[0].set_ylabel("value")
    axes[0].legend(fontsize=8, loc="lower left")
    return axes


def sine_eval_streams(batch_size: int = 16, seq_length: int = 20, n_batches: int = 5, seed: int = 7):
    """Fresh waves for evaluation, read like training: hidden state carried across windows."""
    return sine_streams(n_batches, batch_size, seq_length, seed=seed)


def predict_streams(model, streams):
    """Run ``model`` over consecutive windows, carrying the hidden state; (pred, x, y) of the
    windows after the first (the first one starts from a zero state and is a warm-up)."""
    import torch

    hidden, preds = None, []
    with torch.no_grad():
        for x, _ in streams:
            pred, hidden = model(x, hidden)
            preds.append(pred)
    xs = torch.cat([x for x, _ in streams[1:]], dim=1)
    ys = torch.cat([y for _, y in streams[1:]], dim=1)
    return torch.cat(preds[1:], dim=1), xs, ys
