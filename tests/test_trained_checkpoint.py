"""The project's trained-model points: the submitted checkpoint is graded on its validation loss.

The reference code with an undertrained model (a few steps of a tiny LSTM) keeps every point for
the code and loses the validation-loss points; the feedback gives the measured loss once and each
threshold once. Hostile files in place of the checkpoint (tests/corpus/05_anna_karnna/checkpoints.py)
each get a clear message and no trained-model point, and leave the grader's memory as it was: they
are read without following links, size-capped, and parsed in a limited child process. The
checkpoint goes from submitted/ to autograded/ (the grader reads it there), never into feedback/.
"""

import importlib.util
import resource
import sys
import warnings
from pathlib import Path

import pytest
import torch
from classes import nbgrader_course
from conftest import make_course_root
from torch import nn

from rnncourse import course, submissions
from rnncourse.checks.anna_karnna import THRESHOLDS
from rnncourse.grading.batch import grade_many
from rnncourse.grading.records import feedback_text
from rnncourse.helpers import anna_karnna as charmodel
from rnncourse.nbgrader_run import nbgrader
from solutions import anna_karnna as ref
from solutions.sequence_batching import get_batches, one_hot_encode, train_val_split

ASSIGNMENT = "05_anna_karnna"
CORPUS = Path(__file__).parent / "corpus" / ASSIGNMENT


def undertrained_checkpoint(path, steps=25):
    torch.set_num_threads(1)  # a tiny model: one thread is fastest, and leaves the other cores free
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
    assert {m["test"] for m in lost} == {f"test_trained_checkpoint_validation_loss_{t:.2f}".replace(".", "_")
                                         for t in THRESHOLDS}
    # the feedback states the loss once, under the check that loaded it, and each threshold once
    text = feedback_text("save_checkpoint", entry)
    assert text.count(f"{loss:.3f}") == 1 and f"its validation loss: {loss:.3f}" in text, text
    assert all(text.count(f"{t:.2f}") == 1 for t in THRESHOLDS), text
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


def test_feedback_holds_no_copy_of_a_checkpoint(tmp_path):
    """generate_feedback leaves *.pt out (course_config.py), autograde keeps it for the grader;
    a 04 submission carrying one shows it in seconds, as a 05 one would in minutes."""
    a = "04_sequence_batching"
    root = nbgrader_course(tmp_path / "course", a, make_course_root)
    folder = root / "submitted" / "ada" / a
    submissions.write(submissions.make(a), folder / f"{a}.ipynb", course.reference_files(ASSIGNMENT))
    for command in ("autograde", "generate_feedback"):
        proc = nbgrader(root, command, a, "--log-level=WARN", check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
    assert (root / "autograded" / "ada" / a / charmodel.CHECKPOINT_NAME).exists()
    assert [p.name for p in (root / "feedback" / "ada" / a).iterdir()] == [f"{a}.html"]
