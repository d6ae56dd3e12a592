"""A visible check marked ``@contract`` is also its function's hidden test (``hidden.contract_tests``):
run by the grader on its own inputs, against the learner's function in the sandbox."""

import re

import pytest

from rnncourse.checks import checks_for
from rnncourse.grading.hidden import Learner, LearnerError, Mistake, contract_tests
from rnncourse.grading.notebook import CodeCell
from rnncourse.grading.session import LearnerSession

A = "02_lstm_gates"
TORCH = "import torch\n"
CASES = {
    "right": ("def remember_gate(f, l):\n    return f + l\n", None),
    "multiplies": ("def remember_gate(f, l):\n    return f * l\n", "multiplies"),
    "raises": ("def remember_gate(f, l):\n    raise ValueError('no memory today')\n",
               "remember_gate raised ValueError: no memory today"),
    "right_on_the_notebooks_inputs_only": (
        "def remember_gate(f, l):\n    return f + l if f.shape == (1, 3) else f\n", "should be a + b"),
}


@pytest.fixture(scope="module")
def test():
    namespace = {}
    contract_tests(A, namespace, seed=1)
    assert "test_remember_gate_contract" in namespace, sorted(namespace)
    return namespace["test_remember_gate_contract"]


def grade(test, code: str):
    session = LearnerSession([CodeCell(0, TORCH + code, None)], cell_timeout=30, call_timeout=30)
    try:
        session.start()
        test(Learner(session))
    finally:
        session.close()


@pytest.mark.parametrize("case", CASES)
def test_the_grader_runs_the_check_on_its_own_inputs(test, case):
    code, phrase = CASES[case]
    if phrase is None:
        grade(test, code)
        return
    with pytest.raises(Mistake, match=re.escape(phrase)):
        grade(test, code)


def test_a_missing_function_is_the_graders_word(test):
    with pytest.raises(LearnerError, match="is not defined"):
        grade(test, "x = 1\n")


def test_a_function_with_hidden_tests_of_its_own_gets_no_contract_test():
    from rnncourse.grading.hidden import graded

    @graded("remember_gate")
    def test_mine(learner):
        "a hidden test written for remember_gate"

    namespace = {"test_mine": test_mine}
    contract_tests(A, namespace, seed=1)
    assert not any(name.endswith("_contract") for name in namespace)
    assert getattr(checks_for(A)["remember_gate"], "contract", False)


NEW_FUNCTION = '''
#: ## how this test adds a function
def count_vowels(text):
    """The number of vowels (a, e, i, o, u, either case) in ``text``."""
    ### BEGIN SOLUTION
    return sum(ch in "aeiouAEIOU" for ch in text)
    #: One pass, counting the characters that are vowels.
    ### END SOLUTION
'''

CONTRACT = '''
import numpy as np
from rnncourse.checks import check, contract, inputs, passed, raised
from rnncourse.checks import sequence_batching as checks

@contract
def check_count_vowels(count_vowels, rng=None):
    rng = inputs(rng)
    for _ in range(3):
        text = "".join(rng.choice(list("abcdeiouxyzAEI ")) for _ in range(int(rng.integers(5, 30))))
        got = raised(lambda text=text: count_vowels(text), lambda e: f"count_vowels raised {e}")
        want = sum(ch in "aeiouAEIOU" for ch in text)
        check(got != sum(ch in "aeiou" for ch in text) or got == want,
              "count_vowels counts lowercase vowels only: 'A' is a vowel too")
        check(got == want, "count_vowels({!r}) should be {}, got {}", text, want, got)
    passed("count_vowels")

checks.CHECKS["count_vowels"] = check_count_vowels
'''

GRADE = '''
import json, sys
from pathlib import Path
exec(open(sys.argv[1]).read())  # the new check, as if written in rnncourse/checks/
from rnncourse.grading.runner import grade_notebook
record = grade_notebook(sys.argv[2], "04_sequence_batching", course_root=Path(sys.argv[3]))
print(json.dumps(record["functions"]["count_vowels"]))
'''


def test_a_new_function_with_a_contract_needs_no_hidden_test(tmp_path):
    """A function added to a copy of the course with its reference, its two notebook cells and a
    ``@contract`` check is graded on the grader's inputs, its mistake named as the self-check
    names it, though autograder/ is not touched."""
    import json
    import shutil
    import subprocess
    import sys

    from rnncourse import course, submissions

    a = "04_sequence_batching"
    root = tmp_path / "course"
    for part in ("autograder", "solutions", f"release/{a}"):
        shutil.copytree(course.ROOT / part, root / part, ignore=shutil.ignore_patterns("*.pt", "__pycache__"))
    reference = root / "solutions" / "sequence_batching.py"
    reference.write_text(reference.read_text() + NEW_FUNCTION)
    release = course.notebook("release", a, root)
    nb = json.loads(release.read_text())
    meta = {"grade": False, "solution": True, "locked": False, "task": False, "schema_version": 3}
    nb["cells"] += [
        {"cell_type": "code", "metadata": {"nbgrader": {**meta, "grade_id": "count_vowels"}}, "outputs": [],
         "execution_count": None, "source": "def count_vowels(text):\n    raise NotImplementedError()\n"},
        {"cell_type": "code", "metadata": {"nbgrader": {**meta, "grade": True, "solution": False, "locked": True,
                                                        "grade_id": "test_count_vowels", "points": 1}},
         "outputs": [], "execution_count": None, "source": "check_count_vowels(count_vowels)\n"}]
    release.write_text(json.dumps(nb))
    (tmp_path / "check.py").write_text(CONTRACT)
    (tmp_path / "grade.py").write_text(GRADE)

    def graded(code):
        path = submissions.write(submissions.make(a, code, target="count_vowels", root=root),
                                 tmp_path / "sub" / f"{a}.ipynb")
        proc = subprocess.run([sys.executable, str(tmp_path / "grade.py"), str(tmp_path / "check.py"),
                               str(path), str(root)], capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])

    right = graded("def count_vowels(text):\n    return len([c for c in text.lower() if c in 'aeiou'])\n")
    assert right["score"] == right["points"] == 1, right
    wrong = graded("def count_vowels(text):\n    return sum(c in 'aeiou' for c in text)\n")
    assert wrong["score"] == 0 and "lowercase vowels only" in wrong["mistakes"][0]["message"], wrong
    assert [c["description"] for c in wrong["checks"]] == [
        "passes the notebook's checks of count_vowels on the grader's own inputs"]
