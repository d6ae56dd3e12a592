# Realistic wrong implementations of 01_rnn_vs_lstm.
# Each variant replaces one function of the reference; it must lose points on that
# function, and a grader message must contain the phrase after the colon.
#
# Not here: a detach_hidden whose only mistake is leaving the state in the graph (detaching h
# but not the cell state c, or returning .clone()s). Whether a tensor is detached cannot be
# seen from outside the learner's process, so the hidden tests do not score it (the record
# says so, "[NOT SCORED]"); the notebook's check_detach_hidden shows it to the learner.

# %% cell_sigmoid -> rnn_cell: sigmoid
def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.sigmoid(x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh)

# %% cell_relu -> rnn_cell: ReLU
def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.relu(x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh)

# %% cell_no_bias_hh -> rnn_cell: bias_hh is left out
def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T)

# %% cell_no_bias_ih -> rnn_cell: bias_ih is left out
def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + h_prev @ weight_hh.T + bias_hh)

# %% cell_weights_swapped -> rnn_cell: weight_ih is (H, I) and multiplies x
def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_hh.T + bias_ih + h_prev @ weight_ih.T + bias_hh)

# %% cell_no_transpose -> rnn_cell: weight_ih is (H, I)
def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih + bias_ih + h_prev @ weight_hh + bias_hh)

# %% cell_whh_untransposed -> rnn_cell: weight_hh is applied untransposed
def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h_prev @ weight_hh + bias_hh)

# %% cell_no_recurrence -> rnn_cell: recurrent term
def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + bias_hh)

# %% cell_recurrent_outside_tanh -> rnn_cell: outside the tanh
def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih) + h_prev @ weight_hh.T + bias_hh

# %% cell_h_prev_unweighted -> rnn_cell: h_prev is added as it is
def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h_prev + bias_hh)

# %% forward_state_not_carried -> rnn_forward: not carried
def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    batch, seq, _ = x.shape
    h0 = x.new_zeros(batch, weight_hh.shape[0]) if h0 is None else h0
    outs = [torch.tanh(x[:, t] @ weight_ih.T + bias_ih + h0 @ weight_hh.T + bias_hh) for t in range(seq)]
    return torch.stack(outs, 1), outs[-1]

# %% forward_h0_none_crashes -> rnn_forward: h0 is (batch, H) or None
def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = h0
    outs = []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        outs.append(h)
    return torch.stack(outs, 1), h

# %% forward_h0_wrong_size -> rnn_forward: h0 is (batch, H) or None
def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = torch.zeros(x.shape[0], x.shape[2]) if h0 is None else h0
    outs = []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        outs.append(h)
    return torch.stack(outs, 1), h

# %% forward_stacked_time_first -> rnn_forward: batch-first
def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = x.new_zeros(x.shape[0], weight_hh.shape[0]) if h0 is None else h0
    outs = []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        outs.append(h)
    return torch.stack(outs), h

# %% forward_h_n_with_layer_axis -> rnn_forward: h_n should be the last hidden state
def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = x.new_zeros(x.shape[0], weight_hh.shape[0]) if h0 is None else h0
    outs = []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        outs.append(h)
    return torch.stack(outs, 1), h.unsqueeze(0)

# %% forward_h_n_is_first_step -> rnn_forward: h_n should be the hidden state after the last step
def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = x.new_zeros(x.shape[0], weight_hh.shape[0]) if h0 is None else h0
    outs = []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        outs.append(h)
    return torch.stack(outs, 1), outs[0]

