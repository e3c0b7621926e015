"""Input validation shared by every public callable: the library's one checking layer.

Every check raises :class:`TypeError` for a value of the wrong kind and
:class:`ValueError` for a value outside its allowed range; the message names the
argument and the range. Nothing here uses ``assert``.

What each kind of argument must be:

- a real number (:func:`validate_real`): a Python or numpy real, not a bool, not
  complex, finite, small enough for a float (``10**400`` is rejected), in its range;
- an integer (:func:`validate_int`): a Python or numpy integer, not a bool, at most
  :data:`MAX_INT` in size, in its range;
- an array (:func:`validate_array`): numbers of a real dtype (bool, complex, object
  and string arrays are rejected, and so are ragged nested lists), finite, of the
  stated shape; ``copy=True`` for an array the library keeps after the call;
- a bool, a choice among names, a callable, a random generator or seed.

Work and memory are bounded before anything is allocated: :func:`check_memory` raises
a :class:`ValueError` naming the arguments and the estimate when one allocation would
exceed :data:`MEMORY_LIMIT` (2 GiB), and :func:`check_work` when a loop would run more
than :data:`WORK_LIMIT` elementary updates (about a minute of numpy).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

#: Largest integer argument accepted: integers beyond it cannot be counted in a float.
MAX_INT = 2**53
#: The memory one call may allocate before it refuses, in bytes (2 GiB).
MEMORY_LIMIT = 2 * 2**30
#: The elementary per-coordinate updates one call may run before it refuses.
WORK_LIMIT = 2 * 10**9

_REAL_KINDS = "iuf"


def _kind_name(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype}"
    return type(value).__name__


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
    if isinstance(value, np.ndarray) and value.ndim == 0:
        if value.dtype.kind not in _REAL_KINDS:
            raise TypeError(f"{name} must be a real number, got {_kind_name(value)}")
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_kind_name(value)}")
    try:
        value = float(value)
    except OverflowError:
        raise ValueError(
            f"{name} must be a real number of float size (|x| < 1.8e308), got an "
            f"integer of {len(str(abs(int(value))))} digits"
        ) from None
    allowed = _range_text(low, high, low_inclusive, high_inclusive)
    if not np.isfinite(value):
        raise ValueError(
            f"{name} must be finite{' and ' + allowed if allowed else ''}, got {value}"
        )
    if low is not None and (value < low or (value == low and not low_inclusive)):
        raise ValueError(f"{name} must be {allowed}, got {value}")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return value


def _range_text(low, high, low_inclusive, high_inclusive) -> str:
    if low is None and high is None:
        return ""
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
    """Return ``value`` as an int in ``[low, high]`` (and at most :data:`MAX_INT` in
    size); bools and floats are rejected."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_kind_name(value)}")
    value = int(value)
    hi_cap = MAX_INT if high is None else min(high, MAX_INT)
    lo_cap = -MAX_INT if low is None else max(low, -MAX_INT)
    if value < lo_cap or value > hi_cap:
        lo = "-2**53" if low is None else str(low)
        hi = "2**53" if high is None else str(high)
        shown = (
            value if abs(value) < 10**30 else f"an integer of {len(str(value))} digits"
        )
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {shown}")
    return value


def validate_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is a bool (numpy's included); anything else is a
    ``TypeError``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"{name} must be a bool (True or False), got {_kind_name(value)}"
        )
    return bool(value)


def validate_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def validate_callable(name: str, value: Any) -> Callable:
    """Return ``value`` if it is callable."""
    if not callable(value):
        raise TypeError(f"{name} must be a callable, got {_kind_name(value)}")
    return value


