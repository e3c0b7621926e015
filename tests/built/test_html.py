"""Checks on the built book (run after `make book`): every chapter page can be launched
and downloaded."""

from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))


def test_the_book_was_built():
    assert (HTML / "index.html").exists(), "run `make book` first"


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_page_has_launch_and_download_buttons(name):
    page = (HTML / "chapters" / f"{name}.html").read_text()
    binder = re.findall(r'href="(https://mybinder\.org/v2/gh/[^"]+)"', page)
    assert any(
        f"urlpath=lab/tree/chapters/{name}.ipynb" in b and "/main?" in b for b in binder
    ), binder
    assert f'href="../_sources/chapters/{name}.ipynb"' in page
    assert (HTML / "_sources" / "chapters" / f"{name}.ipynb").exists()


def test_no_page_loads_a_widget_manager_or_the_theme_icon_script():
    """Pages have no live widgets (their outputs are the kernel-less explorers), so no
    widget manager, require.js or widget fix script; and not the theme's 1.5 MB
    fontawesome.js, whose icons the theme's stylesheet already draws."""
    pages = sorted(p for p in HTML.rglob("*.html") if "_static" not in p.parts)
    assert len(pages) > 10, "run `make book` first"
    for page in pages:
        text = page.read_text()
        for script in (
            "fontawesome.js",
            "embed-amd.js",
            "require.js",
            "rivervalley-widgets.js",
        ):
            assert script not in text, (page.relative_to(HTML), script)
    assert not (HTML / "_static" / "widgets").exists()
