# Correct implementations in other styles: each must get full marks.

# %% packed_matmuls
def split_gru_weights(gru):
    params = dict(gru.named_parameters())
    get = lambda name: next(v for k, v in params.items() if k.startswith(name)).detach().clone()
    H = gru.hidden_size
    wi, wh, bi, bh = get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")
    out = {}
    for k, gate in enumerate(("reset", "update")):
        rows = slice(k * H, (k + 1) * H)
        out[gate] = (wi[rows], wh[rows], bi[rows] + bh[rows])
    out["new"] = (wi[2 * H:], wh[2 * H:], bi[2 * H:], bh[2 * H:])
    return out


def gru_cell(x, h_prev, weights):
    W_x = torch.cat([weights["reset"][0], weights["update"][0], weights["new"][0]])
    W_h = torch.cat([weights["reset"][1], weights["update"][1], weights["new"][1]])
    gx = x @ W_x.T
    gh = h_prev @ W_h.T
    H = h_prev.shape[1]
    r = torch.sigmoid(gx[:, :H] + gh[:, :H] + weights["reset"][2])
    z = torch.sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H] + weights["update"][2])
    n = torch.tanh(gx[:, 2 * H:] + weights["new"][2] + r * (gh[:, 2 * H:] + weights["new"][3]))
    return n + z * (h_prev - n)


def ewma(x, beta, initial=None):
    values = list(x)
    s = values[0] if initial is None else initial
    out = []
    for v in values:
        s = beta * s + (1 - beta) * v
        out.append(s)
    return torch.stack([torch.as_tensor(o) for o in out])


def peephole_lstm_cell(x, state, weights, peepholes):
    h, c = state
    W_x = torch.cat([weights[g][0] for g in ("input", "forget", "cell", "output")])
    W_h = torch.cat([weights[g][1] for g in ("input", "forget", "cell", "output")])
    b = torch.cat([weights[g][2] for g in ("input", "forget", "cell", "output")])
    a_i, a_f, a_g, a_o = (x @ W_x.T + h @ W_h.T + b).chunk(4, dim=1)
    c_new = torch.sigmoid(a_f + peepholes["forget"] * c) * c + torch.sigmoid(a_i + peepholes["input"] * c) * torch.tanh(a_g)
    h_new = torch.sigmoid(a_o + peepholes["output"] * c_new) * torch.tanh(c_new)
    return (h_new, c_new)


def init_hidden(cell_type, num_layers, batch_size, hidden_size):
    make = lambda: torch.zeros(num_layers, batch_size, hidden_size, dtype=torch.float32)
    return (make(), make()) if cell_type.lower() == "lstm" else make()


def param_count(cell_type, input_size, hidden_size, num_layers=1):
    module = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type](input_size, hidden_size, num_layers)
    return sum(p.numel() for p in module.parameters())


class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.vocab_size = vocab_size
        cls = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type]
        self.recurrent = cls(vocab_size, hidden_size, batch_first=True)  # one-hot inputs
        self.head = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        one_hot = F.one_hot(x, self.vocab_size).float()
        _, state = self.recurrent(one_hot)
        h_n = state[0] if isinstance(state, tuple) else state
        return self.head(h_n[-1])

# %% numpy_inside
def split_gru_weights(gru):
    suffix = "_l0" if hasattr(gru, "weight_ih_l0") else ""
    arrays = {k: getattr(gru, k + suffix).detach().numpy() for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    H = arrays["weight_hh"].shape[1]
    t = lambda a: torch.from_numpy(a.copy())
    blk = lambda a, k: a[k * H:(k + 1) * H]
    return {
        "reset": (t(blk(arrays["weight_ih"], 0)), t(blk(arrays["weight_hh"], 0)), t(blk(arrays["bias_ih"], 0) + blk(arrays["bias_hh"], 0))),
        "update": (t(blk(arrays["weight_ih"], 1)), t(blk(arrays["weight_hh"], 1)), t(blk(arrays["bias_ih"], 1) + blk(arrays["bias_hh"], 1))),
        "new": (t(blk(arrays["weight_ih"], 2)), t(blk(arrays["weight_hh"], 2)), t(blk(arrays["bias_ih"], 2)), t(blk(arrays["bias_hh"], 2))),
    }


def _sig(a):
    return 1.0 / (1.0 + np.exp(-a))


def gru_cell(x, h_prev, weights):
    x, h = np.asarray(x, dtype=np.float64), np.asarray(h_prev, dtype=np.float64)
    w = {g: [np.asarray(v, dtype=np.float64) for v in vs] for g, vs in weights.items()}
    r = _sig(x @ w["reset"][0].T + h @ w["reset"][1].T + w["reset"][2])
    z = _sig(x @ w["update"][0].T + h @ w["update"][1].T + w["update"][2])
    n = np.tanh(x @ w["new"][0].T + w["new"][2] + r * (h @ w["new"][1].T + w["new"][3]))
    return torch.from_numpy(((1 - z) * n + z * h).astype(np.float32))


def ewma(x, beta, initial=None):
    a = np.asarray(x, dtype=np.float64)
    out = np.empty_like(a)
    prev = a[0] if initial is None else np.asarray(initial, dtype=np.float64)
    for t in range(len(a)):
        prev = beta * prev + (1 - beta) * a[t]
        out[t] = prev
    return torch.from_numpy(out.astype(np.float32))


def peephole_lstm_cell(x, state, weights, peepholes):
    x = np.asarray(x, dtype=np.float64)
    h, c = (np.asarray(s, dtype=np.float64) for s in state)
    w = {g: [np.asarray(v, dtype=np.float64) for v in vs] for g, vs in weights.items()}
    p = {g: np.asarray(v, dtype=np.float64) for g, v in peepholes.items()}
    lin = lambda g: x @ w[g][0].T + h @ w[g][1].T + w[g][2]
    i = _sig(lin("input") + p["input"] * c)
    f = _sig(lin("forget") + p["forget"] * c)
    c_t = f * c + i * np.tanh(lin("cell"))
    o = _sig(lin("output") + p["output"] * c_t)
    h_t = o * np.tanh(c_t)
    return torch.from_numpy(h_t.astype(np.float32)), torch.from_numpy(c_t.astype(np.float32))


def init_hidden(cell_type, num_layers, batch_size, hidden_size):
    z = torch.from_numpy(np.zeros((num_layers, batch_size, hidden_size), dtype=np.float32))
    if cell_type == "lstm":
        return (z, z.clone())
    return z


def param_count(cell_type, input_size, hidden_size, num_layers=1):
    g = {"rnn": 1, "gru": 3, "lstm": 4}[cell_type]
    sizes = [input_size] + [hidden_size] * (num_layers - 1)
    return int(sum(g * hidden_size * (i + hidden_size + 2) for i in sizes))


class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, 8)
        self.cell_type = cell_type
        self.core = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type](8, hidden_size)  # time-major
        self.out = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        seq = self.embed(x).transpose(0, 1)  # (seq, batch, features)
        output, _ = self.core(seq)
        return self.out(output[-1])

