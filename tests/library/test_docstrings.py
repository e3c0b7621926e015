"""Docstrings written out: every parameter of every public callable is described.

The callables are those the bad-input sweep enumerates (every function, constructor and
public method of the public modules); a parameter passes when its numpydoc
``Parameters`` entry (``name : type``, alone or in a ``a, b : type`` line) is followed
by at least one indented description line. No docstring is assembled at import time:
the source holds the text readers see.
"""

from __future__ import annotations

import inspect
import pathlib
import re

import pytest

import rivervalley_lib as rv

from .test_bad_input_sweep import public_callables

CALLABLES = public_callables()


def _parameters_section(doc: str) -> list[str]:
    """The lines of the numpydoc Parameters section of ``doc`` (dedented)."""
    if "Parameters\n----------\n" not in doc:
        return []
    body = doc.split("Parameters\n----------\n", 1)[1]
    end = re.search(r"\n\n[A-Z][A-Za-z ]+\n-{3,}\n", body)
    return (body[: end.start()] if end else body).splitlines()


def undescribed(doc: str, names: list[str]) -> list[str]:
    """The ``names`` without a header line followed by an indented description."""
    lines = _parameters_section(doc)
    described = set()
    for i, line in enumerate(lines):
        if not line or line[0].isspace():
            continue  # a description line, or a blank one
        header = line.split(" : ", 1)[0]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if nxt.startswith("    ") and nxt.strip():
            described |= {n.strip().lstrip("*") for n in header.split(",")}
    return [n for n in names if n not in described]


@pytest.mark.parametrize(
    "name,func,sig", CALLABLES, ids=[name for name, _, _ in CALLABLES]
)
def test_every_parameter_has_a_description(name, func, sig):
    doc = inspect.getdoc(func) or ""
    names = [p.name for p in sig.parameters.values() if p.name not in ("self", "cls")]
    missing = undescribed(doc, names)
    assert not missing, f"{name}: no description line for {missing}"


def test_the_check_understands_a_missing_description():
    """The test itself: a header with no description line is caught."""
    doc = "Parameters\n----------\nx : float\ny : int\n    The count.\n"
    assert undescribed(doc, ["x", "y"]) == ["x"]


def test_no_docstring_is_generated_at_import_time():
    """No ``%(name)s`` markers and no docstring-filling helpers in the library."""
    lib = pathlib.Path(rv.__file__).parent
    for path in lib.rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*%\(\w+\)s\s*$", text, re.M), path
        assert "fill_doc" not in text and "__doc__ =" not in text, path
    assert not (lib / "_docstrings.py").exists()
