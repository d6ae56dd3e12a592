"""Gradescope's autograder for one assignment, as a zip ready to upload.

    python -m rnncourse.lms.gradescope_bundle 04_sequence_batching [--visibility after_due_date] [--out FILE]
                                             [--cell-timeout S] [--call-timeout S]

writes ``build/gradescope/<a>.zip`` in Gradescope's autograder format: ``setup.sh`` (run once
when Gradescope builds its image), ``run_autograder`` (run for each submission: the course's
Gradescope entry, ``python -I -m rnncourse.grading gradescope``), the grading requirements and
the course files grading reads, nothing more. The zip's ``README.md`` says how to set the
assignment up, the written answers' manual question included.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import zipfile
from pathlib import Path

from rnncourse import course
from rnncourse.grading import notebook as nbfile
from rnncourse.grading.gradescope import VISIBILITY, questions

# What grading imports, in the trusted process (torch, numpy, pytest) and in the learner's
# (the notebooks' imports: matplotlib, tqdm); the versions are requirements.txt's.
GRADING_PACKAGES = ("torch", "numpy", "matplotlib", "tqdm", "pytest")
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
NOVEL = "data/anna.txt"
NOVEL_READERS = ("load_anna", "anna.txt")  # code that reads the novel names one of these
EXECUTABLE, REGULAR = 0o100755 << 16, 0o100644 << 16  # zip's external attributes: rwxr-xr-x, rw-r--r--
REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)\s*==")

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu, with network).
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
SOURCE="$ROOT/source"
export DEBIAN_FRONTEND=noninteractive

# bubblewrap is the sandbox learners' code runs in; setpriv (util-linux) drops root inside it.
apt-get update -qq
apt-get install -y -qq bubblewrap util-linux

# The course is made for Python 3.11. Ubuntu 22.04, Gradescope's default image, has 3.10 and
# packages python3.11; an image whose own python3 is 3.11 or newer (24.04: 3.12) keeps its own.
if command -v python3.11 >/dev/null || ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    PY=python3.11
else
    PY=python3
fi
apt-get install -y -qq "$PY" "$PY-venv"
"$PY" -m venv "$ROOT/venv"
PYTHON="$ROOT/venv/bin/python"
"$PYTHON" -m pip install --quiet --upgrade pip

# PyTorch for the CPU, from PyTorch's index: PyPI's Linux wheel is the CUDA build, gigabytes a
# grader without a GPU never loads. Its version is requirements.txt's (its +cpu build satisfies the pin).
"$PYTHON" -m pip install --quiet --index-url {torch_index} "$(grep -E '^torch==' "$SOURCE/requirements.txt")"
"$PYTHON" -m pip install --quiet -r "$SOURCE/requirements.txt"

# The course runs from $SOURCE, where the grader finds autograder/ and solutions/ beside rnncourse/.
"$PYTHON" -c 'import sys, sysconfig; open(sysconfig.get_paths()["purelib"] + "/rnncourse-course.pth", "w").write(sys.argv[1] + "\\n")' "$SOURCE"

# In the build log: the course imports, and which sandbox this image gives (bwrap is needed).
cd / && "$PYTHON" -I -c 'from rnncourse.grading import sandbox; print("sandbox:", sandbox.mode(strict=False))'
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission. The grader starts from / in Python's isolated mode, so
# nothing in the submission folder can be imported in place of the course's code.
# AUTOGRADER_ROOT stands in for /autograder when the bundle is tried elsewhere.
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
cd / && exec "$ROOT/venv/bin/python" -I -m rnncourse.grading gradescope \\
    --assignment {assignment} --visibility {visibility} \\
    --cell-timeout {cell_timeout:g} --call-timeout {call_timeout:g} \\
    --submission "$ROOT/submission" --results "$ROOT/results/results.json"
"""

README = """# Gradescope autograder: {assignment}

Built by `python -m rnncourse.lms.gradescope_bundle {assignment}`. Upload this zip unchanged.

1. Create a **Programming Assignment** named `{assignment}`: the autograder scores
   {autograded:g} points. Learners submit `{assignment}.ipynb`{extra_files} (the notebook
   under its own name: another name is not graded).
2. *Configure Autograder*: keep the default base image (Ubuntu 22.04), upload this zip and wait
   for the build. Its log ends with `sandbox: bwrap`; if it says `rlimit`, bubblewrap cannot run
   in this image and every submission gets 0 with "not set up correctly" (grading unsandboxed
   would let learners' code read the hidden tests).
3. *Edit Outline*: add a **manual question** "Written answers" worth {written:g} points:
   {written_ids}. The autograder cannot score them; each result shows the learner's answers
   in a 0-point test, "Written answers (graded by hand in the manual question)", for graders.
4. Try it with *Test Autograder* on the release notebook (0 points) and on a finished one.

Learners see the results: `{visibility}` (Gradescope's visibility; rebuild with
`--visibility visible|after_due_date|after_published|hidden` to change it). The grader's own
output (stdout) is shown to instructors only.

Inside: `setup.sh` installs bubblewrap, Python 3.11 where the image lacks it, the pinned
`requirements.txt` (CPU PyTorch) in `/autograder/venv`, and puts the course on its path;
`run_autograder` runs `python -I -m rnncourse.grading gradescope` from `/`.
"""