# %% loops_and_cells
def split_gru_weights(gru):
    names = [n for n, _ in gru.named_parameters()]
    pick = lambda prefix: getattr(gru, next(n for n in names if n.startswith(prefix))).detach()
    wi, wh, bi, bh = (list(pick(p).split(gru.hidden_size)) for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    return {"reset": (wi[0], wh[0], bi[0] + bh[0]), "update": (wi[1], wh[1], bi[1] + bh[1]),
            "new": (wi[2], wh[2], bi[2], bh[2])}


def gru_cell(x, h_prev, weights):
    def gate(name, act):
        W_x, W_h, b = weights[name]
        return act(torch.matmul(x, W_x.t()) + torch.matmul(h_prev, W_h.t()) + b)

    r, z = gate("reset", torch.sigmoid), gate("update", torch.sigmoid)
    W_x, W_h, b_x, b_h = weights["new"]
    hidden_part = torch.addmm(b_h, h_prev, W_h.t())
    n = torch.tanh(torch.addmm(b_x, x, W_x.t()) + r * hidden_part)
    return torch.lerp(n, h_prev, z)


def ewma(x, beta, initial=None):
    result = x.clone()
    for t in range(x.shape[0]):
        if t == 0:
            if initial is not None:
                result[0] = beta * initial + (1 - beta) * x[0]
        else:
            result[t] = beta * result[t - 1] + (1 - beta) * x[t]
    return result


def peephole_lstm_cell(x, state, weights, peepholes):
    h_prev, c_prev = state
    gates = {}
    for name in ("input", "forget", "cell", "output"):
        W_x, W_h, b = weights[name]
        gates[name] = F.linear(x, W_x) + F.linear(h_prev, W_h) + b
    i = torch.sigmoid(gates["input"] + c_prev * peepholes["input"])
    f = torch.sigmoid(gates["forget"] + c_prev * peepholes["forget"])
    c = f * c_prev + i * torch.tanh(gates["cell"])
    h = torch.sigmoid(gates["output"] + c * peepholes["output"]) * torch.tanh(c)
    return h, c


def init_hidden(cell_type, num_layers, batch_size, hidden_size):
    if cell_type not in {"rnn", "gru", "lstm"}:
        raise ValueError(cell_type)
    n_states = 2 if cell_type == "lstm" else 1
    states = tuple(torch.zeros(num_layers, batch_size, hidden_size) for _ in range(n_states))
    return states if n_states == 2 else states[0]


def param_count(cell_type, input_size, hidden_size, num_layers=1):
    blocks = {"rnn": 1, "gru": 3, "lstm": 4}[cell_type]
    count = 0
    inputs = input_size
    for _ in range(num_layers):
        count += blocks * hidden_size * inputs  # weight_ih
        count += blocks * hidden_size * hidden_size  # weight_hh
        count += 2 * blocks * hidden_size  # bias_ih, bias_hh
        inputs = hidden_size
    return count


class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.cell_type, self.hidden_size = cell_type, hidden_size
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        cell = {"rnn": nn.RNNCell, "gru": nn.GRUCell, "lstm": nn.LSTMCell}[cell_type]
        self.cell = cell(hidden_size, hidden_size)
        self.classify = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        emb = self.embedding(x)
        h = emb.new_zeros(x.shape[0], self.hidden_size)
        c = torch.zeros_like(h)
        for t in range(x.shape[1]):
            if self.cell_type == "lstm":
                h, c = self.cell(emb[:, t], (h, c))
            else:
                h = self.cell(emb[:, t], h)
        return self.classify(h)

# %% classifier_dropout_two_layers
# Two stacked layers with dropout between them and before the head, a padding row in the
# embedding, and the logits from h_n[-1]: trained in eval mode, it is the plain classifier.
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.cell_type = cell_type
        self.embed = nn.Embedding(vocab_size, hidden_size, padding_idx=0)
        layer = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type]
        self.recurrent = layer(hidden_size, hidden_size, num_layers=2, dropout=0.2, batch_first=True)
        self.dropout = nn.Dropout(0.3)
        self.classifier = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        _, state = self.recurrent(self.embed(x))
        h_n = state[0] if self.cell_type == "lstm" else state
        return self.classifier(self.dropout(h_n[-1]))
