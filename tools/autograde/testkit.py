"""What a hidden test uses: a claim, expected against actual, and a guarded student.

A hidden test is a function ``test_x(student, answers, P, rng)`` decorated with
:func:`points`. ``student.f(...)`` calls the student's function ``f`` with the
library guard on; ``answers["x"]`` is the student's value of ``x``; ``P`` holds the
variant's parameters; ``rng`` is a generator seeded from the instructor's secret, for
cases the student has not seen. A test fails by raising :class:`Failed` (the helpers
below do) with a message that states what was expected and what was found.
"""

from __future__ import annotations

import builtins
import math
import os
import sys
import types
from collections.abc import Callable

import numpy as np

__all__ = [
    "Failed",
    "points",
    "public_check",
    "expect",
    "expect_close",
    "expect_equal",
    "number",
    "array",
    "Answers",
    "Student",
]


class Failed(Exception):
    """A hidden test's claim does not hold: the message says what and by how much."""


def points(value: float, claim: str, public: bool = False) -> Callable:
    """Mark a function of a hidden-test module as a test worth ``value`` points;
    ``public`` if the student's notebook runs the same check (``grader.check``)."""

    def mark(fn: Callable) -> Callable:
        fn.points = float(value)
        fn.claim = claim
        fn.public = public
        return fn

    return mark


def public_check(check: Callable, *args) -> None:
    """Run a student-side check (a function of ``public.py``, plain asserts) here."""
    try:
        check(*args)
    except AssertionError as exc:
        raise Failed(str(exc) or check.__doc__.strip()) from None


def _fmt(x) -> str:
    a = np.asarray(x)
    if a.ndim == 0:
        return f"{a.item():.10g}" if a.dtype.kind in "fiu" else repr(a.item())
    return np.array2string(a, precision=6, threshold=8)


def expect(condition: bool, what: str, expected=None, actual=None) -> None:
    """Fail with ``what`` (and expected/actual when given) unless ``condition``."""
    if not bool(condition):
        msg = what
        if expected is not None or actual is not None:
            msg += f"\n    expected: {_fmt(expected) if expected is not None else '-'}"
            msg += f"\n    actual:   {_fmt(actual) if actual is not None else '-'}"
        raise Failed(msg)


def number(x, name: str) -> float:
    """``x`` as a finite float, or fail saying what ``name`` should be."""
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise Failed(f"{name} should be a number; got {type(x).__name__}") from None
    if a.ndim != 0 and a.size != 1:
        raise Failed(f"{name} should be a single number; got shape {a.shape}")
    v = float(a.reshape(()))
    if not math.isfinite(v):
        raise Failed(f"{name} should be finite; got {v}")
    return v


def array(x, name: str, shape: tuple | None = None) -> np.ndarray:
    """``x`` as a float array (of ``shape`` if given), or fail."""
    try:
        a = np.array(x, dtype=float)
    except (TypeError, ValueError):
        raise Failed(f"{name} should be an array of numbers") from None
    if shape is not None and a.shape != shape:
        raise Failed(f"{name} should have shape {shape}; got {a.shape}")
    if not np.all(np.isfinite(a)):
        raise Failed(f"{name} has non-finite entries")
    return a


def expect_close(actual, expected, what: str, rtol: float = 1e-9, atol=0.0) -> None:
    """Fail unless ``actual`` matches ``expected`` within ``rtol``/``atol``."""
    a, e = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    ok = a.shape == e.shape and bool(np.all(np.abs(a - e) <= atol + rtol * np.abs(e)))
    expect(ok, f"{what} (relative tolerance {rtol:g})", e, a)


def expect_equal(actual, expected, what: str) -> None:
    a, e = np.asarray(actual), np.asarray(expected)
    expect(a.shape == e.shape and bool(np.all(a == e)), what, e, a)


class Answers(dict):
    """The student's answer values; a missing one fails the test that needs it."""

    def __missing__(self, name):
        raise Failed(
            f"`{name}` is not defined in your notebook, or is not a number or array "
            "(it must exist after running every cell top to bottom)"
        )


# --- the guard -------------------------------------------------------------------
_LIB = None


def _lib_dir() -> str:
    global _LIB
    if _LIB is None:
        import rivervalley_lib

        _LIB = os.path.dirname(rivervalley_lib.__file__) + os.sep
    return _LIB


