"""Every argument check of the core names its argument as a word (issue 24).

The bad-input sweep (``test_bad_input_sweep.py``) passes a message that contains the
argument's name anywhere, and it needs 98 % of its cases over the whole API: a check
that names ``"XXetaXX"`` or ``"ETA"`` instead of ``eta`` passes it, and so did the
mutants of ``make mutate`` that renamed an argument in a check. Here every canonical
bad value (the sweep's own, no Hypothesis draws) of every argument of the core
callables (model, theory, simulation, diagnostics, check) must raise a library
``TypeError`` or ``ValueError`` whose message names that argument as a whole word.
A student's answer to an exercise check may instead be refused (the check returns
False), as in the sweep.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import re
import warnings

import pytest

from .test_bad_input_sweep import (
    SIZE_FREE,
    STUDENT_ANSWERS,
    _valid,
    bad_values,
    base_arguments,
    public_callables,
    valid_value,
)

CORE = tuple(
    f"rivervalley_lib.{pkg}"
    for pkg in ("model", "theory", "simulation", "diagnostics", "check")
)


def _core_cases() -> list[tuple[str, object, dict, inspect.Parameter, str, object]]:
    valid = _valid()
    cases = []
    for name, func, sig in public_callables():
        if "\u01c1" in name or "__mutmut" in name:
            continue  # mutmut's copies of a method (make mutate)
        if not (getattr(func, "__module__", None) or "").startswith(CORE):
            continue
        kwargs = base_arguments(name, sig, valid)
        sized = "." in name or any(a in kwargs for a in ("valley", "net"))
        sized = sized and not inspect.isclass(func) and name not in SIZE_FREE
        for p in sig.parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            for kind, value in bad_values(name, p, valid_value(name, p, valid), sized):
                cases.append((name, func, kwargs, p, kind, value))
    return cases


def test_every_core_check_names_its_argument_as_a_word():
    cases = _core_cases()
    # The core has about 100 public callables; far fewer cases means the listing broke
    # and the test would pass by testing nothing.
    assert len(cases) > 1000, len(cases)
    wrong = []
    for name, func, kwargs, p, kind, value in cases:
        word = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(p.name)}(?![A-Za-z0-9_])")
        student = p.name in STUDENT_ANSWERS and func.__module__.startswith(
            "rivervalley_lib.check"
        )
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                result = func(**dict(kwargs, **{p.name: value}))
        except (TypeError, ValueError) as exc:
            if not word.search(str(exc)):
                wrong.append(f"{name}({p.name}={value!r}) [{kind}]: {exc}")
        else:
            if not (student and result is False):
                wrong.append(f"{name}({p.name}={value!r}) [{kind}]: accepted")
    assert not wrong, "\n".join(wrong[:20])


@pytest.mark.parametrize("bad", ["XXetaXX", "ETA", "beta"])
def test_the_word_rule_refuses_a_renamed_argument(bad):
    """The rule above tells ``eta`` from a renamed or longer name."""
    word = re.compile(r"(?<![A-Za-z0-9_])eta(?![A-Za-z0-9_])")
    assert word.search("eta must be > 0")
    assert not word.search(f"{bad} must be > 0")
