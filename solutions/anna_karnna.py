"""Reference implementations for 05_anna_karnna (COURSE_SPEC.md §4.5)."""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnncourse.helpers.anna_karnna import Progress, warmup_cosine
from rnncourse.data import load_anna
from solutions.sequence_batching import (
    build_vocab,
    encode,
    get_batches,
    one_hot_encode,
    train_val_split,
)


class CharRNN(nn.Module):
    """A character-level LSTM language model.

    Args:
        tokens: the vocabulary, a sequence of distinct characters (index i is character i).
        n_hidden: int, hidden units per LSTM layer.
        n_layers: int, stacked LSTM layers.
        drop_prob: float, dropout between LSTM layers and before the output layer.
        lr: float, kept for the classic interface (the optimiser is made in ``train``).
    Attributes:
        chars, int2char, char2int, n_hidden, n_layers, drop_prob, lr;
        lstm (nn.LSTM, batch_first), dropout (nn.Dropout), fc (nn.Linear n_hidden -> n_chars).
    forward(x, hidden):
        x: one-hot float32 (batch, seq, n_chars); hidden: (h, c), each (n_layers, batch, n_hidden).
        Returns (out, hidden): out (batch * seq, n_chars) scores (logits), the new (h, c).
    init_hidden(batch_size):
        (h, c) zeros of shape (n_layers, batch_size, n_hidden) on the model's device.
    """

    ### BEGIN SOLUTION
    def __init__(self, tokens, n_hidden=256, n_layers=2, drop_prob=0.5, lr=0.001):
        super().__init__()
        self.drop_prob = drop_prob
        self.n_layers = n_layers
        self.n_hidden = n_hidden
        self.lr = lr
        self.chars = tuple(tokens)
        self.int2char = dict(enumerate(self.chars))
        self.char2int = {ch: i for i, ch in self.int2char.items()}
        self.lstm = nn.LSTM(len(self.chars), n_hidden, n_layers,
                            dropout=drop_prob if n_layers > 1 else 0.0, batch_first=True)
        self.dropout = nn.Dropout(drop_prob)
        self.fc = nn.Linear(n_hidden, len(self.chars))

    def forward(self, x, hidden):
        r_output, hidden = self.lstm(x, hidden)
        out = self.dropout(r_output)
        out = out.contiguous().view(-1, self.n_hidden)
        out = self.fc(out)
        return out, hidden

    def init_hidden(self, batch_size):
        weight = next(self.parameters())
        return (weight.new_zeros(self.n_layers, batch_size, self.n_hidden),
                weight.new_zeros(self.n_layers, batch_size, self.n_hidden))
    ### END SOLUTION


def train(net, data, epochs=10, batch_size=10, seq_length=50, lr=0.001, clip=5, val_frac=0.1,
          print_every=10, schedule="constant", weight_decay=0.0):
    """Train ``net`` on an encoded text with Adam and cross-entropy.

    Args:
        net: a CharRNN (on the device it should train on).
        data: 1-D int64 array, the encoded text; its last ``val_frac`` is held out for validation.
        epochs, batch_size, seq_length: passes over the training part, and the batch grid.
        lr: Adam's learning rate (the peak rate when ``schedule="cosine"``).
        clip: the gradient norm is clipped to at most ``clip`` before every step.
        print_every: every ``print_every`` steps (and after the last), the validation loss on the
            held-out part, in batches of the same ``batch_size`` and ``seq_length``.
        schedule: "constant", or "cosine": ``lr`` times ``warmup_cosine(step, total_steps)`` at
            each step (warm-up, the peak rate held, then a cosine decay over the last 40%).
        weight_decay: AdamW's decoupled weight decay: every step also shrinks each weight by
            ``lr * weight_decay`` of itself (0 is plain Adam).
    Returns:
        history: dict of lists (step, train_loss, val_step, val_loss, seconds); not graded.
    """
    ### BEGIN SOLUTION
    device = next(net.parameters()).device
    n_chars = len(net.chars)
    net.train()
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=weight_decay)
    criterion = nn.CrossEntropyLoss()
    train_data, val_data = train_val_split(data, val_frac)
    steps_per_epoch = len(train_data) // (batch_size * seq_length)
    total = epochs * steps_per_epoch
    if schedule == "cosine":
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: warmup_cosine(s, total))
    history = {"step": [], "train_loss": [], "val_step": [], "val_loss": [], "seconds": []}
    progress, step = Progress(total, batch_size * seq_length), 0
    for _ in range(epochs):
        h = net.init_hidden(batch_size)
        for x, y in get_batches(train_data, batch_size, seq_length):
            step += 1
            inputs = torch.from_numpy(one_hot_encode(x, n_chars)).to(device)
            targets = torch.from_numpy(y).to(device)
            h = tuple(each.detach() for each in h)
            opt.zero_grad()
            output, h = net(inputs, h)
            loss = criterion(output, targets.reshape(batch_size * seq_length).long())
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), clip)
            opt.step()
            if schedule == "cosine":
                sched.step()
            history["step"].append(step)
            history["train_loss"].append(loss.item())
            val_loss = None
            if step % print_every == 0 or step == total:
                val_losses, val_h = [], net.init_hidden(batch_size)
                net.eval()
                with torch.no_grad():
                    for vx, vy in get_batches(val_data, batch_size, seq_length):
                        vin = torch.from_numpy(one_hot_encode(vx, n_chars)).to(device)
                        vout, val_h = net(vin, val_h)
                        val_losses.append(criterion(vout, torch.from_numpy(vy).to(device).reshape(-1)).item())
                net.train()
                if val_losses:
                    val_loss = float(np.mean(val_losses))
                    history["val_step"].append(step)
                    history["val_loss"].append(val_loss)
                    history["seconds"].append(progress.seconds())
            progress.update(step, history["train_loss"][-1], val_loss)
    return history
    ### END SOLUTION