def _watched() -> list[tuple[str, dict]]:
    """Namespaces a submission must not change: builtins, numpy, the library, and the
    grader's own modules, with every class the library defines."""
    out = [("builtins", vars(builtins))]
    for name, mod in list(sys.modules.items()):
        if mod is None or not isinstance(mod, types.ModuleType):
            continue
        root = name.split(".")[0]
        if root in ("numpy", "rivervalley_lib", "math", "testkit", "hidden", "public"):
            out.append((name, vars(mod)))
            if root == "rivervalley_lib":
                for key, val in list(vars(mod).items()):
                    if isinstance(val, type) and val.__module__.startswith(root):
                        out.append((f"{name}.{key}", val))
    return out


class Student:
    """The student's functions, each call checked against the library allowlist.

    ``allowed`` lists the names (``"gradient"``, ``"energy_ratio_step"``, or
    qualified: ``"RiverValley.gradient"``) of library functions and methods the
    question lets the student call; a call from the student's code to any other library
    function (a name, an alias, a private helper, an inherited method) is a violation
    and fails the test. ``calls`` records ``(name, arguments)`` of every allowed call of
    the last student call, so that a test can check the computation itself.
    """

    def __init__(self, namespace: dict, allowed: list[str]):
        self._ns = namespace
        self._allowed = set(allowed)
        self.calls: list[tuple[str, dict]] = []
        self.violations: list[str] = []
        self._lib = _lib_dir()
        self._hook = self._profile  # one bound method, to compare with getprofile()

    def defined(self, name: str) -> bool:
        return callable(self._ns.get(name))

    def _profile(self, frame, event, arg):
        if event != "call":
            return
        lib = self._lib
        code = frame.f_code
        if not code.co_filename.startswith(lib) or "<" in code.co_qualname:
            return  # not the library, or a decorator's wrapper: its callee is checked
        caller = frame.f_back
        while (
            caller is not None
            and caller.f_code.co_filename.startswith(lib)
            and "<locals>" in caller.f_code.co_qualname
        ):
            caller = caller.f_back
        if caller is not None and caller.f_code.co_filename.startswith(lib):
            return  # the library calling itself
        name = code.co_qualname
        short = name.rsplit(".", 1)[-1]
        if name in self._allowed or short in self._allowed or short.startswith("__"):
            self.calls.append((short, dict(frame.f_locals)))
        else:
            self.violations.append(f"called rivervalley_lib's {name}")

    def __getattr__(self, name: str):
        fn = self._ns.get(name)
        if not callable(fn):
            raise Failed(f"your notebook defines no function `{name}`")

        def guarded(*args, **kwargs):
            return self.run(fn, *args, **kwargs)

        return guarded

    def run(self, fn: Callable, *args, **kwargs):
        """Call ``fn`` with the guard on; fail on a forbidden library call or on any
        change to builtins, numpy, the library or the grader."""
        self.calls, self.violations = [], []
        before = [
            (label, d, dict(vars(d) if isinstance(d, type) else d))
            for label, d in _watched()
        ]
        old = sys.getprofile()
        sys.setprofile(self._hook)
        try:
            result = fn(*args, **kwargs)
        except Failed:
            raise
        except Exception as exc:  # the student's error, reported as such
            raise Failed(
                f"your function raised {type(exc).__name__}: {exc}"[:400]
            ) from None
        finally:
            if sys.getprofile() is not self._hook:
                self.violations.append("turned off the grader's call guard")
            sys.setprofile(old)
            self._restore(before)
        if self.violations:
            raise Failed(
                "not allowed in this question: "
                + "; ".join(sorted(set(self.violations)))
            )
        return result

    def _restore(self, before) -> None:
        for label, d, saved in before:
            live = vars(d) if isinstance(d, type) else d
            changed = [
                k
                for k in set(live) | set(saved)
                if k not in saved or k not in live or live[k] is not saved[k]
            ]
            if not changed:
                continue
            self.violations.append(f"changed {label}." + ", ".join(sorted(changed)[:3]))
            for k in changed:
                if isinstance(d, type):
                    if k in saved:
                        setattr(d, k, saved[k])
                    else:
                        delattr(d, k)
                elif k in saved:
                    live[k] = saved[k]
                else:
                    del live[k]
