"""Reference implementations for 01_rnn_vs_lstm (COURSE_SPEC.md §4.1)."""

import torch
import torch.nn as nn

#: # Solution walkthrough — 01 RNN vs LSTM
#:
#: For instructors to release with feedback, after the deadline. The reference code is
#: `solutions/rnn_vs_lstm.py`; each function is explained line by line: what the line does,
#: and why it is written that way.


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
    #: The four terms of $h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})$, in one
    #: expression. Rows are examples (batch first), so each weight matrix is applied on the right,
    #: **transposed**: `weight_ih` is stored `(H, I)`, and `x (batch, I) @ weight_ih.T (I, H)` gives
    #: `(batch, H)`. The biases `(H,)` broadcast over the batch. Both biases are kept, as
    #: `nn.RNNCell` does, and everything sits *inside* one tanh: the nonlinearity acts on the sum.
    #:
    #: Why tanh: it is zero-centred (outputs in (-1, 1)) and its slope reaches 1, where the
    #: sigmoid's peaks at 0.25; in a product over many steps that factor decides how fast gradients
    #: vanish.
    ### END SOLUTION

#: Common mistakes: sigmoid or ReLU instead of tanh, one bias left out, `x @ weight_ih` without
#: the transpose (crashes when I != H), `weight_hh` untransposed (no crash, since it is square,
#: just wrong), the recurrent term added outside the tanh, `h_prev` added without `weight_hh`.


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
    #: `h0=None` means a zero state, `(batch, H)`: H comes from `weight_hh`, not from `x` (whose last
    #: axis is I). `x.new_zeros` gives the same dtype and device as the input.
    # the input term does not depend on h: compute it for every step at once
    x_proj = x @ weight_ih.T + bias_ih  # (batch, seq, H)
    #: The input term does not depend on the hidden state, so it is computed for all steps in one
    #: matrix product before the loop (the `@` broadcasts over the time axis). Only the recurrent
    #: term has to wait for the previous step.
    outputs = []
    for t in range(seq):
        h = torch.tanh(x_proj[:, t] + h @ weight_hh.T + bias_hh)
        outputs.append(h)
        #: `x_proj[:, t]` is step t of every example (time is axis 1, batch first). The new `h` replaces
        #: the old one, which is how the state is **carried**: step t+1 uses the `h` of step t. This is
        #: the same formula as `rnn_cell`; calling `rnn_cell(x[:, t], h, ...)` is equally correct.
    return torch.stack(outputs, dim=1), h
    #: `dim=1` puts time on axis 1: `(batch, seq, H)`. The last `h` is `h_n`, `(batch, H)`, equal to
    #: `output[:, -1]` (PyTorch's `nn.RNN` returns it with an extra layer axis, this function does not).
    ### END SOLUTION

#: Common mistakes: using `h0` at every step (the state is not carried), `h0=None` not handled,
#: a zero state of shape `(batch, I)`, `torch.stack(outputs)` (time first), returning the first
#: step as `h_n`.


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
    #: `model.parameters()` is a generator, readable once: the list is built in one pass and used
    #: twice below. Parameters without a gradient (unused in this step) are skipped.
    if not grads:
        return torch.tensor(0.0)
    total = torch.sqrt(sum((g.detach().float() ** 2).sum() for g in grads))
    #: The **global** L2 norm: the square root of the sum of every squared entry of every gradient,
    #: as if all gradients were one long vector. Not the sum of the per-parameter norms, nor their
    #: maximum.
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g.detach().mul_(scale.to(g.dtype))
    return total
    #: Only above `max_norm`, every gradient is multiplied **by the same factor**, so the update
    #: keeps its direction and gets length `max_norm` (the `1e-6` avoids a division by zero). The
    #: multiplication is in place, because the optimizer reads `p.grad` afterwards. The norm
    #: returned is the one *before* clipping: the number worth logging.
    ### END SOLUTION

#: Common mistakes: clipping each parameter on its own (changes the direction), clipping even
#: below `max_norm`, returning the norm after clipping, crashing on `p.grad is None`, iterating
#: the generator twice (the second loop does nothing), computing new tensors without writing
#: them back.


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
    #: A tensor (RNN, GRU) is detached: same values, no history. Anything else is a tuple (LSTM
    #: `(h, c)`) or a list: rebuild the same type from its detached items, recursively. `nn.LSTM`
    #: requires a tuple, so the structure matters, and `c` must be detached as well as `h`: a cell
    #: state left attached keeps the whole graph of earlier batches alive (and the next `backward()`
    #: fails, or memory grows).
    ### END SOLUTION

#: Common mistakes: detaching only `h`, returning a list (or a generator) for a tuple,
#: `clone()` (copies but stays in the graph), returning zeros (that resets the state).


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
        #: The module is run **one step at a time** (`x[:, t:t+1]` keeps the time axis, shape
        #: `(batch, 1, I)`), starting from `None` (zeros) and feeding its own state back. Run on the
        #: whole sequence at once, `nn.RNN` would compute every $h_t$ inside one C++ call and none of
        #: them would be a tensor of the graph we could differentiate with respect to.
        h = hidden[0] if isinstance(hidden, tuple) else hidden  # LSTM: (h, c)
        states.append(h)
        #: For an LSTM the state is `(h, c)`; the quantity measured is `h`, the hidden output, so that
        #: RNN, GRU and LSTM are compared on the same thing. The whole `hidden` (with `c`) is still
        #: fed back, otherwise the LSTM would not run. Nothing is detached: the gradient must be able to
        #: flow back through every step.
    loss = states[-1].sum()
    grads = torch.autograd.grad(loss, states)
    #: $L$ is the sum of the final hidden state, so $\partial L / \partial h_{T-1}$ is all ones.
    #: `torch.autograd.grad` returns $\partial L / \partial h_t$ for every kept tensor in one
    #: backward pass, without touching the parameters' `.grad` (`retain_grad()` and `L.backward()`
    #: work too).
    return torch.stack([g.norm() for g in grads]).detach()
    #: One L2 norm per step (over batch and hidden units together), in time order, as a `(seq,)`
    #: tensor. The last entry is $\sqrt{\text{batch} \cdot H}$.
    ### END SOLUTION

#: Common mistakes: the cell state `c` instead of `h` for an LSTM, the order reversed, the state
#: detached inside the loop (all zeros but the last), `mean()` instead of `sum()`, squared norms,
#: a list instead of a tensor.


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
        #: The recurrent part and a linear read-out. `batch_first=True` because the data is
        #: `(batch, seq, features)`; without it the RNN would take the batch axis for time.
        ### END SOLUTION

    def forward(self, x, hidden):
        ### BEGIN SOLUTION
        r_out, hidden = self.rnn(x, hidden)  # r_out: (batch, seq, hidden_dim)
        output = self.fc(r_out)  # the same linear layer at every step
        return output, hidden
        #: The given `hidden` is passed to the RNN: that is how the training loop carries the state from
        #: one batch to the next (`None` means zeros). `nn.Linear` acts on the last axis, so one call maps
        #: every step's hidden state to a prediction, `(batch, seq, output_size)`. The new hidden state,
        #: `(n_layers, batch, hidden_dim)`, is returned for the next batch.
        ### END SOLUTION


#: Common mistakes: `self.rnn(x)` (the state passed in is ignored), `batch_first` missing,
#: flattening the output to `(batch*seq, output_size)`, ignoring `n_layers`, a feedforward
#: network with no recurrence (it cannot tell a rising from a falling wave), a bidirectional
#: RNN (it sees the future values it is asked to predict).
