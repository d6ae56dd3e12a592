# Realistic wrong implementations of 03_other_architectures.
# Each variant replaces one function of the reference; it must lose points on that
# function, and a grader message must contain the phrase after the colon.

# %% split_gate_order_zr -> split_gru_weights: gate order
def split_gru_weights(gru):
    suffix = "_l0" if isinstance(gru, nn.GRU) else ""
    wi = getattr(gru, "weight_ih" + suffix).detach()
    wh = getattr(gru, "weight_hh" + suffix).detach()
    bi = getattr(gru, "bias_ih" + suffix).detach()
    bh = getattr(gru, "bias_hh" + suffix).detach()
    H = wh.shape[1]
    z, r, n = slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H)  # update first, as in some papers
    return {"reset": (wi[r], wh[r], bi[r] + bh[r]), "update": (wi[z], wh[z], bi[z] + bh[z]),
            "new": (wi[n], wh[n], bi[n], bh[n])}

# %% split_biases_merged_new -> split_gru_weights: biases were merged
def split_gru_weights(gru):
    suffix = "_l0" if isinstance(gru, nn.GRU) else ""
    wi = getattr(gru, "weight_ih" + suffix).detach()
    wh = getattr(gru, "weight_hh" + suffix).detach()
    b = (getattr(gru, "bias_ih" + suffix) + getattr(gru, "bias_hh" + suffix)).detach()
    (a, c, e), (f, g, k), (br, bz, bn) = wi.chunk(3), wh.chunk(3), b.chunk(3)
    return {"reset": (a, f, br), "update": (c, g, bz), "new": (e, k, bn, torch.zeros_like(bn))}

# %% split_only_bias_ih -> split_gru_weights: sum of both biases
def split_gru_weights(gru):
    suffix = "_l0" if isinstance(gru, nn.GRU) else ""
    wi = getattr(gru, "weight_ih" + suffix).detach()
    wh = getattr(gru, "weight_hh" + suffix).detach()
    bi = getattr(gru, "bias_ih" + suffix).detach()
    bh = getattr(gru, "bias_hh" + suffix).detach()
    (a, c, e), (f, g, k), (bir, biz, bin_), (_, _, bhn) = wi.chunk(3), wh.chunk(3), bi.chunk(3), bh.chunk(3)
    return {"reset": (a, f, bir), "update": (c, g, biz), "new": (e, k, bin_, bhn)}

# %% split_new_biases_swapped -> split_gru_weights: swapped
def split_gru_weights(gru):
    suffix = "_l0" if isinstance(gru, nn.GRU) else ""
    wi, wh = getattr(gru, "weight_ih" + suffix).detach(), getattr(gru, "weight_hh" + suffix).detach()
    bi, bh = getattr(gru, "bias_ih" + suffix).detach(), getattr(gru, "bias_hh" + suffix).detach()
    (a, c, e), (f, g, k), (bir, biz, bin_), (bhr, bhz, bhn) = wi.chunk(3), wh.chunk(3), bi.chunk(3), bh.chunk(3)
    return {"reset": (a, f, bir + bhr), "update": (c, g, biz + bhz), "new": (e, k, bhn, bin_)}

# %% split_new_three_items -> split_gru_weights: tuple of 4
def split_gru_weights(gru):
    suffix = "_l0" if isinstance(gru, nn.GRU) else ""
    wi, wh = getattr(gru, "weight_ih" + suffix).detach(), getattr(gru, "weight_hh" + suffix).detach()
    b = (getattr(gru, "bias_ih" + suffix) + getattr(gru, "bias_hh" + suffix)).detach()
    return {name: (x, h, bb) for name, x, h, bb in zip(("reset", "update", "new"), wi.chunk(3), wh.chunk(3), b.chunk(3))}

# %% split_cell_only -> split_gru_weights: weight_ih_l0
def split_gru_weights(gru):
    wi, wh = gru.weight_ih.detach(), gru.weight_hh.detach()
    bi, bh = gru.bias_ih.detach(), gru.bias_hh.detach()
    (a, c, e), (f, g, k), (bir, biz, bin_), (bhr, bhz, bhn) = wi.chunk(3), wh.chunk(3), bi.chunk(3), bh.chunk(3)
    return {"reset": (a, f, bir + bhr), "update": (c, g, biz + bhz), "new": (e, k, bin_, bhn)}

