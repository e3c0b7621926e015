"""The built book on a phone and for everyone: issue 21's checks, at 1280 x 900 and
390 x 844.

Run with ``make test-browser`` after ``make book``. For every page, at both sizes,
axe-core (WCAG 2.1 A and AA rules, injected from the npm copy that
``tools/vendor_assets.py`` installs, offline) must report no serious or critical
violation. For every chapter, at both sizes: the header buttons open the chapter list
and the in-page contents (on a desktop the first one collapses the sidebar); nothing is
wider than the text column unless it sits in a sideways scroller that shows a cue and
can be reached from the keyboard; slider handles take a 44 px touch; math is out of the
Tab order and every control reached with Tab shows a focus ring. Each chapter is saved
at both sizes as ``_build/screenshots/<chapter>-desktop.png`` and ``-phone.png``.
"""

from __future__ import annotations

import json

import pytest
from conftest import ROOT, SCREENSHOTS
from test_browser import CHAPTERS, PAGES

AXE = ROOT / "_build" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = ("serious", "critical")


def axe_results(page) -> list[dict]:
    """Every axe-core violation on ``page`` (WCAG 2.1 A/AA), with its nodes."""
    if not AXE.is_file():
        pytest.fail(
            f"{AXE} is missing: run `python tools/vendor_assets.py` (make book does)",
            pytrace=False,
        )
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
          const r = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                             resultTypes: ["violations"]});
          return r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(" "), impact: n.impact,
                                      html: n.html.slice(0, 160)})),
          }));
        }""",
        WCAG,
    )


def serious(violations: list[dict]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']}: "
        + "; ".join(n["target"] for n in v["nodes"][:6])
        + (f" (+{len(v['nodes']) - 6} more)" if len(v["nodes"]) > 6 else "")
        for v in violations
        if v["impact"] in SERIOUS
    ]


CHAPTER_PAGES = {f"chapters/{name}.html" for name in CHAPTERS}


@pytest.mark.parametrize("size", VIEWPORTS)
@pytest.mark.parametrize("path", [p for p in PAGES if p not in CHAPTER_PAGES])
def test_axe_finds_no_serious_violation(open_page, path, size):
    """Every page but the chapters (test_chapter_on_this_screen runs axe on those)."""
    page, _ = open_page(path, VIEWPORTS[size])
    found = serious(axe_results(page))
    assert not found, f"{path} at {size}:\n  " + "\n  ".join(found)


def test_index_page_has_a_title_and_a_language(browser, base_url):
    page = browser.new_page()  # the page redirects: read the file as served
    try:
        text = page.request.get(base_url + "index.html").text()
    finally:
        page.close()
    assert '<html lang="en">' in text and "<title>River Valley" in text, text[:300]


# ---- Header buttons ---------------------------------------------------------------

_VISIBLE = "el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)"


def _visible_button(page, selector: str):
    buttons = page.locator(selector)
    for i in range(buttons.count()):
        if buttons.nth(i).evaluate(_VISIBLE) and buttons.nth(i).is_visible():
            return buttons.nth(i)
    return None


def check_icons(page) -> list[str]:
    """The theme's icons draw from its webfont (the page loads no fontawesome.js): the
    chapter-list button's icon is a glyph of the Font Awesome font, at least 10 px
    wide, and that font has loaded."""
    button = _visible_button(page, "button.primary-toggle")
    if button is None:
        return ["no visible chapter-list button"]
    icon = button.evaluate(
        """async b => {
          await document.fonts.ready;
          const i = b.querySelector("[class*='fa-']");
          const style = getComputedStyle(i, "::before");
          return {tag: i.tagName, family: style.fontFamily, content: style.content,
                  width: i.getBoundingClientRect().width,
                  loaded: document.fonts.check('900 16px "Font Awesome 6 Free"')};
        }"""
    )
    ok = (
        icon["tag"] in ("I", "SPAN")
        and "Font Awesome" in icon["family"]
        and icon["content"] not in ("none", "normal", "")
        and icon["width"] >= 10
        and icon["loaded"]
    )
    return [] if ok else [f"the header's icon does not draw from the webfont: {icon}"]


def check_header_buttons(page, name: str, size: str) -> list[str]:
    """The chapter-list and contents buttons open their panels (phone); the chapter-list
    button collapses and restores the sidebar (desktop)."""
    problems = []
    primary = _visible_button(page, "button.primary-toggle")
    if primary is None:
        return ["no visible chapter-list button"]
    page.evaluate("() => window.scrollTo(0, 0)")
    if size == "phone":
        primary.click()
        dialog = page.locator("#pst-primary-sidebar-modal")
        try:
            dialog.wait_for(state="visible", timeout=3000)
        except Exception:  # noqa: BLE001 - reported below
            return ["the chapter-list button did not open the chapter list"]
        links = dialog.locator("nav.bd-docs-nav a.reference.internal")
        if links.count() < len(CHAPTERS) or not links.first.is_visible():
            problems.append(f"the chapter list shows {links.count()} links")
        page.screenshot(path=str(SCREENSHOTS / f"{name}-phone-chapters.png"))
        page.keyboard.press("Escape")
        page.wait_for_function(
            "() => !document.querySelector('#pst-primary-sidebar-modal').open"
        )
        secondary = _visible_button(page, "button.secondary-toggle")
        has_toc = page.locator("#pst-secondary-sidebar a.nav-link").count() > 0
        if secondary is None and not has_toc:
            return problems  # a page with no sections has no contents to open
        if secondary is None:
            return [*problems, "no visible in-page contents button"]
        secondary.click()
        toc = page.locator("#pst-secondary-sidebar-modal")
        try:
            toc.wait_for(state="visible", timeout=3000)
        except Exception:  # noqa: BLE001 - reported below
            return [*problems, "the contents button did not open the contents"]
        entries = toc.locator("a.nav-link")
        if entries.count() < 3 or not entries.first.is_visible():
            problems.append(f"the in-page contents show {entries.count()} entries")
        page.screenshot(path=str(SCREENSHOTS / f"{name}-phone-contents.png"))
        page.keyboard.press("Escape")
    else:
        if not page.locator("#pst-primary-sidebar").is_visible():
            return ["the sidebar is not shown on a desktop"]
        primary.click()
        try:
            page.wait_for_function(
                "() => { const s = document.querySelector('#pst-primary-sidebar');"
                " return s.classList.contains('pst-sidebar-hidden')"
                " || !s.offsetWidth; }",
                timeout=3000,
            )
        except Exception:  # noqa: BLE001 - reported below
            return ["the chapter-list button did not collapse the sidebar"]
        if page.locator("#pst-primary-sidebar-modal").evaluate("d => d.open"):
            problems.append("a desktop click opened the phone dialog")
        primary.click()
        try:
            page.wait_for_function(
                "() => document.querySelector('#pst-primary-sidebar')"
                ".offsetWidth > 100",
                timeout=3000,
            )
        except Exception:  # noqa: BLE001 - reported below
            problems.append("a second click did not bring the sidebar back")
    return problems


# ---- Width: nothing cut, wide things scroll with a cue ----------------------------

_OVERFLOW_JS = """
() => {
  const article = document.querySelector("article.bd-article")
      || document.querySelector("main");
  const col = article.getBoundingClientRect();
  const slack = 4;  // a glyph's overhang (italic letters), as in rivervalley-page.js
  const out = {pageScroll: document.documentElement.scrollWidth - window.innerWidth,
               cut: [], noCue: [], scrollers: 0};
  const skip = "mjx-assistive-mml, .visually-hidden, .sr-only, dialog, script, " +
               "style, .headerlink, .tooltip, .copybtn";
  const scrollerOf = el => {
    for (let a = el; a && a !== article; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      const scrolls = ox === "auto" || ox === "scroll";
      if (scrolls && a.scrollWidth > a.clientWidth + 1) return a;
    }
    return null;
  };
  const cls = el => typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\\s+/).slice(0, 2).join(".") : "";
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + cls(el);
  const seen = new Set();
  for (const el of article.querySelectorAll("*")) {
    if (el.closest(skip)) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if (r.right <= col.right + slack && r.left >= col.left - slack) continue;
    const box = scrollerOf(el);
    if (!box) {
      const text = (el.textContent || "").trim().slice(0, 60);
      const at = `${Math.round(r.left)}..${Math.round(r.right)} px`;
      const column = `${Math.round(col.left)}..${Math.round(col.right)}`;
      out.cut.push(`${name(el)} (${at}, column ${column}): ${text}`);
      continue;
    }
    if (seen.has(box)) continue;
    seen.add(box);
    out.scrollers += 1;
    const b = box.getBoundingClientRect();
    const bg = getComputedStyle(box).backgroundImage;
    const cue = /gradient/.test(bg) || box.closest(".highlight, pre");
    const reachable = box.tabIndex >= 0
        || box.querySelector("a, button, input, [tabindex]");
    if (!cue || !reachable || b.right > col.right + slack || b.left < col.left - slack)
      out.noCue.push(`${name(box)}: cue ${!!cue}, keyboard ${!!reachable}, ` +
                     `box ${Math.round(b.left)}..${Math.round(b.right)}`);
  }
  out.cut = out.cut.slice(0, 12);
  return out;
}
"""


def check_width(page) -> list[str]:
    found = page.evaluate(_OVERFLOW_JS)
    problems = []
    if found["pageScroll"] > 0:
        problems.append(f"the page scrolls sideways by {found['pageScroll']} px")
    problems += [f"wider than the column, not in a scroller: {c}" for c in found["cut"]]
    problems += [
        f"sideways scroller without cue or keyboard: {c}" for c in found["noCue"]
    ]
    return problems


_FIGURE_TEXT_JS = """
() => Array.from(document.querySelectorAll("main .cell_output img, main figure img"))
  .filter(img => img.naturalWidth && img.offsetWidth &&
                 !img.closest(".jupyter-widgets, .widget-area, .rv-explorer") &&
                 !img.classList.contains("rv-frame"))
  .map(img => ({src: (img.getAttribute("src") || "").slice(0, 60),
                scale: img.getBoundingClientRect().width / img.naturalWidth}))
