"""The kernel-less explorers in the built book: frames as files, no widget manager.

A chapter's explorer cell (``widgets.explore(figures.x_figure)``) has one output with
two forms: the live ipywidget, for JupyterLab, and the explorer's HTML
(:class:`rivervalley_lib.book.frames.StaticExplorer`), for a page with no kernel. This
extension makes the book show the second and nothing of the first:

- **No live widgets.** The widget view is dropped from myst-nb's render priority for
  HTML, so the explorer's HTML is what the page shows (no dead controls), and the
  widget state the execution stored is not written into the page, nor the 4.4 MB
  widget manager that would read it (``nb_ipywidgets_js`` is emptied).
- **Frames as files.** Every inline ``data:image/...;base64`` image of a notebook
  output (an explorer's frames, a figure shown with alt text) is written once to
  ``_images/rv/<sha256>.<ext>`` and referenced by URL, so a page fetches a frame only
  when it shows it. Every image of a page is ``loading="lazy"``: fetched when it nears
  the viewport.
- **Run it live.** The explorer's "run it live" paragraph gets the chapter's Binder
  (JupyterLab) link, from the same settings as the page's launch button.
- **The script and styles** ``static/rivervalley-explorer.js`` and
  ``static/rivervalley-explorer.css`` make the range inputs swap the frames, announce
  each new frame in the explorer's live region, and give the sliders 44 px targets and
  a visible focus ring.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config

STATIC = Path(__file__).resolve().parent / "static"
JS = "rivervalley-explorer.js"
CSS = "rivervalley-explorer.css"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: Where the frames go, relative to the output folder.
FRAMES_DIR = "_images/rv"
_DATA_URI = re.compile(
    r"data:image/(png|jpeg|gif|svg\+xml);base64,([A-Za-z0-9+/]+={0,2})"
)
_EXT = {"png": "png", "jpeg": "jpg", "gif": "gif", "svg+xml": "svg"}
_LAUNCH = '<p class="rv-explorer-launch" hidden>'
_LAUNCH_LINK = '<a class="rv-launch-link">'


def _configure(app: Sphinx, config: Config) -> None:
    # After rivervalley_book (priority 400), which points nb_ipywidgets_js at _vendor.
    config.nb_mime_priority_overrides = [
        *config.nb_mime_priority_overrides,
        ("html", WIDGET_VIEW, None),
    ]
    config.nb_ipywidgets_js = {}
    if str(STATIC) not in config.html_static_path:
        config.html_static_path = [*config.html_static_path, str(STATIC)]
    app.add_js_file(JS, loading_method="defer")
    app.add_css_file(CSS)


def _drop_widget_state(app: Sphinx, doctree: nodes.document) -> None:
    """Forget the widget state myst-nb stored for the page (nothing reads it)."""
    meta = getattr(app.env, "nb_metadata", {}).get(app.env.docname, {})
    js = meta.get("js_files", {})
    for key in [k for k in js if k.startswith("ipywidgets")]:
        del js[key]


def binder_url(config: Config, docname: str) -> str | None:
    """The Binder (JupyterLab) URL of a notebook page, as its launch button has it.

    Parameters
    ----------
    config : sphinx.config.Config
        The book's configuration (``html_theme_options``: ``repository_url``,
        ``repository_branch``, ``path_to_docs`` and ``launch_buttons``).
    docname : str
        The page, e.g. ``"chapters/01_river_valley"``.

    Returns
    -------
    str or None
        ``None`` when the book configures no Binder.
    """
    options = config.html_theme_options or {}
    launch = options.get("launch_buttons", {}) or {}
    hub = (launch.get("binderhub_url") or "").rstrip("/")
    repo = (options.get("repository_url") or "").rstrip("/")
    if not hub or "github.com/" not in repo:
        return None
    org_repo = repo.split("github.com/", 1)[1]
    branch = options.get("repository_branch") or "main"
    path = posixpath.join(options.get("path_to_docs") or "", f"{docname}.ipynb")
    ui = "lab/tree" if launch.get("notebook_interface") == "jupyterlab" else "tree"
    return f"{hub}/v2/gh/{org_repo}/{branch}?urlpath={quote(f'{ui}/{path}', safe='/')}"


def _externalise(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Write inline images of raw HTML outputs to files; fill in the launch links."""
    out = Path(app.outdir) / FRAMES_DIR
    here = posixpath.dirname(docname)
    launch = binder_url(app.config, docname)

    def to_file(match: re.Match) -> str:
        data = base64.b64decode(match.group(2))
        name = f"{hashlib.sha256(data).hexdigest()[:20]}.{_EXT[match.group(1)]}"
        target = out / name
        if not target.exists():
            out.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return posixpath.relpath(f"{FRAMES_DIR}/{name}", here or ".")

    for raw in list(doctree.findall(nodes.raw)):
        if "html" not in raw.get("format", "").split():
            continue
        text = raw.astext()
        if "data:image/" not in text and _LAUNCH not in text:
            continue
        new = _DATA_URI.sub(to_file, text)
        new = re.sub(r"<img (?![^>]*loading=)", '<img loading="lazy" ', new)
        if launch and _LAUNCH in new:
            new = new.replace(_LAUNCH, '<p class="rv-explorer-launch">').replace(
                _LAUNCH_LINK, f'<a class="rv-launch-link" href="{launch}">'
            )
        if new != text:
            replacement = raw.copy()  # the attributes (format, classes), no text
            replacement += nodes.Text(new)
            raw.replace_self(replacement)


def _lazy_images(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Every image of a page's body loads when it nears the viewport, not all at once
    on arrival (a chapter's figures weigh 0.5 MB and more)."""
    if context.get("body"):
        context["body"] = re.sub(
            r"<img (?![^>]*loading=)", '<img loading="lazy" ', context["body"]
        )


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _configure, priority=500)
    app.connect("doctree-read", _drop_widget_state)
    app.connect("doctree-resolved", _externalise)
    app.connect("html-page-context", _lazy_images)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
