"""release/ is generated from source/ and solutions/, committed, fresh, and free of answers."""

import json
import re

import pytest

from rnncourse import build, course
from rnncourse.build import definitions
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


@pytest.mark.parametrize("assignment", course.built())
def test_every_graded_function_has_cells_checks_and_tests(assignment):
    from rnncourse.checks import checks_for
    from rnncourse.grading.notebook import graded_tests, load

    nb = load(course.notebook("release", assignment))
    graded = [t.function for t in graded_tests(nb)]
    module = ROOT / "solutions" / f"{course.ASSIGNMENTS[assignment]}.py"
    assert set(graded) <= set(definitions(module)), "a test cell names no reference function"
    assert list(checks_for(assignment)) == graded, "visible checks and test cells disagree"
    hidden = (ROOT / "autograder" / f"test_{assignment}.py").read_text()
    for function in graded:
        assert f'@graded("{function}"' in hidden, f"no hidden test for {function}"