# %% split_transposed -> split_gru_weights: shapes
def split_gru_weights(gru):
    suffix = "_l0" if isinstance(gru, nn.GRU) else ""
    wi, wh = getattr(gru, "weight_ih" + suffix).detach(), getattr(gru, "weight_hh" + suffix).detach()
    bi, bh = getattr(gru, "bias_ih" + suffix).detach(), getattr(gru, "bias_hh" + suffix).detach()
    (a, c, e), (f, g, k), (bir, biz, bin_), (bhr, bhz, bhn) = wi.chunk(3), wh.chunk(3), bi.chunk(3), bh.chunk(3)
    return {"reset": (a.T, f.T, bir + bhr), "update": (c.T, g.T, biz + bhz), "new": (e.T, k.T, bin_, bhn)}

# %% gru_reset_before_matmul -> gru_cell: before the matmul
def gru_cell(x, h_prev, weights):
    (W_xr, W_hr, b_r), (W_xz, W_hz, b_z), (W_xn, W_hn, b_xn, b_hn) = weights["reset"], weights["update"], weights["new"]
    r = torch.sigmoid(x @ W_xr.T + h_prev @ W_hr.T + b_r)
    z = torch.sigmoid(x @ W_xz.T + h_prev @ W_hz.T + b_z)
    n = torch.tanh(x @ W_xn.T + b_xn + (r * h_prev) @ W_hn.T + b_hn)
    return (1 - z) * n + z * h_prev

# %% gru_interpolation_reversed -> gru_cell: interpolation is reversed
def gru_cell(x, h_prev, weights):
    (W_xr, W_hr, b_r), (W_xz, W_hz, b_z), (W_xn, W_hn, b_xn, b_hn) = weights["reset"], weights["update"], weights["new"]
    r = torch.sigmoid(x @ W_xr.T + h_prev @ W_hr.T + b_r)
    z = torch.sigmoid(x @ W_xz.T + h_prev @ W_hz.T + b_z)
    n = torch.tanh(x @ W_xn.T + b_xn + r * (h_prev @ W_hn.T + b_hn))
    return z * n + (1 - z) * h_prev

# %% gru_new_biases_merged -> gru_cell: biases of the new gate were merged
def gru_cell(x, h_prev, weights):
    (W_xr, W_hr, b_r), (W_xz, W_hz, b_z), (W_xn, W_hn, b_xn, b_hn) = weights["reset"], weights["update"], weights["new"]
    r = torch.sigmoid(x @ W_xr.T + h_prev @ W_hr.T + b_r)
    z = torch.sigmoid(x @ W_xz.T + h_prev @ W_hz.T + b_z)
    n = torch.tanh(x @ W_xn.T + r * (h_prev @ W_hn.T) + (b_xn + b_hn))
    return (1 - z) * n + z * h_prev

# %% gru_reset_whole_sum -> gru_cell: multiplies the whole new-memory sum
def gru_cell(x, h_prev, weights):
    (W_xr, W_hr, b_r), (W_xz, W_hz, b_z), (W_xn, W_hn, b_xn, b_hn) = weights["reset"], weights["update"], weights["new"]
    r = torch.sigmoid(x @ W_xr.T + h_prev @ W_hr.T + b_r)
    z = torch.sigmoid(x @ W_xz.T + h_prev @ W_hz.T + b_z)
    n = torch.tanh(r * (x @ W_xn.T + b_xn + h_prev @ W_hn.T + b_hn))
    return (1 - z) * n + z * h_prev

# %% gru_no_reset -> gru_cell: reset gate is not used
def gru_cell(x, h_prev, weights):
    (W_xz, W_hz, b_z), (W_xn, W_hn, b_xn, b_hn) = weights["update"], weights["new"]
    z = torch.sigmoid(x @ W_xz.T + h_prev @ W_hz.T + b_z)
    n = torch.tanh(x @ W_xn.T + b_xn + h_prev @ W_hn.T + b_hn)
    return (1 - z) * n + z * h_prev

