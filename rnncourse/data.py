"""The course's data: the text of *Anna Karenina* (Project Gutenberg, public domain)."""

from pathlib import Path

ANNA = Path(__file__).resolve().parents[1] / "data" / "anna.txt"


def load_anna(path: Path | str = ANNA) -> str:
    """The whole novel as one string (1,985,223 characters, 83 distinct symbols)."""
    with open(path, encoding="utf-8") as f:
        return f.read()
