"""Pictures and a tiny trained model for 02_lstm_gates: the LSTM cell drawn gate by gate,
the two squashing functions, and heatmaps of the gates' activations over a sentence.

    draw_lstm_cell(highlight="forget")          # the cell, one gate in colour
    plot_squashers()                             # sigmoid and tanh side by side
    model = train_char_lstm(text, seconds=8)     # a small character LSTM, a few seconds
    plot_gate_heatmaps({"input": i, ...}, "Happy families")
"""

from __future__ import annotations

import time

import numpy as np

GATE_COLOURS = {"forget": "#d62728", "learn": "#2ca02c", "remember": "#1f77b4", "use": "#9467bd"}
GREY = "#b0b0b0"


# --- the cell diagram -------------------------------------------------------------------
def draw_lstm_cell(highlight: str | None = None, ax=None, title: str | None = None):
    """Draw one LSTM cell. ``highlight`` is one of "forget", "learn", "remember", "use" (or None
    for all in colour): that gate's parts are coloured, the rest grey.

    Long-term memory c runs along the top, short-term memory h along the bottom; the event
    x_t enters from below. Boxes are layers (sigma: sigmoid, tanh); circles are elementwise
    operations (x: multiply, +: add).
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, FancyBboxPatch

    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 4.4))

    def colour(part):
        if highlight is None or highlight == part:
            return GATE_COLOURS[part]
        return GREY

    def line(points, c, lw=2.0, arrow=False):
        xs, ys = zip(*points)
        if arrow:
            ax.plot(xs[:-1], ys[:-1], color=c, lw=lw, zorder=1)
            ax.annotate("", xy=points[-1], xytext=points[-2],
                        arrowprops=dict(arrowstyle="-|>", color=c, lw=lw), zorder=1)
        else:
            ax.plot(xs, ys, color=c, lw=lw, zorder=1)

    def box(x, y, text, c):
        ax.add_patch(FancyBboxPatch((x - 0.45, y - 0.3), 0.9, 0.6, boxstyle="round,pad=0.05",
                                    facecolor=c, edgecolor="black", lw=1, zorder=3))
        ax.text(x, y, text, ha="center", va="center", fontsize=12, color="white", zorder=4,
                fontweight="bold")

    def op(x, y, text, c):
        ax.add_patch(Circle((x, y), 0.27, facecolor="white", edgecolor=c, lw=2.2, zorder=3))
        ax.text(x, y, text, ha="center", va="center", fontsize=13, color=c, zorder=4, fontweight="bold")

    ax.add_patch(FancyBboxPatch((1.2, 0.6), 9.6, 5.0, boxstyle="round,pad=0.1", facecolor="#f7f7f7",
                                edgecolor="#888888", lw=1, zorder=0))
    # long-term memory along the top
    line([(0, 5), (2.75, 5)], GREY)
    line([(3.25, 5), (6.25, 5)], colour("forget") if highlight == "forget" else colour("remember"))
    line([(6.75, 5), (12, 5)], colour("remember"), arrow=True)
    ax.text(0.0, 5.25, "long-term memory $c_{t-1}$", fontsize=10, va="bottom")
    ax.text(12, 5.25, "$c_t$", fontsize=11, va="bottom", ha="right")
    # short-term memory and event along the bottom: the bus that feeds all four layers
    line([(0, 1.1), (8.6, 1.1)], GREY)
    line([(1.8, 0), (1.8, 1.1)], GREY)
    ax.text(0.0, 1.3, "short-term memory $h_{t-1}$", fontsize=10, va="bottom")
    ax.text(1.95, 0.05, "event $x_t$", fontsize=10)
    # forget gate: f = sigma(...), times c_{t-1}
    line([(3, 1.1), (3, 2.2)], colour("forget"))
    box(3, 2.5, "σ", colour("forget"))
    line([(3, 2.8), (3, 4.73)], colour("forget"), arrow=True)
    op(3, 5, "×", colour("forget"))
    ax.text(2.45, 3.6, "$f_t$", fontsize=11, color=colour("forget"))
    # learn gate: i = sigma(...), g = tanh(...), i * g
    line([(4.8, 1.1), (4.8, 2.2)], colour("learn"))
    line([(6.3, 1.1), (6.3, 2.2)], colour("learn"))
    box(4.8, 2.5, "σ", colour("learn"))
    box(6.3, 2.5, "tanh", colour("learn"))
    line([(4.8, 2.8), (4.8, 3.8), (6.23, 3.8)], colour("learn"))
    line([(6.3, 2.8), (6.5, 3.53)], colour("learn"))
    op(6.5, 3.8, "×", colour("learn"))
    line([(6.5, 4.07), (6.5, 4.73)], colour("learn"), arrow=True)
    ax.text(4.3, 3.15, "$i_t$", fontsize=11, color=colour("learn"))
    ax.text(5.8, 3.15, "$g_t$", fontsize=11, color=colour("learn"))
    # remember gate: c_t = f * c + i * g
    op(6.5, 5, "+", colour("remember"))
    # use gate: o = sigma(...), h = o * tanh(c_t)
    line([(8.4, 1.1), (8.4, 2.2)], colour("use"))
    box(8.4, 2.5, "σ", colour("use"))
    line([(9.6, 5), (9.6, 4.45)], colour("use"), arrow=True)
    box(9.6, 4.1, "tanh", colour("use"))
    line([(9.6, 3.75), (9.6, 3.27)], colour("use"), arrow=True)
    line([(8.4, 2.8), (8.4, 3.0), (9.33, 3.0)], colour("use"))
    op(9.6, 3.0, "×", colour("use"))
    line([(9.6, 2.73), (9.6, 1.1), (12, 1.1)], colour("use"), arrow=True)
    line([(10.3, 1.1), (10.3, 6.2)], colour("use"), arrow=True)
    ax.text(7.9, 3.15, "$o_t$", fontsize=11, color=colour("use"))
    ax.text(12, 1.3, "$h_t$", fontsize=11, ha="right", va="bottom")
    ax.text(10.4, 6.0, "output $h_t$", fontsize=10)
    # gate names
    for x, y, part in ((3, 0.25, "forget"), (5.55, 0.25, "learn"), (6.5, 5.45, "remember"),
                       (8.9, 0.25, "use")):
        ax.text(x, y, f"{part} gate", ha="center", fontsize=10, color=colour(part),
                fontweight="bold" if part == highlight else "normal")
    ax.set_xlim(-0.2, 12.3)
    ax.set_ylim(-0.2, 6.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or (f"The LSTM cell: the {highlight} gate" if highlight else "The LSTM cell"))
    return ax


# --- sigmoid and tanh -------------------------------------------------------------------
def plot_squashers(sigmoid=None, ax=None):
    """sigmoid (a fraction: how much) and tanh (a signed value: what) on the same axes."""
    import matplotlib.pyplot as plt
    import torch

    z = torch.linspace(-6, 6, 241)
    s = sigmoid(z) if sigmoid is not None else torch.sigmoid(z)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.6))
    ax.plot(z, np.asarray(s, dtype=float), lw=2.5, label="sigmoid: a gate, in (0, 1)")
    ax.plot(z, torch.tanh(z), lw=2.5, label="tanh: a value, in (-1, 1)")
    ax.axhline(0, color="black", lw=0.6)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel("pre-activation z")
    ax.set_ylabel("activation")
    ax.set_title("The two squashing functions of an LSTM")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    return ax


# --- a tiny trained character model -----------------------------------------------------
class CharLSTM:
    """A character LSTM (one-hot input, one nn.LSTM layer, a linear read-out) and its vocabulary."""

    def __init__(self, chars, hidden_size, device):
        import torch
        from torch import nn

        self.chars = chars
        self.char2int = {ch: i for i, ch in enumerate(chars)}
        self.lstm = nn.LSTM(len(chars), hidden_size, batch_first=True).to(device)
        self.head = nn.Linear(hidden_size, len(chars)).to(device)
        self.device = device
        self.losses: list[float] = []
        self.seconds = 0.0
        self._torch = torch

    def one_hot(self, text: str):
        """(1, len(text), V) float32 one-hot encoding of ``text``, on the CPU."""
        idx = self._torch.tensor([self.char2int[ch] for ch in text])
        return self._torch.nn.functional.one_hot(idx, len(self.chars)).float()[None]


def train_char_lstm(text: str, hidden_size: int = 24, seconds: float = 8.0, seq_length: int = 64,
                    batch_size: int = 32, lr: float = 0.01, max_steps: int = 3000, seed: int = 0,
                    device=None) -> CharLSTM:
    """Train a small character LSTM to predict the next character, for about ``seconds``.

    Random windows of ``seq_length`` characters, ``batch_size`` at a time, Adam and
    cross-entropy; the LSTM starts every window from zeros. Stops at ``max_steps`` or when
    the time is up; the model ends on the CPU.
    """
    import torch
    from torch import nn
    from tqdm.auto import tqdm

    device = device or torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = CharLSTM(sorted(set(text)), hidden_size, device)
    data = torch.tensor([model.char2int[ch] for ch in text], device=device)
    V = len(model.chars)
    params = list(model.lstm.parameters()) + list(model.head.parameters())
    opt = torch.optim.Adam(params, lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a model this small runs as fast on one thread, and shares the CPU well
    started = time.monotonic()
    bar = tqdm(range(max_steps), desc=f"training for ~{seconds:.0f} s", leave=False)
    for step in bar:
        starts = torch.as_tensor(rng.integers(0, len(text) - seq_length - 1, size=batch_size), device=device)
        idx = starts[:, None] + torch.arange(seq_length + 1, device=device)[None]
        chunk = data[idx]
        x = nn.functional.one_hot(chunk[:, :-1], V).float()
        out, _ = model.lstm(x)
        loss = loss_fn(model.head(out).reshape(-1, V), chunk[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        model.losses.append(loss.item())
        if step % 25 == 0:
            bar.set_postfix(loss=f"{model.losses[-1]:.2f}", refresh=False)
        if time.monotonic() - started > seconds:
            break
    bar.close()
    torch.set_num_threads(threads)
    model.seconds = time.monotonic() - started
    model.lstm.cpu()
    model.head.cpu()
    model.device = torch.device("cpu")
    return model


# --- gate activations -------------------------------------------------------------------
GATE_TITLES = {
    "input": "input gate $i_t$ (learn: how much)",
    "forget": "forget gate $f_t$ (how much long-term memory is kept)",
    "cell": "candidate $g_t$ (learn: what)",
    "output": "output gate $o_t$ (use: how much is shown)",
}


def _shown(ch: str) -> str:
    return {" ": "␣", "\n": "⏎"}.get(ch, ch)


def plot_gate_heatmaps(activations: dict, text: str, title: str = ""):
    """One heatmap per gate: characters of ``text`` along x, hidden units along y.

    ``activations`` maps "input", "forget", "cell", "output" to arrays (len(text), H).
    The sigmoid gates use a 0-to-1 colour scale; the candidate g_t, a tanh, -1 to 1.
    """
    import matplotlib.pyplot as plt

    gates = [g for g in ("input", "forget", "cell", "output") if g in activations]
    T = len(text)
    H = np.asarray(activations[gates[0]]).shape[1]
    fig, axes = plt.subplots(len(gates), 1, figsize=(max(8.0, 0.22 * T + 2.5), 1.2 + len(gates) * (0.6 + 0.11 * H)),
                             sharex=True, constrained_layout=True)
    axes = np.atleast_1d(axes)
    for ax, gate in zip(axes, gates):
        a = np.asarray(activations[gate], dtype=float).T  # (H, T)
        signed = gate == "cell"
        im = ax.imshow(a, aspect="auto", interpolation="nearest", cmap="RdBu_r" if signed else "viridis",
                       vmin=-1 if signed else 0, vmax=1)
        ax.set_title(GATE_TITLES[gate], fontsize=10, loc="left")
        ax.set_ylabel("hidden unit")
        ax.set_yticks(range(0, H, max(1, H // 6)))
        fig.colorbar(im, ax=ax, pad=0.01, fraction=0.03)
    axes[-1].set_xticks(range(T))
    axes[-1].set_xticklabels([_shown(ch) for ch in text], fontsize=9, fontfamily="monospace")
    axes[-1].set_xlabel("character of the sentence (the step t)")
    if title:
        fig.suptitle(title)
    return fig


def plot_losses(losses, ax=None, title="Training loss of the small character LSTM"):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.2))
    ax.plot(losses, lw=1, alpha=0.5, label="each step")
    if len(losses) > 20:
        k = 20
        smooth = np.convolve(losses, np.ones(k) / k, mode="valid")
        ax.plot(np.arange(k - 1, len(losses)), smooth, lw=2, label="moving average (20 steps)")
    ax.axhline(np.log(83), color="grey", ls="--", lw=1, label="uniform guess, ln 83")
    ax.set_xlabel("training step")
    ax.set_ylabel("cross-entropy (nats per character)")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax
