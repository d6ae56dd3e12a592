"""The comparison kit shared by the visible checks and the hidden tests (rnncourse.compare)."""

import numpy as np
import torch

from rnncourse.compare import close, max_diff, rel_error, same, to_numpy


def test_close_is_allclose_without_broadcasting():
    a = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    assert close(a, a + 5e-6)  # atol=1e-5
    assert not close(a, a + 1e-3)
    assert close(a, a + 1e-3, atol=0, rtol=1e-3)
    assert not close(a, a + 1e-6, atol=0, rtol=0)
    assert not close(a[None], a)  # (1, 3) against (3,): shapes differ, no broadcasting
    assert not close(np.zeros(3), 0.0)


def test_close_takes_tensors_arrays_and_lists():
    t = torch.tensor([[0.5, -1.0]], requires_grad=True) * 1  # a tensor in a graph
    assert close(t, [[0.5, -1.0]])
    assert close([[0.5, -1.0]], t)
    assert to_numpy(t).dtype == np.float32


def test_what_is_not_numbers_is_close_to_nothing():
    assert not close("abc", [1.0, 2.0, 3.0])
    assert not close(None, np.zeros(2))
    assert not close([[1.0], [1.0, 2.0]], [[1.0], [1.0, 2.0]])  # ragged


def test_rel_error_and_max_diff():
    x = torch.tensor([1.0, 100.0])
    assert rel_error(x, x) == 0.0
    assert rel_error(x, x[:1]) == float("inf")
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0
    assert abs(rel_error([1.0, 100.0], [1.0, 101.0]) - 1 / 201) < 1e-12
    assert max_diff([1.0, 100.0], np.array([1.5, 101.0])) == 1.0


def test_same_is_exact_equality_of_shape_and_values():
    w = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    assert same(w, torch.tensor([1.0, 2.0]))  # a parameter in a graph against a plain tensor
    assert not same(w, torch.tensor([1.0, 2.0 + 1e-6]))
    assert not same(np.array([1, 2]), np.array([[1, 2]]))
    assert not same(np.array([np.nan]), np.array([np.nan]))


def test_checks_and_hidden_tests_compare_with_the_kit_only():
    """No other way of comparing numbers in the visible checks or the hidden tests."""
    import re

    from rnncourse import course

    other = re.compile(r"\b(torch|np|numpy)\.(allclose|isclose|equal|array_equal|array_equiv|testing)\b")
    files = [*(course.ROOT / "rnncourse" / "checks").glob("*.py"), *(course.ROOT / "autograder").glob("*.py")]
    found = [f"{f.name}:{n}: {line.strip()}" for f in files
             for n, line in enumerate(f.read_text().splitlines(), 1) if other.search(line)]
    assert not found, "\n".join(found)