def predict(net, char, h=None, top_k=None):
    """The next character after ``char``, and the new hidden state.

    Args:
        net: a CharRNN. char: one character of its vocabulary.
        h: (h, c) each (n_layers, 1, n_hidden), or None to start from zeros.
        top_k: None (draw from every character) or int (draw only from the k most likely).
    Returns:
        (next_char, h): a character drawn from the model's distribution, the new (h, c).
    """
    ### BEGIN SOLUTION
    device = next(net.parameters()).device
    if h is None:
        h = net.init_hidden(1)
    x = np.array([[net.char2int[char]]])
    inputs = torch.from_numpy(one_hot_encode(x, len(net.chars))).to(device)
    h = tuple(each.detach() for each in h)
    with torch.no_grad():
        out, h = net(inputs, h)
    p = F.softmax(out, dim=1).cpu()
    if top_k is None:
        top_ch = np.arange(len(net.chars))
    else:
        p, top_ch = p.topk(top_k)
        top_ch = top_ch.numpy().reshape(-1)
    p = p.numpy().reshape(-1)
    char_index = np.random.choice(top_ch, p=p / p.sum())
    return net.int2char[int(char_index)], h
    ### END SOLUTION


def sample(net, size, prime="The", top_k=None):
    """Generate text: warm the model up on ``prime``, then draw ``size`` more characters.

    Returns:
        str: ``prime`` followed by at least ``size`` generated characters.
    """
    ### BEGIN SOLUTION
    net.eval()
    chars = list(prime)
    h = net.init_hidden(1)
    for ch in prime:
        char, h = predict(net, ch, h, top_k=top_k)
    chars.append(char)
    for _ in range(size - 1):
        char, h = predict(net, chars[-1], h, top_k=top_k)
        chars.append(char)
    return "".join(chars)
    ### END SOLUTION


def sample_with_temperature(net, size, prime="The", top_k=None, temperature=1.0):
    """``sample`` with a temperature: the next character is drawn from softmax(scores / temperature).

    temperature < 1 sharpens the distribution (safer, more repetitive text),
    temperature > 1 flattens it (more surprising text); 1.0 is ``sample``.
    Returns:
        str: ``prime`` followed by at least ``size`` generated characters.
    """
    ### BEGIN SOLUTION
    net.eval()
    device = next(net.parameters()).device
    h = net.init_hidden(1)
    chars = list(prime)
    with torch.no_grad():
        for i in range(len(prime) + size - 1):
            x = one_hot_encode(np.array([[net.char2int[chars[i]]]]), len(net.chars))
            out, h = net(torch.from_numpy(x).to(device), h)
            if i < len(prime) - 1:
                continue
            logits = out[0] / temperature
            if top_k is not None:
                cutoff = logits.topk(top_k).values[-1]
                logits = logits.masked_fill(logits < cutoff, float("-inf"))
            p = F.softmax(logits, dim=0)
            chars.append(net.int2char[int(torch.multinomial(p, 1).item())])
    return "".join(chars)
    ### END SOLUTION


def save_checkpoint(net, path="anna_karnna.pt"):
    """Save what it takes to rebuild ``net``: a dict of plain values that loads with
    ``torch.load(path, weights_only=True)``.

    Keys: "n_hidden" (int), "n_layers" (int), "tokens" (list of str, the vocabulary in order),
    "state_dict" (the model's tensors, on the CPU).
    """
    ### BEGIN SOLUTION
    checkpoint = {"n_hidden": net.n_hidden,
                  "n_layers": net.n_layers,
                  "tokens": list(net.chars),
                  "state_dict": {k: v.detach().cpu() for k, v in net.state_dict().items()}}
    torch.save(checkpoint, path)
    ### END SOLUTION


def load_encoded():
    """(text, chars, encoded): the novel, its sorted vocabulary as a tuple, and its int64 codes,
    as the project's notebook makes them with the provided functions."""
    text = load_anna()
    int2char, char2int = build_vocab(text)
    return text, tuple(int2char[i] for i in range(len(int2char))), encode(text, char2int)
