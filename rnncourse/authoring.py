"""Cells with nbgrader metadata, for maintainers who build a source notebook from a script.

    from rnncourse.authoring import markdown, code, solution, test, written, notebook
    nb = notebook([markdown("# Title"), solution("encode"), test("encode", 1, "check_encode(encode)")])

Conventions the grader relies on:
- ``solution(name)``: a graded function's cell, ``grade_id == name``; its text is
  copied from ``solutions/<module>.py`` by ``make release``.
- ``test(name, points, src)``: the cell that scores ``name``; ``grade_id == "test_" + name``.
  Its code runs the visible checks; the hidden tests live in ``autograder/``.
- ``written(grade_id, points, prompt)``: a manually graded answer.
- ``code(src, skip=True)``: tagged ``grading:skip``, the grader does not run it (demos,
  plots, long training); cells that define what graded code needs must not be skipped.
"""

from __future__ import annotations

import nbformat

from rnncourse.grading.notebook import SKIP_TAG


def _meta(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None):
    nbg = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
           "solution": solution, "task": False}
    if points is not None:
        nbg["points"] = points
    return {"nbgrader": nbg}


def markdown(text: str):
    return nbformat.v4.new_markdown_cell(text.strip("\n"))


def code(src: str, skip: bool = False):
    cell = nbformat.v4.new_code_cell(src.strip("\n"))
    if skip:
        cell.metadata["tags"] = [SKIP_TAG]
    return cell


def readonly(src: str, grade_id: str):
    cell = nbformat.v4.new_code_cell(src.strip("\n"))
    cell.metadata.update(_meta(grade_id, grade=False, solution=False, locked=True))
    return cell


def solution(name: str, placeholder: str = "pass"):
    cell = nbformat.v4.new_code_cell(placeholder)
    cell.metadata.update(_meta(name, grade=False, solution=True, locked=False))
    return cell


def test(name: str, points: float, src: str):
    cell = nbformat.v4.new_code_cell(src.strip("\n"))
    cell.metadata.update(_meta(f"test_{name}", grade=True, solution=False, locked=True, points=points))
    return cell


def written(grade_id: str, points: float, answer: str):
    """A written answer cell (the prompt goes in the markdown cell before it)."""
    cell = nbformat.v4.new_markdown_cell("### BEGIN SOLUTION\n" + answer.strip() + "\n### END SOLUTION")
    cell.metadata.update(_meta(grade_id, grade=True, solution=True, locked=False, points=points))
    return cell


def notebook(cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb
