"""The built pages a newcomer reads first, checked in the HTML (after ``make book``).

The intro opens with a figure and a question; the intro and the chapters whose claims
popular summaries get wrong send a reader of such a summary to the misreadings appendix,
which draws one figure per claim; the text defects issue 21 lists stay fixed; and pages
carry no raw HTML that a Markdown include let through.
"""

from __future__ import annotations

import html
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"


def _page(path: str) -> str:
    file = HTML / path
    if not file.is_file():
        pytest.fail(f"{file} does not exist: run `make book` first", pytrace=False)
    return file.read_text(encoding="utf-8")


def _article(text: str) -> str:
    """The page's main article, without the theme's header, sidebars and search form."""
    start = text.index("<article")
    return text[start : text.index("</article>", start)]


def _text(fragment: str) -> str:
    """Visible text of an HTML fragment: tags dropped, entities decoded, spaces
    joined."""
    fragment = re.sub(r"<(script|style)\b.*?</\1>", " ", fragment, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_intro_opens_with_a_figure_and_a_question():
    article = _article(_page("intro.html"))
    figure = re.search(r"<figure\b.*?</figure>", article, re.S)
    assert figure, "the intro has no figure"
    img = re.search(r'<img\b[^>]*alt="([^"]{80,})"', figure.group(0))
    assert img, "the hero figure needs an image with real alt text"
    caption = re.search(r"<figcaption\b.*?</figcaption>", figure.group(0), re.S)
    caption = _text(caption[0]).rstrip(" #")  # the permalink sign
    assert caption.endswith("?"), caption
    # It comes before the first section of the page.
    assert article.index("<figure") < article.index("<section", article.index("<h1"))


@pytest.mark.parametrize(
    ("page", "anchor"),
    [
        ("intro.html", "appendix-misreadings"),
        ("chapters/02_model.html", "misreading-batch-size"),
        ("chapters/04_critical_step_size.html", "misreading-threshold-reversed"),
        ("chapters/05_self_correction.html", "misreading-locked-in"),
        ("chapters/07_two_phases.html", "misreading-smaller-steps"),
    ],
)
def test_summary_readers_are_sent_to_the_misreadings(page, anchor):
    article = _article(_page(page))
    text = _text(article)
    assert "Read a summary of the paper? Start here" in text, page
    prefix = "" if "/" not in page else "../"
    assert f'href="{prefix}appendix/misreadings.html' in article, page
    assert f"#{anchor}" in article or anchor == "appendix-misreadings", page


def test_misreadings_draw_one_figure_per_claim():
    article = _article(_page("appendix/misreadings.html"))
    # Each claim is a section (h2) with its label as an anchor just before it.
    sections = re.split(r'<span id="misreading-', article)[1:]
    assert len(sections) == 4, len(sections)
    for section in sections:
        name = section.split('"', 1)[0]
        images = re.findall(r'<img\b[^>]*alt="([^"]+)"', section)
        assert len(images) == 1, (name, len(images))
        assert len(images[0]) > 80, (name, images[0])


@pytest.mark.parametrize(
    ("page", "wrong", "right"),
    [
        # A reference to an exercise already reads "Exercise 9".
        ("chapters/02_model.html", r"[Ee]xercise\s+Exercise", None),
        ("chapters/03_one_step_recursion.html", r"[Ee]xercise\s+Exercise", None),
        ("chapters/05_self_correction.html", r"[Ee]xercise\s+Exercise", None),
        # Batch size is b (B_t is the bulk energy).
        ("chapters/02_model.html", r"\\\(B = 1\\\)", r"\\\(b = 1\\\)"),
        # Chapter 6 comes before chapter 7.
        ("chapters/06_dom_vs_bulk.html", r"the valley of chapter 7", r"headline exp"),
        # The prose says the dominant directions do not flip at eta = 0.1.
        (
            "chapters/09_in_practice.html",
            r"dominant coordinate whose gradient alternates",
            r"which do not flip",
        ),
    ],
)
def test_text_defects_stay_fixed(page, wrong, right):
    article = _article(_page(page))
    text = _text(article)
    assert not re.search(wrong, text), (page, wrong)
    if right:
        assert re.search(right, text), (page, right)


def test_no_page_contains_a_raw_control_from_included_markdown():
    """bench/RESULTS.md is included by the Performance page: the markup characters of
    its cells (a goal '<= 50', once a '<input type=range>') must be text, not HTML."""
    article = _article(_page("appendix/performance.html"))
    assert "<input" not in article
    assert "&lt;= 50" in article and "page weight" in article


def test_index_page_has_a_title_and_a_language():
    text = _page("index.html")
    assert re.search(r'<html lang="en">', text), text[:200]
    assert re.search(r"<title>River Valley: [^<]+</title>", text), text[:300]
    assert 'http-equiv="Refresh"' in text and "url=intro.html" in text


def test_bibliography_entries_are_list_items():
    article = _article(_page("appendix/bibliography.html"))
    assert 'role="list"' in article and 'role="doc-biblioentry"' not in article
    assert re.findall(r'<div class="citation" id="[^"]+" role="listitem">', article)
