"""The grader against corpora of learner code: wrong work loses points with a message that
names the mistake; correct work in any style gets full marks."""

import pytest
from conftest import corpus, corpus_ids, graded_corpus


def variant(assignment, kind, name):
    return next(v for v in corpus(assignment, kind) if v.name == name)


@pytest.mark.parametrize("assignment,kind,name", corpus_ids(),
                         ids=[f"{a}-{k}-{n}" for a, k, n in corpus_ids()])
def test_corpus_variant(assignment, kind, name):
    record = graded_corpus(assignment, kind)[name]
    assert record.get("error") is None, record.get("error")
    functions = record["functions"]
    if kind == "correct":
        short = {f: e["mistakes"] for f, e in functions.items() if e["score"] < e["points"]}
        assert not short, f"a correct {name} lost points: {short}"
        return
    v = variant(assignment, kind, name)
    assert v.expect, f"wrong variant {name} names no function and phrase"
    for function, phrase in v.expect.items():
        entry = functions[function]
        assert entry["score"] < entry["points"], f"{name}: {function} kept full marks"
        messages = " | ".join(m["message"] for m in entry["mistakes"])
        assert phrase.lower() in messages.lower(), f"{name}: no message about '{phrase}': {messages}"
    for function, entry in functions.items():
        if function not in v.expect:
            assert entry["score"] == entry["points"], \
                f"{name}: {function} lost points although only {list(v.expect)} changed: {entry['mistakes']}"


@pytest.mark.parametrize("assignment", sorted({a for a, _, _ in corpus_ids()}))
def test_corpus_sizes(assignment):
    """The course promises corpora of a useful size (issue acceptance numbers)."""
    assert len(corpus(assignment, "wrong")) >= 25
    assert len(corpus(assignment, "correct")) >= 3


def test_class_report_counts_the_corpus_mistakes():
    """The class report over the 04 wrong corpus: every variant's mistake is counted once."""
    from rnncourse.grading.report import format_report, mistakes

    records = list(graded_corpus("04_sequence_batching", "wrong").values())
    rows = mistakes(records)
    by_check = {(f, t): n for f, t, n, _ in rows}
    assert by_check[("get_batches", "test_get_batches_targets_shifted")] >= 2
    assert all(n <= len(records) for n in by_check.values())
    assert format_report(records).startswith(f"{len(records)} submissions")


@pytest.mark.parametrize("assignment", sorted({a for a, _, _ in corpus_ids()}))
def test_records_hold_nothing_trusted(assignment):
    """No line of autograder/ or solutions/ in any result record of the corpora (the learner's own
    lines, quoted back in a message, are theirs)."""
    import json
    from pathlib import Path

    from rnncourse.grading import leaks

    found = []
    for kind in ("wrong", "correct"):
        for name, record in graded_corpus(assignment, kind).items():
            hits = leaks.leaks(json.dumps(record), Path(record["notebook"]))
            found += [f"{kind}/{name}: {hit[:80]}" for hit in hits]
    assert not found, "\n".join(found[:20])
