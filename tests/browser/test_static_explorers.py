"""The kernel-less figures (``rivervalley_lib.book.frames``) answer sliders offline.

On every chapter 1-9, in headless Chromium with no network and no kernel: each slider of
the cell tagged ``static-explorer`` is an ARIA slider; moved with the keyboard (End,
Home, arrow keys) its readout changes and the figure shown changes with it; the figure
shown is the library's for the value in the readout (its alt text names every slider's
value, and where the frame records its full call, the PNG is byte-identical to the
figure function's own rendering in this process); and the page logs no console error. A
screenshot of a moved state of each chapter goes to
``_build/screenshots/<chapter>-explorer.png``.
"""

from __future__ import annotations

import base64
import json
import re

import matplotlib
import pytest
from conftest import SCREENSHOTS
from test_browser import WIDGET_CHAPTERS

matplotlib.use("Agg")

# The state of one explorer: each slider's readout, and the one frame on display.
_STATE_JS = r"""
(box) => {
  const readouts = Array.from(box.querySelectorAll(".widget-readout"))
      .map(r => (r.tagName === "INPUT" ? r.value : r.textContent).trim());
  const imgs = Array.from(box.querySelectorAll("img.rv-frame"))
      .filter(i => i.offsetParent !== null);
  const img = imgs[0];
  return {
    readouts,
    shown: imgs.length,
    src: img ? img.getAttribute("src") : null,
    alt: img ? img.getAttribute("alt") : null,
    call: img ? img.getAttribute("data-call") : null,
    width: img ? img.naturalWidth : 0,
  };
}
"""


def _settings(alt: str) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs from an alt text ending in ``Settings: a = 1.``."""
    tail = alt.rsplit("Settings: ", 1)[1].rstrip(".")
    return [tuple(part.split(" = ", 1)) for part in tail.split(", ")]


def _state(box) -> dict:
    box.page.wait_for_function(
        "(box) => { const i = Array.from(box.querySelectorAll('img.rv-frame'))"
        ".filter(i => i.offsetParent !== null);"
        " return i.length === 1 && i[0].complete && i[0].naturalWidth > 0; }",
        arg=box.element_handle(),
        timeout=10000,
    )
    return box.evaluate(_STATE_JS)


def _library_png(call: dict) -> bytes:
    from rivervalley_lib import figures, plotting

    with (
        plotting.book_style()
    ):  # as in the chapters, which call plotting.use_book_style()
        fig = getattr(figures, call["figure"])(**call["kwargs"])
        return plotting.figure_png(fig, dpi=call["dpi"])


def _check_frame(state: dict, name: str, byte_checks: list[int]) -> None:
    assert state["shown"] == 1, (
        f"{name}: {state['shown']} frames on display, expected exactly one"
    )
    assert state["width"] > 0, f"{name}: the frame did not load"
    pairs = _settings(state["alt"])
    # The claim: the frame shown is the one for the values in the readouts, slider by
    # slider.
    assert [v for _, v in pairs] == state["readouts"], (name, pairs, state["readouts"])
    call = json.loads(state["call"])
    if "kwargs" in call and len(byte_checks) < 2:
        png = base64.b64decode(state["src"].split(",", 1)[1])
        assert png == _library_png(call), (
            f"{name}: the frame is not the library's figure for {call}"
        )
        byte_checks.append(1)


# Wait until the frame on display is the one for the sliders' readouts (the link has
# run).
_SETTLED_JS = r"""
(box) => {
  const readouts = Array.from(box.querySelectorAll(".widget-readout"))
      .map(r => (r.tagName === "INPUT" ? r.value : r.textContent).trim());
  const imgs = Array.from(box.querySelectorAll("img.rv-frame"))
      .filter(i => i.offsetParent !== null);
  if (imgs.length !== 1 || !imgs[0].complete || imgs[0].naturalWidth === 0) {
    return false;
  }
  const alt = imgs[0].getAttribute("alt") || "";
  const tail = alt.split("Settings: ").pop().replace(/\.$/, "");
  const values = tail.split(", ").map(p => p.split(" = ")[1]);
  return JSON.stringify(values) === JSON.stringify(readouts);
}
"""


@pytest.mark.parametrize("name", WIDGET_CHAPTERS)
def test_static_explorer_answers_the_keyboard(open_page, name):
    page, log = open_page(f"chapters/{name}.html")
    cell = page.locator(".cell.tag_static-explorer")
    assert cell.count() == 1, f"{name}: expected one cell tagged 'static-explorer'"
    box = cell.locator(".rv-static-explorer")
    box.wait_for(state="visible", timeout=20000)
    handles = box.locator('[role="slider"]')
    n = handles.count()
    assert n >= 1, f"{name}: the explorer has no ARIA slider"
    byte_checks: list[int] = []
    state = _state(box)
    _check_frame(state, name, byte_checks)
    moves = 0
    for i in range(n):
        handle = handles.nth(i)
        top = int(float(handle.get_attribute("aria-valuemax")))
        assert top >= 1, f"{name}: slider {i} has a single position"
        handle.focus()
        for key in (
            "Home",
            "End",
            "Home",
            "ArrowRight",
            "ArrowRight",
            "ArrowLeft",
            "End",
        ):
            before = state
            old = int(float(handle.get_attribute("aria-valuenow")))
            want = {
                "Home": 0,
                "End": top,
                "ArrowRight": min(old + 1, top),
                "ArrowLeft": max(old - 1, 0),
            }[key]
            page.keyboard.press(key)
            page.wait_for_function(
                "([h, v]) => Number(h.getAttribute('aria-valuenow')) === v",
                arg=[handle.element_handle(), want],
                timeout=5000,
            )
            page.wait_for_function(_SETTLED_JS, arg=box.element_handle(), timeout=5000)
            state = _state(box)
            if want != old:
                moves += 1
                assert state["readouts"][i] != before["readouts"][i], (
                    f"{name}: slider {i} moved, readout did not"
                )
                assert state["src"] != before["src"], (
                    f"{name}: slider {i} moved ({before['readouts']} -> "
                    f"{state['readouts']}) but the figure did not change"
                )
            _check_frame(state, name, byte_checks)
            # Screen readers hear the value the readout shows, not the slider's index.
            page.wait_for_function(
                "([h, v]) => h.getAttribute('aria-valuetext') === v",
                arg=[handle.element_handle(), state["readouts"][i]],
                timeout=5000,
            )
        assert handle.get_attribute("aria-label"), f"{name}: slider {i} has no name"
    assert moves >= 5 * n
    # Photograph a moved state inside the range (the far end may only say "diverges").
    for key in ("Home", "ArrowRight", "ArrowRight"):
        page.keyboard.press(key)
    page.wait_for_function(
        "([h, v]) => Number(h.getAttribute('aria-valuenow')) === v",
        arg=[handles.nth(n - 1).element_handle(), min(2, top)],
        timeout=5000,
    )
    page.wait_for_function(_SETTLED_JS, arg=box.element_handle(), timeout=5000)
    _check_frame(_state(box), name, byte_checks)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    box.screenshot(path=str(SCREENSHOTS / f"{name}-explorer.png"))
    assert not log.problems(), log.problems()


def test_settings_parser():
    alt = "Regime map ... Settings: sigma = 0.1, energy = 0.05."
    assert _settings(alt) == [("sigma", "0.1"), ("energy", "0.05")]
    assert re.match(r"^\w", _settings(alt)[0][0])
