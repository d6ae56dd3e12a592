"""Helpers for the Anna KaRNNa project (05): devices, the learning-rate schedule, checkpoints,
the validation loss the grade uses, and the loss plot.

The working versions of assignment 04's functions (batches, one-hot vectors) are not here:
the project's notebook carries them in a provided cell, released with the project.
"""

from __future__ import annotations

import math

import numpy as np
import torch

CHECKPOINT_NAME = "anna_karnna.pt"


def default_device() -> torch.device:
    """The GPU when there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def model_device(net) -> torch.device:
    return next(net.parameters()).device


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


def load_checkpoint(path, model_class, map_location="cpu"):
    """Rebuild a model from a checkpoint, safely: ``weights_only=True`` unpickles only tensors
    and plain containers, never code."""
    ckpt = torch.load(path, map_location=map_location, weights_only=True)
    net = model_class(tuple(ckpt["tokens"]), n_hidden=ckpt["n_hidden"], n_layers=ckpt["n_layers"])
    net.load_state_dict(ckpt["state_dict"])
    return net.to(map_location)


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
