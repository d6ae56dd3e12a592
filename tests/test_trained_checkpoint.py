"""The project's trained-model points: the submitted checkpoint is graded on its validation loss.

The reference code with an undertrained model (a few steps of a tiny LSTM) keeps every point for
the code and loses the validation-loss points, each with a message that gives the measured loss.
"""

import torch
from torch import nn

from rnncourse import charmodel, submissions
from rnncourse.grading.batch import grade_many
from solutions import anna_karnna as ref
from solutions.sequence_batching import get_batches, one_hot_encode, train_val_split

ASSIGNMENT = "05_anna_karnna"


def undertrained_checkpoint(path, steps=25):
    torch.manual_seed(0)
    _, chars, encoded = ref.load_encoded()
    train, val = train_val_split(encoded, 0.1)
    net = ref.CharRNN(chars, n_hidden=32, n_layers=1, drop_prob=0.0)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    h = net.init_hidden(16)
    for _, (x, y) in zip(range(steps), get_batches(train, 16, 50)):
        h = tuple(each.detach() for each in h)
        opt.zero_grad()
        out, h = net(torch.from_numpy(one_hot_encode(x, len(chars))), h)
        nn.functional.cross_entropy(out, torch.from_numpy(y).reshape(-1)).backward()
        opt.step()
    ref.save_checkpoint(net, path)
    return charmodel.validation_loss(net, val)


def test_an_undertrained_model_loses_the_validation_points(tmp_path):
    loss = undertrained_checkpoint(tmp_path / charmodel.CHECKPOINT_NAME)
    assert loss > 2.2, f"the undertrained model is already good ({loss:.3f}); train it less"
    nb = submissions.make(ASSIGNMENT, base="reference")
    path = submissions.write(nb, tmp_path / "learner" / f"{ASSIGNMENT}.ipynb",
                             [tmp_path / charmodel.CHECKPOINT_NAME])
    record = grade_many([path], ASSIGNMENT, jobs=1)[0]
    functions = record["functions"]
    for function, entry in functions.items():
        if function != "save_checkpoint":
            assert entry["score"] == entry["points"], (function, entry["mistakes"])
    entry = functions["save_checkpoint"]
    lost = [m for m in entry["mistakes"] if "validation_loss" in m["test"]]
    assert len(lost) == len(entry["mistakes"]) == 3, entry["mistakes"]  # the code itself is right
    assert all(f"{loss:.3f}" in m["message"] for m in lost), lost
    assert 0 < entry["score"] < entry["points"]
