# Correct implementations in other styles: each must get full marks.

# %% explicit_loops_and_helpers
def _affine(v, w, b):
    out = torch.zeros(v.shape[0], w.shape[0], dtype=v.dtype)
    for i in range(w.shape[0]):
        out[:, i] = (v * w[i]).sum(dim=1) + b[i]
    return out


def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(_affine(x, weight_ih, bias_ih) + _affine(h_prev, weight_hh, bias_hh))


def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    batch, seq, _ = x.shape
    h = torch.zeros(batch, weight_hh.shape[0]) if h0 is None else h0
    output = torch.zeros(batch, seq, weight_hh.shape[0])
    for t in range(seq):
        h = torch.tanh(_affine(x[:, t, :], weight_ih, bias_ih) + _affine(h, weight_hh, bias_hh))
        output[:, t, :] = h
    return output, h


def hidden_gradient_norms(rnn, x):
    state = None
    kept = []
    for t in range(x.shape[1]):
        out, state = rnn(x[:, t].unsqueeze(1), state)
        h = state[0] if type(state) is tuple else state
        h.retain_grad()
        kept.append(h)
    kept[-1].sum().backward()
    return torch.tensor([float(torch.sqrt((h.grad ** 2).sum())) for h in kept])


def clip_grad_norm(parameters, max_norm):
    grads = []
    for p in parameters:
        if p.grad is not None:
            grads.append(p.grad)
    squares = 0.0
    for g in grads:
        squares += float((g.double() ** 2).sum())
    total = squares ** 0.5
    if total > max_norm:
        coef = max_norm / (total + 1e-6)
        for g in grads:
            g *= coef
    return torch.tensor(total)


def detach_hidden(hidden):
    if isinstance(hidden, tuple):
        return tuple(h.detach() for h in hidden)
    if isinstance(hidden, list):
        return [h.detach() for h in hidden]
    return hidden.detach()


class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super(SineRNN, self).__init__()
        self.hidden_dim = hidden_dim
        self.rnn = nn.RNN(input_size=input_size, hidden_size=hidden_dim, num_layers=n_layers,
                          batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x, hidden):
        batch, seq = x.shape[0], x.shape[1]
        r_out, hidden = self.rnn(x, hidden)
        out = self.fc(r_out.contiguous().view(-1, self.hidden_dim))
        return out.view(batch, seq, -1), hidden

# %% one_big_matmul
def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    W = torch.cat([weight_hh, weight_ih], dim=1)           # (H, H + I)
    hx = torch.cat([h_prev, x], dim=1)                      # (batch, H + I)
    return torch.tanh(torch.addmm(bias_ih + bias_hh, hx, W.t()))


def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    W = torch.cat([weight_hh, weight_ih], dim=1)
    b = bias_ih + bias_hh
    h = h0 if h0 is not None else torch.zeros(x.size(0), weight_hh.size(0), dtype=x.dtype)
    outs = []
    for x_t in x.unbind(1):
        h = torch.tanh(torch.cat([h, x_t], 1) @ W.t() + b)
        outs.append(h)
    out = torch.stack(outs, 1)
    return out, out[:, -1]


def hidden_gradient_norms(rnn, x):
    hs, hidden = [], None
    for x_t in x.split(1, dim=1):
        out, hidden = rnn(x_t, hidden)
        if isinstance(hidden, tuple):
            hs.append(hidden[0])
        else:
            hs.append(hidden)
    norms = []
    grads = torch.autograd.grad(hs[-1].sum(), hs)
    for g in grads:
        norms.append(torch.linalg.vector_norm(g))
    return torch.stack(norms).detach()


def clip_grad_norm(parameters, max_norm):
    grads = [p.grad for p in list(parameters) if p.grad is not None]
    flat = torch.cat([g.reshape(-1) for g in grads])
    total = flat.norm(2)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)
    return total


def detach_hidden(hidden):
    if torch.is_tensor(hidden):
        return hidden.detach()
    return type(hidden)(map(detach_hidden, hidden))


