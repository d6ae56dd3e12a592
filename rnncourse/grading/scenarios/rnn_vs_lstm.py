"""Drivers for 01_rnn_vs_lstm: what the hidden tests cannot do call by call.

They run in the sandbox on the learner's namespace and return plain data; the
hidden tests decide on the trusted side.
"""

from __future__ import annotations


def train_sine(ns, handles, hidden_dim=32, n_batches=200, seed=0, eval_seed=7):
    """Build the learner's ``SineRNN``, train it with the notebook's loop, and return its
    weights and its predictions on fresh waves (hidden state carried, as in training)."""
    import torch

    from rnncourse.sequences import predict_streams, sine_eval_streams, sine_streams
    from rnncourse.sequences import train_sine as loop

    torch.manual_seed(seed)
    model = ns["SineRNN"](input_size=1, output_size=1, hidden_dim=hidden_dim, n_layers=1)
    losses, _ = loop(model, sine_streams(n_batches, 8, 20, seed=seed + 3))
    model.eval()
    pred, _, _ = predict_streams(model, sine_eval_streams(seed=eval_seed))
    rnn = getattr(model, "rnn", None)
    return {"pred": pred, "model": model, "losses": losses,
            "nonlinearity": getattr(rnn, "nonlinearity", None)}


def clip_generator(ns, handles, grads, max_norm):
    """Call the learner's ``clip_grad_norm(model.parameters(), max_norm)``: a generator,
    as in a real training loop. Returns (total, gradients after)."""
    import torch

    model = torch.nn.Module()
    for i, g in enumerate(grads):
        p = torch.nn.Parameter(torch.zeros_like(g))
        p.grad = g.clone()
        model.register_parameter(f"p{i}", p)
    total = ns["clip_grad_norm"](model.parameters(), max_norm)
    return total, [p.grad for p in model.parameters()]


def detach_case(ns, handles, kind, seed=0):
    """A hidden state that really is in a graph (the output of an RNN or LSTM), handed to
    the learner's ``detach_hidden``. Returns what came back and facts about it."""
    import torch

    torch.manual_seed(seed)
    x = torch.randn(3, 4, 2)
    if kind == "tensor":
        _, hidden = torch.nn.RNN(2, 5, batch_first=True)(x)
    else:
        _, (h, c) = torch.nn.LSTM(2, 5, batch_first=True)(x)
        hidden = (h, c) if kind == "tuple" else [h, c]
    original = [hidden] if kind == "tensor" else list(hidden)
    values = [t.detach().clone() for t in original]
    result = ns["detach_hidden"](hidden)
    if isinstance(result, torch.Tensor):
        items = [result]
    elif isinstance(result, (tuple, list)):
        items = list(result)
    else:
        items = []
    facts = {
        "type": type(result).__name__,
        "in_graph": [bool(isinstance(t, torch.Tensor) and (t.grad_fn is not None or t.requires_grad))
                     for t in items],
        "items": [t.detach().clone() if isinstance(t, torch.Tensor) else None for t in items],
        "original": values,
        "original_still_in_graph": [t.grad_fn is not None for t in original],
    }
    return facts
