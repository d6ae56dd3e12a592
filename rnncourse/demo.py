"""``make demo``: a demo class graded end to end with the real nbgrader commands.

For every assignment with a ``demo/<assignment>/`` folder, the demo class is:
``demo-reference`` (the reference solution), ``demo-blank`` (the release, untouched)
and one learner per ``demo/<assignment>/<name>.py``: the functions that learner wrote,
with a ``# fails:`` line naming the hidden tests their mistakes should fail.

The demo runs in a course root of its own, ``build/demo/`` (made afresh from the course's
configuration and ``source/``), so the course's gradebook, ``submitted/`` and ``release/`` are
never touched. It copies the class into ``submitted/`` there, then runs
``nbgrader generate_assignment``, ``make autograde``'s parallel grading, ``nbgrader
generate_feedback`` and ``export``, and prints the grade table with the score the hidden tests predict for each learner.
It exits non-zero when a score differs from the prediction or feedback shows hidden tests.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from rnncourse import course, submissions
from rnncourse.grading import leaks
from rnncourse.nbgrader_run import nbgrader

DEMO = course.ROOT / "demo"
PREFIX = "demo-"


@dataclass
class DemoLearner:
    student: str
    assignment: str
    code: str | None  # None: the blank release
    base: str  # "reference" or "blank"
    fails: set  # hidden tests expected to fail, beyond those of blank functions
    about: str


def demo_class(assignment: str) -> list[DemoLearner]:
    people = [DemoLearner(f"{PREFIX}reference", assignment, None, "reference", set(), "the reference solution"),
              DemoLearner(f"{PREFIX}blank", assignment, None, "blank", set(), "the release, untouched")]
    for path in sorted((DEMO / assignment).glob("*.py")):
        text = path.read_text()
        m = re.search(r"^# fails:(.*)$", text, re.M)
        fails = {t.strip() for t in (m.group(1) if m else "").split(",") if t.strip().startswith("test_")}
        about = (text.split('"""')[1].strip() if text.startswith('"""') else path.stem)
        people.append(DemoLearner(PREFIX + path.stem.replace("_", "-"), assignment, text, "blank", fails, about))
    return people


def autograde(root: Path, assignment: str) -> None:
    """The class graded as `make autograde` grades it: in parallel, into nbgrader's gradebook."""
    proc = subprocess.run([sys.executable, "-m", "rnncourse.grading.classgrade", assignment, "--root",
                           str(root), "--force"], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"autograde {assignment} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}")


def write_submission(person: DemoLearner, root: Path) -> Path:
    nb = submissions.make(person.assignment, person.code, base=person.base)
    path = root / "submitted" / person.student / person.assignment / f"{person.assignment}.ipynb"
    shutil.rmtree(path.parent, ignore_errors=True)
    files = course.reference_files(person.assignment) if person.base == "reference" else []
    return submissions.write(nb, path, files)


