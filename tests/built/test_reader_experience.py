"""The built chapters as a reader meets them (run after `make book`).

- Each explorer: its prompt is the prose right above it, its code is folded, and its
  answer is inside a closed "Check your prediction" dropdown after it, so the answer is
  not on screen with the figure.
- Each explorer opens on the frame its prompt starts from ("when you move η from 0.9 to
  1.1": the slider starts at 0.9; "from the first checkpoint to the last": at the
  first), so the first frame poses the question instead of answering it.
- Every figure PNG in a chapter is narrow enough that its 11-point tick labels are at
  least ``plotting.MIN_TEXT_PX`` high when a 390 px phone scales it to its column.
"""

from __future__ import annotations

import base64
import html as html_lib
import json
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


#: Where a prompt starts: "from 0.9 to 1.1", or "from the first checkpoint to the last".
_FROM = re.compile(r"\bfrom (\d+(?:\.\d+)?) to\b|\bfrom the first \w+ to the last\b")
_RANGE = re.compile(r'<input type="range"[^>]*>')


def _attr(tag: str, name: str) -> str:
    m = re.search(rf'\b{name}=(["\'])(.*?)\1', tag, re.S)
    assert m, (name, tag)
    return html_lib.unescape(m.group(2))


@pytest.mark.parametrize("name", EXPLORERS)
def test_explorer_opens_on_the_frame_its_prompt_starts_from(name):
    html = page(name)
    cell = re.search(r'<div class="cell[^"]*tag_static-explorer(?!-)[^"]*"', html)
    assert cell, "no cell tagged static-explorer"
    prompt = re.sub(r"<[^>]+>", "", html[: cell.start()][-3000:])
    prompt = prompt[prompt.rindex("Predict first") :]
    start = _FROM.search(prompt)
    assert start, f"the prompt names no starting value: {prompt[:300]!r}"
    explorer = html[cell.end() : html.index("rv-explorer-frames", cell.end())]
    sliders = [
        (
            _attr(tag, "name"),
            int(_attr(tag, "value")),
            json.loads(_attr(tag, "data-readouts")),
        )
        for tag in _RANGE.findall(explorer)
    ]
    assert sliders, "the explorer has no slider"
    if start.group(1) is None:  # "from the first ... to the last": every slider
        assert all(pos == 0 for _, pos, _ in sliders), sliders
    else:
        shown = [float(readouts[pos]) for _, pos, readouts in sliders]
        assert float(start.group(1)) in shown, (start.group(0), sliders)


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
