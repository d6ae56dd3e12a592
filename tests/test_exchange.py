"""nbgrader's exchange, as a JupyterHub course uses it: the instructor releases an assignment, a
learner fetches it into a folder of their own, fills in a function and submits, and the
instructor collects and autogrades it into the gradebook."""

import json
import os
import pwd

from conftest import make_course_root
from nbgrader.api import Gradebook

from rnncourse import submissions
from rnncourse.nbgrader_run import nbgrader

A = "04_sequence_batching"
ENCODE = "def encode(text, char2int):\n    return np.array([char2int[c] for c in text], dtype=np.int64)\n"


def test_release_fetch_submit_collect_autograde(tmp_path):
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    exchange_root = f"--Exchange.root={exchange}"
    root = make_course_root(tmp_path / "course")
    nbgrader(root, "generate_assignment", A)
    nbgrader(root, "release_assignment", A, exchange_root)

    # the learner: their own folder, no course configuration, the course named on the command line
    home = tmp_path / "learner"
    home.mkdir()
    learner = [exchange_root, "--CourseDirectory.course_id=rnn-course", f"--Exchange.cache={tmp_path / 'cache'}"]
    nbgrader(home, "fetch_assignment", A, *learner)
    notebook = home / A / f"{A}.ipynb"
    notebook.write_text(json.dumps(submissions.fill(json.loads(notebook.read_text()), {"encode": ENCODE})))
    nbgrader(home, "submit", A, *learner)

    # nbgrader names the submission after the learner's login (JUPYTERHUB_USER where it is jovyan)
    student = pwd.getpwuid(os.getuid()).pw_name
    nbgrader(root, "collect", A, exchange_root)
    assert (root / "submitted" / student / A / f"{A}.ipynb").is_file()
    nbgrader(root, "autograde", A)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(A, student)
        assert submission.score == 1  # encode's point; the other functions are still blank
        assert gradebook.find_grade("test_encode", f"{A}", A, student).score == 1
