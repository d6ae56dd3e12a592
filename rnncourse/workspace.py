"""Your own copy of the course's notebooks, which no course command overwrites.

    python -m rnncourse.workspace          # release/ -> work/ (what `make lab` opens)

``make release`` regenerates ``release/``, so work done there would be lost. ``work/`` is made
from it instead: each released notebook that ``work/`` lacks is copied in (the assignments
released since last time), and a notebook already there is never replaced, even when its
release has changed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rnncourse import course


def add_new(work: Path, root: Path = course.ROOT) -> list[Path]:
    """Copy into ``work`` the release notebooks it lacks; returns the notebooks added."""
    added = []
    for assignment in course.ASSIGNMENTS:
        release = course.notebook("release", assignment, root)
        target = work / assignment / release.name
        if not release.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(target, "xb") as f:  # "x": a notebook that is there, even just now, stays
                f.write(release.read_bytes())
        except FileExistsError:
            continue
        added.append(target)
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnncourse.workspace", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("work", nargs="?", type=Path, default=course.ROOT / "work")
    args = parser.parse_args(argv)
    for path in add_new(args.work):
        print(f"added {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