# %% forward_reversed -> rnn_forward: reverse order
def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = x.new_zeros(x.shape[0], weight_hh.shape[0]) if h0 is None else h0
    outs = []
    for t in reversed(range(x.shape[1])):
        h = torch.tanh(x[:, t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        outs.insert(0, h)
    return torch.stack(outs, 1), outs[-1]

# %% forward_time_major_indexing -> rnn_forward: batch-first
def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    xt = x.transpose(0, 1).reshape(x.shape)  # reinterprets the memory: mixes batch and time
    h = x.new_zeros(x.shape[0], weight_hh.shape[0]) if h0 is None else h0
    outs = []
    for t in range(x.shape[1]):
        h = torch.tanh(xt[:, t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        outs.append(h)
    return torch.stack(outs, 1), h

# %% forward_sigmoid -> rnn_forward: differs from nn.RNN
def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = x.new_zeros(x.shape[0], weight_hh.shape[0]) if h0 is None else h0
    outs = []
    for t in range(x.shape[1]):
        h = torch.sigmoid(x[:, t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        outs.append(h)
    return torch.stack(outs, 1), h

# %% norms_cell_state -> hidden_gradient_norms: cell state
def hidden_gradient_norms(rnn, x):
    hidden, states = None, []
    for t in range(x.shape[1]):
        _, hidden = rnn(x[:, t : t + 1], hidden)
        states.append(hidden[1] if isinstance(hidden, tuple) else hidden)
    last = hidden[0] if isinstance(hidden, tuple) else hidden
    grads = torch.autograd.grad(last.sum(), states, allow_unused=True)
    return torch.stack([torch.zeros(()) if g is None else g.norm() for g in grads])

# %% norms_reversed -> hidden_gradient_norms: wrong step order
def hidden_gradient_norms(rnn, x):
    hidden, states = None, []
    for t in range(x.shape[1]):
        _, hidden = rnn(x[:, t : t + 1], hidden)
        states.append(hidden[0] if isinstance(hidden, tuple) else hidden)
    grads = torch.autograd.grad(states[-1].sum(), states)
    return torch.stack([g.norm() for g in grads[::-1]])

# %% norms_detached_between_steps -> hidden_gradient_norms: no gradient flows back
def hidden_gradient_norms(rnn, x):
    hidden, states = None, []
    for t in range(x.shape[1]):
        if hidden is not None:
            hidden = tuple(h.detach() for h in hidden) if isinstance(hidden, tuple) else hidden.detach()
        _, hidden = rnn(x[:, t : t + 1], hidden)
        h = hidden[0] if isinstance(hidden, tuple) else hidden
        h.retain_grad()
        states.append(h)
    states[-1].sum().backward()
    return torch.stack([torch.zeros(()) if h.grad is None else h.grad.norm() for h in states])

# %% norms_mean_loss -> hidden_gradient_norms: its sum
def hidden_gradient_norms(rnn, x):
    hidden, states = None, []
    for t in range(x.shape[1]):
        _, hidden = rnn(x[:, t : t + 1], hidden)
        states.append(hidden[0] if isinstance(hidden, tuple) else hidden)
    grads = torch.autograd.grad(states[-1].mean(), states)
    return torch.stack([g.norm() for g in grads])

# %% norms_squared -> hidden_gradient_norms: squared
def hidden_gradient_norms(rnn, x):
    hidden, states = None, []
    for t in range(x.shape[1]):
        _, hidden = rnn(x[:, t : t + 1], hidden)
        states.append(hidden[0] if isinstance(hidden, tuple) else hidden)
    grads = torch.autograd.grad(states[-1].sum(), states)
    return torch.stack([(g ** 2).sum() for g in grads])

# %% norms_list -> hidden_gradient_norms: list of tensors
def hidden_gradient_norms(rnn, x):
    hidden, states = None, []
    for t in range(x.shape[1]):
        _, hidden = rnn(x[:, t : t + 1], hidden)
        states.append(hidden[0] if isinstance(hidden, tuple) else hidden)
    grads = torch.autograd.grad(states[-1].sum(), states)
    return [g.norm() for g in grads]

# %% norms_whole_sequence_outputs -> hidden_gradient_norms: one time step at a time
def hidden_gradient_norms(rnn, x):
    out, hidden = rnn(x)
    out.retain_grad()
    h = hidden[0] if isinstance(hidden, tuple) else hidden
    h.sum().backward()
    return out.grad.norm(dim=(0, 2))

# %% norms_lstm_h_only -> hidden_gradient_norms: nn.LSTM
def hidden_gradient_norms(rnn, x):
    h, states = None, []
    for t in range(x.shape[1]):
        out, hidden = rnn(x[:, t : t + 1], h)
        h = hidden[0] if isinstance(hidden, tuple) else hidden
        states.append(h)
    grads = torch.autograd.grad(states[-1].sum(), states)
    return torch.stack([g.norm() for g in grads])

# %% clip_per_parameter -> clip_grad_norm: per-parameter
def clip_grad_norm(parameters, max_norm):
    params = [p for p in parameters if p.grad is not None]
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in params))
    for p in params:
        n = p.grad.norm()
        if n > max_norm:
            p.grad.mul_(max_norm / (n + 1e-6))
    return total

# %% clip_always -> clip_grad_norm: clip only when the total exceeds max_norm
def clip_grad_norm(parameters, max_norm):
    params = [p for p in parameters if p.grad is not None]
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in params))
    for p in params:
        p.grad.mul_(max_norm / (total + 1e-6))
    return total

# %% clip_returns_norm_after -> clip_grad_norm: norm after clipping
def clip_grad_norm(parameters, max_norm):
    params = [p for p in parameters if p.grad is not None]
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in params))
    if total > max_norm:
        for p in params:
            p.grad.mul_(max_norm / (total + 1e-6))
    return torch.sqrt(sum((p.grad ** 2).sum() for p in params))

# %% clip_crashes_on_missing_grad -> clip_grad_norm: skip parameters whose .grad is None
def clip_grad_norm(parameters, max_norm):
    params = list(parameters)
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in params))
    if total > max_norm:
        for p in params:
            p.grad.mul_(max_norm / (total + 1e-6))
    return total

# %% clip_sum_of_norms -> clip_grad_norm: L2 norm of all gradients together
def clip_grad_norm(parameters, max_norm):
    params = [p for p in parameters if p.grad is not None]
    total = sum(p.grad.norm() for p in params)
    if total > max_norm:
        for p in params:
            p.grad.mul_(max_norm / (total + 1e-6))
    return total

