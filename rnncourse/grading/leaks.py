"""Is anything trusted in what learners get back? Lines of the hidden tests and the reference.

Feedback pages, result records and Gradescope's results must hold no line of
``autograder/`` or ``solutions/`` code. A *trusted line* is a line of code from those
folders long enough to be telling: not a comment, an import, a docstring or a bare
string (messages and test descriptions are written to be shown), and not a line the
learner can see anyway (in a release notebook, or in the ``rnncourse`` package they install). A line the submission itself contains
is the learner's own and may be quoted back to them.
"""

from __future__ import annotations

import ast
import html
import json
import re
from functools import lru_cache
from pathlib import Path

from rnncourse import course

MIN_LENGTH = 24
STRING_STARTS = ('"', "'", 'f"', "f'", 'r"', "r'", "b'", 'b"')


def _code_lines(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant) \
                and isinstance(node.value.value, str):
            docstrings.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    out = set()
    for number, line in enumerate(source.splitlines(), 1):
        text = line.strip()
        if number in docstrings or len(text) < MIN_LENGTH or text.startswith(("#", "import ", "from ")):
            continue
        if text.startswith(STRING_STARTS):
            continue
        out.add(text)
    return out


def _notebook_text(path: Path) -> str:
    """Every cell's source, one after the other (code and prose: inline code counts too)."""
    try:
        nb = json.loads(Path(path).read_text())
    except (OSError, ValueError, UnicodeDecodeError):
        return ""
    parts = []
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        src = cell.get("source", "") if isinstance(cell, dict) else ""
        parts.append("".join(src) if isinstance(src, list) else str(src))
    return "\n".join(parts)


@lru_cache(maxsize=4)
def trusted_lines(root: Path = course.ROOT) -> frozenset[str]:
    found = set()
    for folder in ("autograder", "solutions"):
        for path in sorted((root / folder).rglob("*.py")):
            found |= _code_lines(path.read_text())
    visible = "\n".join([path.read_text() for path in (root / "rnncourse").rglob("*.py")]
                        + [_notebook_text(course.notebook("release", a, root)) for a in course.ASSIGNMENTS])
    return frozenset(line for line in found if line not in visible)


def as_text(page: str) -> str:
    """A feedback page as the learner reads it: tags (syntax highlighting too) removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page)) if "</" in page else page


def leaks(text: str, submission: Path | None = None, root: Path = course.ROOT) -> list[str]:
    """Trusted lines found in ``text`` (a feedback page, a record, results.json), leaving out
    what the submitted notebook ``submission`` holds (the learner's own code)."""
    own = _notebook_text(submission) if submission is not None else ""
    text = as_text(text)
    return sorted(line for line in trusted_lines(root) if line in text and line not in own)
