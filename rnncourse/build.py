"""Maintainers' build: solutions/ -> source/ -> release/.

    python -m rnncourse.build release     # sync solution cells, regenerate release/
    python -m rnncourse.build check       # exit 1 if source/ or release/ is stale, or a
                                          # graded function lacks one of its pieces

One source of truth each:
- the reference code is ``solutions/<module>.py``; every solution cell of a source
  notebook whose ``grade_id`` names a function or class there holds that definition,
  copied verbatim (``sync``);
- the walkthrough ``solutions/walkthroughs/<assignment>.md`` is generated from the reference's
  ``#:`` comments (``walkthrough``);
- the learner's notebook ``release/<assignment>/<assignment>.ipynb`` is what
  ``nbgrader generate_assignment`` makes of the source notebook (``release`` runs it in the
  course root, so each assignment is registered in the gradebook too; ``check`` runs it in a
  scratch course and touches nothing).
"""

from __future__ import annotations

import argparse
import ast
import json
import shutil
import sys
import tempfile
from pathlib import Path

from rnncourse import course, nbgrader_run, walkthrough


def definitions(module_path: Path) -> dict[str, str]:
    """Top-level functions and classes of a reference module, by name, as source text, without
    the walkthrough's ``#:`` comments (they are for ``solutions/walkthroughs/``, not for cells)."""
    text = module_path.read_text()
    lines = text.splitlines(keepends=True)
    body = ast.parse(text).body
    out = {}
    for i, node in enumerate(body):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            # a definition runs to the next top-level statement: indented comments such as
            # "### END SOLUTION" after its last line belong to it
            stop = body[i + 1].lineno - 1 if i + 1 < len(body) else len(lines)
            end = node.end_lineno
            while end < stop and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
                end += 1
            out[node.name] = "".join(ln for ln in lines[start:end] if not walkthrough.is_prose(ln)).rstrip()
    return out


def _solution_cells(nb: dict):
    for cell in nb["cells"]:
        nbg = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and nbg.get("solution"):
            yield cell, nbg.get("grade_id", "")


def without_markers(code: str) -> str:
    return "\n".join(ln for ln in code.splitlines() if ln.strip() not in
                     ("### BEGIN SOLUTION", "### END SOLUTION"))


def provided_source(spec: dict, root: Path) -> str:
    """A provided cell: working reference functions of an earlier assignment, given to learners
    with a later one (``{"module": "sequence_batching", "names": [...], "note": "..."}``)."""
    defs = definitions(root / "solutions" / f"{spec['module']}.py")
    parts = [f"# {spec.get('note', 'Provided: working versions of earlier functions.')}",
             "import numpy as np"]
    parts += [without_markers(defs[name]) for name in spec["names"]]
    return "\n\n\n".join(parts)


def _provided_cells(nb: dict):
    for cell in nb["cells"]:
        spec = cell.get("metadata", {}).get("course", {}).get("provided")
        if cell["cell_type"] == "code" and spec:
            yield cell, spec


def sync(assignment: str, root: Path = course.ROOT, write: bool = True) -> list[str]:
    """Copy reference definitions into the source notebook's solution cells, and earlier
    assignments' reference functions into its provided cells; returns the cells that changed."""
    ref = root / "solutions" / f"{course.ASSIGNMENTS[assignment]}.py"
    path = course.notebook("source", assignment, root)
    if not ref.exists():
        return []
    defs = definitions(ref)
    nb = json.loads(path.read_text())
    wanted = [(cell, grade_id, defs[grade_id]) for cell, grade_id in _solution_cells(nb) if grade_id in defs]
    wanted += [(cell, cell["metadata"]["nbgrader"]["grade_id"], provided_source(spec, root))
               for cell, spec in _provided_cells(nb)]
    changed = []
    for cell, grade_id, text in wanted:
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if src != text:
            cell["source"] = text
            changed.append(grade_id)
    if changed and write:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return changed


