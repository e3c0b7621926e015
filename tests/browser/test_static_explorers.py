"""The kernel-less explorers (``rivervalley_lib.book.frames``) answer the keyboard.

On every chapter 1-9, in headless Chromium with no network and no kernel, at desktop
(1280 x 900) and phone (390 x 844) size: the page holds no live-widget output (no
widget view, no widget state, no widget manager) and its explorer cell holds one
explorer, each slider a native ``<input type="range">`` named by its ``<label>`` with
an ``aria-valuetext`` before any key is pressed; moved with the keyboard (Home, End,
arrow keys) the slider's readout, its ``aria-valuetext`` and the frame (an image file,
not inline data) change together, the frame's alt text names the readout's value, the
frame's bytes are the library's figure for that value (redrawn in this process), the
live region announces the new frame, and the focused slider shows a focus ring. The
explorer has a "run it live" Binder link. Screenshots of the opening frame and of the
last one (every slider at its end) go to
``_build/screenshots/<chapter>-explorer-<desktop|phone>-<first|last>.png``.
"""

from __future__ import annotations

import json
from urllib.parse import urljoin

import matplotlib
import pytest
from conftest import HTML, SCREENSHOTS
from test_browser import WIDGET_CHAPTERS

matplotlib.use("Agg")

VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}

# The state of one explorer: each slider's readout, value text and position, and the
# frame on display.
_STATE_JS = r"""
(box) => {
  const inputs = Array.from(box.querySelectorAll('input[type="range"]'));
  const img = box.querySelector("img.rv-frame");
  return {
    names: inputs.map(i => i.name),
    labels: inputs.map(i => (i.labels[0] ? i.labels[0].textContent.trim() : "")),
    readouts: inputs.map(i =>
      box.querySelector(`output[for="${i.id}"]`).textContent.trim()),
    valuetexts: inputs.map(i => i.getAttribute("aria-valuetext")),
    values: inputs.map(i => Number(i.value)),
    src: img.currentSrc || img.src,
    rawSrc: img.getAttribute("src"),
    alt: img.getAttribute("alt"),
    call: img.getAttribute("data-call"),
    loaded: img.complete && img.naturalWidth > 0,
    status: box.querySelector('[role="status"]').textContent,
  };
}
"""


def _settings(alt: str) -> dict[str, str]:
    """The ``name: value`` pairs of an alt text ending in ``Settings: a = 1.``."""
    tail = alt.rsplit("Settings: ", 1)[1].rstrip(".")
    return dict(part.split(" = ", 1) for part in tail.split(", "))


def _library_png(call: dict) -> bytes:
    import rivervalley_lib as rv
    from rivervalley_lib import figures, plotting

    # a library class is recorded by name ("rivervalley_lib.RegressionNoise")
    kwargs = {
        k: getattr(rv, v.split(".", 1)[1])
        if isinstance(v, str) and v.startswith("rivervalley_lib.")
        else v
        for k, v in call["kwargs"].items()
    }
    with plotting.book_style():  # as in the chapters (plotting.use_book_style())
        fig = getattr(figures, call["figure"])(**kwargs)
        return plotting.figure_png(fig, dpi=call["dpi"])


def _check(state: dict, name: str, base: str, byte_checks: list) -> None:
    """Readout, value text, image and alt text say the same; the image is the
    library's."""
    assert state["loaded"], f"{name}: the frame did not load"
    assert not state["rawSrc"].startswith("data:"), (
        f"{name}: the frame is inline data, not an image file"
    )
    settings = _settings(state["alt"])
    for slider, readout, text in zip(
        state["names"], state["readouts"], state["valuetexts"], strict=True
    ):
        # The claim: the frame shown is the one for the value the reader sees and hears.
        assert settings[slider] == readout, (name, slider, settings, readout)
        assert text.split(" ")[0] == readout, (name, slider, text, readout)
    call = json.loads(state["call"])
    if "kwargs" in call and len(byte_checks) < 2:
        path = HTML / state["src"][len(base) :]
        assert path.read_bytes() == _library_png(call), (
            f"{name}: the frame is not the library's figure for {call}"
        )
        byte_checks.append(call)


