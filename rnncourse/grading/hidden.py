"""What hidden tests (``autograder/test_*.py``) are written with.

A hidden test is a pytest function marked with the graded function it scores.
It receives ``learner`` (the learner's notebook, running in the sandbox) and
compares what comes back with the reference, in this trusted process:

    @graded("encode")
    def test_encode_returns_int64(learner):
        "returns an int64 numpy array"
        out = learner.encode("abc", {"a": 0, "b": 1, "c": 2})
        expect(isinstance(out, np.ndarray), "encode must return a numpy array, not {}", type(out))

The test's docstring is the line the learner reads in feedback; a failed ``expect``
gives the message that names the mistake. Numbers are compared with
``rnncourse.compare`` (``close``, ``rel_error``), as the visible checks compare
them. A passed test may add what it measured with pytest's
``record_property("detail", text)`` (the trained model's loss).

Everything the sandbox sends back is the learner's data: a test judges it against
what it recomputes here from inputs it made itself, never against what the learner's
process reports about itself. A test that needs a working earlier function lends it
with ``serve={name: function}`` (answered here, see ``standins.py``). A property that
cannot be seen from outside (is a tensor cut from its graph?) is not scored: the test
says so with ``unobservable(function, what)`` and the record carries the note.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnncourse.grading.plaindata import Described, Iterated, ModuleData
from rnncourse.grading.session import LearnerError, LearnerSession, Remote

__all__ = ["graded", "expect", "revealing_lines", "Mistake", "Learner", "LearnerError", "Remote",
           "array", "Described", "Iterated", "ModuleData", "unobservable", "NOTES", "contract_tests"]

# function -> notes on what the grader could not see, for the result record (see ``unobservable``)
NOTES: dict[str, list[str]] = {}


def unobservable(function: str, what: str) -> None:
    """Record that ``what`` (a property of ``function``'s result) cannot be seen from outside
    the learner's process, so it is not scored; the result record and the feedback say so."""
    notes = NOTES.setdefault(function, [])
    if what not in notes:
        notes.append(what)


def revealing_lines(test_module_source: str) -> set[str]:
    """Lines of a hidden test module that would give its checks away if a learner saw them
    (a release notebook or a feedback page must show none): calls on the learner's code, the
    reference, the expectations. Common lines (``with torch.no_grad():``) are not among them."""
    markers = ("expect(", "def test_", "learner.", "ref.", "@graded", "scenario(")
    return {ln.strip() for ln in test_module_source.splitlines()
            if len(ln.strip()) > 20 and any(m in ln for m in markers)}


class Mistake(AssertionError):
    """A check on the learner's answer failed; the message names the mistake."""


def graded(function: str, weight: float = 1.0):
    """Mark a hidden test as scoring ``function`` (``weight`` among that function's tests)."""
    return pytest.mark.graded(function, weight=weight)


def expect(condition, message: str, *args) -> None:
    if not condition:
        raise Mistake(message.format(*args) if args else message)


def array(value, what: str) -> np.ndarray:
    """The learner's answer as a numpy array (tensors converted), or a Mistake saying what it was."""
    try:
        import torch

        if isinstance(value, torch.Tensor):
            return value.detach().numpy()
    except ImportError:
        pass
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (list, tuple)) and not isinstance(value, Iterated):
        try:
            return np.asarray(value)
        except (ValueError, TypeError):
            pass
    raise Mistake(f"{what} should be an array, but it is {_kind(value)}.")


def _kind(value) -> str:
    if isinstance(value, Described):
        return f"a {value.type_name}"
    if value is None:
        return "None (is a `return` missing?)"
    return f"a {type(value).__name__}"