def grading_requirements(root: Path = course.ROOT) -> list[str]:
    """requirements.txt's pins of what grading imports, read at build time so they never diverge."""
    pins = {}
    for line in (root / "requirements.txt").read_text().splitlines():
        m = REQUIREMENT.match(line.strip())
        if m:
            pins[m.group(1).lower()] = line.strip()
    missing = [name for name in GRADING_PACKAGES if name not in pins]
    if missing:
        raise SystemExit(f"requirements.txt pins no version of {', '.join(missing)}")
    return [pins[name] for name in GRADING_PACKAGES]


def _imported_solutions(path: Path) -> set[str]:
    """The modules of ``solutions/`` a Python file imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module == "solutions":
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("solutions."):
            names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names |= {a.name.split(".")[1] for a in node.names if a.name.startswith("solutions.")}
    return names


def _hidden_tests(assignment: str, root: Path) -> list[Path]:
    """The assignment's hidden tests, their conftest, and the helpers they name (05's
    checkpoint scorer, run as a script)."""
    test = root / "autograder" / f"test_{assignment}.py"
    text = test.read_text()
    helpers = [p for p in sorted((root / "autograder").glob("*.py"))
               if not p.name.startswith(("test_", "conftest")) and p.stem in text]
    return [root / "autograder" / "conftest.py", test, *helpers]


def _solutions(readers: list[Path], root: Path) -> list[Path]:
    """The reference modules those files import, and the ones those import in turn."""
    wanted, todo = set(), [n for p in readers for n in _imported_solutions(p)]
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo += _imported_solutions(root / "solutions" / f"{name}.py")
    return [root / "solutions" / "__init__.py"] + [root / "solutions" / f"{n}.py" for n in sorted(wanted)]


def course_files(assignment: str, root: Path = course.ROOT) -> list[Path]:
    """The course files grading ``assignment`` reads: the package (the learner's sandbox runs
    it too), the hidden tests, the reference they import, the release notebook (points come
    from it) and the novel where the notebook or the reference reads it."""
    package = sorted(p for p in (root / "rnncourse").rglob("*.py") if "__pycache__" not in p.parts)
    tests = _hidden_tests(assignment, root)
    graded = [*tests, *_solutions(tests, root), course.notebook("release", assignment, root)]
    novel = [root / NOVEL] if any(w in f.read_text() for f in graded for w in NOVEL_READERS) else []
    return [*package, *graded, *novel]


def _add(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # same input, same zip
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = EXECUTABLE if executable else REGULAR
    zf.writestr(info, data)


def readme(assignment: str, visibility: str, root: Path = course.ROOT) -> str:
    tests = nbfile.graded_tests(nbfile.load(course.notebook("release", assignment, root)))
    written = questions(assignment, root)
    extra = "".join(f" and `{name}`" for name in course.SUBMISSION_FILES.get(assignment, []))
    return README.format(assignment=assignment, visibility=visibility, extra_files=extra,
                         autograded=sum(t.points for t in tests),
                         written=sum(q.points for q in written),
                         written_ids=", ".join(f"`{q.grade_id}` ({q.points:g})" for q in written))


def build(assignment: str, visibility: str = VISIBILITY[0], out: Path | None = None,
          root: Path = course.ROOT, cell_timeout: float = 120, call_timeout: float = 60) -> Path:
    """The zip; its run_autograder stops a notebook cell after ``cell_timeout`` seconds and a
    call of a graded function after ``call_timeout`` (the grader's defaults)."""
    out = out or root / "build" / "gradescope" / f"{assignment}.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as zf:
        _add(zf, "setup.sh", SETUP_SH.format(torch_index=TORCH_CPU_INDEX).encode(), executable=True)
        _add(zf, "run_autograder", RUN_AUTOGRADER.format(
            assignment=assignment, visibility=visibility, cell_timeout=cell_timeout,
            call_timeout=call_timeout).encode(), executable=True)
        _add(zf, "requirements.txt", ("\n".join(grading_requirements(root)) + "\n").encode())
        _add(zf, "README.md", readme(assignment, visibility, root).encode())
        for path in course_files(assignment, root):
            _add(zf, path.relative_to(root).as_posix(), path.read_bytes())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnncourse.lms.gradescope_bundle",
                                     description="Build an assignment's Gradescope autograder zip.")
    parser.add_argument("assignment", choices=list(course.ASSIGNMENTS))
    parser.add_argument("--visibility", choices=VISIBILITY, default=VISIBILITY[0],
                        help="when learners see the results (default: visible, as Gradescope's own)")
    parser.add_argument("--out", type=Path, help="default: build/gradescope/<assignment>.zip")
    parser.add_argument("--cell-timeout", type=float, default=120,
                        help="seconds one notebook cell may run before it is skipped (default 120)")
    parser.add_argument("--call-timeout", type=float, default=60,
                        help="seconds one call of a graded function may run (default 60)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    out = build(args.assignment, args.visibility, args.out, cell_timeout=args.cell_timeout,
                call_timeout=args.call_timeout)
    print(f"wrote {out}\n")
    print(readme(args.assignment, args.visibility))
    return 0


if __name__ == "__main__":
    sys.exit(main())