@pytest.mark.parametrize("view", VIEWPORTS)
@pytest.mark.parametrize("name", WIDGET_CHAPTERS)
def test_explorer_answers_the_keyboard(open_page, base_url, name, view):
    page, log = open_page(f"chapters/{name}.html", VIEWPORTS[view])
    # No live widget online: its output is replaced by the explorer.
    for selector in (
        'script[type="application/vnd.jupyter.widget-view+json"]',
        'script[type="application/vnd.jupyter.widget-state+json"]',
        'script[src*="embed-amd"]',
        ".jupyter-widgets",
    ):
        assert page.locator(selector).count() == 0, f"{name}: {selector} in the page"
    cell = page.locator(".cell.tag_static-explorer")
    assert cell.count() == 1, f"{name}: expected one explorer cell"
    box = cell.locator(".rv-explorer")
    assert box.count() == 1
    box.scroll_into_view_if_needed()
    launch = box.locator("a.rv-launch-link")
    assert launch.is_visible() and (launch.get_attribute("href") or "").startswith(
        "https://mybinder.org/v2/gh/"
    ), f"{name}: no 'run it live' link"
    assert f"lab/tree/chapters/{name}.ipynb" in launch.get_attribute("href")
    inputs = box.locator('input[type="range"]')
    n = inputs.count()
    assert n >= 1, f"{name}: the explorer has no slider"
    page.wait_for_function(
        "(b) => { const i = b.querySelector('img.rv-frame');"
        " return i.complete && i.naturalWidth > 0; }",
        arg=box.element_handle(),
        timeout=10000,
    )
    base = urljoin(base_url, ".")
    state = box.evaluate(_STATE_JS)
    # Named and valued from the first render, before any key is pressed.
    assert all(state["labels"]), f"{name}: a slider without a label"
    assert all(state["valuetexts"]), f"{name}: a slider without aria-valuetext"
    byte_checks: list = []
    _check(state, name, base, byte_checks)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    box.screenshot(path=str(SCREENSHOTS / f"{name}-explorer-{view}-first.png"))
    moves = 0
    for i in range(n):
        slider = inputs.nth(i)
        top = int(slider.get_attribute("max"))
        assert top >= 1, f"{name}: slider {i} has a single position"
        assert slider.is_enabled(), f"{name}: slider {i} is not live"
        slider.focus()
        ring = slider.evaluate(
            "el => { const s = getComputedStyle(el);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
        )
        assert ring[0] != "none" and ring[1] >= 2, f"{name}: no visible focus: {ring}"
        for key in ("Home", "End", "Home", "ArrowRight", "ArrowRight", "ArrowLeft"):
            before = state
            old = before["values"][i]
            want = {
                "Home": 0,
                "End": top,
                "ArrowRight": min(old + 1, top),
                "ArrowLeft": max(old - 1, 0),
            }[key]
            page.keyboard.press(key)
            page.wait_for_function(
                "([b, i, v]) => { const s = b.querySelectorAll('input[type=range]')[i];"
                " const img = b.querySelector('img.rv-frame');"
                " return Number(s.value) === v && img.complete && img.naturalWidth > 0;"
                " }",
                arg=[box.element_handle(), i, want],
                timeout=5000,
            )
            state = box.evaluate(_STATE_JS)
            if want != old:
                moves += 1
                assert state["readouts"][i] != before["readouts"][i], name
                assert state["rawSrc"] != before["rawSrc"], (
                    f"{name}: slider {i} moved ({before['readouts']} -> "
                    f"{state['readouts']}) but the figure did not change"
                )
            _check(state, name, base, byte_checks)
        # The live region announces the frame once the keys rest.
        page.wait_for_function(
            "([b, alt]) => b.querySelector('[role=status]').textContent.endsWith(alt)",
            arg=[box.element_handle(), state["alt"]],
            timeout=5000,
        )
    assert moves >= 4 * n
    # Only a figure of recorded data (chapter 8: arrays) cannot be redrawn from a call.
    assert byte_checks or "settings" in json.loads(state["call"]), (
        f"{name}: no frame was compared with the library's figure"
    )
    # The last frame: every slider at its end.
    for i in range(n):
        inputs.nth(i).focus()
        page.keyboard.press("End")
    page.wait_for_function(
        "(b) => Array.from(b.querySelectorAll('input[type=range]')).every("
        "s => Number(s.value) === Number(s.max)) && b.querySelector('img.rv-frame')"
        ".complete && b.querySelector('img.rv-frame').naturalWidth > 0",
        arg=box.element_handle(),
        timeout=5000,
    )
    box.screenshot(path=str(SCREENSHOTS / f"{name}-explorer-{view}-last.png"))
    assert not log.problems(), log.problems()


def test_settings_parser():
    alt = "Regime map ... Settings: sigma = 0.1, energy = 0.05."
    assert _settings(alt) == {"sigma": "0.1", "energy": "0.05"}
