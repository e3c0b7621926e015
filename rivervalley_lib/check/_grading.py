r"""The grading internals of :mod:`rivervalley_lib.check`: verdicts and shared docs.

A check prints one line, ``✓`` and what was checked or ``✗`` with a hint, and returns
the verdict as a ``bool``; the expected value is never printed. Every check validates
the exercise's own inputs (the valley, the noise, the state, the tolerance) with a
``TypeError`` or ``ValueError`` naming the argument; only the student's answer is judged
with a printed verdict.

Examples
--------
>>> verdict(close(0.5, 0.5000001, 1e-3), "eta*", "compare the two blocks.")
✓ eta*: correct.
True
>>> number(True, "eta*") is None
✗ eta*: the answer should be a single real number, got bool.
True
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np

from .._validation import (
    validate_array,
    validate_callable,
    validate_int,
    validate_projection,
    validate_real,
)
from ..model._landscape import as_state
from ..model._noise import validate_noise
from ..model._state import validate_landscape

_GIVEN = object()


def exercise(
    *,
    valley=_GIVEN,
    noise=_GIVEN,
    theta=_GIVEN,
    eta=_GIVEN,
    rtol=_GIVEN,
    projection=_GIVEN,
    gradient=_GIVEN,
    hvp=_GIVEN,
    k=_GIVEN,
) -> None:
    """Validate the exercise's own inputs (not the student's answer): a ``TypeError`` or
    ``ValueError`` naming the argument and its range. ``rtol`` must lie in ``[0, 1)``:
    ``rtol = inf`` would pass any answer, a negative or NaN one none."""
    if valley is not _GIVEN:
        validate_landscape(valley)
    if noise is not _GIVEN:
        validate_noise(noise)
    if theta is not _GIVEN:
        as_state(valley, theta)
    if eta is not _GIVEN:
        validate_real("eta", eta, low=0.0, low_inclusive=False)
    if rtol is not _GIVEN:
        validate_real("rtol", rtol, low=0.0, high=1.0, high_inclusive=False)
    if projection is not _GIVEN:
        validate_projection(projection)
    if gradient is not _GIVEN:
        validate_array("gradient", gradient, ndim_min=1)
    if hvp is not _GIVEN:
        validate_callable("hvp", hvp)
    if k is not _GIVEN:
        validate_int("k", k, low=1)


def verdict(ok: bool, what: str, hint: str) -> bool:
    ok = bool(ok)
    print(f"✓ {what}: correct." if ok else f"✗ {what}: not yet. Hint: {hint}")
    return ok


def number(answer, what: str) -> float | None:
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, numbers.Real):
        print(
            f"✗ {what}: the answer should be a single real number, "
            f"got {type(answer).__name__}."
        )
        return None
    try:
        value = float(answer)
    except OverflowError:
        print(f"✗ {what}: the answer is an integer too large for a float.")
        return None
    if math.isnan(value):
        print(f"✗ {what}: the answer is NaN; check for a division 0/0 or an overflow.")
        return None
    return value


def numbers_array(answer, what: str) -> np.ndarray | None:
    """The student's sequence of real numbers as a float array, or ``None`` after a
    printed ``✗`` (a wrong answer is a verdict, not an error)."""
    try:
        arr = validate_array("answer", answer, ndim_min=1)
    except (TypeError, ValueError) as exc:
        print(
            f"✗ {what}: the answer should be a sequence of finite real numbers "
            f"({str(exc).removeprefix('answer ')})."
        )
        return None
    return arr


def close(answer: float, expected: float, rtol: float) -> bool:
    answer, expected = float(answer), float(expected)
    if math.isinf(expected) or math.isinf(answer):
        return (
            math.isinf(expected)
            and math.isinf(answer)
            and (expected > 0) == (answer > 0)
        )
    return abs(answer - expected) <= rtol * max(abs(expected), 1e-300)


def compare(
    answer,
    what: str,
    expected: Callable[[], float],
    hint: str | Callable[[float], str],
    rtol: float,
) -> bool:
    """Shared body of the single-number checks.

    ``expected`` is computed only for a valid answer; ``hint`` may depend on it.
    """
    exercise(rtol=rtol)
    value = number(answer, what)
    if value is None:
        return False
    want = expected()
    text = hint(want) if callable(hint) else hint
    return verdict(close(value, want, rtol), what, text)
