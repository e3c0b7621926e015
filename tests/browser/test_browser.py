"""The built book in a real browser: what a reader sees, checked rather than assumed.

Run with ``make test-browser`` after ``make book``. Every page of ``_build/html`` is
opened in a headless Chromium with the network cut off (only the local server answers),
and each chapter is saved as a full-page screenshot under ``_build/screenshots/``.
"""

from __future__ import annotations

import json

import pytest
from conftest import HTML, ROOT, SCREENSHOTS

# Every page of the built book but index.html, which only redirects (tested on its own).
PAGES = sorted(
    p.relative_to(HTML).as_posix()
    for p in HTML.rglob("*.html")
    if not p.relative_to(HTML).parts[0].startswith("_") and p.name != "index.html"
)
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))
# Chapters 1-9 each have an interactive widget and its static fallback; the quick start
# has none.
WIDGET_CHAPTERS = [c for c in CHAPTERS if c[:2].isdigit()]


def _toc_files() -> list[str]:
    """Every document of ``_toc.yml``, in reading order (root first)."""
    import yaml  # PyYAML is a dependency of jupyter-book

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [
        toc["root"],
        *(ch["file"] for part in toc["parts"] for ch in part["chapters"]),
    ]


TOC = _toc_files()


def test_index_redirects_to_the_preface(browser, base_url):
    page = browser.new_page()
    try:
        page.goto(base_url + "index.html")
        page.wait_for_url(base_url + f"{TOC[0]}.html", timeout=10000)
        assert page.locator("main h1").count() >= 1
    finally:
        page.close()


def test_every_toc_document_was_built():
    missing = [f for f in TOC if f"{f}.html" not in PAGES]
    assert not missing, f"documents of _toc.yml with no page in {HTML}: {missing}"
    assert len(PAGES) >= len(TOC)


# JavaScript run on a settled page: everything the per-page test asserts on, in one
# round trip.
_INSPECT_JS = """
() => {
  const out = {};
  out.math = Array.from(document.querySelectorAll(".math")).length;
  out.mathUnrendered = Array.from(document.querySelectorAll(".math"))
      .filter(el => !el.querySelector("mjx-container")).map(el => \
el.textContent.slice(0, 80));
  out.mjx = document.querySelectorAll("mjx-container").length;
  out.mathErrors = Array.from(document.querySelectorAll("mjx-merror"))
      .map(el => (el.getAttribute("data-mjx-error") || el.textContent).slice(0, 120));
  // Text a reader sees, outside code, scripts and typeset math: no TeX delimiters may \
be left.
  const main = document.querySelector("main") || document.body;
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT, {
    acceptNode(node) {
      return node.parentElement.closest("pre, code, script, style, mjx-container, \
mjx-assistive-mml, .highlight, textarea")
          ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
    }
  });
  const raw = [];
  const tex = \
/\\$[^$\\s][^$]*\\$|\\\\\\(|\\\\\\)|\\\\\\[|\\\\\\]|\\\\begin\\{|\\\\frac|\\\\mathcal|\
\\\\eta\\b|\\\\chi\\b|\\\\lambda\\b/;
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const m = n.textContent.match(tex);
    if (m) raw.push(n.textContent.trim().slice(0, 100));
  }
  out.rawTex = raw;
  out.images = Array.from(document.images).map(img => ({
    src: img.getAttribute("src"), width: img.naturalWidth, alt: \
(img.getAttribute("alt") || "").trim(),
    inMain: !!img.closest("main"),
  }));
  out.title = document.title;
  out.h1 = Array.from(document.querySelectorAll("main h1")).map(h => \
h.textContent.trim());
  out.navLinks = Array.from(document.querySelectorAll("nav.bd-docs-nav \
a.reference.internal"))
      .map(a => new URL(a.getAttribute("href"), location.href).pathname);
  out.next = (document.querySelector("a.right-next") || {}).href || null;
  out.prev = (document.querySelector("a.left-prev") || {}).href || null;
  return out;
}
"""


def inspect(page) -> dict:
    return page.evaluate(_INSPECT_JS)


def load_all_images(page) -> None:
    """The book's images load lazily (near the viewport): load every one of them now."""
    page.evaluate(
        "() => Promise.all(Array.from(document.images).map(img => {"
        " img.loading = 'eager'; return img.complete ? null : new Promise(r => {"
        " img.addEventListener('load', r); img.addEventListener('error', r); }); }))"
    )


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_offline(open_page, path):
    """Math typeset, images loaded with alt text, no console errors and no failed
    requests."""
    page, log = open_page(path)
    load_all_images(page)
    info = inspect(page)
    problems = log.problems()
    problems += [f"math left untypeset: {m!r}" for m in info["mathUnrendered"]]
    problems += [f"MathJax error: {m!r}" for m in info["mathErrors"]]
    problems += [f"raw TeX in the text: {m!r}" for m in info["rawTex"]]
    for img in info["images"]:
        if img["width"] == 0:
            problems.append(f"image did not load: {img['src']}")
        if not img["alt"]:
            problems.append(f"image without alt text: {img['src']}")
    if not info["h1"] and path not in (
        "search.html",
        "genindex.html",
        "py-modindex.html",
    ):
        problems.append("no <h1> in the main content")
    assert not problems, f"{path}:\n  " + "\n  ".join(problems)
    if info["math"]:
        assert info["mjx"] >= info["math"], (path, info["mjx"], info["math"])


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_screenshot_and_content(open_page, name):
    """A full-page screenshot per chapter, with typeset equations and loaded figures on
    it."""
    page, log = open_page(f"chapters/{name}.html")
    load_all_images(page)
    info = inspect(page)
    assert not log.problems(), log.problems()
    figures = [
        i for i in info["images"] if i["inMain"] and i["src"].startswith("../_images/")
    ]
    assert len(figures) >= 1 and all(i["width"] > 0 for i in figures), figures
    assert info["mjx"] > 0, f"{name}: no typeset equation on the page"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert width >= 1000 and height > 900, (
        name,
        width,
        height,
    )  # the whole page, not the viewport