"""


def check_figure_scale(page) -> list[str]:
    """A figure is shown at >= 70 % of its drawn size (its 10 pt text at 110 dpi stays
    above 9 px); wider ones scroll (check_width)."""
    return [
        f"figure shrunk to {f['scale']:.0%}: {f['src']}"
        for f in page.evaluate(_FIGURE_TEXT_JS)
        if f["scale"] < 0.69
    ]


# ---- Sliders: 44 px touch targets -------------------------------------------------

_TARGETS_JS = """
() => {
  const out = [];
  const sliders = Array.from(
      document.querySelectorAll('[role="slider"], input[type="range"]'))
    .filter(el => el.offsetParent !== null);
  for (const el of sliders) {
    el.scrollIntoView({block: "center"});
    const r = el.getBoundingClientRect();
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
    const misses = [];
    for (const [dx, dy] of [[-21, 0], [21, 0], [0, -21], [0, 21]]) {
      const hit = document.elementFromPoint(cx + dx, cy + dy);
      if (!(hit === el || el.contains(hit) || (el.tagName === "INPUT" && hit === el)))
        misses.push(`${dx},${dy} -> ` +
                    (hit ? hit.tagName.toLowerCase() + "." + hit.className : "none"));
    }
    if (el.tagName === "INPUT" && r.height < 44) misses.push(`height ${r.height}`);
    const label = el.getAttribute("aria-label") || el.className;
    if (misses.length) out.push(`${label}: ${misses.join(", ")}`);
  }
  return {count: sliders.length, misses: out};
}
"""


def check_touch_targets(page, name: str) -> list[str]:
    found = page.evaluate(_TARGETS_JS)
    problems = [f"slider target under 44 px: {m}" for m in found["misses"]]
    if name[:2].isdigit() and found["count"] == 0:
        problems.append("no slider on the page")
    return problems


# ---- Keyboard ---------------------------------------------------------------------

_FOCUS_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) ||
               (s.boxShadow && s.boxShadow !== "none");
  const r = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), cls: String(el.className).slice(0, 60),
          label: (el.getAttribute("aria-label") || el.textContent || "")
              .trim().slice(0, 40),
          ring, math: !!el.closest("mjx-container"),
          where: el.outerHTML.slice(0, 120) + " in " +
                 (el.parentElement ? el.parentElement.className : ""),
          visible: r.width > 0 && r.height > 0};
}
"""