class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.n_layers, self.hidden_dim = n_layers, hidden_dim
        self.rnn = nn.RNN(input_size, hidden_dim, n_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x, hidden):
        if hidden is None:
            hidden = torch.zeros(self.n_layers, x.size(0), self.hidden_dim)
        out, hidden = self.rnn(x, hidden)
        return self.fc(out), hidden

# %% numpy_inside
def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    xs, hs = x.detach().numpy(), h_prev.detach().numpy()
    z = xs @ weight_ih.detach().numpy().T + hs @ weight_hh.detach().numpy().T
    z = z + bias_ih.detach().numpy() + bias_hh.detach().numpy()
    return torch.from_numpy(np.tanh(z).astype(np.float32))


def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    X = x.detach().numpy().astype(np.float64)
    Wi, Wh = weight_ih.detach().numpy(), weight_hh.detach().numpy()
    b = (bias_ih + bias_hh).detach().numpy()
    h = np.zeros((X.shape[0], Wh.shape[0])) if h0 is None else h0.detach().numpy()
    out = np.empty((X.shape[0], X.shape[1], Wh.shape[0]), dtype=np.float32)
    for t in range(X.shape[1]):
        h = np.tanh(X[:, t] @ Wi.T + h @ Wh.T + b)
        out[:, t] = h
    out = torch.from_numpy(out)
    return out, out[:, -1].clone()


def hidden_gradient_norms(rnn, x):
    states = []

    def keep(h):
        states.append(h)
        return h

    hidden = None
    for t in range(x.shape[1]):
        _, hidden = rnn(x[:, t:t + 1, :], hidden)
        if isinstance(hidden, tuple):
            hidden = (keep(hidden[0]), hidden[1])
        else:
            hidden = keep(hidden)
    grads = torch.autograd.grad(states[-1].sum(), states)
    return torch.from_numpy(np.array([np.linalg.norm(g.numpy()) for g in grads], dtype=np.float32))


def clip_grad_norm(parameters, max_norm):
    params = [p for p in parameters if p.grad is not None]
    total = float(np.sqrt(sum(np.sum(p.grad.numpy().astype(np.float64) ** 2) for p in params)))
    if total > max_norm:
        for p in params:
            p.grad = p.grad * (max_norm / (total + 1e-6))
    return total


def detach_hidden(hidden):
    if isinstance(hidden, (tuple, list)):
        out = [h.data for h in hidden]
        return tuple(out) if isinstance(hidden, tuple) else out
    return hidden.data


class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.cell_stack = nn.RNN(input_size, hidden_dim, n_layers, batch_first=True)
        self.head = nn.Linear(hidden_dim, output_size)

    def forward(self, x, hidden):
        out, hidden = self.cell_stack(x, hidden)
        return self.head(out), hidden

# %% reference_with_gru_free_helpers
def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.nn.functional.linear(x, weight_ih, bias_ih).add(
        torch.nn.functional.linear(h_prev, weight_hh, bias_hh)).tanh()


def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = h0
    if h is None:
        h = x.new_zeros((x.shape[0], weight_hh.shape[0]))
    steps = []
    for t in range(x.shape[1]):
        h = rnn_cell(x[:, t], h, weight_ih, weight_hh, bias_ih, bias_hh)
        steps.append(h.unsqueeze(1))
    return torch.cat(steps, dim=1), h


def hidden_gradient_norms(rnn, x):
    hidden = None
    seen = []
    for t in range(x.size(1)):
        out, hidden = rnn(x[:, [t]], hidden)
        seen.append(hidden[0] if isinstance(rnn, nn.LSTM) else hidden)
    seen[-1].sum().backward(inputs=seen)
    return torch.stack([s.grad.flatten().norm() for s in seen])


def clip_grad_norm(parameters, max_norm):
    return torch.nn.utils.clip_grad_norm_(list(parameters), max_norm)


def detach_hidden(hidden):
    if isinstance(hidden, (tuple, list)):
        return type(hidden)([detach_hidden(h) for h in hidden])
    return hidden.detach()


class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_dim, n_layers, nonlinearity="tanh", batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x, hidden=None):
        y, hidden = self.rnn(x, hidden)
        return self.fc(y), hidden
