"""The built chapters as a reader meets them (run after `make book`).

- Each explorer: its prompt is the prose right above it, its code is folded, and its
  answer is inside a closed "Check your prediction" dropdown after it, so the answer is
  not on screen with the figure.
- Every figure PNG in a chapter is narrow enough that its 11-point tick labels are at
  least ``plotting.MIN_TEXT_PX`` high when a 390 px phone scales it to its column.
"""

from __future__ import annotations

import base64
import pathlib
import re
import struct

import pytest

from rivervalley_lib.book import plotting

ROOT = pathlib.Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
EXPLORERS = [
    p.stem
    for p in sorted((ROOT / "chapters").glob("*.ipynb"))
    if '"static-explorer"' in p.read_text(encoding="utf-8")
]
DPI = 110
TICK_PT = 11  # the book's tick label size (plotting.RC)
# widest PNG whose ticks stay legible on the phone: pt / 72 * column / width >= min px
PHONE = plotting.DISPLAY_WIDTH_PX["phone"]
MAX_PNG_PX = DPI * TICK_PT / 72 * PHONE / plotting.MIN_TEXT_PX


def page(name: str) -> str:
    path = HTML / "chapters" / f"{name}.html"
    if not path.exists():
        pytest.skip("run `make book` first")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", EXPLORERS)
def test_explorer_prompt_folded_code_then_answer_in_a_dropdown(name):
    html = page(name)
    cell = re.search(r'<div class="cell[^"]*tag_static-explorer(?!-)[^"]*"', html)
    assert cell, "no cell tagged static-explorer"
    assert "tag_hide-input" in cell.group(0), "the explorer's code is not folded"
    before, after = html[: cell.start()], html[cell.end() :]
    assert "Predict first" in before[-3000:], "no prompt right above the explorer"
    drop = re.search(
        r'<div class="(?=[^"]*\bdropdown\b)(?=[^"]*\badmonition\b)[^"]*">\s*'
        r'<p class="admonition-title">Check your prediction</p>',
        after,
    )
    assert drop, "no closed 'Check your prediction' dropdown after the explorer"


def _png_widths(html: str) -> list[int]:
    widths = []
    for b64 in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]{40,})"', html):
        head = base64.b64decode(b64[:44] + "=" * (-len(b64[:44]) % 4))
        widths.append(struct.unpack(">I", head[16:20])[0])
    for src in re.findall(r'<img[^>]+src="([^"]+\.png)"', html):
        path = (HTML / "chapters" / src).resolve()
        if path.exists():
            widths.append(struct.unpack(">I", path.read_bytes()[16:20])[0])
    return widths


@pytest.mark.parametrize("name", CHAPTERS)
def test_figures_are_legible_on_a_phone(name):
    widths = _png_widths(page(name))
    assert widths, "no figure found"
    wide = [w for w in widths if w > MAX_PNG_PX]
    assert not wide, f"PNG widths {wide} px > {MAX_PNG_PX:.0f} px"
