"""Drivers for 01_rnn_vs_lstm: plumbing for what the hidden tests cannot do call by call.

They run in the sandbox on the learner's namespace and objects and return only what the
learner's code gave back; nothing they report is believed. The hidden tests choose the
inputs (the starting weights, the batches, the gradients) and judge the outputs on the
trusted side, against a replay or PyTorch.
"""

from __future__ import annotations


def train_sine(ns, handles, model, batches, lr=0.01, clip=1.0):
    """Train the learner's ``SineRNN`` (a kept object, its weights loaded by the test) with the
    notebook's loop on the test's batches. Returns nothing: the test reads the weights back
    (``state_dict``) and compares them with the same training replayed on its side."""
    from rnncourse.helpers.rnn_vs_lstm import train_sine as loop

    loop(model, [(x, y) for x, y in batches], lr=lr, clip=clip)


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
