"""The book's own Sphinx glue: local browser assets, and fixes found by the browser
gate.

**Assets.** MathJax, require.js and the widget manager are served from the book itself.
One switch, the environment variable ``RIVERVALLEY_ASSETS``:

``local`` (default)
    The pages load the copies that ``tools/vendor_assets.py`` put in ``_vendor/``
    (``make book`` runs it). The built book then renders equations and widgets with no
    network at all.
``cdn``
    Leave Sphinx's and myst-nb's defaults alone: MathJax and the widget scripts come
    from jsDelivr and cdnjs when a page is viewed (smaller site, needs a network to
    read).

``_vendor/`` is deliberately not ``_static/``: Jupyter Book 1 adds a ``<script>`` tag
for every ``.js`` file in the static paths when a ``_static/`` folder exists.

**Widgets.** ``static/rivervalley-widgets.js`` is loaded on every page before the widget
manager: it points the manager at its icon fonts and gives MathJax 3 the
``MathJax.Hub.Queue`` that the manager (written for MathJax 2) calls to typeset widget
labels. See the comments in that file.

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
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

ENV = "RIVERVALLEY_ASSETS"
MODES = ("local", "cdn")
VENDOR = "_vendor"
STATIC = Path(__file__).resolve().parent / "static"
WIDGETS_FIX_JS = "rivervalley-widgets.js"
PAGE_JS = "rivervalley-page.js"
PAGE_CSS = "rivervalley.css"

#: Paths relative to the static root, as the pages request them.
MATHJAX_PATH = "mathjax/tex-mml-chtml.js"
WIDGETS_JS: dict[str, dict[str, str]] = {
    "require.js": {},
    # data-jupyter-widgets-cdn is where third-party widget modules would be fetched
    # from. The book only uses the core ipywidgets controls, which the manager bundles,
    # so nothing goes
    # there.
    "widgets/embed-amd.js": {"data-jupyter-widgets-cdn": "widgets/"},
}


def assets_mode() -> str:
    """The asset mode chosen by ``RIVERVALLEY_ASSETS`` (``local`` when unset)."""
    mode = os.environ.get(ENV, "local").strip().lower() or "local"
    if mode not in MODES:
        raise ConfigError(f"{ENV} must be one of {MODES}, got {mode!r}")
    return mode


def _cdn_widget_assets(config: Config) -> str | None:
    """The folder of the CDN's widget manager (where its icon fonts are), from myst-nb's
    setting."""
    for url in getattr(config, "nb_ipywidgets_js", {}) or {}:
        if url.endswith("/embed-amd.js") and "://" in url:
            return url[: -len("embed-amd.js")]
    return None


def _configure(app: Sphinx, config: Config) -> None:
    cdn = assets_mode() == "cdn"
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    # In local mode the fonts sit in widgets/ relative to rivervalley-widgets.js
    # (_static/widgets/).
    widget_assets = _cdn_widget_assets(config) if cdn else "widgets/"
    attributes = {"data-widgets-assets": widget_assets} if widget_assets else {}
    app.add_js_file(WIDGETS_FIX_JS, priority=200, **attributes)
    app.add_js_file(PAGE_JS, loading_method="defer")
    app.add_css_file(PAGE_CSS)
    if cdn:
        return
    vendor = Path(app.confdir) / VENDOR
    if (
        not (vendor / MATHJAX_PATH).is_file()
        or not (vendor / "widgets" / "embed-amd.js").is_file()
    ):
        raise ConfigError(
            f"{vendor} is missing or incomplete: run `python tools/vendor_assets.py` "
            "(make book "
            f"does), or build with {ENV}=cdn to load MathJax and the widget scripts "
            "from CDNs."
        )
    config.html_static_path = [*config.html_static_path, str(vendor)]
    config.mathjax_path = MATHJAX_PATH
    config.nb_ipywidgets_js = WIDGETS_JS


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
    # Run before myst-nb reads nb_ipywidgets_js (builder-inited) and after config
    # overrides.
    app.connect("config-inited", _configure, priority=400)
    # Run after every extension has added its per-page scripts.
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    app.connect("html-page-context", _list_items_in_citation_lists)
    # Before sphinx-external-toc's handler (priority 500), which then leaves the file.
    app.connect("build-finished", _write_index, priority=400)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