# %% gru_gates_swapped -> gru_cell: gates are swapped
def gru_cell(x, h_prev, weights):
    (W_xr, W_hr, b_r), (W_xz, W_hz, b_z), (W_xn, W_hn, b_xn, b_hn) = weights["update"], weights["reset"], weights["new"]
    r = torch.sigmoid(x @ W_xr.T + h_prev @ W_hr.T + b_r)
    z = torch.sigmoid(x @ W_xz.T + h_prev @ W_hz.T + b_z)
    n = torch.tanh(x @ W_xn.T + b_xn + r * (h_prev @ W_hn.T + b_hn))
    return (1 - z) * n + z * h_prev

# %% gru_returns_candidate -> gru_cell: missing the update gate's mix
def gru_cell(x, h_prev, weights):
    (W_xr, W_hr, b_r), (W_xn, W_hn, b_xn, b_hn) = weights["reset"], weights["new"]
    r = torch.sigmoid(x @ W_xr.T + h_prev @ W_hr.T + b_r)
    return torch.tanh(x @ W_xn.T + b_xn + r * (h_prev @ W_hn.T + b_hn))

# %% gru_sigmoid_candidate -> gru_cell: differs from nn.GRUCell
def gru_cell(x, h_prev, weights):
    (W_xr, W_hr, b_r), (W_xz, W_hz, b_z), (W_xn, W_hn, b_xn, b_hn) = weights["reset"], weights["update"], weights["new"]
    r = torch.sigmoid(x @ W_xr.T + h_prev @ W_hr.T + b_r)
    z = torch.sigmoid(x @ W_xz.T + h_prev @ W_hz.T + b_z)
    n = torch.sigmoid(x @ W_xn.T + b_xn + r * (h_prev @ W_hn.T + b_hn))
    return (1 - z) * n + z * h_prev

# %% ewma_starts_from_zero -> ewma: starts from zero
def ewma(x, beta, initial=None):
    s = torch.zeros_like(x[0]) if initial is None else torch.as_tensor(initial)
    out = []
    for t in range(x.shape[0]):
        s = beta * s + (1 - beta) * x[t]
        out.append(s)
    return torch.stack(out)

# %% ewma_beta_swapped -> ewma: swapped
def ewma(x, beta, initial=None):
    s = x[0] if initial is None else torch.as_tensor(initial)
    out = [x[0]] if initial is None else []
    for t in range(1 if initial is None else 0, x.shape[0]):
        s = (1 - beta) * s + beta * x[t]
        out.append(s)
    return torch.stack(out)

# %% ewma_ignores_initial -> ewma: was ignored
def ewma(x, beta, initial=None):
    out = torch.empty_like(x)
    out[0] = x[0]
    for t in range(1, x.shape[0]):
        out[t] = beta * out[t - 1] + (1 - beta) * x[t]
    return out

# %% ewma_initial_as_s0 -> ewma: instead of s_{-1}
def ewma(x, beta, initial=None):
    out = torch.empty_like(x)
    out[0] = x[0] if initial is None else torch.as_tensor(initial)
    for t in range(1, x.shape[0]):
        out[t] = beta * out[t - 1] + (1 - beta) * x[t]
    return out

# %% ewma_in_place -> ewma: in place
def ewma(x, beta, initial=None):
    if initial is not None:
        x[0] = beta * torch.as_tensor(initial) + (1 - beta) * x[0]
    for t in range(1, x.shape[0]):
        x[t] = beta * x[t - 1] + (1 - beta) * x[t]
    return x

# %% ewma_counts_first_twice -> ewma: counted twice
def ewma(x, beta, initial=None):
    s = x[0] if initial is None else torch.as_tensor(initial)
    out = []
    for t in range(x.shape[0]):
        if initial is None and t == 0:
            out.append(s)
            continue
        out.append(s)
        s = beta * s + (1 - beta) * x[t]
    return torch.stack(out)

