"""The course's assignments, in order, and where each one's parts live."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# assignment -> module name used for its checks (rnncourse/checks/) and reference (solutions/)
ASSIGNMENTS = {
    "01_rnn_vs_lstm": "rnn_vs_lstm",
    "02_lstm_gates": "lstm_gates",
    "03_other_architectures": "other_architectures",
    "04_sequence_batching": "sequence_batching",
    "05_anna_karnna": "anna_karnna",
}


# files a submission carries beside its notebook (the project's trained model), and the
# reference's copies of them in solutions/checkpoints/
SUBMISSION_FILES = {"05_anna_karnna": ["anna_karnna.pt"]}


def reference_files(assignment: str, root: Path = ROOT) -> list[Path]:
    """The reference submission's files besides its notebook."""
    return [root / "solutions" / "checkpoints" / name for name in SUBMISSION_FILES.get(assignment, [])]


def notebook(kind: str, assignment: str, root: Path = ROOT) -> Path:
    """``kind`` is ``source`` or ``release``."""
    return root / kind / assignment / f"{assignment}.ipynb"


def built(root: Path = ROOT) -> list[str]:
    """The assignments that exist in ``source/`` so far, in course order."""
    return [a for a in ASSIGNMENTS if notebook("source", a, root).exists()]


def guess(path) -> str | None:
    return next((a for a in ASSIGNMENTS if a in str(path)), None)


def scratch_root(path: Path, assignments: list[str] | None = None, root: Path = ROOT) -> Path:
    """A scratch nbgrader course root at ``path``: the course's configuration and source notebooks
    (all, or ``assignments``), and no gradebook, submissions or release of its own yet."""
    path.mkdir(parents=True, exist_ok=True)
    for name in ("course_config.py", "nbgrader_config.py"):
        shutil.copy(root / name, path / name)
    for assignment in assignments or built(root):
        shutil.copytree(root / "source" / assignment, path / "source" / assignment)
    return path
