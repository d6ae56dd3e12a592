"""Figures the notebooks draw, kept here so the notebooks stay about the ideas."""

from __future__ import annotations

import numpy as np


def draw_batch_grid(text: str, batch_size: int, seq_length: int, n_batches: int | None = None, ax=None):
    """Draw how ``get_batches`` cuts a text: one row per stream, one colour per batch.

    Each cell is one character. The text is cut into ``batch_size`` contiguous rows;
    batch k is the k-th block of ``seq_length`` columns. Arrows of the same row
    continue from one batch to the next, which is why the hidden state may be
    carried across batches.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    per_batch = batch_size * seq_length
    n = len(text) // per_batch if n_batches is None else min(n_batches, len(text) // per_batch)
    kept = text[: n * per_batch]
    row_len = len(text) // per_batch * seq_length
    rows = [text[r * row_len : r * row_len + n * seq_length] for r in range(batch_size)] if n else []
    if ax is None:
        _, ax = plt.subplots(figsize=(min(0.45 * n * seq_length + 2, 16), 0.6 * batch_size + 1.6))
    colours = plt.get_cmap("Pastel1")
    for r, row in enumerate(rows):
        for c, ch in enumerate(row):
            k = c // seq_length
            ax.add_patch(Rectangle((c, batch_size - 1 - r), 1, 1, facecolor=colours(k % 9), edgecolor="white"))
            ax.text(c + 0.5, batch_size - 0.5 - r, "␣" if ch == " " else ("⏎" if ch == "\n" else ch),
                    ha="center", va="center", fontsize=9, family="monospace")
    for k in range(n):
        ax.text(k * seq_length + seq_length / 2, batch_size + 0.15, f"batch {k}", ha="center", fontsize=9)
    ax.set_xlim(0, max(1, n * seq_length))
    ax.set_ylim(0, batch_size + 0.6)
    ax.set_yticks([batch_size - 0.5 - r for r in range(batch_size)])
    ax.set_yticklabels([f"row {r}" for r in range(batch_size)])
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    dropped = len(text) - len(kept)
    ax.set_title(f"{len(text)} characters -> {batch_size} rows x {n} batches of {seq_length}"
                 f" ({dropped} dropped at the end)", fontsize=10)
    return ax


def one_hot_picture(codes: np.ndarray, n_labels: int, labels=None, ax=None):
    """Show one-hot vectors as a grid: one column per character, one row per symbol."""
    import matplotlib.pyplot as plt

    grid = np.zeros((n_labels, len(codes)))
    grid[np.asarray(codes), np.arange(len(codes))] = 1
    if ax is None:
        _, ax = plt.subplots(figsize=(0.4 * len(codes) + 1.5, 0.25 * n_labels + 1))
    ax.imshow(grid, cmap="Greys", aspect="auto")
    if labels is not None:
        ax.set_xticks(range(len(codes)))
        ax.set_xticklabels(labels)
    ax.set_ylabel("symbol index")
    ax.set_title("one-hot vectors: each column has a single 1")
    return ax
