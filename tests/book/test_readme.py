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
