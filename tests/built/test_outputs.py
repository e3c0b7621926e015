"""Gates on the built book: clean outputs and resolvable internal links.

Run after `make book` (`make test-html`): they read `_build/jupyter_execute` (the
executed notebooks) and `_build/html`.
"""

from __future__ import annotations

import html.parser
import json
import pathlib
import re
import urllib.parse

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXECUTED = ROOT / "_build" / "jupyter_execute" / "chapters"
HTML = ROOT / "_build" / "html"
NOTEBOOKS = sorted(p.name for p in (ROOT / "chapters").glob("*.ipynb"))
REPR = re.compile(
    r"<(Figure size|matplotlib\.[\w.]+ object at|Axes:|IPython\.core\.display\.\w+ "
    r"object)|\[<matplotlib\."
)


def _outputs(name):
    nb = json.loads((EXECUTED / name).read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert any(c.get("outputs") for c in code), (
        f"{name}: the executed copy has no outputs (stale build?)"
    )
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            yield i, out


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_executed_notebook_has_no_stderr_warning_or_object_repr(name):
    problems = []
    for i, out in _outputs(name):
        if out["output_type"] == "stream" and out["name"] == "stderr":
            problems.append((i, "stderr", "".join(out["text"])[:200]))
        if out["output_type"] == "error":
            problems.append((i, "error", out.get("ename")))
        texts = []
        if out["output_type"] == "stream":
            texts.append("".join(out["text"]))
        data = out.get("data", {})
        richer = {
            "image/png",
            "image/svg+xml",
            "text/latex",
            "text/html",
            "application/vnd.jupyter.widget-view+json",
        }
        if "text/html" in data:
            texts.append("".join(data["text/html"]))
        if "text/plain" in data and not richer & set(
            data
        ):  # the plain text is what the page shows
            texts.append("".join(data["text/plain"]))
        for text in texts:
            if "Warning" in text:
                problems.append((i, "warning", text[:200]))
            if REPR.search(text):
                problems.append((i, "object repr", REPR.search(text).group(0)))
    assert not problems, problems


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("img", "script") and a.get("src"):
            self.links.append(a["src"])
        if tag == "link" and a.get("href"):
            self.links.append(a["href"])


def _parse(path):
    p = _Links()
    p.feed(path.read_text(errors="replace"))
    return p


def test_every_internal_link_and_anchor_resolves():
    # Pages only: the theme's Jinja templates under _static are not served as pages.
    pages = sorted(
        p for p in HTML.rglob("*.html") if "_static" not in p.relative_to(HTML).parts
    )
    assert pages, "run `make book` first"
    ids = {}
    broken = []
    for page in pages:
        parsed = _parse(page)
        ids[page.resolve()] = parsed.ids
    for page in pages:
        for href in _parse(page).links:
            url = urllib.parse.urlparse(href)
            if url.scheme or href.startswith(("//", "mailto:", "javascript:")):
                continue
            target = (
                (page.parent / urllib.parse.unquote(url.path)).resolve()
                if url.path
                else page.resolve()
            )
            if url.path.endswith("/") or target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append((page.relative_to(HTML).as_posix(), href))
                continue
            if url.fragment and target.suffix == ".html":
                anchors = ids.get(target) or _parse(target).ids
                if url.fragment not in anchors:
                    broken.append((page.relative_to(HTML).as_posix(), href))
    assert not broken, broken[:20]
