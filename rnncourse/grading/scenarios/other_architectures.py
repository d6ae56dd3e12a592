"""Drivers for 03_other_architectures: train the learner's SequenceClassifier briefly."""

from __future__ import annotations


def train_classifier(ns, handles, cell_type, T, n_symbols, n_distractors, hidden_size, steps,
                     batch_size, lr, init_seed, test_x):
    """Build ``SequenceClassifier(cell_type, ...)`` with a fixed seed, train it with Adam on
    the first-symbol task, and return its losses and its logits on ``test_x`` (the
    trusted side knows the labels and computes the accuracy)."""
    import torch

    torch.manual_seed(init_seed)
    generator = torch.Generator().manual_seed(init_seed)
    model = ns["SequenceClassifier"](cell_type, n_symbols + n_distractors, hidden_size, n_symbols)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        y = torch.randint(0, n_symbols, (batch_size,), generator=generator)
        noise = torch.randint(n_symbols, n_symbols + n_distractors, (batch_size, T), generator=generator)
        x = torch.cat([y[:, None], noise], dim=1)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        logits = model(torch.as_tensor(test_x, dtype=torch.int64))
    return {"losses": losses, "logits": logits.detach().float()}
