"""release/ is generated from source/ and solutions/, committed, fresh, and free of answers."""

import json
import re
import shutil

import pytest

from rnncourse import build, course
from rnncourse.grading.hidden import revealing_lines

ROOT = course.ROOT
SOLUTION_MARKERS = re.compile(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)")


def notebooks(kind):
    return [course.notebook(kind, a) for a in course.built()]


def test_every_assignment_has_its_parts():
    assert course.built(), "no assignment in source/"
    for a in course.built():
        module = course.ASSIGNMENTS[a]
        assert course.notebook("release", a).exists(), f"release/{a} missing: make release"
        assert (ROOT / "autograder" / f"test_{a}.py").exists()
        assert (ROOT / "solutions" / f"{module}.py").exists()
        assert (ROOT / "rnncourse" / "checks" / f"{module}.py").exists()
        assert (ROOT / "solutions" / "walkthroughs" / f"{a}.md").exists(), "solution walkthrough missing"


def test_release_is_fresh():
    """Regenerates every release notebook with nbgrader and compares it byte for byte."""
    assert build.stale() == []


@pytest.mark.parametrize("path", notebooks("release"), ids=lambda p: p.parent.name)
def test_release_has_no_solutions_or_hidden_tests(path):
    text = path.read_text()
    assert not SOLUTION_MARKERS.search(text)
    assignment = path.parent.name
    hidden = (ROOT / "autograder" / f"test_{assignment}.py").read_text()
    reference = (ROOT / "solutions" / f"{course.ASSIGNMENTS[assignment]}.py").read_text()
    shown = {ln.strip() for c in json.loads(text)["cells"] for ln in "".join(c["source"]).splitlines()}
    # lines of the answers that the notebook does not show anyway (outside its solution regions)
    source = json.loads(course.notebook("source", assignment).read_text())
    given = {ln.strip() for c in source["cells"] for ln in outside_solutions("".join(c["source"]))}
    answers = {ln.strip() for ln in solution_body_lines(reference)
               if len(ln.strip()) > 20 and not ln.strip().startswith(("#", "import", "from"))} - given
    for line in revealing_lines(hidden) | answers:
        assert line not in shown, f"{assignment}: release shows answer or hidden-test text: {line}"


def solution_body_lines(reference: str) -> set:
    """Lines between the solution markers of the reference module."""
    inside, out = False, set()
    for line in reference.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif inside:
            out.add(line)
    return out


def outside_solutions(text: str) -> list:
    """Lines of a cell outside its solution regions."""
    inside, out = False, []
    for line in text.splitlines():
        if "### BEGIN SOLUTION" in line:
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif not inside:
            out.append(line)
    return out


@pytest.mark.parametrize("path", notebooks("source"), ids=lambda p: p.parent.name)
def test_source_notebooks_have_no_outputs(path):
    nb = json.loads(path.read_text())
    assert all(not c.get("outputs") and c.get("execution_count") is None
               for c in nb["cells"] if c["cell_type"] == "code")


def test_every_graded_function_has_its_pieces():
    """Each function a release notebook grades has every piece of the README's checklist."""
    assert build.unfinished() == []


def test_a_new_function_without_its_pieces_is_named_piece_by_piece(tmp_path):
    """A maintainer who adds a graded function and forgets a piece is told which, and where."""
    a = "04_sequence_batching"
    assert len(build.missing_pieces(a, "frobnicate")) == len(build.PIECES)
    # a course copy where `one_hot_encode` lost its hidden tests and its walkthrough comments
    for part in ("solutions", "source", "autograder", "tests/corpus"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("*.pt", "__pycache__"))
    hidden = tmp_path / "autograder" / f"test_{a}.py"
    hidden.write_text(hidden.read_text().replace('@graded("one_hot_encode"', '@graded("one_hot"'))
    reference = tmp_path / "solutions" / "sequence_batching.py"
    text = reference.read_text()
    body = text[text.index("def one_hot_encode"):text.index("def get_batches")]
    reference.write_text(text.replace(body, "".join(ln for ln in body.splitlines(keepends=True)
                                                    if not ln.strip().startswith("#:"))))
    found = build.missing_pieces(a, "one_hot_encode", tmp_path)
    assert [f.split(":")[0] for f in found] == ["step 1, solutions/sequence_batching.py",
                                                f"step 4, autograder/test_{a}.py"], found
    assert build.missing_pieces(a, "get_batches", tmp_path) == []


WALKED = '''"""A module."""
import torch

#: # Walkthrough title
#:
#: Introduction.


class Model:
    """Not shown."""

    def forward(self, x):
        """Not shown either."""
        y = x + 1
        #: Adds one.
        z = y * 2  # passed over
        #.
        return z
        #: Returns.


def helper(a, b=2):
    ### BEGIN SOLUTION
    for i in range(a):
        b += i
    #: A loop.
    return b
    ### END SOLUTION

#: Common mistakes: none.


def unexplained():
    return 0


#: ## The experiment
#:
#: Free text.
'''


def test_a_walkthrough_is_the_references_comments_with_the_code_they_follow():
    from rnncourse import walkthrough

    intro, parts = walkthrough.sections(WALKED)
    assert intro == "# Walkthrough title\n\nIntroduction."
    assert parts == [
        ("## `Model`", "```python\ndef forward(self, x):\n    y = x + 1\n```\nAdds one.\n\n"
                       "```python\n    return z\n```\nReturns."),
        ("## `helper(a, b=2)`", "```python\nfor i in range(a):\n    b += i\n```\nA loop.\n\n"
                                "Common mistakes: none."),
        ("## The experiment", "Free text."),
    ]
    assert "#:" not in build_definitions_of(WALKED)["helper"]


def build_definitions_of(source: str) -> dict:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.py"
        path.write_text(source)
        return build.definitions(path)


def test_the_checklist_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for step, where, _ in build.PIECES:
        generic = where.format(a="<a>", module="<module>")
        assert f"{step}. " in readme and generic in readme, f"the README's checklist lacks {generic}"
