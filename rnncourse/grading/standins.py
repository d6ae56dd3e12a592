"""Stand-ins: what a hidden test lends the learner's code, answered by the grader.

A test that needs a working earlier function (the gates inside ``lstm_cell``, a model
for ``train``) gets one without the learner's process seeing it: the stand-in here
holds no computation of its own. Each call sends its arguments to the grader over the
worker's pipe and returns the values the grader sends back. This module is public and
runs in the learner's process; replacing it changes nothing the grader believes.

* ``function(callback, name)``: a function whose every call the grader answers.
* ``CharRNNStandIn``: a model with ``CharRNN``'s interface (``chars``, ``int2char``,
  ``char2int``, ``n_hidden``, ``n_layers``, ``init_hidden``, ``forward``). Its weights are
  real ``nn.Parameter``s in this process, so an optimiser can train them; its forward and
  backward passes are computed by the grader from the weights sent with each call.
"""

from __future__ import annotations


def function(callback, name: str):
    def stand_in(*args, **kwargs):
        return callback(name, args, kwargs)

    stand_in.__name__ = stand_in.__qualname__ = name
    stand_in.__doc__ = f"The grader's working {name}, lent for this check (answered outside your code)."
    return stand_in


def make(kind: str, callback, **params):
    if kind == "charrnn":
        return CharRNNStandIn(callback, **params)
    raise ValueError(f"unknown stand-in {kind!r}")


def _charrnn_classes():
    import torch
    from torch import nn

    class RemotePass(torch.autograd.Function):
        """One forward pass computed by the grader; its backward is asked of the grader too."""

        @staticmethod
        def forward(ctx, callback, key, names, training, x, h, c, *params):
            grad = torch.is_grad_enabled() or any(t.requires_grad for t in (x, h, c, *params))
            reply = callback(f"{key}.forward", ([x.detach(), h.detach(), c.detach()],
                                                 dict(zip(names, (p.detach() for p in params))),
                                                 bool(training), bool(grad)))
            out, h_n, c_n, pass_id = reply
            ctx.callback, ctx.key, ctx.pass_id = callback, key, pass_id
            ctx.save_for_backward(x)  # freed after one backward, as PyTorch's own graphs are
            return (torch.as_tensor(out, dtype=torch.float32), torch.as_tensor(h_n, dtype=torch.float32),
                    torch.as_tensor(c_n, dtype=torch.float32))

        @staticmethod
        def backward(ctx, g_out, g_h, g_c):
            ctx.saved_tensors  # noqa: B018  (raises on a second backward through the same pass)
            grads = ctx.callback(f"{ctx.key}.backward", (ctx.pass_id, [g_out, g_h, g_c]))
            g_x, g_h0, g_c0, g_params = grads
            return (None, None, None, None, _tensor(g_x), _tensor(g_h0), _tensor(g_c0),
                    *(_tensor(g) for g in g_params))

    def _tensor(g):
        return None if g is None else torch.as_tensor(g, dtype=torch.float32)

    class CharRNNStandIn(nn.Module):
        def __init__(self, callback, tokens, n_hidden, n_layers, drop_prob=0.0, lr=0.001, state=None,
                     key="charrnn"):
            super().__init__()
            self._callback, self._key = callback, key
            self.chars = tuple(tokens)
            self.int2char = dict(enumerate(self.chars))
            self.char2int = {ch: i for i, ch in self.int2char.items()}
            self.n_hidden, self.n_layers, self.drop_prob, self.lr = n_hidden, n_layers, drop_prob, lr
            # parameter holders with CharRNN's names and shapes; their own forward is never used
            self.lstm = nn.LSTM(len(self.chars), n_hidden, n_layers, batch_first=True,
                                dropout=drop_prob if n_layers > 1 else 0.0)
            self.dropout = nn.Dropout(drop_prob)
            self.fc = nn.Linear(n_hidden, len(self.chars))
            if state:
                self.load_state_dict({k: torch.as_tensor(v) for k, v in state.items()})

        def forward(self, x, hidden=None):
            if hidden is None:
                hidden = self.init_hidden(x.shape[0])
            h, c = hidden
            names, params = zip(*sorted(self.named_parameters()))
            out, h, c = RemotePass.apply(self._callback, self._key, list(names), self.training,
                                         x, h, c, *params)
            return out, (h, c)

        def init_hidden(self, batch_size):
            w = next(self.parameters())
            return (w.new_zeros(self.n_layers, batch_size, self.n_hidden),
                    w.new_zeros(self.n_layers, batch_size, self.n_hidden))

    return CharRNNStandIn


def CharRNNStandIn(callback, **params):  # noqa: N802  (a class made on first use: torch loads lazily)
    global _CHARRNN
    if _CHARRNN is None:
        _CHARRNN = _charrnn_classes()
    return _CHARRNN(callback, **params)


_CHARRNN = None
