"""The grader's own CharRNN and predict, sent to the sandbox with each call of the 05 drivers
(rnncourse/grading/scenarios/anna_karnna.py), so that train, predict, sample and save_checkpoint
are each scored on their own, and the course package carries no solution of them."""

import numpy as np
import torch


def _torch():
    return torch


class GraderCharRNN(torch.nn.Module):
    """The model the tests of train, predict, sample and save_checkpoint run on, so that each
    graded function is scored on its own (a mistake in CharRNN does not cost points there)."""

    def __init__(self, tokens, n_hidden=256, n_layers=2, drop_prob=0.5, lr=0.001):
        super().__init__()
        self.chars, self.n_hidden, self.n_layers, self.drop_prob, self.lr = \
            tuple(tokens), n_hidden, n_layers, drop_prob, lr
        self.int2char = dict(enumerate(self.chars))
        self.char2int = {c: i for i, c in self.int2char.items()}
        self.lstm = torch.nn.LSTM(len(self.chars), n_hidden, n_layers, batch_first=True,
                                  dropout=drop_prob if n_layers > 1 else 0.0)
        self.dropout = torch.nn.Dropout(drop_prob)
        self.fc = torch.nn.Linear(n_hidden, len(self.chars))

    def forward(self, x, hidden):
        r, hidden = self.lstm(x, hidden)
        return self.fc(self.dropout(r).reshape(-1, self.n_hidden)), hidden

    def init_hidden(self, batch_size):
        w = next(self.parameters())
        return (w.new_zeros(self.n_layers, batch_size, self.n_hidden),
                w.new_zeros(self.n_layers, batch_size, self.n_hidden))



def grader_predict(net, char, h=None, top_k=None):
    """A correct predict, put in the learner's namespace while their sample runs, so that sample
    is scored on its own (a mistake in predict does not cost points there)."""
    torch = _torch()
    if h is None:
        h = net.init_hidden(1)
    x = torch.zeros(1, 1, len(net.chars))
    x[0, 0, net.char2int[char]] = 1.0
    with torch.no_grad():
        out, h = net(x, tuple(t.detach() for t in h))
    p = torch.softmax(out[0], 0).numpy().astype(np.float64)
    idx = np.arange(len(p)) if top_k is None else np.argsort(-p)[:top_k]
    return net.int2char[int(np.random.choice(idx, p=p[idx] / p[idx].sum()))], h
