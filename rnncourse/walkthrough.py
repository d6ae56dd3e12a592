"""The solution walkthroughs, generated from the reference code's walkthrough comments.

    solutions/<module>.py  ->  solutions/walkthroughs/<assignment>.md   (``make release``)

The explanation of the reference lives beside the lines it explains, so the two cannot drift
apart: comment lines that start with ``#:`` are the walkthrough's prose. In the reference:

* inside a definition, a ``#:`` block explains the code since the previous block (or since
  the start of the body): the walkthrough shows that code, then the prose. A block whose
  first line is ``#.`` shows no code (for lines the walkthrough passes over);
* at the top level, a ``#:`` block after a definition closes that definition's section
  (common mistakes, say); those before the first definition are the page's title (their first
  line) and introduction; one whose first line starts with ``## `` is a section of its own;
* a definition with walkthrough comments gets a section headed ``## `name(parameters)` ``
  (a class: ``## `Name` ``); docstrings, the solution markers and the ``def``/``class`` lines of
  top-level definitions are never shown (a method's ``def`` line is).

Solution cells never carry these comments: ``build.definitions`` leaves them out.
"""

from __future__ import annotations

import ast
from pathlib import Path

from rnncourse import course

PROSE = "#:"
SKIP = "#."
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def is_prose(line: str) -> bool:
    return line.strip().startswith((PROSE, SKIP))


def _prose_text(lines: list[str]) -> str:
    out = []
    for line in lines:
        text = line.strip()
        if text.startswith(SKIP):
            continue
        text = text[len(PROSE):]
        out.append(text[1:] if text.startswith(" ") else text)
    return "\n".join(out).strip()


def _heading(node: ast.AST) -> str:
    if isinstance(node, ast.ClassDef):
        return f"## `{node.name}`"
    args = node.args
    plain = args.posonlyargs + args.args
    defaults = [None] * (len(plain) - len(args.defaults)) + list(args.defaults)
    parts = [a.arg if d is None else f"{a.arg}={ast.unparse(d)}" for a, d in zip(plain, defaults)]
    if args.vararg:
        parts.append(f"*{args.vararg.arg}")
    elif args.kwonlyargs:
        parts.append("*")
    for a, d in zip(args.kwonlyargs, args.kw_defaults):
        parts.append(a.arg if d is None else f"{a.arg}={ast.unparse(d)}")
    if args.kwarg:
        parts.append(f"**{args.kwarg.arg}")
    return f"## `{node.name}({', '.join(parts)})`"


def _body_indents(tree: ast.Module) -> dict[int, int]:
    """0-based line -> the indent of the body of the top-level definition holding it, so that
    code shown from a loop, or from a method, keeps its indent relative to that body."""
    indents = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for line in range(node.body[0].lineno - 1, node.end_lineno):
                indents[line] = node.body[0].col_offset
    return indents


def _hidden_lines(tree: ast.Module) -> set[int]:
    """0-based numbers of the lines a walkthrough never shows: docstrings, and the ``def`` or
    ``class`` lines (a signature may span several) of top-level definitions, which the heading
    names (a method's ``def`` line is shown: it says which method the code is)."""
    hidden = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            hidden.update(range(first - 1, node.body[0].lineno - 1))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            doc = node.body[0]
            if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str):
                hidden.update(range(doc.lineno - 1, doc.end_lineno))
    return hidden


def sections(source: str) -> tuple[str, list[tuple[str, str]]]:
    """(introduction, [(heading, body), ...]) of a reference module's walkthrough comments."""
    tree = ast.parse(source)
    lines = source.splitlines()
    hidden, indents = _hidden_lines(tree), _body_indents(tree)
    intro: list[str] = []
    out: list[tuple[str, list[str]]] = []
    tops = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    starts = {min([n.lineno] + [d.lineno for d in n.decorator_list]) - 1: n for n in tops}
    current: tuple[str, list[str]] | None = None
    i = 0
    while i < len(lines):
        if i in starts:
            node = starts[i]
            end = node.end_lineno  # comments after the last statement still belong to it
            while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
                end += 1
            while not lines[end - 1].strip():
                end -= 1
            current = (_heading(node), [])
            out.append(current)
            i = _walk_body(lines, i, end - 1, hidden, indents, current[1])
            continue
        if is_prose(lines[i]):
            j = i
            while j < len(lines) and is_prose(lines[j]):
                j += 1
            text = _prose_text(lines[i:j])
            if text.startswith("## "):
                head, _, body = text.partition("\n")
                current = (head, [body.strip()])
                out.append(current)
            elif current is None:
                intro.append(text)
            else:
                current[1].append(text)
            i = j
            continue
        i += 1
    return "\n\n".join(intro), [(h, "\n\n".join(p for p in parts if p)) for h, parts in out if any(parts)]


def _walk_body(lines: list[str], start: int, end: int, hidden: set[int], indents: dict[int, int],
               parts: list[str]) -> int:
    """Collect a definition's blocks into ``parts``; returns the line after the definition."""
    code: list[tuple[int, str]] = []
    i = start
    while i <= end:
        line = lines[i]
        if is_prose(line):
            j = i
            while j <= end and is_prose(lines[j]):
                j += 1
            shown = "" if line.strip().startswith(SKIP) else _shown(code, indents)
            text = _prose_text(lines[i:j])
            parts.append(f"```python\n{shown}\n```\n{text}" if shown else text)
            code, i = [], j
            continue
        if i not in hidden and line.strip() not in MARKERS:
            code.append((i, line))
        i += 1
    return end + 1


def _shown(code: list[tuple[int, str]], indents: dict[int, int]) -> str:
    cut = min((indents.get(i, 0) for i, line in code if line.strip()), default=0)
    return "\n".join(line[cut:] if line[:cut].isspace() else line.lstrip() for _, line in code).strip("\n")


def render(assignment: str, root: Path = course.ROOT) -> str:
    """The walkthrough page: the reference's introduction (its title first), then a section per
    definition with walkthrough comments."""
    module = course.ASSIGNMENTS[assignment]
    intro, parts = sections((root / "solutions" / f"{module}.py").read_text())
    title, _, rest = intro.partition("\n")
    note = f"<!-- Generated by `make release` from the `#:` comments of solutions/{module}.py: edit those. -->"
    page = [title, note, rest.strip()] + [f"{heading}\n\n{text}" for heading, text in parts]
    return "\n\n".join(p for p in page if p) + "\n"


def path(assignment: str, root: Path = course.ROOT) -> Path:
    return root / "solutions" / "walkthroughs" / f"{assignment}.md"


def headings(assignment: str, root: Path = course.ROOT) -> list[str]:
    module = course.ASSIGNMENTS[assignment]
    reference = root / "solutions" / f"{module}.py"
    return [h for h, _ in sections(reference.read_text())[1]] if reference.exists() else []
