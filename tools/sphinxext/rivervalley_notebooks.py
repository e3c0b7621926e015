"""Read the notebooks as the book wrote them, undoing what JupyterLab needs.

``tools/sync_notebooks.py`` writes two things into each notebook so that it renders in
JupyterLab with jupyterlab-myst: a generated MyST frontmatter block with the book's
MathJax macros at the top of the first markdown cell, and each citation role as a
readable author-year link (and each reference to another notebook, ``{ref}``,
``{prf:ref}``, ``{numref}`` or ``{doc}``, as a link to it). The book does not need
either (Sphinx takes the macros from ``_config.yml`` and sphinxcontrib-bibtex resolves
the roles), and myst-nb would render
the frontmatter block as a rule and a heading. So, as each notebook's source is read,
this extension removes the generated block and turns the links back into
``{cite:t}`key```-style roles (and ``{prf:ref}``, ``{doc}``...): the built book is the
same as before the sync.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

_SYNC = Path(__file__).resolve().parents[1] / "sync_notebooks.py"


def _load_sync():
    spec = importlib.util.spec_from_file_location("rivervalley_sync_notebooks", _SYNC)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sync = _load_sync()


def _read_as_book(app: Sphinx, docname: str, source: list[str]) -> None:
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    nb = json.loads(source[0])
    book = sync.book_source(nb)
    if book != nb:
        source[0] = sync.dumps(book)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("source-read", _read_as_book)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
