"""Input validation shared by the public functions.

Every check raises :class:`TypeError` for a value of the wrong kind and
:class:`ValueError` for a value outside its allowed range; the message names the
argument and the range. Nothing here uses ``assert``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def validate_real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Return ``value`` as a finite float inside the stated range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if (
            isinstance(value, np.ndarray)
            and value.ndim == 0
            and np.issubdtype(value.dtype, np.number)
        ):
            value = value.item()
        else:
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        allowed = _range_text(low, high, low_inclusive, high_inclusive)
        raise ValueError(f"{name} must be {allowed}, got {value}")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        allowed = _range_text(low, high, low_inclusive, high_inclusive)
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return value


def _range_text(low, high, low_inclusive, high_inclusive) -> str:
    if high is None:
        return f"{'>=' if low_inclusive else '>'} {low:g}"
    if low is None:
        return f"{'<=' if high_inclusive else '<'} {high:g}"
    left = "[" if low_inclusive else "("
    right = "]" if high_inclusive else ")"
    return f"in {left}{low:g}, {high:g}{right}"


def validate_int(
    name: str, value: Any, *, low: int | None = None, high: int | None = None
) -> int:
    """Return ``value`` as an int in ``[low, high]``; bools and floats are rejected."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else str(low)
        hi = "inf" if high is None else str(high)
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {value}")
    return value


def validate_array(
    name: str, value: Any, *, ndim_min: int = 1, last_dim: int | None = None
) -> np.ndarray:
    """Return ``value`` as a finite float64 array with the given trailing dimension."""
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(
            f"{name} must be an array of real numbers, got {type(value).__name__}"
        )
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array of real numbers ({exc})") from None
    if arr.ndim < ndim_min:
        raise ValueError(
            f"{name} must have at least {ndim_min} dimension(s), got shape {arr.shape}"
        )
    if last_dim is not None and arr.shape[-1] != last_dim:
        raise ValueError(
            f"{name} must have last dimension d = {last_dim}, got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    return arr


def validate_step_size(name: str, value: Any) -> np.ndarray | float:
    """A positive finite step size, scalar or array (for batched evaluation)."""
    if isinstance(value, (numbers.Real, np.number)) and not isinstance(value, bool):
        return validate_real(name, value, low=0.0, low_inclusive=False)
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a positive real number, got bool")
    arr = validate_array(name, value, ndim_min=0)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0 everywhere, got min {arr.min():g}")
    return arr


def validate_rng(rng: Any) -> np.random.Generator:
    """Accept a Generator, an int seed or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, bool) or not isinstance(rng, numbers.Integral):
        raise TypeError(
            "rng must be a numpy.random.Generator, an int seed or None, "
            f"got {type(rng).__name__}"
        )
    if rng < 0:
        raise ValueError(f"rng seed must be >= 0, got {rng}")
    return np.random.default_rng(int(rng))


def eta_schedule(eta, steps: int) -> np.ndarray:
    """Turn a float, an array or a callable into a validated array of step sizes.

    The array has ``steps`` entries.
    """
    if callable(eta):
        values = []
        for t in range(steps):
            v = eta(t)
            if isinstance(v, bool) or not isinstance(
                v, (numbers.Real, np.floating, np.integer)
            ):
                raise TypeError(
                    "eta(t) must return a real number, "
                    f"got {type(v).__name__} at t = {t}"
                )
            values.append(float(v))
        etas = np.array(values)
    elif isinstance(eta, (numbers.Real, np.number)) and not isinstance(eta, bool):
        etas = np.full(steps, validate_real("eta", eta, low=0.0, low_inclusive=False))
    elif isinstance(eta, bool):
        raise TypeError(
            "eta must be a positive real number, an array or a callable, got bool"
        )
    else:
        etas = validate_array("eta", eta, ndim_min=1)
        if etas.ndim != 1 or etas.shape[0] < steps:
            raise ValueError(
                f"eta as an array must have shape (steps,) = ({steps},), "
                f"got {etas.shape}"
            )
        etas = etas[:steps].copy()
    if not np.all(np.isfinite(etas)):
        raise ValueError("eta must be finite at every step (no NaN or inf)")
    if np.any(etas <= 0):
        bad = int(np.argmax(etas <= 0))
        raise ValueError(
            f"eta must be > 0 at every step, got {etas[bad]:g} at t = {bad}"
        )
    return etas


PROJECTIONS = ("none", "dominant", "bulk")


def validate_projection(projection: Any) -> str:
    """``projection`` if it is ``"none"``, ``"dominant"`` or ``"bulk"``.

    Anything else raises ``ValueError``.
    """
    if projection not in PROJECTIONS:
        raise ValueError(
            f"projection must be 'none', 'dominant' or 'bulk', got {projection!r}"
        )
    return projection