# %% peephole_output_on_c_prev -> peephole_lstm_cell: c_prev
def peephole_lstm_cell(x, state, weights, peepholes):
    h_prev, c_prev = state
    pre = {g: x @ W.T + h_prev @ U.T + b for g, (W, U, b) in weights.items()}
    i = torch.sigmoid(pre["input"] + peepholes["input"] * c_prev)
    f = torch.sigmoid(pre["forget"] + peepholes["forget"] * c_prev)
    o = torch.sigmoid(pre["output"] + peepholes["output"] * c_prev)
    c_t = f * c_prev + i * torch.tanh(pre["cell"])
    return o * torch.tanh(c_t), c_t

# %% peephole_ignored -> peephole_lstm_cell: peepholes are ignored
def peephole_lstm_cell(x, state, weights, peepholes):
    h_prev, c_prev = state
    pre = {g: x @ W.T + h_prev @ U.T + b for g, (W, U, b) in weights.items()}
    c_t = torch.sigmoid(pre["forget"]) * c_prev + torch.sigmoid(pre["input"]) * torch.tanh(pre["cell"])
    return torch.sigmoid(pre["output"]) * torch.tanh(c_t), c_t

# %% peephole_in_out_swapped -> peephole_lstm_cell: swapped
def peephole_lstm_cell(x, state, weights, peepholes):
    h_prev, c_prev = state
    pre = {g: x @ W.T + h_prev @ U.T + b for g, (W, U, b) in weights.items()}
    i = torch.sigmoid(pre["input"] + peepholes["forget"] * c_prev)
    f = torch.sigmoid(pre["forget"] + peepholes["input"] * c_prev)
    c_t = f * c_prev + i * torch.tanh(pre["cell"])
    o = torch.sigmoid(pre["output"] + peepholes["output"] * c_t)
    return o * torch.tanh(c_t), c_t

# %% peephole_on_hidden -> peephole_lstm_cell: hidden state h
def peephole_lstm_cell(x, state, weights, peepholes):
    h_prev, c_prev = state
    pre = {g: x @ W.T + h_prev @ U.T + b for g, (W, U, b) in weights.items()}
    i = torch.sigmoid(pre["input"] + peepholes["input"] * h_prev)
    f = torch.sigmoid(pre["forget"] + peepholes["forget"] * h_prev)
    c_t = f * c_prev + i * torch.tanh(pre["cell"])
    o = torch.sigmoid(pre["output"] + peepholes["output"] * h_prev)
    return o * torch.tanh(c_t), c_t

# %% peephole_returns_c_first -> peephole_lstm_cell: wrong order
def peephole_lstm_cell(x, state, weights, peepholes):
    h_prev, c_prev = state
    pre = {g: x @ W.T + h_prev @ U.T + b for g, (W, U, b) in weights.items()}
    i = torch.sigmoid(pre["input"] + peepholes["input"] * c_prev)
    f = torch.sigmoid(pre["forget"] + peepholes["forget"] * c_prev)
    c_t = f * c_prev + i * torch.tanh(pre["cell"])
    o = torch.sigmoid(pre["output"] + peepholes["output"] * c_t)
    return c_t, o * torch.tanh(c_t)

# %% peephole_no_tanh_on_c -> peephole_lstm_cell: not o * c_t
def peephole_lstm_cell(x, state, weights, peepholes):
    h_prev, c_prev = state
    pre = {g: x @ W.T + h_prev @ U.T + b for g, (W, U, b) in weights.items()}
    i = torch.sigmoid(pre["input"] + peepholes["input"] * c_prev)
    f = torch.sigmoid(pre["forget"] + peepholes["forget"] * c_prev)
    c_t = f * c_prev + i * torch.tanh(pre["cell"])
    o = torch.sigmoid(pre["output"] + peepholes["output"] * c_t)
    return o * c_t, c_t

# %% peephole_candidate_sigmoid -> peephole_lstm_cell: c_t is wrong
def peephole_lstm_cell(x, state, weights, peepholes):
    h_prev, c_prev = state
    pre = {g: x @ W.T + h_prev @ U.T + b for g, (W, U, b) in weights.items()}
    i = torch.sigmoid(pre["input"] + peepholes["input"] * c_prev)
    f = torch.sigmoid(pre["forget"] + peepholes["forget"] * c_prev)
    c_t = f * c_prev + i * torch.sigmoid(pre["cell"])
    o = torch.sigmoid(pre["output"] + peepholes["output"] * c_t)
    return o * torch.tanh(c_t), c_t

