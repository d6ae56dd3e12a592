"""``make report``: what the class got wrong, from the records kept at grading time.

    python -m rnncourse.grading.report ASSIGNMENT [--root .] [--png build/report/A.png]
    python -m rnncourse.grading.report --records records/*.json

Every autograded submission keeps its result record (``records``), so the report grades
nothing again. Per graded function it counts the learners who left it undone (not
defined, or still raising ``NotImplementedError``) apart from those who made a mistake,
and names the most common mistakes with one of their messages. The figure shows each
function's score distribution and the class's most common mistakes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from rnncourse.grading.records import kept, missing


def mistakes(records: list[dict]) -> list[tuple[str, str, int, str]]:
    """(function, check, learners who failed it, one of its messages), most frequent first;
    work left undone is not counted as a mistake."""
    counts: Counter = Counter()
    example: dict = {}
    for record in records:
        seen = set()
        for function, entry in record.get("functions", {}).items():
            if missing(entry):
                continue
            for m in entry.get("mistakes", []):
                key = (function, m["test"])
                if key not in seen:
                    seen.add(key)
                    counts[key] += 1
                    example.setdefault(key, m["message"])
    return [(f, t, n, example[(f, t)]) for (f, t), n in counts.most_common()]


def functions(records: list[dict]) -> dict[str, dict]:
    """function -> {points, fractions (one per learner), missing (learners), mistaken (learners)}."""
    out: dict[str, dict] = {}
    for record in records:
        for function, entry in record.get("functions", {}).items():
            row = out.setdefault(function, {"points": entry["points"], "fractions": [], "missing": 0,
                                            "mistaken": 0})
            row["fractions"].append(entry.get("fraction", 0.0))
            if missing(entry):
                row["missing"] += 1
            elif entry.get("mistakes"):
                row["mistaken"] += 1
    return out


def format_report(records: list[dict], top: int = 3) -> str:
    """Per function: full marks, left undone, made a mistake, and its ``top`` mistakes."""
    per_function = functions(records)
    by_function: dict[str, list] = {}
    for function, test, n, message in mistakes(records):
        by_function.setdefault(function, []).append((test, n, message))
    lines = [f"{len(records)} submissions"]
    for function, row in per_function.items():
        full = sum(f >= 1.0 for f in row["fractions"])
        lines.append(f"\n{function} ({row['points']:g} points): {full} full marks, "
                     f"{row['missing']} left undone, {row['mistaken']} with mistakes")
        for test, n, message in by_function.get(function, [])[:top]:
            lines.append(f"  {n:>4}  {test}\n        e.g. {message[:160]}")
    return "\n".join(lines)


def figure(records: list[dict], path: Path, title: str, top: int = 8) -> Path:
    """A PNG: per-function score distributions (left) and the most common mistakes (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per_function = functions(records)
    common = mistakes(records)[:top]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 0.5 * max(len(per_function), len(common), 4) + 2))
    names = list(per_function)
    left.boxplot([per_function[n]["fractions"] for n in names], orientation="horizontal", tick_labels=names)
    for i, n in enumerate(names, start=1):  # each learner as a dot over the box
        xs = per_function[n]["fractions"]
        left.scatter(xs, [i + 0.15 * ((k % 5) - 2) / 2 for k in range(len(xs))], s=10, alpha=0.5)
    left.set_xlim(-0.05, 1.05)
    left.set_xlabel("fraction of the function's points")
    left.set_title("scores per function")
    left.invert_yaxis()
    labels = [f"{f}: {t}" for f, t, _, _ in common]
    right.barh(range(len(common)), [n for _, _, n, _ in common], color="tab:red")
    right.set_yticks(range(len(common)), labels, fontsize=8)
    right.invert_yaxis()
    right.xaxis.get_major_locator().set_params(integer=True)
    right.set_xlabel("learners")
    right.set_title("most common mistakes (undone work not counted)")
    fig.suptitle(f"{title}: {len(records)} submissions")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnncourse.grading.report")
    parser.add_argument("assignment", nargs="?", help="report on autograded/*/ASSIGNMENT")
    parser.add_argument("--root", type=Path, default=Path("."), help="the course root")
    parser.add_argument("--records", nargs="+", type=Path, help="result record files instead")
    parser.add_argument("--png", type=Path, help="the figure (default: build/report/ASSIGNMENT.png)")
    parser.add_argument("--top", type=int, default=3, help="mistakes named per function")
    args = parser.parse_args(argv)
    if args.records:
        records = [json.loads(p.read_text()) for p in args.records]
    elif args.assignment:
        records = list(kept(args.root, args.assignment).values())
    else:
        parser.error("name an assignment or pass --records")
    if not records:
        print(f"no graded submissions of {args.assignment} in {args.root / 'autograded'}: run make autograde")
        return 1
    print(format_report(records, args.top))
    title = args.assignment or "class"
    png = args.png or args.root / "build" / "report" / f"{title}.png"
    print(f"\nfigure: {figure(records, png, title)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