@pytest.mark.parametrize("name", WIDGET_CHAPTERS)
def test_static_fallback_figure(open_page, name):
    """The static figure beside the explorer is shown, with real alt text (the explorer
    itself, which replaces the live widget online: test_static_explorers.py)."""
    page, log = open_page(f"chapters/{name}.html")
    assert not log.problems(), log.problems()
    fallback = page.locator(".cell.tag_widget-fallback")
    assert fallback.count() == 1, f"{name}: expected one cell tagged 'widget-fallback'"
    imgs = fallback.locator("img")
    assert imgs.count() >= 1, f"{name}: the static fallback has no figure"
    for i in range(imgs.count()):
        img = imgs.nth(i)
        img.scroll_into_view_if_needed()  # a lazy image loads near the viewport
        img.evaluate(
            "el => el.complete ? null"
            " : new Promise(r => el.addEventListener('load', r))"
        )
        assert img.is_visible()
        assert img.evaluate("el => el.naturalWidth") > 0
        assert len(img.get_attribute("alt") or "") > 40, (
            f"{name}: the fallback figure needs real alt text"
        )


def test_navigation_lists_every_page_and_next_links_follow_the_toc(open_page, base_url):
    page, log = open_page("intro.html")
    assert not log.problems(), log.problems()
    nav = {p.rsplit("/", 1)[-1] for p in inspect(page)["navLinks"]}
    missing = [f for f in TOC[1:] if f"{f.rsplit('/', 1)[-1]}.html" not in nav]
    assert not missing, f"sidebar misses {missing}"
    # Walk the whole book with the "next" buttons: the order must be the table of
    # contents.
    visited = [TOC[0]]
    for _ in range(len(TOC) - 1):
        link = page.locator("a.right-next")
        assert link.count() == 1, f"no 'next' link on {visited[-1]}"
        link.click()
        page.wait_for_load_state("load")
        visited.append(page.url.removeprefix(base_url).removesuffix(".html"))
    assert visited == TOC
    assert page.locator("a.right-next").count() == 0, "the last page has a 'next' link"
    page.locator("a.left-prev").click()
    page.wait_for_load_state("load")
    assert page.url.removeprefix(base_url).removesuffix(".html") == TOC[-2]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("critical step size", "chapters/04_critical_step_size"),
        ("Lanczos", "chapters/08_neural_network"),
    ],
)
def test_search_finds_the_chapter(open_page, query, expected):
    page, log = open_page(f"search.html?q={query.replace(' ', '+')}")
    page.wait_for_function(
        "() => document.querySelectorAll('#search-results ul.search li').length > 0 || "
        "/did not match|no documents/i.test((document.querySelector('#search-results') "
        "|| {}).textContent || '')",
        timeout=20000,
    )
    hits = page.locator("#search-results ul.search li a").evaluate_all(
        "els => els.map(a => a.href)"
    )
    assert any(expected in h for h in hits), (query, hits)
    assert not log.problems(), log.problems()


@pytest.mark.parametrize("name", CHAPTERS)
def test_launch_and_download_buttons_work(open_page, base_url, name):
    page, log = open_page(f"chapters/{name}.html")
    # Launch menu: opening it shows a Binder link to this notebook on the main branch.
    launch = page.locator(".dropdown-launch-buttons")
    assert launch.count() == 1
    launch.locator("button").first.click()
    binder = launch.locator('a[href^="https://mybinder.org/v2/gh/"]')
    binder.first.wait_for(state="visible", timeout=5000)
    href = binder.first.get_attribute("href")
    assert f"urlpath=lab/tree/chapters/{name}.ipynb" in href and "/main?" in href, href
    page.keyboard.press("Escape")
    # Download menu: the .ipynb link serves the notebook itself (valid JSON, nbformat
    # 4).
    download = page.locator(".dropdown-download-buttons")
    assert download.count() == 1
    download.locator("button").first.click()
    ipynb = download.locator(f'a[href$="{name}.ipynb"]')
    ipynb.first.wait_for(state="visible", timeout=5000)
    url = ipynb.first.evaluate("a => a.href")
    response = page.request.get(url)
    assert response.status == 200, url
    nb = json.loads(response.body())
    assert nb["nbformat"] == 4 and len(nb["cells"]) > 3
    assert not log.problems(), log.problems()


def test_vendored_assets_are_served_locally():
    """The pages point at the local copies, not at a CDN (unless built with
    RIVERVALLEY_ASSETS=cdn)."""
    text = (HTML / "chapters" / f"{WIDGET_CHAPTERS[0]}.html").read_text()
    assert "../_static/mathjax/tex-mml-chtml.js" in text, (
        "the pages load MathJax from elsewhere: the browser gate checks the offline "
        "build, "
        "not one made with RIVERVALLEY_ASSETS=cdn"
    )
    # No live widgets online (their output is the kernel-less explorer): no manager.
    assert "require.js" not in text and "embed-amd.js" not in text
    assert "cdn.jsdelivr.net" not in text and "cdnjs.cloudflare.com" not in text
    versions = json.loads((HTML / "_static" / "VERSIONS.json").read_text())
    assert versions["mathjax"].startswith("3.")