def check_keyboard(page, stops: int = 60) -> list[str]:
    """No formula is a Tab stop, and the first ``stops`` stops all show a focus ring."""
    problems = []
    math_stops = page.evaluate(
        "() => Array.from(document.querySelectorAll('mjx-container'))"
        ".filter(m => m.tabIndex >= 0).length"
    )
    if math_stops:
        problems.append(f"{math_stops} formulas are Tab stops")
    page.evaluate("() => { window.scrollTo(0, 0); document.activeElement.blur(); }")
    for _ in range(stops):
        page.keyboard.press("Tab")
        focus = page.evaluate(_FOCUS_JS)
        if focus is None:
            break
        if focus["math"]:
            problems.append(f"Tab reached a formula: {focus['where']}")
        if focus["visible"] and not focus["ring"]:
            problems.append(
                f"focus not visible on {focus['tag']}.{focus['cls']} {focus['label']!r}"
            )
    page.keyboard.press("Escape")
    return problems


@pytest.mark.parametrize("size", VIEWPORTS)
@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_on_this_screen(open_page, name, size):
    """One load per chapter and screen size: width, figures, touch targets, keyboard,
    axe-core, then the header buttons (which change the page), and screenshots."""
    page, log = open_page(f"chapters/{name}.html", VIEWPORTS[size])
    page.wait_for_timeout(300)  # the layout pass after MathJax (one animation frame)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=True)
    problems = check_width(page)
    if size == "phone":
        problems += check_figure_scale(page)
    problems += check_touch_targets(page, name)
    problems += check_keyboard(page)
    problems += serious(axe_results(page))
    problems += check_icons(page)
    problems += check_header_buttons(page, name, size)
    problems += log.problems()
    assert not problems, f"{name} at {size}:\n  " + "\n  ".join(problems)