def generate(assignment: str, out_root: Path, root: Path = course.ROOT) -> Path:
    """Run ``nbgrader generate_assignment`` on a scratch course; returns the release notebook."""
    with tempfile.TemporaryDirectory(prefix="rnncourse-build-") as tmp:
        scratch = course.scratch_root(Path(tmp), [assignment], root)
        proc = nbgrader_run.nbgrader(scratch, "generate_assignment", assignment, "--force",
                                     "--log-level=WARN", check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n{proc.stderr[-3000:]}")
        made = course.notebook("release", assignment, scratch)
        target = course.notebook("release", assignment, out_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(made, target)  # byte for byte what nbgrader writes
        return target


def release(root: Path = course.ROOT) -> None:
    """Regenerate release/ with ``nbgrader generate_assignment`` in the course root, which also
    registers each assignment (its notebooks, cells and points) in the course's gradebook, as
    ``nbgrader autograde`` needs."""
    for assignment in course.built(root):
        changed = sync(assignment, root)
        if changed:
            print(f"{assignment}: solution cells updated from solutions/: {', '.join(changed)}")
        walkthrough.path(assignment, root).write_text(walkthrough.render(assignment, root))
        nbgrader_run.nbgrader(root, "generate_assignment", assignment, "--force", "--log-level=WARN")
        print(f"{assignment}: release/{assignment}/{assignment}.ipynb generated, registered in the gradebook")


def stale(root: Path = course.ROOT) -> list[str]:
    """What is out of date: solution cells that differ from solutions/, walkthroughs that differ
    from the reference's comments, release notebooks that differ from what the source generates."""
    problems = []
    for assignment in course.built(root):
        page = walkthrough.path(assignment, root)
        if not page.exists() or page.read_text() != walkthrough.render(assignment, root):
            problems.append(f"solutions/walkthroughs/{assignment}.md is stale: run `make release`")
        for grade_id in sync(assignment, root, write=False):
            problems.append(f"source/{assignment}: solution cell '{grade_id}' differs from solutions/")
        with tempfile.TemporaryDirectory() as tmp:
            fresh = generate(assignment, Path(tmp), root).read_text()
        committed = course.notebook("release", assignment, root)
        if not committed.exists() or committed.read_text() != fresh:
            problems.append(f"release/{assignment} is stale: run `make release`")
    return problems


# What a graded function ``f`` of an assignment needs, in the order of the README's checklist
# (README, "Adding a graded function"): (step, file, what must be there).
PIECES = (
    (1, "solutions/{module}.py", "the reference `def {f}` (its signature and docstring are the contract)"),
    (1, "solutions/{module}.py", "`#:` walkthrough comments in `{f}` (they make its section of the walkthrough)"),
    (2, "source/{a}/{a}.ipynb", "a solution cell with grade_id `{f}`"),
    (2, "source/{a}/{a}.ipynb", "a test cell with grade_id `test_{f}`, points, calling `check_{f}({f})`"),
    (3, "rnncourse/checks/{module}.py", "`check_{f}` in CHECKS"),
    (4, "autograder/test_{a}.py", "a hidden test marked `@graded(\"{f}\")`, or `check_{f}` a `@contract` "
                                  "and `contract_tests(...)` at the module's end"),
    (5, "tests/corpus/{a}/wrong.py", "a wrong variant whose header names `{f}`"),
)


def missing_pieces(assignment: str, function: str, root: Path = course.ROOT) -> list[str]:
    """The pieces ``function`` lacks, each as "step N, FILE: what"; [] when it has them all."""
    from rnncourse.checks import checks_for
    from rnncourse.submissions import parse_corpus

    module = course.ASSIGNMENTS[assignment]

    def read(path: Path) -> str:
        return path.read_text() if path.exists() else ""

    reference = root / "solutions" / f"{module}.py"
    nb = json.loads(read(course.notebook("source", assignment, root)) or '{"cells": []}')
    cells = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id"): c for c in nb["cells"]}
    test = cells.get(f"test_{function}", {})
    test_meta = test.get("metadata", {}).get("nbgrader", {})
    wrong = root / "tests" / "corpus" / assignment / "wrong.py"
    sections = walkthrough.headings(assignment, root)
    hidden = read(root / "autograder" / f"test_{assignment}.py")
    have = (
        reference.exists() and function in definitions(reference),
        any(h.startswith((f"## `{function}`", f"## `{function}(")) for h in sections),
        cells.get(function, {}).get("metadata", {}).get("nbgrader", {}).get("solution", False),
        bool(test_meta.get("grade") and test_meta.get("points", 0) > 0
             and f"check_{function}({function}" in "".join(test.get("source", ""))),
        function in checks_for(assignment),
        f'@graded("{function}"' in hidden or (getattr(checks_for(assignment).get(function), "contract", False)
                                              and "contract_tests(" in hidden),
        wrong.exists() and any(function in v.expect for v in parse_corpus(wrong)),
    )
    return [f"step {step}, {where.format(a=assignment, module=module)}: "
            f"{what.format(f=function, a=assignment)}"
            for (step, where, what), ok in zip(PIECES, have) if not ok]


def unfinished(root: Path = course.ROOT) -> list[str]:
    """Every missing piece of every graded function (those the release notebooks grade)."""
    from rnncourse.grading.notebook import graded_tests, load

    out = []
    for assignment in course.built(root):
        release = course.notebook("release", assignment, root)
        for test in graded_tests(load(release)) if release.exists() else []:
            out += [f"{assignment}: `{test.function}` lacks {piece}"
                    for piece in missing_pieces(assignment, test.function, root)]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnncourse.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", nargs="?", choices=["release", "check"], default="release")
    if parser.parse_args(argv).command == "release":
        release()
        return 0
    problems = stale() + unfinished()
    print("\n".join(problems) or "source/ and release/ are up to date; every graded function has its pieces")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
