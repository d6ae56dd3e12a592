"""What learners download (`make learner-pack`): it installs as its README says, its self-check
runs, no file of it holds the reference's answers or the hidden tests, and a learner's notebooks
are never overwritten (the pack's, and `make lab`'s copy in the course)."""

import json
import re
import shlex
import subprocess
import zipfile
from pathlib import Path

import pytest
from environments import linked_environment, pip_install

from rnncourse import course, learner_pack, submissions, workspace
from rnncourse.grading import leaks

A = "04_sequence_batching"
NOTEBOOK = f"{A}/{A}.ipynb"
ORDER = list(course.ASSIGNMENTS)
MIN_LENGTH = 20  # shorter lines of an answer (`return h, c`) are anybody's
ENCODE = "def encode(text, char2int):\n    return np.array([char2int[c] for c in text], dtype=np.int64)\n"

# Lines of the reference's answers that a helper learners get shares by design, and where: the
# stand-in that lends a learner's code a working CharRNN holds its parameters under the names and
# shapes that CharRNN's docstring gives, and validation_loss reads the vocabulary's size.
SHARED = {
    "rnncourse/grading/standins.py": {
        "self.chars = tuple(tokens)",
        "self.int2char = dict(enumerate(self.chars))",
        "self.char2int = {ch: i for i, ch in self.int2char.items()}",
        "self.lstm = nn.LSTM(len(self.chars), n_hidden, n_layers,",
        "self.fc = nn.Linear(n_hidden, len(self.chars))",
        "def init_hidden(self, batch_size):",
    },
    "rnncourse/helpers/anna_karnna.py": {"n_chars = len(net.chars)"},
}


def pack_files(pack: Path) -> dict[str, bytes]:
    """Path inside the pack's folder -> bytes; every entry must lie in that one folder."""
    with zipfile.ZipFile(pack) as zf:
        names = zf.namelist()
        assert all(n.startswith(f"{learner_pack.FOLDER}/") for n in names), names
        return {n.split("/", 1)[1]: zf.read(n) for n in names}


def readable(name: str, data: bytes) -> str:
    """A file as a learner reads it: a notebook's every string (sources, outputs, metadata)."""
    if not name.endswith(".ipynb"):
        return data.decode("utf-8", errors="replace")
    strings = []

    def walk(value):
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict | list):
            for item in value.values() if isinstance(value, dict) else value:
                walk(item)
    walk(json.loads(data))
    return "\n".join(strings)


def answer_lines(assignment: str) -> set[str]:
    """The lines learners write: those between the reference's solution markers."""
    text = (course.ROOT / "solutions" / f"{course.ASSIGNMENTS[assignment]}.py").read_text()
    blocks = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", text, re.S)
    lines = {line.strip() for block in blocks for line in block.splitlines()}
    return {line for line in lines if len(line) >= MIN_LENGTH and not line.startswith("#")}


def given(assignment: str) -> str:
    """What learners have read by the time ``assignment`` opens: its notebook and the earlier ones."""
    upto = ORDER[: ORDER.index(assignment) + 1]
    return "\n".join(leaks._notebook_text(course.notebook("release", a)) for a in upto)


def hidden_lines(files: dict[str, bytes]) -> set[str]:
    """The hidden tests' code lines, less those the release notebooks or the pack's helpers hold:
    the visible checks and the grader learners get speak the hidden tests' language (plain-data
    helpers, seeded generators); the inputs, expected values and scenarios are the hidden tests' own."""
    found = set().union(*(leaks._code_lines(p.read_text())
                          for p in sorted((course.ROOT / "autograder").glob("*.py"))))
    public = "\n".join([leaks._notebook_text(course.notebook("release", a)) for a in ORDER]
                       + [data.decode() for name, data in files.items() if name.startswith("rnncourse/")])
    return {line for line in found if line not in public}


def leaked(files: dict[str, bytes]) -> list[str]:
    """'file: line' for each answer or hidden-test line in the pack. An assignment's answers may
    appear only in a later assignment's notebook (a provided cell, handed out after its deadline)."""
    answers = {}
    for a in ORDER:
        public = given(a)
        answers[a] = {line for line in answer_lines(a) if line not in public}
    hidden = hidden_lines(files)
    found = []
    for name, data in sorted(files.items()):
        text = readable(name, data)
        owner = course.guess(name) if name.endswith(".ipynb") else None
        for a, lines in answers.items():
            if owner and ORDER.index(owner) > ORDER.index(a):
                continue
            found += [f"{name}: {line}" for line in lines - SHARED.get(name, set()) if line in text]
        found += [f"{name}: {line}" for line in hidden if line in text]
    return found


@pytest.fixture(scope="module")
def packs(tmp_path_factory):
    """Every pack the course hands out: the whole course, and each assignment's."""
    out = tmp_path_factory.mktemp("packs")
    return {a: learner_pack.build(a, out) for a in [None, *course.built()]}


@pytest.fixture(scope="module")
def installed(packs, tmp_path_factory):
    """The whole course's pack, unpacked into an empty folder and installed as its README says.
    Offline: the new environment holds the course's installed packages, so the pinned
    requirements must be met by exactly those; pip may use nothing else (--no-index)."""
    where = tmp_path_factory.mktemp("learner")
    with zipfile.ZipFile(packs[None]) as zf:
        zf.extractall(where)
    folder = where / learner_pack.FOLDER
    readme = (folder / "README.md").read_text()
    venv = re.search(r"^python3 -m venv (\S+)$", readme, re.M).group(1)
    pip = re.search(rf"^{re.escape(venv)}/bin/python -m pip install (.+)$", readme, re.M).group(1)
    linked_environment(folder / venv)
    pip_install(folder / venv, *shlex.split(pip), cwd=folder)
    return folder, folder / venv / "bin" / "python"