# %% hidden_lstm_one_tensor -> init_hidden: one tensor
def init_hidden(cell_type, num_layers, batch_size, hidden_size):
    if cell_type == "lstm":
        return torch.zeros(2, num_layers, batch_size, hidden_size)
    return torch.zeros(num_layers, batch_size, hidden_size)

# %% hidden_batch_first -> init_hidden: batch axis is second
def init_hidden(cell_type, num_layers, batch_size, hidden_size):
    shape = (batch_size, num_layers, hidden_size)
    if cell_type == "lstm":
        return torch.zeros(shape), torch.zeros(shape)
    return torch.zeros(shape)

# %% hidden_tuple_for_all -> init_hidden: only the LSTM has two states
def init_hidden(cell_type, num_layers, batch_size, hidden_size):
    shape = (num_layers, batch_size, hidden_size)
    return torch.zeros(shape), torch.zeros(shape)

# %% hidden_drops_layer_axis -> init_hidden: should have shape
def init_hidden(cell_type, num_layers, batch_size, hidden_size):
    shape = (batch_size, hidden_size) if num_layers == 1 else (num_layers, batch_size, hidden_size)
    if cell_type == "lstm":
        return torch.zeros(shape), torch.zeros(shape)
    return torch.zeros(shape)

# %% hidden_float64 -> init_hidden: float32
def init_hidden(cell_type, num_layers, batch_size, hidden_size):
    shape = (num_layers, batch_size, hidden_size)
    if cell_type == "lstm":
        return torch.zeros(shape, dtype=torch.float64), torch.zeros(shape, dtype=torch.float64)
    return torch.zeros(shape, dtype=torch.float64)

# %% hidden_lstm_list -> init_hidden: tuple (h0, c0)
def init_hidden(cell_type, num_layers, batch_size, hidden_size):
    shape = (num_layers, batch_size, hidden_size)
    if cell_type == "lstm":
        return [torch.zeros(shape), torch.zeros(shape)]
    return torch.zeros(shape)

# %% count_one_bias -> param_count: two biases
def param_count(cell_type, input_size, hidden_size, num_layers=1):
    G = {"rnn": 1, "gru": 3, "lstm": 4}[cell_type]
    total = G * (hidden_size * input_size + hidden_size * hidden_size + hidden_size)
    return total + (num_layers - 1) * G * (2 * hidden_size * hidden_size + hidden_size)

# %% count_input_every_layer -> param_count: not input_size
def param_count(cell_type, input_size, hidden_size, num_layers=1):
    G = {"rnn": 1, "gru": 3, "lstm": 4}[cell_type]
    return num_layers * G * (hidden_size * input_size + hidden_size * hidden_size + 2 * hidden_size)

# %% count_gru_four_gates -> param_count: gate block
def param_count(cell_type, input_size, hidden_size, num_layers=1):
    G = {"rnn": 1, "gru": 4, "lstm": 4}[cell_type]
    total = 0
    for layer in range(num_layers):
        i = input_size if layer == 0 else hidden_size
        total += G * (hidden_size * i + hidden_size * hidden_size + 2 * hidden_size)
    return total

# %% count_ignores_layers -> param_count: num_layers is ignored
def param_count(cell_type, input_size, hidden_size, num_layers=1):
    G = {"rnn": 1, "gru": 3, "lstm": 4}[cell_type]
    return G * (hidden_size * input_size + hidden_size * hidden_size + 2 * hidden_size)

# %% count_no_biases -> param_count: biases are missing
def param_count(cell_type, input_size, hidden_size, num_layers=1):
    G = {"rnn": 1, "gru": 3, "lstm": 4}[cell_type]
    total = 0
    for layer in range(num_layers):
        i = input_size if layer == 0 else hidden_size
        total += G * (hidden_size * i + hidden_size * hidden_size)
    return total

# %% classifier_first_step -> SequenceClassifier: last step
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type](hidden_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        output, _ = self.rnn(self.embedding(x))
        return self.fc(output[:, 0])

# %% classifier_no_batch_first -> SequenceClassifier: batch_first
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type](hidden_size, hidden_size)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        output, _ = self.rnn(self.embedding(x))
        return self.fc(output[:, -1])

