"""The project's trained-model points: the submitted checkpoint is graded on its validation loss.

The reference code with an undertrained model (a few steps of a tiny LSTM) keeps every point for
the code and loses the validation-loss points; the feedback gives the measured loss once and each
threshold. Hostile files in place of the checkpoint (tests/corpus/05_anna_karnna/checkpoints.py)
each get a clear message and no trained-model point, and leave the grader's memory as it was: they
are read without following links, size-capped, and parsed in a limited child process.
"""

import importlib.util
import resource
import sys
import warnings
from pathlib import Path

import pytest
import torch
from torch import nn

from rnncourse import charmodel, course, submissions
from rnncourse.grading.batch import grade_many
from solutions import anna_karnna as ref
from solutions.sequence_batching import get_batches, one_hot_encode, train_val_split

ASSIGNMENT = "05_anna_karnna"
CORPUS = Path(__file__).parent / "corpus" / ASSIGNMENT


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
    # the loss is stated once (with the loosest threshold it misses), each threshold in its own line
    assert sum(f"{loss:.3f}" in m["message"] for m in lost) == 1, lost
    for threshold in (2.0, 1.75, 1.6):
        name = f"{threshold:.2f}".replace(".", "_")
        assert any(f"{threshold:.2f} or less" in m["message"] and m["test"].endswith(name) for m in lost), lost
    assert len({m["message"] for m in lost}) == 3, lost
    assert 0 < entry["score"] < entry["points"]


def hidden_tests():
    spec = importlib.util.spec_from_file_location("hidden_05", course.ROOT / "autograder" / f"test_{ASSIGNMENT}.py")
    module = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)  # graded(): the grader's own mark
        spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory):
    sys.path.insert(0, str(CORPUS))
    try:
        from checkpoints import EXPECTED, hostile_checkpoints
    finally:
        sys.path.remove(str(CORPUS))
    folder = tmp_path_factory.mktemp("hostile-checkpoints")
    return hostile_checkpoints(folder), EXPECTED


def test_hostile_checkpoints_are_refused_with_a_message(hostile_files):
    files, expected = hostile_files
    hidden = hidden_tests()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    problems = []
    for name, path in files.items():
        loss, message = hidden.checkpoint_loss(path.parent)
        if loss is not None or expected[name].lower() not in message.lower():
            problems.append(f"{name}: loss {loss}, message {message!r}")
    assert not problems, "\n".join(problems)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024
    assert grown_mb < 200, f"the grader's own memory grew by {grown_mb:.0f} MB reading hostile files"
    assert not Path("/tmp/hostile-was-here").exists()


def test_the_reference_checkpoint_scores_in_the_child():
    loss, message = hidden_tests().checkpoint_loss(course.ROOT / "solutions" / "checkpoints")
    assert loss is not None and 1.2 < loss < 1.4, message