def selfcheck(installed, notebook: str) -> subprocess.CompletedProcess:
    folder, python = installed
    return subprocess.run([python, "-m", "rnncourse.selfcheck", notebook], cwd=folder, text=True,
                          capture_output=True, timeout=300)


def test_the_pack_holds_the_notebooks_helpers_and_nothing_of_the_course_internals(packs):
    names = set(pack_files(packs[None]))
    assert {f"{a}/{a}.ipynb" for a in course.built()} < names
    assert {"README.md", "requirements.txt", "pyproject.toml", "data/anna.txt",
            "rnncourse/selfcheck.py", "rnncourse/checks/sequence_batching.py",
            "rnncourse/compare.py"} < names
    tops = {n.split("/")[0] for n in names}
    assert not tops & {"solutions", "autograder", "source", "tests", "demo", "benchmarks", ".git", "docs"}
    assert not names & {"rnncourse/build.py", "rnncourse/demo.py", "rnncourse/submissions.py",
                        "rnncourse/learner_pack.py", "rnncourse/grading/classgrade.py",
                        "rnncourse/grading/nbgrader_plugin.py"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_the_pins_are_the_courses_and_only_what_learners_run(packs):
    files = pack_files(packs[None])
    course_pins = dict(line.split("==") for line in (course.ROOT / "requirements.txt").read_text().splitlines()
                       if "==" in line and not line.startswith("#"))
    pins = dict(line.split("==") for line in files["requirements.txt"].decode().splitlines()
                if not line.startswith("#"))
    assert pins and all(course_pins[name] == version for name, version in pins.items())
    assert {"torch", "numpy", "jupyterlab", "ipykernel", "pytest"} <= set(pins)
    assert not set(pins) & {"nbgrader", "dask", "distributed", "playwright", "ruff", "pytest-xdist"}
    assert all(f'"{name}=={version}"' in files["pyproject.toml"].decode() for name, version in pins.items())


def test_one_assignments_pack_holds_only_its_notebook(packs):
    for assignment in course.built():
        files = pack_files(packs[assignment])
        assert [n for n in files if n.endswith(".ipynb")] == [f"{assignment}/{assignment}.ipynb"]
        assert ("data/anna.txt" in files) == learner_pack.reads_novel(assignment, course.ROOT)
        assert f"`{assignment}/{assignment}.ipynb`" in files["README.md"].decode()
    assert "data/anna.txt" not in pack_files(packs["01_rnn_vs_lstm"])


def test_no_pack_holds_an_answer_or_a_hidden_test(packs):
    for assignment, pack in packs.items():
        assert leaked(pack_files(pack)) == [], assignment or "the whole course"


def test_the_search_finds_what_should_not_be_there(packs):
    files = pack_files(packs[A])
    with_source = {**files, NOTEBOOK: course.notebook("source", A).read_bytes()}
    assert any(f.startswith(f"{NOTEBOOK}: ") for f in leaked(with_source))
    strays = {"notes.py": (course.ROOT / "solutions" / "anna_karnna.py").read_bytes(),
              "more.txt": (course.ROOT / "autograder" / f"test_{A}.py").read_bytes()}
    found = leaked({**files, **strays})
    assert any(f.startswith("notes.py: ") for f in found) and any(f.startswith("more.txt: ") for f in found)


def test_installed_as_the_readme_says_every_helper_imports_from_the_pack(installed, tmp_path):
    folder, python = installed
    modules = sorted(".".join(p.relative_to(folder).with_suffix("").parts).removesuffix(".__init__")
                     for p in (folder / "rnncourse").rglob("*.py"))
    script = f"import importlib; [importlib.import_module(m) for m in {modules!r}]; import rnncourse; print(rnncourse.__file__)"
    proc = subprocess.run([python, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()).parent == folder / "rnncourse"


def test_selfcheck_of_a_blank_notebook_lists_every_function_and_changes_nothing(installed):
    folder, _ = installed
    proc = selfcheck(installed, NOTEBOOK)
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    assert "0 of 7" in proc.stdout and proc.stdout.count("not implemented yet") == 7
    assert (folder / NOTEBOOK).read_bytes() == course.notebook("release", A).read_bytes()


def test_selfcheck_sees_a_function_filled_in(installed):
    folder, _ = installed
    nb = submissions.fill(json.loads((folder / NOTEBOOK).read_text()), {"encode": ENCODE})
    mine = folder / "mine" / f"{A}.ipynb"
    mine.parent.mkdir()
    mine.write_text(json.dumps(nb))
    proc = selfcheck(installed, str(mine.relative_to(folder)))
    assert proc.returncode == 1 and "1 of 7" in proc.stdout, proc.stdout + proc.stderr
    assert "✓" in next(line for line in proc.stdout.splitlines() if "encode" in line)
    assert proc.stdout.count("not implemented yet") == 6


def test_make_lab_copy_adds_new_notebooks_and_keeps_the_learners(tmp_path):
    work = tmp_path / "work"
    assert len(workspace.add_new(work)) == len(course.built())
    mine = work / NOTEBOOK
    mine.write_text("my work")
    (work / "01_rnn_vs_lstm" / "01_rnn_vs_lstm.ipynb").unlink()
    assert workspace.add_new(work) == [work / "01_rnn_vs_lstm" / "01_rnn_vs_lstm.ipynb"]
    assert mine.read_text() == "my work"