def validate_text(name: str, value: Any) -> str:
    """Return ``value`` if it is a str."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {_kind_name(value)}")
    return value


def validate_array(
    name: str,
    value: Any,
    *,
    ndim_min: int = 1,
    ndim_max: int | None = None,
    last_dim: int | None = None,
    shape: tuple[int | None, ...] | None = None,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    copy: bool = False,
) -> np.ndarray:
    """Return ``value`` as a finite float64 array of the stated shape and range.

    ``shape`` fixes every axis (``None`` for any length); ``last_dim`` only the last.
    Bool, complex, object, string and ragged inputs raise ``TypeError``; ``copy=True``
    returns an array the caller can no longer change (for arrays kept after the call).
    """
    if value is None or isinstance(value, (str, bytes, dict, set)) or callable(value):
        raise TypeError(
            f"{name} must be an array of real numbers, got {_kind_name(value)}"
        )
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        raw = None
    if raw is None or (raw.dtype.kind == "O" and _ragged(value)):
        raise TypeError(
            f"{name} must be a rectangular array of real numbers (a ragged or "
            "unconvertible sequence was given)"
        )
    kind = raw.dtype.kind
    if kind == "O" and isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be an array of real numbers, got an object array")
    if kind == "O":
        if not all(
            isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))
            for x in raw.ravel()
        ):
            bad = next(
                x
                for x in raw.ravel()
                if not isinstance(x, numbers.Real) or isinstance(x, (bool, np.bool_))
            )
            raise TypeError(
                f"{name} must be an array of real numbers, got an element of type "
                f"{type(bad).__name__}"
            )
        try:
            raw = raw.astype(float)
        except OverflowError:
            raise ValueError(
                f"{name} must contain numbers of float size (|x| < 1.8e308); an "
                "integer is too large"
            ) from None
    elif kind not in _REAL_KINDS:
        what = {"b": "bool", "c": "complex", "U": "string", "S": "bytes"}.get(
            kind, str(raw.dtype)
        )
        raise TypeError(f"{name} must be an array of real numbers, got {what} values")
    arr = (
        np.array(raw, dtype=float, copy=True) if copy else np.asarray(raw, dtype=float)
    )
    if arr.ndim < ndim_min or (ndim_max is not None and arr.ndim > ndim_max):
        want = (
            f"{ndim_min}"
            if ndim_max == ndim_min
            else f"at least {ndim_min}"
            if ndim_max is None
            else f"{ndim_min} to {ndim_max}"
        )
        raise ValueError(f"{name} must have {want} dimension(s), got shape {arr.shape}")
    if shape is not None and (
        arr.ndim != len(shape)
        or any(s is not None and n != s for n, s in zip(arr.shape, shape, strict=True))
    ):
        want = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {want}, got {arr.shape}")
    if last_dim is not None and (arr.ndim == 0 or arr.shape[-1] != last_dim):
        raise ValueError(
            f"{name} must have last dimension d = {last_dim}, got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    if (
        low is not None
        and arr.size
        and (arr.min() < low or (not low_inclusive and arr.min() == low))
    ):
        op = ">=" if low_inclusive else ">"
        raise ValueError(
            f"{name} must be {op} {low:g} everywhere, got min {arr.min():g}"
        )
    if high is not None and arr.size and arr.max() > high:
        raise ValueError(
            f"{name} must be <= {high:g} everywhere, got max {arr.max():g}"
        )
    return arr


def _ragged(value: Any) -> bool:
    """True if ``value`` is a nested sequence whose rows differ in length."""
    try:
        np.array(value, dtype=float)
    except (ValueError, TypeError, OverflowError) as exc:
        return "inhomogeneous" in str(exc) or "sequence" in str(exc)
    return False


def validate_step_size(name: str, value: Any) -> np.ndarray | float:
    """A positive finite step size, scalar or array (for batched evaluation)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a positive real number, got bool")
    if isinstance(value, numbers.Real) or (
        isinstance(value, np.ndarray) and value.ndim == 0
    ):
        return validate_real(name, value, low=0.0, low_inclusive=False)
    return validate_array(name, value, ndim_min=0, low=0.0, low_inclusive=False)


def validate_rng(rng: Any, name: str = "rng") -> np.random.Generator:
    """Accept a Generator, an int seed in ``[0, 2**63)`` or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, numbers.Integral):
        raise TypeError(
            f"{name} must be a numpy.random.Generator, an int seed or None, "
            f"got {_kind_name(rng)}"
        )
    if rng < 0 or rng >= 2**63:
        raise ValueError(f"{name} seed must be an integer in [0, 2**63), got {rng}")
    return np.random.default_rng(int(rng))


def eta_schedule(eta, steps: int) -> np.ndarray:
    """Turn a float, an array or a callable into a validated array of step sizes.

    The array has ``steps`` entries.
    """
    if callable(eta):
        values = []
        for t in range(steps):
            v = eta(t)
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
                raise TypeError(
                    "eta(t) must return a real number, "
                    f"got {type(v).__name__} at t = {t}"
                )
            try:
                values.append(float(v))
            except OverflowError:
                raise ValueError(
                    f"eta(t) must be finite and > 0, got a huge integer at t = {t}"
                ) from None
        etas = np.array(values)
    elif isinstance(eta, (bool, np.bool_)):
        raise TypeError(
            "eta must be a positive real number, an array or a callable, got bool"
        )
    elif isinstance(eta, numbers.Real):
        etas = np.full(steps, validate_real("eta", eta, low=0.0, low_inclusive=False))
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
    if not isinstance(projection, str):
        raise TypeError(
            "projection must be 'none', 'dominant' or 'bulk', "
            f"got {_kind_name(projection)}"
        )
    return validate_choice("projection", projection, PROJECTIONS)


def check_memory(nbytes: float, arguments: str) -> None:
    """Refuse, before allocating, a call whose largest array would exceed
    :data:`MEMORY_LIMIT`; the message names the ``arguments`` and the estimate."""
    if nbytes > MEMORY_LIMIT:
        raise ValueError(
            f"{arguments} would need about {nbytes / 2**30:.3g} GiB of memory, over "
            f"the library's limit of {MEMORY_LIMIT / 2**30:g} GiB; make them smaller"
        )


def check_work(updates: float, arguments: str) -> None:
    """Refuse, before starting, a loop of more than :data:`WORK_LIMIT` elementary
    updates; the message names the ``arguments`` and the count."""
    if updates > WORK_LIMIT:
        raise ValueError(
            f"{arguments} would run about {updates:.3g} elementary updates, over the "
            f"library's limit of {WORK_LIMIT:.0e} (minutes of work); make them smaller"
        )
