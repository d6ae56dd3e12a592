"""Emil did everything; he measured the LSTM's cell state and clipped each gradient on its own."""
# fails: test_norms_lstm, test_clip_matches_torch, test_clip_skips_missing_gradients, test_clip_accepts_generator
import torch
import torch.nn as nn


def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    return torch.tanh(x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh)


def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    h = x.new_zeros(x.shape[0], weight_hh.shape[0]) if h0 is None else h0
    outputs = []
    for t in range(x.shape[1]):
        h = rnn_cell(x[:, t], h, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs, dim=1), h


def hidden_gradient_norms(rnn, x):
    hidden, states = None, []
    for t in range(x.shape[1]):
        _, hidden = rnn(x[:, t:t + 1], hidden)
        states.append(hidden[1] if isinstance(hidden, tuple) else hidden)  # c for an LSTM
    final = hidden[0] if isinstance(hidden, tuple) else hidden
    grads = torch.autograd.grad(final.sum(), states, allow_unused=True)
    return torch.stack([torch.zeros(()) if g is None else g.norm() for g in grads])


def clip_grad_norm(parameters, max_norm):
    params = [p for p in parameters if p.grad is not None]
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in params))
    for p in params:
        norm = p.grad.norm()
        if norm > max_norm:
            p.grad.mul_(max_norm / (norm + 1e-6))
    return total


def detach_hidden(hidden):
    if isinstance(hidden, torch.Tensor):
        return hidden.detach()
    return type(hidden)(h.detach() for h in hidden)


class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_dim, n_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x, hidden):
        out, hidden = self.rnn(x, hidden)
        return self.fc(out), hidden
