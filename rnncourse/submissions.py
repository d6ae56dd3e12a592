"""Making submissions: a release notebook with its solution cells filled in.

Used by the demo class and by the test corpora, so that neither goes stale when a
notebook changes. A *variant* is a piece of learner code written in a corpus file:

    # %% unsorted_vocab -> build_vocab: sorted order
    def build_vocab(text):
        chars = list(set(text))
        ...

The header names the variant and, for wrong work, the graded function that must
lose points and a phrase its grader message must contain. The code goes into the
solution cell of the first graded function it defines; the solution cells of the
other graded functions it defines are emptied; all other solution cells keep the
base (the reference, or the blank release).
"""

from __future__ import annotations

import ast
import copy
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from rnncourse import course
from rnncourse.build import definitions

HEADER = re.compile(r"^# %% (?P<name>[\w-]+)(?:\s*->\s*(?P<expect>.*))?$")


@dataclass
class Variant:
    name: str
    code: str
    expect: dict = field(default_factory=dict)  # function -> phrase its message must contain
    source: str = ""


def parse_corpus(path: Path) -> list[Variant]:
    variants, current, lines = [], None, []

    def close():
        if current is not None:
            current.code = "\n".join(lines).strip() + "\n"
            variants.append(current)

    for line in Path(path).read_text().splitlines():
        m = HEADER.match(line)
        if m:
            close()
            expect = {}
            for part in filter(None, (m.group("expect") or "").split(";")):
                fn, _, phrase = part.partition(":")
                expect[fn.strip()] = phrase.strip()
            current, lines = Variant(m.group("name"), "", expect, str(path)), []
        elif current is not None:
            lines.append(line)
    close()
    return variants


def release_notebook(assignment: str, root: Path = course.ROOT) -> dict:
    return json.loads(course.notebook("release", assignment, root).read_text())


def solution_cell_ids(nb: dict) -> list[str]:
    return [c["metadata"]["nbgrader"]["grade_id"] for c in nb["cells"]
            if c["cell_type"] == "code" and c.get("metadata", {}).get("nbgrader", {}).get("solution")]


def reference_code(assignment: str, root: Path = course.ROOT) -> dict[str, str]:
    return definitions(root / "solutions" / f"{course.ASSIGNMENTS[assignment]}.py")


def fill(nb: dict, code_by_cell: dict[str, str]) -> dict:
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell["cell_type"] == "code" and grade_id in code_by_cell:
            cell["source"] = code_by_cell[grade_id]
    return nb


def defined_names(code: str) -> list[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]


CELL_MARK = re.compile(r"^# -- cell (?P<id>\w+)\s*$", re.M)


def place(variant_code: str, cell_ids: list[str], target: str | None = None) -> dict[str, str]:
    """Which solution cells the variant's code replaces (see the module docstring).

    A line ``# -- cell <grade_id>`` sends the code after it to that solution cell, for
    variants that span cells (one cell that crashes, the next one honest, say).
    """
    marks = list(CELL_MARK.finditer(variant_code))
    if marks:
        out = {}
        head = variant_code[: marks[0].start()].strip()
        if head:  # code before the first mark: where its definitions say, else the first cell
            defines = [n for n in defined_names(head) if n in cell_ids] or ([target] if target else [])
            out.update(place(head + "\n", cell_ids, target) if defines else {cell_ids[0]: head + "\n"})
        for i, m in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(variant_code)
            out[m.group("id")] = variant_code[m.end():end].strip() + "\n"
        return out
    names = [n for n in defined_names(variant_code) if n in cell_ids]
    if target and target not in names:
        names.insert(0, target)
    if not names:
        raise ValueError("the variant defines none of the notebook's graded functions; "
                         "name the target in its header")
    first = min(names, key=cell_ids.index)
    out = {name: f"# {name} is defined in an earlier cell\n" for name in names}
    out[first] = variant_code
    return out


def make(assignment: str, variant_code: str | None = None, *, base: str = "reference",
         target: str | None = None, root: Path = course.ROOT) -> dict:
    """A submission notebook: the release, solution cells from ``base``, then the variant."""
    nb = release_notebook(assignment, root)
    ids = solution_cell_ids(nb)
    if base == "reference":
        nb = fill(nb, {k: v for k, v in reference_code(assignment, root).items() if k in ids})
    if variant_code is not None:
        nb = fill(nb, place(variant_code, ids, target))
    return nb


def write(nb: dict, path: Path, files=()) -> Path:
    """Write the notebook, and copy ``files`` (a trained checkpoint, say) beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    for f in files:
        shutil.copy(f, path.parent / Path(f).name)
    return path
