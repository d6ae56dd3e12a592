"""Reference implementations for 05_anna_karnna (COURSE_SPEC.md §4.5)."""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnncourse.data import load_anna
from rnncourse.helpers.anna_karnna import Progress, warmup_cosine
from solutions.sequence_batching import (
    build_vocab,
    encode,
    get_batches,
    one_hot_encode,
    train_val_split,
)

#: # Solution walkthrough — 05 The Anna KaRNNa project
#:
#: For instructors to release with feedback, after the deadline. The reference code is
#: `solutions/anna_karnna.py`; each piece is explained line by line: what the line does, and why
#: it is written that way. The helpers it imports (`get_batches`, `one_hot_encode`,
#: `train_val_split`, `warmup_cosine`) are in `rnncourse/helpers/anna_karnna.py`.


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
        #: `super().__init__()` first: `nn.Module` must set up its registries before any layer is
        #: assigned. The sizes are stored because `forward`, `init_hidden` and the checkpoint need them;
        #: `lr` is kept only for the classic interface (the optimiser lives in `train`).
        self.chars = tuple(tokens)
        self.int2char = dict(enumerate(self.chars))
        self.char2int = {ch: i for i, ch in self.int2char.items()}
        #: The vocabulary travels with the model, in the order given: index `i` of the one-hot vector
        #: and of the output scores is character `tokens[i]`. Sampling and checkpoints depend on it.
        self.lstm = nn.LSTM(len(self.chars), n_hidden, n_layers,
                            dropout=drop_prob if n_layers > 1 else 0.0, batch_first=True)
                            #: Input size = vocabulary size (one-hot inputs). `dropout` acts between stacked layers, so it
                            #: means nothing with one layer (PyTorch warns): we pass 0 then. `batch_first=True` because our
                            #: batches are `(batch, seq, features)`; it does **not** change the hidden state's shape.
        self.dropout = nn.Dropout(drop_prob)
        self.fc = nn.Linear(n_hidden, len(self.chars))
        #: Dropout on the top layer's output, then one score per character.

    def forward(self, x, hidden):
        r_output, hidden = self.lstm(x, hidden)
        out = self.dropout(r_output)
        out = out.contiguous().view(-1, self.n_hidden)
        out = self.fc(out)
        return out, hidden
        #: `r_output` is `(B, T, H)`: the top layer's `h_t` at every step. `view(-1, H)` stacks the
        #: `B*T` positions row by row (batch-major: row `b*T + t`), which is the order of
        #: `y.reshape(-1)`, so scores and targets line up. `.contiguous()` is needed: a batch-first
        #: LSTM's output is a transposed view, not contiguous in memory, and `view` alone raises
        #: "view size is not compatible with input tensor's size and stride" (`reshape` copies when it must).
        #: No softmax: `CrossEntropyLoss` takes raw scores and applies a numerically stable log-softmax.

    def init_hidden(self, batch_size):
        weight = next(self.parameters())
        return (weight.new_zeros(self.n_layers, batch_size, self.n_hidden),
                weight.new_zeros(self.n_layers, batch_size, self.n_hidden))
                #: `new_zeros` makes tensors with the dtype and **device** of the weights: the same code works on
                #: a CPU and a GPU without a global `train_on_gpu`. Shape `(layers, batch, hidden)`: PyTorch's
                #: order for LSTM states, also with `batch_first=True`.
    ### END SOLUTION

#: Common mistakes: forgetting to flatten (scores `(B, T, V)` do not match targets `(B*T,)`),
#: a state of shape `(batch, layers, hidden)`, a softmax at the end of `forward`.


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
    #: Batches are moved to wherever the model is. `net.train()` turns dropout on. Adam adapts each
    #: parameter's step size, which suits LSTMs far better than plain SGD. AdamW is Adam with
    #: decoupled weight decay: each step also shrinks every weight by `lr * weight_decay` of itself, a
    #: regulariser that costs no time; at `weight_decay=0` (the default) it is exactly Adam. The
    #: validation text is the untouched tail of the novel.
    steps_per_epoch = len(train_data) // (batch_size * seq_length)
    total = epochs * steps_per_epoch
    if schedule == "cosine":
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: warmup_cosine(s, total))
        #: Optional learning-rate schedule: a linear warm-up over the first 15% of the steps (Adam's
        #: moment estimates are poor in the first steps, and full-rate steps then set a fresh LSTM back
        #: for minutes), the peak rate held, then a cosine decay to 3% of the peak over the last 40% of
        #: the steps. A high learning rate learns fastest, so a short run keeps it for most of its budget;
        #: the decay at the end lets the model settle into a lower loss. Decaying from the start (a plain
        #: cosine) spends too much of a few-minute budget at small rates (`benchmarks/README.md`).
    history = {"step": [], "train_loss": [], "val_step": [], "val_loss": [], "seconds": []}
    progress, step = Progress(total, batch_size * seq_length), 0
    #: `Progress` (from `rnncourse.helpers.anna_karnna`) prints a line every 10 seconds and after the last step:
    #: the step, characters per second, the training and validation losses, and the time left. It
    #: prints to the notebook and, from a Jupyter kernel, to the terminal Jupyter runs in, where
    #: `jupyter nbconvert --execute` shows it as it comes.
    for _ in range(epochs):
        h = net.init_hidden(batch_size)
        for x, y in get_batches(train_data, batch_size, seq_length):
            #: Each epoch starts from a zero state; within an epoch, the state is carried, because row `r`
            #: of batch `k+1` continues row `r` of batch `k`.
            step += 1
            inputs = torch.from_numpy(one_hot_encode(x, n_chars)).to(device)
            targets = torch.from_numpy(y).to(device)
            h = tuple(each.detach() for each in h)
            #: `from_numpy` shares memory with the NumPy array (no copy). **Detach**: keep the values of the
            #: state but cut it from the previous batch's graph. Without it, `backward()` would try to go
            #: back through the previous batch, whose graph was already freed, and raise; with
            #: `retain_graph=True` it would instead go back through the whole epoch, slower at every step.
            opt.zero_grad()
            output, h = net(inputs, h)
            loss = criterion(output, targets.reshape(batch_size * seq_length).long())
            loss.backward()
            #: Gradients accumulate in `.grad`, so clear them before each backward. Targets are **integer**
            #: class indices (`long`), one per row of `output`.
            nn.utils.clip_grad_norm_(net.parameters(), clip)
            opt.step()
            if schedule == "cosine":
                sched.step()
                #: Clipping rescales all gradients together so their total L2 norm is at most `clip`, and must
                #: come **between** `backward()` and `step()` (after the step it changes nothing). Then the
                #: scheduler moves to the next step's learning rate.
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
                #: Validation with dropout **off** (`eval`), without building a graph (`no_grad`: faster, less
                #: memory), in batches of the training's `batch_size` and `seq_length`, carrying its own state
                #: along the validation rows; then back to training mode. The mean is kept in `history` for the
                #: loss plot and passed to `progress.update(step, loss, val_loss)`, called after every step
                #: (`val_loss` is `None` between validations), which shows it on the next progress line.
                if val_losses:
                    val_loss = float(np.mean(val_losses))
                    history["val_step"].append(step)
                    history["val_loss"].append(val_loss)
                    history["seconds"].append(progress.seconds())
            progress.update(step, history["train_loss"][-1], val_loss)
    return history
    ### END SOLUTION

#: Common mistakes: no detach, no `zero_grad`, clipping after `step()` or with
#: `clip_grad_value_`, float targets, training on the validation tail too.


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
        #: A batch of one sequence of one character, `(1, 1, V)`. `h=None` means the start of a text.
        #: No gradients are needed to generate.
    p = F.softmax(out, dim=1).cpu()
    if top_k is None:
        top_ch = np.arange(len(net.chars))
    else:
        p, top_ch = p.topk(top_k)
        top_ch = top_ch.numpy().reshape(-1)
    p = p.numpy().reshape(-1)
    char_index = np.random.choice(top_ch, p=p / p.sum())
    return net.int2char[int(char_index)], h
    #: Probabilities over the vocabulary (`dim=1`: across characters, not across the batch of one).
    #: With `top_k`, keep the `k` largest and their indices; `reshape(-1)` rather than `squeeze()` so
    #: that `top_k=1` still gives a 1-D array. Renormalise and draw: random, so the text does not
    #: loop; restricted to the top `k`, so it avoids the garbled tail. Return the new state so the
    #: caller can continue from it.
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
    #: Dropout off. The prime is read character by character to **warm up** the state; the prediction
    #: after its last character is the first new one. Each new character is fed back with the state
    #: carried from the previous call. The result is the prime plus `size` generated characters.
    ### END SOLUTION

#: Common mistakes: no `eval()`, `h=None` at every call (a model with one character of memory),
#: not passing `top_k` on, returning only the generated part.


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
            #: One loop over the prime and the generated text: reading the prime only updates the state;
            #: from its last character on, each step draws a character. The scores are divided by the
            #: temperature **before** the softmax ($\tau < 1$ sharpens, $\tau > 1$ flattens). Top-k is applied
            #: by setting every score below the k-th largest to $-\infty$ (probability 0 after the softmax).
            #: `torch.multinomial` draws an index with the given probabilities.
    return "".join(chars)
    ### END SOLUTION

#: Common mistakes: multiplying by the temperature, or dividing the probabilities (after the
#: softmax) by it, which changes nothing once they are renormalised.


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
    #: Everything needed to rebuild the model, as plain values: sizes (ints), the vocabulary (a list
    #: of strings, in order) and the weights as CPU tensors (a GPU-trained checkpoint then loads on
    #: any machine). Such a dict loads with `torch.load(path, weights_only=True)`, which refuses to
    #: unpickle code: `torch.save(net, path)` would pickle the class and could only be loaded unsafely.
    ### END SOLUTION


def load_encoded():
    """(text, chars, encoded): the novel, its sorted vocabulary as a tuple, and its int64 codes,
    as the project's notebook makes them with the provided functions."""
    text = load_anna()
    int2char, char2int = build_vocab(text)
    return text, tuple(int2char[i] for i in range(len(int2char))), encode(text, char2int)
