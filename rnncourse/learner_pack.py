"""What learners download: the course's notebooks, the helpers they run, and no answers.

    python -m rnncourse.learner_pack                        # build/learner-pack/rnn-course.zip
    python -m rnncourse.learner_pack 04_sequence_batching   # build/learner-pack/rnn-course-04_sequence_batching.zip

A pack is one folder, ``rnn-course/``, zipped: the release notebooks (``<a>/<a>.ipynb``), the
novel (``data/anna.txt``) where a notebook reads it, the part of the ``rnncourse`` package that
the notebooks and the self-check import, a ``requirements.txt`` and ``pyproject.toml`` with the
course's pins of what learners run, and a README (``docs/LEARNERS.md``). The package's other
modules (building from ``solutions/``, the demo class, grading a class with nbgrader and Dask,
the learning-management systems) stay with the course, as do ``solutions/``, ``autograder/``,
``source/``, ``tests/`` and ``demo/``.

Hand out one assignment's pack when it opens: a later notebook carries earlier assignments'
reference functions in a provided cell (the project carries assignment 4's), so the whole course
at once is for when every assignment is open. Unzipped over an earlier pack with ``unzip -n``, a
pack adds its assignment and never replaces a learner's file.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import tomllib
import zipfile
from pathlib import Path
from string import Template

from rnncourse import course

FOLDER = "rnn-course"
TEMPLATE = Path("docs") / "LEARNERS.md"
# started by module name, not imported: the sandboxed process that runs the learner's code
ENTRY_POINTS = ("rnncourse.selfcheck", "rnncourse.grading.worker")
NOTEBOOK_IMPORT = re.compile(r"^\s*(?:from|import)\s+(rnncourse[\w.]*)", re.M)
# zip entries get a fixed date, so that the same course gives the same pack
EPOCH = (1980, 1, 1, 0, 0, 0)


def cells_text(notebook: Path, kind: str = "code") -> str:
    cells = json.loads(notebook.read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == kind)


def module_file(name: str, root: Path) -> Path | None:
    """``rnncourse.a.b`` -> ``rnncourse/a/b.py`` or ``rnncourse/a/b/__init__.py``, if it exists."""
    base = root.joinpath(*name.split("."))
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)


def imported(path: Path, root: Path) -> set[str]:
    """The course modules ``path`` imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            # ``from rnncourse.grading import sandbox`` imports a module, not a name
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {n for n in names if n.split(".")[0] == "rnncourse" and module_file(n, root)}


def with_parents(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)}


def needed_modules(assignments: list[str], root: Path) -> set[str]:
    """Every course module the notebooks, their checks and the self-check import, and what
    those import in turn: nothing else of the package goes to learners."""
    todo = set(ENTRY_POINTS)
    for a in assignments:
        todo |= set(NOTEBOOK_IMPORT.findall(cells_text(course.notebook("release", a, root))))
        todo.add(f"rnncourse.checks.{course.ASSIGNMENTS[a]}")  # imported by name by the self-check
    done: set[str] = set()
    while todo:
        name = todo.pop()
        for module in with_parents(name) - done:
            done.add(module)
            todo |= imported(module_file(module, root), root) - done
    return done


def reads_novel(assignment: str, root: Path) -> bool:
    return "load_anna(" in cells_text(course.notebook("release", assignment, root))


def project(root: Path) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]


def learner_pins(root: Path) -> list[str]:
    """What learners run, pinned as the course pins it: the project's own dependencies (the
    instructors' and the tests' tools are extras)."""
    pins = project(root).get("dependencies")
    if not pins:
        raise SystemExit("pyproject.toml lists no dependencies: nothing to pin for learners")
    return list(pins)


def learner_pyproject(root: Path) -> str:
    meta = project(root)
    pins = "".join(f'    "{pin}",\n' for pin in learner_pins(root))
    return (
        '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "{meta["name"]}"\nversion = "{meta["version"]}"\n'
        'description = "Recurrent neural networks: the notebooks\' helpers and self-check"\n'
        f'requires-python = "{meta["requires-python"]}"\ndependencies = [\n{pins}]\n\n'
        '[tool.setuptools.packages.find]\ninclude = ["rnncourse*"]\n')


def learner_requirements(root: Path) -> str:
    return "# What the course's notebooks need, pinned as the course pins it.\n" + \
        "".join(f"{pin}\n" for pin in learner_pins(root))


def readme(assignments: list[str], root: Path) -> str:
    paths = [f"{a}/{a}.ipynb" for a in assignments]
    return Template((root / TEMPLATE).read_text()).substitute(
        notebooks="\n".join(f"- `{p}`" for p in paths), example=paths[-1])


def contents(assignments: list[str], root: Path = course.ROOT) -> dict[str, Path | str]:
    """Path in the pack -> the course file it copies, or its text."""
    files: dict[str, Path | str] = {
        "README.md": readme(assignments, root),
        "requirements.txt": learner_requirements(root),
        "pyproject.toml": learner_pyproject(root),
    }
    for module in needed_modules(assignments, root):
        path = module_file(module, root)
        files[path.relative_to(root).as_posix()] = path
    for a in assignments:
        files[f"{a}/{a}.ipynb"] = course.notebook("release", a, root)
    if any(reads_novel(a, root) for a in assignments):
        files["data/anna.txt"] = root / "data" / "anna.txt"
    return files


def write_zip(path: Path, files: dict[str, Path | str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{FOLDER}/{name}", EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            data = files[name]
            zf.writestr(info, data.read_bytes() if isinstance(data, Path) else data)
    return path


def build(assignment: str | None = None, out: Path = course.ROOT / "build" / "learner-pack",
          root: Path = course.ROOT) -> Path:
    """The whole course's pack, or one assignment's; returns the zip's path."""
    assignments = [assignment] if assignment else course.built(root)
    name = f"{FOLDER}-{assignment}.zip" if assignment else f"{FOLDER}.zip"
    return write_zip(out / name, contents(assignments, root))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnncourse.learner_pack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment", nargs="?", choices=list(course.ASSIGNMENTS),
                        help="one assignment, at its release date (default: the whole course)")
    parser.add_argument("--out", type=Path, default=course.ROOT / "build" / "learner-pack")
    args = parser.parse_args(argv)
    print(build(args.assignment, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