# %% classifier_always_lstm -> SequenceClassifier: cell_type used
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = nn.LSTM(hidden_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        output, _ = self.rnn(self.embedding(x))
        return self.fc(output[:, -1])

# %% classifier_last_symbol_only -> SequenceClassifier: accuracy
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type](hidden_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        output, _ = self.rnn(self.embedding(x[:, -1:]))  # only the newest symbol
        return self.fc(output[:, -1])

# %% classifier_all_steps -> SequenceClassifier: one row of logits per sequence
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type](hidden_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        output, _ = self.rnn(self.embedding(x))
        return self.fc(output)

# %% classifier_detached_output -> SequenceClassifier: Only the linear layer trained
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type](hidden_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        output, _ = self.rnn(self.embedding(x))
        return self.fc(output[:, -1].detach())  # "only the features", cut from the graph

# %% classifier_state_detached_each_step -> SequenceClassifier: detached between steps
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.cell_type, self.hidden_size = cell_type, hidden_size
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.cell = {"rnn": nn.RNNCell, "gru": nn.GRUCell, "lstm": nn.LSTMCell}[cell_type](hidden_size, hidden_size)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        emb = self.embedding(x)
        h = emb.new_zeros(x.shape[0], self.hidden_size)
        c = torch.zeros_like(h)
        for t in range(x.shape[1]):
            h, c = h.detach(), c.detach()  # as between batches in a language model
            if self.cell_type == "lstm":
                h, c = self.cell(emb[:, t], (h, c))
            else:
                h = self.cell(emb[:, t], h)
        return self.fc(h)

# %% peephole_input_reads_output_key -> peephole_lstm_cell: input gate is wrong
def peephole_lstm_cell(x, state, weights, peepholes):
    h_prev, c_prev = state
    pre = {g: x @ W.T + h_prev @ U.T + b for g, (W, U, b) in weights.items()}
    i = torch.sigmoid(pre["input"] + peepholes["output"] * c_prev)  # the wrong key
    f = torch.sigmoid(pre["forget"] + peepholes["forget"] * c_prev)
    c_t = f * c_prev + i * torch.tanh(pre["cell"])
    o = torch.sigmoid(pre["output"] + peepholes["output"] * c_t)
    return o * torch.tanh(c_t), c_t

# %% peephole_output_term_in_input_gate -> peephole_lstm_cell: output gate's peephole is applied in the input gate
def peephole_lstm_cell(x, state, weights, peepholes):
    h_prev, c_prev = state
    pre = {g: x @ W.T + h_prev @ U.T + b for g, (W, U, b) in weights.items()}
    i = torch.sigmoid(pre["input"] + peepholes["input"] * c_prev + peepholes["output"] * c_prev)
    f = torch.sigmoid(pre["forget"] + peepholes["forget"] * c_prev)
    c_t = f * c_prev + i * torch.tanh(pre["cell"])
    o = torch.sigmoid(pre["output"])
    return o * torch.tanh(c_t), c_t

# %% peephole_forget_on_hidden -> peephole_lstm_cell: forget gate is wrong
def peephole_lstm_cell(x, state, weights, peepholes):
    h_prev, c_prev = state
    pre = {g: x @ W.T + h_prev @ U.T + b for g, (W, U, b) in weights.items()}
    i = torch.sigmoid(pre["input"] + peepholes["input"] * c_prev)
    f = torch.sigmoid(pre["forget"] + peepholes["forget"] * h_prev)  # h where c_prev belongs
    c_t = f * c_prev + i * torch.tanh(pre["cell"])
    o = torch.sigmoid(pre["output"] + peepholes["output"] * c_t)
    return o * torch.tanh(c_t), c_t

# %% classifier_reads_h_n -> SequenceClassifier: h_n has a leading layer axis
class SequenceClassifier(nn.Module):
    def __init__(self, cell_type, vocab_size, hidden_size, n_classes):
        super().__init__()
        self.cell_type = cell_type
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.rnn = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}[cell_type](hidden_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, x):
        _, state = self.rnn(self.embedding(x))
        h_n = state[0] if self.cell_type == "lstm" else state
        return self.fc(h_n)
