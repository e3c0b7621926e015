"""The exercise text students get: the book's macros expanded into valid TeX."""

from __future__ import annotations

import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import make_assignments  # noqa: E402


def test_a_macro_after_a_control_word_stays_separate():
    # \lVert\PD must not become the undefined control sequence \lVertP_{...}.
    text = make_assignments.to_markdown(r"$\E\lVert\PD\hat g\rVert^2$")
    assert r"\lVertP" not in text
    assert r"\lVert{P_{\mathcal{D}}}\hat g\rVert^2" in text
    assert r"{\mathbb{E}}" in text
