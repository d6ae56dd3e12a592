"""Reference implementations for 01_rnn_vs_lstm (COURSE_SPEC.md §4.1)."""

import torch
import torch.nn as nn


def rnn_cell(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    """One step of a plain (Elman) RNN: h_next = tanh(x W_ih^T + b_ih + h_prev W_hh^T + b_hh).

    Args:
        x: (batch, I) float32, the input at this step.
        h_prev: (batch, H) float32, the hidden state of the previous step.
        weight_ih: (H, I), weight_hh: (H, H), bias_ih: (H,), bias_hh: (H,) (PyTorch's layout).
    Returns:
        h_next: (batch, H) float32, the same as ``nn.RNNCell`` (tanh) with these weights.
    """
    ### BEGIN SOLUTION
    return torch.tanh(x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh)
    ### END SOLUTION


def rnn_forward(x, h0, weight_ih, weight_hh, bias_ih, bias_hh):
    """Run a one-layer RNN over a whole batch-first sequence.

    Args:
        x: (batch, seq, I) float32.
        h0: (batch, H) float32, the initial hidden state, or None for zeros.
        weight_ih: (H, I), weight_hh: (H, H), bias_ih: (H,), bias_hh: (H,).
    Returns:
        (output, h_n): output (batch, seq, H) holds the hidden state of every step;
        h_n (batch, H) is the last one. The same as ``nn.RNN(I, H, batch_first=True)``.
    """
    ### BEGIN SOLUTION
    batch, seq, _ = x.shape
    hidden_size = weight_hh.shape[0]
    h = x.new_zeros(batch, hidden_size) if h0 is None else h0
    # the input term does not depend on h: compute it for every step at once
    x_proj = x @ weight_ih.T + bias_ih  # (batch, seq, H)
    outputs = []
    for t in range(seq):
        h = torch.tanh(x_proj[:, t] + h @ weight_hh.T + bias_hh)
        outputs.append(h)
    return torch.stack(outputs, dim=1), h
    ### END SOLUTION


def clip_grad_norm(parameters, max_norm):
    """Rescale gradients in place so that their global L2 norm is at most ``max_norm``.

    Args:
        parameters: an iterable of tensors (a list, or ``model.parameters()``); those
            whose ``.grad`` is None are skipped.
        max_norm: float.
    Returns:
        the total L2 norm of all the gradients, taken together, *before* clipping (a
        0-d tensor). When it exceeds ``max_norm`` every gradient is multiplied by
        ``max_norm / (total + 1e-6)``. The same as ``torch.nn.utils.clip_grad_norm_``.
    """
    ### BEGIN SOLUTION
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]  # list(): a generator runs once
    if not grads:
        return torch.tensor(0.0)
    total = torch.sqrt(sum((g.detach().float() ** 2).sum() for g in grads))
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g.detach().mul_(scale.to(g.dtype))
    return total
    ### END SOLUTION


def detach_hidden(hidden):
    """Cut a hidden state from the graph that computed it (truncated backpropagation).

    Args:
        hidden: a tensor (an RNN's or GRU's h), or a tuple or list of tensors (an LSTM's (h, c)).
    Returns:
        the same structure (tensor, tuple or list) with the same values, detached: no
        gradient flows back through it into earlier batches.
    """
    ### BEGIN SOLUTION
    if isinstance(hidden, torch.Tensor):
        return hidden.detach()
    return type(hidden)(detach_hidden(h) for h in hidden)
    ### END SOLUTION


def hidden_gradient_norms(rnn, x):
    """How strongly the final hidden state depends on each earlier hidden state.

    Args:
        rnn: a one-layer batch-first ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM``.
        x: (batch, seq, I) float32.
    Returns:
        a (seq,) tensor: entry t is the L2 norm of dL/dh_t, with L = h_{seq-1}.sum(), the sum
        of the final hidden state. The module is stepped one time step at a time so that
        every h_t is a tensor of its own in the graph. For an LSTM, h_t is the hidden
        output, not the cell state.
    """
    ### BEGIN SOLUTION
    hidden = None
    states = []
    for t in range(x.shape[1]):
        _, hidden = rnn(x[:, t : t + 1], hidden)
        h = hidden[0] if isinstance(hidden, tuple) else hidden  # LSTM: (h, c)
        states.append(h)
    loss = states[-1].sum()
    grads = torch.autograd.grad(loss, states)
    return torch.stack([g.norm() for g in grads]).detach()
    ### END SOLUTION


class SineRNN(nn.Module):
    """An RNN that reads a sequence and predicts, at every step, the next value.

    ``forward(x, hidden)``: x (batch, seq, input_size), hidden (n_layers, batch, hidden_dim)
    or None -> (output (batch, seq, output_size), hidden (n_layers, batch, hidden_dim)).
    """

    def __init__(self, input_size=1, output_size=1, hidden_dim=32, n_layers=1):
        super().__init__()
        ### BEGIN SOLUTION
        self.hidden_dim = hidden_dim
        self.n_layers = n_layers
        self.rnn = nn.RNN(input_size, hidden_dim, n_layers, batch_first=True)
        self.fc = nn.Linear(hidden_dim, output_size)
        ### END SOLUTION

    def forward(self, x, hidden):
        ### BEGIN SOLUTION
        r_out, hidden = self.rnn(x, hidden)  # r_out: (batch, seq, hidden_dim)
        output = self.fc(r_out)  # the same linear layer at every step
        return output, hidden
        ### END SOLUTION