# %% clip_not_in_place -> clip_grad_norm: in place
def clip_grad_norm(parameters, max_norm):
    params = [p for p in parameters if p.grad is not None]
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in params))
    if total > max_norm:
        for p in params:
            g = p.grad * (max_norm / (total + 1e-6))  # a new tensor, never written back
    return total

# %% clip_generator_twice -> clip_grad_norm: generator
def clip_grad_norm(parameters, max_norm):
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in parameters if p.grad is not None))
    if total > max_norm:
        for p in parameters:
            if p.grad is not None:
                p.grad.mul_(max_norm / (total + 1e-6))
    return total

# %% clip_by_value -> clip_grad_norm: scaled by max_norm / (total + 1e-6)
def clip_grad_norm(parameters, max_norm):
    params = [p for p in parameters if p.grad is not None]
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in params))
    for p in params:
        p.grad.clamp_(-max_norm, max_norm)
    return total

# %% detach_tuple_to_list -> detach_hidden: same structure, a tuple
def detach_hidden(hidden):
    if isinstance(hidden, torch.Tensor):
        return hidden.detach()
    return [h.detach() for h in hidden]

# %% detach_tensor_only -> detach_hidden: tuple
def detach_hidden(hidden):
    return hidden.detach()

# %% detach_resets_state -> detach_hidden: keep the values
def detach_hidden(hidden):
    if isinstance(hidden, torch.Tensor):
        return torch.zeros_like(hidden)
    return type(hidden)(torch.zeros_like(h) for h in hidden)

# %% detach_generator -> detach_hidden: same structure
def detach_hidden(hidden):
    if isinstance(hidden, torch.Tensor):
        return hidden.detach()
    return (h.detach() for h in hidden)

# %% sine_ignores_hidden -> SineRNN: ignores the hidden state you pass in
class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_dim, n_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x, hidden):
        r_out, hidden = self.rnn(x)
        return self.fc(r_out), hidden

# %% sine_no_recurrence -> SineRNN: no recurrence
class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.hidden_dim, self.n_layers = hidden_dim, n_layers
        self.net = nn.Sequential(nn.Linear(input_size, hidden_dim), nn.Tanh(),
                                 nn.Linear(hidden_dim, output_size))

    def forward(self, x, hidden):
        if hidden is None:
            hidden = x.new_zeros(self.n_layers, x.shape[0], self.hidden_dim)
        return self.net(x), hidden

# %% sine_not_batch_first -> SineRNN: batch_first=True
class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_dim, n_layers)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x, hidden):
        r_out, hidden = self.rnn(x, hidden)
        return self.fc(r_out), hidden

# %% sine_flattened_output -> SineRNN: (batch*seq, output_size)
class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.rnn = nn.RNN(input_size, hidden_dim, n_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x, hidden):
        r_out, hidden = self.rnn(x, hidden)
        return self.fc(r_out.reshape(-1, self.hidden_dim)), hidden

# %% sine_ignores_n_layers -> SineRNN: n_layers
class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_dim, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x, hidden):
        if hidden is not None:
            hidden = hidden[-1:]
        r_out, hidden = self.rnn(x, hidden)
        return self.fc(r_out), hidden

# %% sine_bidirectional -> SineRNN: sees the future
class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_dim // 2, n_layers, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(hidden_dim, output_size)
        self.n_layers = n_layers

    def forward(self, x, hidden):
        if hidden is not None:
            hidden = torch.cat([hidden[:, :, : hidden.shape[2] // 2]] * 2, 0)
        r_out, h = self.rnn(x, hidden)
        h = torch.cat([h[0::2], h[1::2]], dim=2)
        return self.fc(r_out), h

# %% sine_sigmoid_output -> SineRNN: a sigmoid is applied to the output
class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_dim, n_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x, hidden):
        r_out, hidden = self.rnn(x, hidden)
        return torch.sigmoid(self.fc(r_out)), hidden

# %% forward_loops_over_batch -> rnn_forward: x is batch-first, (batch, seq, I)
def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = x.new_zeros(x.shape[0], weight_hh.shape[0]) if h0 is None else h0
    outs = []
    for t in range(x.shape[0]):
        h = torch.tanh(x[t] @ weight_ih.T + bias_ih + h @ weight_hh.T + bias_hh)
        outs.append(h)
    return torch.stack(outs, 1), h

# %% detach_pair_as_one -> detach_hidden: detach each tensor of the tuple
def detach_hidden(hidden):
    if isinstance(hidden, list):
        return [h.detach() for h in hidden]
    return hidden.detach()

# %% norms_second_run -> hidden_gradient_norms: the final h does not depend on
def hidden_gradient_norms(rnn, x):
    hidden, states = None, []
    for t in range(x.shape[1]):
        _, hidden = rnn(x[:, t : t + 1], hidden)
        states.append(hidden[0] if isinstance(hidden, tuple) else hidden)
    _, last = rnn(x)  # a second run over the whole sequence: its graph holds none of the states above
    last = last[0] if isinstance(last, tuple) else last
    grads = torch.autograd.grad(last.sum(), states)
    return torch.stack([g.norm() for g in grads])