class Learner:
    """The learner's notebook as seen from a hidden test: ``learner.f(args)`` calls their ``f``."""

    def __init__(self, session: LearnerSession):
        self.session = session

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)

        def call(*args, **kwargs):
            return self.session.call(name, *args, kwargs=kwargs)

        call.__name__ = name
        return call

    def call(self, name: str, *args, **options):
        """``session.call`` with options (keep, return_args, materialize, seed, timeout, kwargs,
        serve: {name: function} stand-ins this side answers while the call runs)."""
        return self.session.call(name, *args, **options)

    def standin(self, kind: str, label: str, **params) -> Remote:
        """A stand-in object in the sandbox (``standins.make(kind, ...)``), e.g. a model whose
        passes this side computes; calls that use it pass its questions' answers in ``serve``."""
        return self.session.standin(kind, label, **params)

    def new(self, name: str, *args, **kwargs) -> Remote:
        """Construct the learner's class ``name`` in the sandbox and keep it there."""
        return self.session.call(name, *args, kwargs=kwargs, keep=True)

    def scenario(self, name: str, **params):
        """Run the sandbox driver ``name`` (plumbing only: its result is judged here like any
        other answer); pass ``label="<function>"`` so that a failure names the learner's
        function rather than the driver, and ``serve`` to lend stand-ins."""
        return self.session.scenario(name, **params)

    @property
    def cells(self):
        """The learner's code cells (index, source), for checks that read the code itself."""
        return self.session.cells


def contract_tests(assignment: str, namespace: dict, seed: int) -> None:
    """Add to ``namespace`` (a hidden test module's globals) a hidden test for each graded
    function whose visible check is a ``@contract`` and which has no hidden test there: the
    check itself, run here on inputs drawn from ``seed`` (the grader's, kept out of what
    learners get), calling the learner's function in the sandbox. Call it last in the module."""
    from rnncourse.checks import checks_for

    tested = {m.args[0] for value in namespace.values() if callable(value)
              for m in getattr(value, "pytestmark", []) if m.name == "graded"}
    checks = checks_for(assignment)
    for function in contracted(assignment, tested):
        namespace[contract_test_name(function)] = _contract_test(
            function, checks[function], seed + list(checks).index(function))


def contracted(assignment: str, tested: set) -> list[str]:
    """The functions ``contract_tests`` gives a test: their check is a contract and none of
    ``tested`` (the functions with hidden tests of their own) is them."""
    from rnncourse.checks import checks_for

    return [f for f, check in checks_for(assignment).items()
            if getattr(check, "contract", False) and f not in tested]


def contract_test_name(function: str) -> str:
    return f"test_{function}_contract"


def _contract_test(function: str, check, seed: int):
    from rnncourse.checks import CheckFailed

    @graded(function)
    def test(learner):
        try:
            check(_Proxy(learner, function), rng=np.random.default_rng(seed))
        except CheckFailed as exc:
            raise Mistake(str(exc)) from None
        except _LearnerRaised as exc:  # raised where the check does not expect it
            raise Mistake(f"`{function}` raised {type(exc).__name__}: {exc}") from None

    test.__name__ = contract_test_name(function)
    test.__doc__ = f"passes the notebook's checks of {function} on the grader's own inputs"
    return test


class _Proxy:
    """The learner's function as a check calls it: each call runs in the sandbox and its answer
    comes back as plain data. An error the function raised reads as it would in the notebook
    ("ValueError: ..."); the grader's own word on a call (not defined, too slow) passes through."""

    def __init__(self, learner: Learner, function: str):
        self.learner, self.function = learner, function
        self.__name__ = function

    def __call__(self, *args, **kwargs):
        try:
            return self.learner.call(self.function, *args, kwargs=kwargs)
        except LearnerError as exc:
            if exc.kind != "raised":
                raise
            kind, _, text = exc.detail.partition(":")
            raised = type(kind.strip() if kind.strip().isidentifier() else "Exception", (_LearnerRaised,), {})
            raise raised(text.strip()) from None


class _LearnerRaised(Exception):
    """What the learner's function raised, retold here (its type's name and message only)."""