def grades_from_gradebook(assignment: str, root: Path, prefix: str = PREFIX) -> dict:
    """student -> {function: (score, max)}, read from nbgrader's gradebook."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="rnn-course") as gb:
        for sub in gb.assignment_submissions(assignment):
            if not sub.student_id.startswith(prefix):
                continue
            scores = {}
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.cell.name.startswith("test_"):
                        scores[grade.cell.name[5:]] = (grade.score, grade.max_score)
            out[sub.student_id] = scores
    return out


def predicted(person: DemoLearner, record_tests: dict, points: dict, blank_functions: set) -> float:
    """The score the hidden tests predict: per function, points times the weight of the tests
    expected to pass (none for a function left blank)."""
    total = 0.0
    for function, tests in record_tests.items():
        if function in blank_functions:
            continue
        weight = sum(w for _, w in tests)
        ok = sum(w for name, w in tests if name not in person.fails)
        total += points[function] * ok / weight
    return round(total, 2)


def hidden_test_weights(assignment: str) -> dict:
    """function -> [(test name, weight)], read from the hidden test module's markers, and the
    contract tests ``contract_tests`` adds."""
    import ast

    from rnncourse.grading.hidden import contract_test_name, contracted

    tree = ast.parse((course.ROOT / "autograder" / f"test_{assignment}.py").read_text())
    out: dict = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for dec in node.decorator_list:
            if isinstance(dec, ast.Call) and getattr(dec.func, "id", "") == "graded":
                weight = next((k.value.value for k in dec.keywords if k.arg == "weight"), 1.0)
                out.setdefault(dec.args[0].value, []).append((node.name, float(weight)))
    for function in contracted(assignment, set(out)):  # tests the module's last line adds
        out[function] = [(contract_test_name(function), 1.0)]
    return out


def run(root: Path, out=print) -> list[str]:
    """Grade the demo class in the course root ``root``; returns the problems found."""
    assignments = [a for a in course.built() if (DEMO / a).is_dir()]
    people = [p for a in assignments for p in demo_class(a)]
    for person in people:
        write_submission(person, root)
    problems = []
    for assignment in assignments:
        out(f"== {assignment}: generate_assignment, autograde, generate_feedback")
        nbgrader(root, "generate_assignment", assignment, "--force", "--log-level=WARN")
        autograde(root, assignment)
        nbgrader(root, "generate_feedback", assignment, "--force", "--log-level=WARN")
    nbgrader(root, "export", "--log-level=WARN")

    out(f"\n{'assignment':<22} {'student':<42} {'autograded':>10} {'predicted':>10}   learner")
    for assignment in assignments:
        grades = grades_from_gradebook(assignment, root)
        weights = hidden_test_weights(assignment)
        points = {f: mx for f, (_, mx) in next(iter(grades.values())).items()} if grades else {}
        max_total = sum(points.values())
        for person in (p for p in people if p.assignment == assignment):
            scores = grades.get(person.student, {})
            got = round(sum(s for s, _ in scores.values()), 2)
            if person.base == "reference":
                want = max_total
            elif person.code is None:
                want = 0.0
            else:
                defined = set(submissions.defined_names(person.code))
                want = predicted(person, weights, points, set(points) - defined)
            flag = "ok" if abs(got - want) < 0.01 else "MISMATCH"
            if flag != "ok":
                problems.append(f"{assignment}/{person.student}: autograded {got}, predicted {want}")
            out(f"{assignment:<22} {person.student:<42} {got:>6.2f}/{max_total:<3g} {want:>10.2f}   "
                f"{flag}  {person.about[:60]}")
        problems += leaks_in_feedback(assignment, root)
        missing = [p.student for p in people if p.assignment == assignment and not
                   (root / "feedback" / p.student / assignment / f"{assignment}.html").exists()]
        problems += [f"{assignment}/{s}: no feedback page" for s in missing]
    if not (root / "grades.csv").exists():
        problems.append("nbgrader export wrote no grades.csv")
    out(f"\ngrades.csv: {root / 'grades.csv'}")
    out(f"feedback:   {root / 'feedback'}/<student>/<assignment>/<assignment>.html")
    return problems


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m rnncourse.demo", description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    root = course.ROOT / "build" / "demo"
    shutil.rmtree(root, ignore_errors=True)
    problems = run(course.scratch_root(root))
    if problems:
        print("\nPROBLEMS:\n" + "\n".join(problems))
        return 1
    return 0


def leaks_in_feedback(assignment: str, root: Path) -> list[str]:
    """Feedback must show no line of the hidden tests or the reference (``grading.leaks``)."""
    problems = []
    for page in (root / "feedback").glob(f"*/{assignment}/*.html"):
        own = root / "submitted" / page.parts[-3] / assignment / f"{assignment}.ipynb"
        found = leaks.leaks(page.read_text(), own if own.is_file() else None)
        if found:
            problems.append(f"{page}: shows trusted code: {found[0][:60]}")
    return problems


if __name__ == "__main__":
    sys.exit(main())
