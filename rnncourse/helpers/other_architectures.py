"""The long-memory task of assignment 03: report the first symbol after T distractors.

Each sequence starts with one of ``n_symbols`` *message* symbols (0 .. n_symbols-1),
followed by T *distractor* symbols drawn at random from the next ``n_distractors``
codes. The label is the message. A model that reads the sequence and answers at the
last step must carry the message through all T distractors:

    x = [2, 9, 5, 11, 7, 6, ...]   (message 2, then T distractors)      y = 2

Guessing gives 1 / n_symbols accuracy; only memory does better.
"""

from __future__ import annotations

import numpy as np
import torch

N_SYMBOLS = 4
N_DISTRACTORS = 8
VOCAB_SIZE = N_SYMBOLS + N_DISTRACTORS


def memory_batch(batch_size: int, T: int, n_symbols: int = N_SYMBOLS,
                 n_distractors: int = N_DISTRACTORS, generator: torch.Generator | None = None):
    """A batch of the task: x (batch_size, T + 1) int64 and y (batch_size,) int64."""
    y = torch.randint(0, n_symbols, (batch_size,), generator=generator)
    distractors = torch.randint(n_symbols, n_symbols + n_distractors, (batch_size, T), generator=generator)
    return torch.cat([y[:, None], distractors], dim=1), y


def set_forget_bias(model: torch.nn.Module, value: float = 1.0) -> int:
    """Start every LSTM forget gate of ``model`` at sigmoid(value) instead of sigmoid(0) = 0.5.

    Sets the forget block of ``bias_ih`` to ``value`` and of ``bias_hh`` to 0 for every
    ``nn.LSTM`` / ``nn.LSTMCell`` inside ``model``; returns how many layers it changed.
    """
    changed = 0
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (torch.nn.LSTM, torch.nn.LSTMCell)):
                for name, param in module.named_parameters():
                    if name.startswith("bias_"):
                        H = param.shape[0] // 4
                        param[H:2 * H] = value if name.startswith("bias_ih") else 0.0
                        changed += name.startswith("bias_ih")
    return changed


def plot_accuracy_vs_length(results: dict, chance: float, ax=None):
    """results: cell type -> {T: accuracy}. One line per cell, accuracy against T."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    styles = {"rnn": ("tab:red", "o"), "gru": ("tab:green", "s"), "lstm": ("tab:blue", "^")}
    for cell, by_length in results.items():
        lengths = sorted(by_length)
        colour, marker = styles.get(cell, (None, "o"))
        ax.plot(lengths, [by_length[T] for T in lengths], marker=marker, color=colour,
                label=cell.upper(), linewidth=2)
    ax.axhline(chance, color="grey", linestyle="--", linewidth=1, label=f"chance ({chance:.2f})")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("T, number of distractors between the message and the answer")
    ax.set_ylabel("test accuracy")
    ax.set_title("Remembering the first symbol: accuracy after the same training budget")
    ax.legend(loc="lower left")
    ax.grid(alpha=0.3)
    return ax


def noisy_signal(n: int = 200, seed: int = 0) -> np.ndarray:
    """A slow wave plus noise, inside (-1, 1) so that a tanh can reproduce it."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 4 * np.pi, n)
    return np.clip(0.6 * np.sin(t) + 0.25 * rng.standard_normal(n), -0.95, 0.95).astype(np.float32)


def fixed_update_gru(beta: float) -> torch.nn.GRU:
    """A one-unit ``nn.GRU`` whose update gate is always ``beta`` and whose new memory is
    ``tanh(input)``: fed ``atanh(x_t)``, its state follows h_t = beta h_{t-1} + (1 - beta) x_t."""
    gru = torch.nn.GRU(1, 1, batch_first=True)
    with torch.no_grad():
        for p in gru.parameters():
            p.zero_()
        gru.weight_ih_l0[2, 0] = 1.0  # new memory n_t = tanh(1 * input)
        gru.bias_ih_l0[1] = float(np.log(beta / (1 - beta)))  # z = sigmoid(logit(beta)) = beta
    return gru
