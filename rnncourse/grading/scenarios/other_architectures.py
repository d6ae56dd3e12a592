"""Drivers for 03_other_architectures: plumbing only.

``train_classifier`` trains the learner's SequenceClassifier (kept in the sandbox, with
weights the grader loaded) on batches the grader made, and returns its weights. The grader
replays the same training and computes the accuracy on its own side; nothing this driver
returns is taken on trust.
"""

from __future__ import annotations


def train_classifier(ns, handles, model, xs, ys, lr, clip):
    """Adam on cross-entropy over the batches ``zip(xs, ys)``, gradient norm clipped at
    ``clip``, in eval mode (no dropout, so the run can be replayed); returns the weights."""
    import torch

    model.eval()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for x, y in zip(xs, ys):
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
    return None
