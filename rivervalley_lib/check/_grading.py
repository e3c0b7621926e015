r"""The grading internals of :mod:`rivervalley_lib.check`: verdicts and shared docs.

A check prints one line, ``✓`` and what was checked or ``✗`` with a hint, and returns
the verdict as a ``bool``; the expected value is never printed. :func:`doc` writes the
Parameters and Returns sections of the checks (see :mod:`rivervalley_lib._docstrings`).

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

import inspect
import math
import numbers
import textwrap
from collections.abc import Callable

import numpy as np

from .._docstrings import fill_doc

SHARED = {
    "valley": ("RiverValley", "The river valley of the exercise."),
    "noise": ("NoiseModel", "The gradient-noise model of the exercise."),
    "theta": (
        "array_like, shape (d,)",
        "The state (coordinates in the Hessian's eigenbasis) the answer refers to.",
    ),
    "eta": ("float", "The constant step size the answer refers to."),
    "rtol": (
        "float, optional",
        "Relative tolerance of the comparison with the library's value.",
    ),
}
"""Type and description of the parameters many checks share."""

MODEL = {
    "gradient": (
        "array_like, shape (p,)",
        "The model's full-batch gradient at the point the answer refers to.",
    ),
    "hvp": (
        "callable",
        "``hvp(v)``: the model's Hessian-vector product at that point, as for "
        ":func:`~rivervalley_lib.diagnostics.measure_alignment`.",
    ),
    "k": ("int", "The dimension of the top Hessian eigenspace (the dominant block)."),
}
"""The parameters of the checks on any model (gradient and Hessian-vector product)."""

VERDICT = (
    "``True`` if the answer passes. One line is printed: ``✓`` and what was "
    "checked, or ``✗`` with a hint about where to look; the expected value is "
    "never printed."
)


def _fill(text: str) -> str:
    """Wrap ``text`` at 80 columns, indented by four, never inside a ``literal``."""
    parts = text.split("``")
    parts[1::2] = [p.replace(" ", "\0") for p in parts[1::2]]
    wrapped = textwrap.fill("``".join(parts), 80, break_on_hyphens=False)
    return textwrap.indent(wrapped.replace("\0", " "), "    ")


def doc(**own: tuple[str, str]) -> Callable[[Callable], Callable]:
    """Decorator writing a check's Parameters and Returns sections at ``%(sections)s``.

    Every parameter of the decorated function is described, in signature order, by
    ``own[name]`` or else :data:`SHARED` (a ``(type, description)`` pair); the return
    value is the printed verdict (:data:`VERDICT`).
    """

    def decorate(func: Callable) -> Callable:
        entries = []
        for name in inspect.signature(func).parameters:
            kind, text = own.get(name) or SHARED[name]
            entries.append(f"{name} : {kind}\n" + _fill(text))
        sections = (
            "Parameters\n----------\n"
            + "\n".join(entries)
            + "\n\nReturns\n-------\nbool\n"
            + _fill(VERDICT)
        )
        return fill_doc(sections=sections)(func)

    return decorate


def verdict(ok: bool, what: str, hint: str) -> bool:
    ok = bool(ok)
    print(f"✓ {what}: correct." if ok else f"✗ {what}: not yet. Hint: {hint}")
    return ok


def number(answer, what: str) -> float | None:
    if isinstance(answer, bool) or not isinstance(answer, (numbers.Real, np.number)):
        print(
            f"✗ {what}: the answer should be a single real number, "
            f"got {type(answer).__name__}."
        )
        return None
    value = float(answer)
    if math.isnan(value):
        print(f"✗ {what}: the answer is NaN; check for a division 0/0 or an overflow.")
        return None
    return value


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
    value = number(answer, what)
    if value is None:
        return False
    want = expected()
    text = hint(want) if callable(hint) else hint
    return verdict(close(value, want, rtol), what, text)
