"""Farah's model never uses the hidden state it is given, and her detach drops the tuple."""
# fails: test_detach_lstm_tuple, test_sine_uses_given_hidden, test_sine_learns
import torch
import torch.nn as nn


def clip_grad_norm(parameters, max_norm):
    params = [p for p in parameters if p.grad is not None]
    total = torch.sqrt(sum((p.grad ** 2).sum() for p in params))
    if total > max_norm:
        for p in params:
            p.grad.mul_(max_norm / (total + 1e-6))
    return total


def detach_hidden(hidden):
    if isinstance(hidden, torch.Tensor):
        return hidden.detach()
    return [h.detach() for h in hidden]


class SineRNN(nn.Module):
    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_dim, n_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_size)

    def forward(self, x, hidden):
        out, hidden = self.rnn(x)
        return self.fc(out), hidden
