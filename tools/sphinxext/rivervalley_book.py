"""The book's own Sphinx glue: local browser assets, and fixes found by the browser
gate.

**Assets.** MathJax is served from the book itself (the pages have no live widgets:
``rivervalley_explorers`` shows the kernel-less explorers instead, so no widget manager
or require.js is loaded). One switch, the environment variable ``RIVERVALLEY_ASSETS``:

``local`` (default)
    The pages load the copy that ``tools/vendor_assets.py`` put in ``_vendor/``
    (``make book`` runs it). The built book then renders equations with no network at
    all.
``cdn``
    Leave Sphinx's default alone: MathJax comes from jsDelivr when a page is viewed
    (smaller site, needs a network to read).

``_vendor/`` is deliberately not ``_static/``: Jupyter Book 1 adds a ``<script>`` tag
for every ``.js`` file in the static paths when a ``_static/`` folder exists.

**Icons.** pydata-sphinx-theme 0.17.1 loads ``scripts/fontawesome.js`` (1.49 MB) on
every page, only to turn each ``<i class="fa-...">`` icon into an inline SVG and to
offer an API for custom icons, which the book has none of. Its own stylesheet already
draws those icons from the Font Awesome webfonts, so the script is dropped from every
page (:func:`_drop_fontawesome_script`): a chapter loads 1.5 MB less.

**Phone and keyboard.** ``static/rivervalley-page.js`` (deferred, every page) makes
the theme's header buttons work on narrow screens and marks whatever is wider than the
column (display equations, wide inline formulas, tables, figures) as a sideways scroller
with a visible cue; ``static/rivervalley.css`` holds the styles it relies on, visible
focus rings, link contrast inside proof and exercise boxes and 44 px slider targets.

**Inline scripts.** Some extensions (sphinx-thebe, sphinx-togglebutton) register their
inline ``<script>`` bodies after the HTML builder has started, so Sphinx holds each
twice (once with the file name ``None``, once with ``''``) and writes both. The second
``const THEBE_JS_URL = ...`` is a JavaScript ``SyntaxError`` on every page, so identical
scripts are dropped as each page is written.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

ENV = "RIVERVALLEY_ASSETS"
MODES = ("local", "cdn")
VENDOR = "_vendor"
STATIC = Path(__file__).resolve().parent / "static"
PAGE_JS = "rivervalley-page.js"
PAGE_CSS = "rivervalley.css"

#: Path relative to the static root, as the pages request it.
MATHJAX_PATH = "mathjax/tex-mml-chtml.js"


def assets_mode() -> str:
    """The asset mode chosen by ``RIVERVALLEY_ASSETS`` (``local`` when unset)."""
    mode = os.environ.get(ENV, "local").strip().lower() or "local"
    if mode not in MODES:
        raise ConfigError(f"{ENV} must be one of {MODES}, got {mode!r}")
    return mode


def _configure(app: Sphinx, config: Config) -> None:
    cdn = assets_mode() == "cdn"
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    app.add_js_file(PAGE_JS, loading_method="defer")
    app.add_css_file(PAGE_CSS)
    if cdn:
        return
    vendor = Path(app.confdir) / VENDOR
    if not (vendor / MATHJAX_PATH).is_file():
        raise ConfigError(
            f"{vendor} is missing or incomplete: run `python tools/vendor_assets.py` "
            f"(make book does), or build with {ENV}=cdn to load MathJax from a CDN."
        )
    config.html_static_path = [*config.html_static_path, str(vendor)]
    config.mathjax_path = MATHJAX_PATH


def _drop_duplicate_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    kept = []
    for js in scripts:
        # An inline script is registered with filename None by the app and '' by the
        # builder.
        name = getattr(js, "filename", js) or ""
        key = (str(name), tuple(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(js)
    scripts[:] = kept


def _list_items_in_citation_lists(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Give each entry of a citation list the role its list requires.

    docutils writes the bibliography as ``<div role="list" class="citation-list">``
    holding ``<div class="citation" role="doc-biblioentry">`` entries; a list may only
    own list items (axe-core: aria-required-children, critical). ``listitem`` is the
    entry's role inside that list.
    """
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


#: The theme's Font Awesome script tag (and the comment above it) in every page's head.
#: Upstream: pydata/pydata-sphinx-theme#2379 (the 1.5 MB script; PR #2494 replaces it
#: with a 90 kB core and the webfonts). No release has it yet.
# @patch fontawesome-script pip:pydata-sphinx-theme fixed-in:none checked-through:0.17.1
_FONTAWESOME = re.compile(
    r"[ \t]*(?:<!-- So that users can add custom icons -->\s*)?"
    r'<script defer src="[^"]*_static/scripts/fontawesome\.js(?:\?[^"]*)?"></script>\n?'
)


def _drop_fontawesome_script(app: Sphinx) -> None:
    """Render every HTML page without the theme's ``fontawesome.js``.

    The theme writes the tag from its template macros, not through Sphinx's script
    list, so the page's rendered HTML is filtered as the builder writes it. The icons
    still draw: the theme's stylesheet declares them with the webfonts it ships.
    """
    templates = getattr(app.builder, "templates", None)
    if app.builder.format != "html" or templates is None:
        return
    render = templates.render

    def render_without_fontawesome(template: str, context: dict[str, Any]) -> str:
        return _FONTAWESOME.sub("", render(template, context))

    templates.render = render_without_fontawesome


INDEX_HTML = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta http-equiv="Refresh" content="0; url={target}">
<link rel="canonical" href="{target}">
</head>
<body>
<main><p><a href="{target}">{title}</a></p></main>
</body>
</html>
"""


def _write_index(app: Sphinx, exception: Exception | None) -> None:
    """Write ``index.html`` as a redirect page with a title and a language.

    sphinx-external-toc writes a bare ``<meta http-equiv="Refresh">`` there (no
    ``<html lang>``, no ``<title>``: two WCAG failures), and only when the file does not
    exist yet. This runs first, on every build.
    """
    if exception is not None or app.builder.format != "html":
        return
    root = app.config.root_doc
    if root == "index":
        return
    title = app.config.html_title or app.config.project
    lang = (app.config.language or "en").replace("_", "-")
    page = INDEX_HTML.format(
        lang=html.escape(lang), title=html.escape(title), target=f"{root}.html"
    )
    (Path(app.outdir) / "index.html").write_text(page, encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    # After config overrides, before the builder starts (builder-inited).
    app.connect("config-inited", _configure, priority=400)
    app.connect("builder-inited", _drop_fontawesome_script)
    # Run after every extension has added its per-page scripts.
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    app.connect("html-page-context", _list_items_in_citation_lists)
    # Before sphinx-external-toc's handler (priority 500), which then leaves the file.
    app.connect("build-finished", _write_index, priority=400)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
