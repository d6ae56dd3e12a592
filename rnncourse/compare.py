"""How the course compares numbers: one kit for the visible checks and the hidden tests.

The visible checks (``rnncourse/checks``, run on the learner's machine) and the hidden tests
(``autograder/``, run by the grader) judge answers with these functions only, so that "equal"
means the same thing on both sides. Each accepts torch tensors (detached, moved to the CPU),
numpy arrays, lists and numbers, and compares in float64.

    close(got, want)                       # same shape, |got - want| <= atol + rtol * |want|
    same(got, want)                        # exactly equal (codes, counts, weights left alone)
    rel_error(got, want) < 1e-6            # equal up to float32 rounding, at any scale
    max_diff(got, want)                    # the largest |got - want|, for a message

A call site states its tolerance where it differs from ``close``'s defaults (``atol=1e-5,
rtol=1e-4``: equal in float32 after a few operations).
"""

from __future__ import annotations

import numpy as np

ATOL, RTOL = 1e-5, 1e-4


def to_numpy(x) -> np.ndarray:
    """``x`` as a numpy array of its own dtype: a tensor detached and moved to the CPU."""
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def as_float64(x) -> np.ndarray:
    """``x`` as a float64 numpy array; raises TypeError or ValueError if it is not numbers."""
    return np.asarray(to_numpy(x), dtype=np.float64)


def close(got, want, atol: float = ATOL, rtol: float = RTOL) -> bool:
    """True when ``got`` has ``want``'s shape and every ``|got - want| <= atol + rtol * |want|``
    (``np.allclose``, without broadcasting). Something that is not numbers (a string, a ragged
    list) is close to nothing."""
    try:
        got, want = as_float64(got), as_float64(want)
    except (TypeError, ValueError):
        return False
    return got.shape == want.shape and bool(np.allclose(got, want, atol=atol, rtol=rtol))


def same(got, want) -> bool:
    """Exactly equal numbers of the same shape."""
    return close(got, want, atol=0, rtol=0)


def rel_error(x, y) -> float:
    """max |x - y| / max(1e-8, |x| + |y|): about 1e-7 or less means equal in float32.
    Arrays of different shapes are infinitely apart; two empty arrays are equal."""
    x, y = as_float64(x), as_float64(y)
    if x.shape != y.shape or x.size == 0:
        return float("inf") if x.shape != y.shape else 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def max_diff(x, y) -> float:
    """The largest |x - y| (broadcast), in float64: how far an answer is, for a message."""
    return float(np.max(np.abs(as_float64(x) - as_float64(y))))
