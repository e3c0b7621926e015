"""Every Python snippet the README shows runs, in order, in one namespace."""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_readme_python_snippets_run():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 2, "the README should show the library in use"
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102
    report = namespace["report"]
    assert 0.9 < report.alignment <= 1.0
    assert namespace["trace"].final_theta.shape == (16, 1000)


def test_intro_python_snippet_runs_and_says_what_it_computes():
    """The book's landing page shows one snippet; it runs, and its last line is the
    adaptive threshold eta*_t (the energy ratio's), a finite step size in the stable
    range for that state."""
    import numpy as np

    text = (ROOT / "intro.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 1, "intro.md shows one snippet"
    *body, last = blocks[0].strip().splitlines()
    namespace: dict = {}
    exec(compile("\n".join(body), "intro.md", "exec"), namespace)  # noqa: S102
    value = eval(compile(last, "intro.md", "eval"), namespace)  # noqa: S307
    rv, valley = namespace["rv"], namespace["valley"]
    expected = rv.critical_step_size(valley, namespace["noise"], np.full(1000, 10.0))
    assert value == expected and 0 < value < valley.stability_limit
