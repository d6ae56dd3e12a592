"""A class report: the mistakes most learners made, from result records.

    python -m rnncourse.grading.report records/*.json

Each record (``python -m rnncourse.grading grade --json`` or ``rnncourse.grading.batch``)
names every failed check of every graded function; this counts them across the class.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path


def mistakes(records: list[dict]) -> list[tuple[str, str, int, str]]:
    """(function, check, learners who failed it, one of its messages), most frequent first."""
    counts: Counter = Counter()
    example: dict = {}
    for record in records:
        seen = set()
        for function, entry in record.get("functions", {}).items():
            for m in entry.get("mistakes", []):
                key = (function, m["test"])
                if key not in seen:
                    seen.add(key)
                    counts[key] += 1
                    example.setdefault(key, m["message"])
    return [(f, t, n, example[(f, t)]) for (f, t), n in counts.most_common()]


def format_report(records: list[dict], top: int = 20) -> str:
    lines = [f"{len(records)} submissions"]
    for function, test, n, message in mistakes(records)[:top]:
        lines.append(f"{n:>4}  {function:<20} {test}\n      e.g. {message[:160]}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rnncourse.grading.report")
    parser.add_argument("records", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)
    records = [json.loads(p.read_text()) for p in args.records]
    print(format_report(records, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
