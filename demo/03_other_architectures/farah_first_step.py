"""Farah finished everything; her classifier reads the first step's output and her average starts at zero."""
# fails: test_ewma_starts_at_first_value, test_ewma_extremes, test_classifier_reads_the_last_step
import torch
import torch.nn as nn


def split_gru_weights(gru):
    suffix = "_l0" if isinstance(gru, nn.GRU) else ""
    wi, wh = getattr(gru, "weight_ih" + suffix).detach(), getattr(gru, "weight_hh" + suffix).detach()
    bi, bh = getattr(gru, "bias_ih" + suffix).detach(), getattr(gru, "bias_hh" + suffix).detach()
    (xr, xz, xn), (hr, hz, hn) = wi.chunk(3), wh.chunk(3)
    (bir, biz, bin_), (bhr, bhz, bhn) = bi.chunk(3), bh.chunk(3)
    return {"reset": (xr, hr, bir + bhr), "update": (xz, hz, biz + bhz), "new": (xn, hn, bin_, bhn)}


def gru_cell(x, h_prev, weights):
    (W_xr, W_hr, b_r), (W_xz, W_hz, b_z) = weights["reset"], weights["update"]
    W_xn, W_hn, b_xn, b_hn = weights["new"]
    r = torch.sigmoid(x @ W_xr.T + h_prev @ W_hr.T + b_r)
    z = torch.sigmoid(x @ W_xz.T + h_prev @ W_hz.T + b_z)
    n = torch.tanh(x @ W_xn.T + b_xn + r * (h_prev @ W_hn.T + b_hn))
    return (1 - z) * n + z * h_prev


def ewma(x, beta, initial=None):
    s = torch.zeros_like(x[0]) if initial is None else initial  # starts from zero
    out = []
    for t in range(len(x)):
        s = beta * s + (1 - beta) * x[t]
        out.append(s)
    return torch.stack(out)


def peephole_lstm_cell(x, state, weights, peepholes):
    h_prev, c_prev = state
    pre = {g: x @ W.T + h_prev @ U.T + b for g, (W, U, b) in weights.items()}
    i = torch.sigmoid(pre["input"] + peepholes["input"] * c_prev)
    f = torch.sigmoid(pre["forget"] + peepholes["forget"] * c_prev)
    c_t = f * c_prev + i * torch.tanh(pre["cell"])
    o = torch.sigmoid(pre["output"] + peepholes["output"] * c_t)
    return o * torch.tanh(c_t), c_t


def init_hidden(cell_type, num_layers, batch_size, hidden_size):
    zeros = lambda: torch.zeros(num_layers, batch_size, hidden_size)
    return (zeros(), zeros()) if cell_type == "lstm" else zeros()


def param_count(cell_type, input_size, hidden_size, num_layers=1):
    g = {"rnn": 1, "gru": 3, "lstm": 4}[cell_type]
    return sum(g * hidden_size * ((input_size if k == 0 else hidden_size) + hidden_size + 2) for k in range(num_layers))


class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type](hidden_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        output, _ = self.rnn(self.embedding(x))
        return self.fc(output[:, 0])  # the first step, not the last