def test_math_speech_works_offline(browser, base_url):
    """MathJax's speech explorer, switched on from its menu, speaks a formula with the
    rules served by the book (no request leaves the machine)."""
    from tests.chromium import offline

    host = base_url.split("//", 1)[1].rstrip("/")
    page = browser.new_page()
    blocked: list[str] = []
    failed: list[str] = []
    try:
        offline(page, host, blocked)
        page.on("response", lambda r: r.status >= 400 and failed.append(r.url))
        page.goto(base_url + "chapters/04_critical_step_size.html")
        page.evaluate(
            "() => localStorage.setItem('MathJax-Menu-Settings', "
            + json.dumps(json.dumps({"explorer": True, "speech": True}))
            + ")"
        )
        page.reload(wait_until="load")
        page.wait_for_function(
            "() => window.MathJax && MathJax.startup && MathJax.startup.promise",
            timeout=20000,
        )
        page.evaluate("() => MathJax.startup.promise")
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('mjx-container'))"
            ".some(m => (m.getAttribute('aria-label') || '').length > 3 ||"
            " m.querySelector('[data-semantic-speech]'))",
            timeout=30000,
        )
        speech = page.evaluate(
            "() => { const m = Array.from(document.querySelectorAll('mjx-container'))"
            ".find(m => m.querySelector('[data-semantic-speech]') ||"
            " (m.getAttribute('aria-label') || '').length > 3);"
            " const s = m.querySelector('[data-semantic-speech]');"
            " return s ? s.getAttribute('data-semantic-speech') :"
            " m.getAttribute('aria-label'); }"
        )
        assert speech and len(speech) > 3, speech
        assert not blocked, blocked
        assert not failed, failed
    finally:
        page.close()
