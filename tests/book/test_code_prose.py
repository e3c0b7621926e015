"""Chapters read as a book: the code a reader sees never outweighs the prose.

A chapter shows at most as many lines of code as of prose. Code the page folds does not
count: cells tagged ``hide-input`` (self-checks, plotting, explorers; myst-nb shows them
as a closed "Show code cell source" toggle with their output) or ``remove-input``, and
exercise solutions, which sit in a closed dropdown between ``solution-start`` and
``solution-end``. Blank lines and the generated frontmatter count for neither side.

The explorers' machinery is folded too: each explorer's prompt is the markdown cell
right above it, its code is hidden, and its answer is in a closed "Check your
prediction" dropdown after it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
FOLDED = {"hide-input", "remove-input", "remove-cell"}


def _source(cell) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _strip_frontmatter(text: str) -> str:
    return re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)


def shown_lines(path: Path) -> tuple[int, int]:
    """(code lines shown, prose lines) of one notebook."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = prose = 0
    in_solution = False
    for cell in cells:
        text = _source(cell)
        if cell["cell_type"] == "markdown":
            text = _strip_frontmatter(text)
            prose += sum(1 for ln in text.splitlines() if ln.strip())
            # a solution opened in this cell and not closed in it folds what follows
            opens = text.rfind("{solution-start}")
            closes = text.rfind("{solution-end}")
            if opens > closes:
                in_solution = True
            elif closes > opens:
                in_solution = False
        elif cell["cell_type"] == "code":
            if in_solution or _tags(cell) & FOLDED:
                continue
            code += sum(1 for ln in text.splitlines() if ln.strip())
    return code, prose


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_code_shown_is_at_most_the_prose(path):
    code, prose = shown_lines(path)
    assert code <= prose, f"{path.name}: {code} lines of code shown, {prose} of prose"


EXPLORER_CHAPTERS = [
    p for p in CHAPTERS if '"static-explorer"' in p.read_text(encoding="utf-8")
]


@pytest.mark.parametrize(
    "path", EXPLORER_CHAPTERS, ids=[p.stem for p in EXPLORER_CHAPTERS]
)
def test_explorer_is_prompt_hidden_code_then_dropdown_answer(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    (i,) = [n for n, c in enumerate(cells) if "static-explorer" in _tags(c)]
    explorer, prompt = cells[i], cells[i - 1]
    assert "hide-input" in _tags(explorer), "the explorer's code is shown"
    assert prompt["cell_type"] == "markdown" and "Predict" in _source(prompt), (
        "the prompt is not the caption right above the explorer"
    )
    answer = next(c for c in cells[i + 1 :] if c["cell_type"] == "markdown")
    text = _source(answer)
    assert re.search(r"\{admonition\} Check your prediction\n:class: dropdown", text), (
        "the answer after the explorer is not in a closed 'Check your prediction' "
        "dropdown"
    )
    # nothing but the (folded) explorer sits between the prompt and the answer's
    # dropdown, except folded code
    between = cells[i + 1 : cells.index(answer)]
    assert all("hide-input" in _tags(c) for c in between)
    # the answer's check cell, if any, is folded as well
    for c in cells:
        if "static-explorer-check" in _tags(c):
            assert "hide-input" in _tags(c)
