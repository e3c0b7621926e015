"""Fixtures for the browser gate: a local web server for ``_build/html`` and a headless
Chromium.

The browser is Debian's ``chromium`` (``make test-browser`` installs it with apt) driven
by Playwright for Python. Playwright's own browser download is not used. Every request
that does not go to the local server is aborted and recorded, so the pages are checked
exactly as an offline reader would see them.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.chromium import chromium_context, offline

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    """Serve ``_build/html`` on 127.0.0.1 (a free port) for the whole session."""
    if not (HTML / "index.html").is_file():
        pytest.fail(
            f"{HTML / 'index.html'} does not exist: run `make book` first",
            pytrace=False,
        )
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """A headless Chromium with a fresh, empty profile."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    with chromium_context(profile) as context:
        yield context


@dataclass
class PageLog:
    """What went wrong while one page loaded."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    blocked_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"failed request: {m}" for m in self.failed_requests]
            + [
                f"request to the network (blocked, the book must work offline): {m}"
                for m in self.blocked_requests
            ]
        )


@pytest.fixture
def open_page(browser, base_url):
    """Open a page of the built book (at ``viewport``, width and height in CSS pixels,
    else 1280 x 900); returns ``(page, log)`` once the page has settled."""
    opened = []
    host = urlsplit(base_url).netloc

    def _open(path: str, viewport: tuple[int, int] | None = None):
        page = browser.new_page()
        opened.append(page)
        if viewport is not None:
            page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        log = PageLog()

        offline(page, host, log.blocked_requests)
        page.on(
            "console",
            lambda m: m.type == "error"
            and log.console_errors.append(f"{m.text} @ {m.location}"),
        )
        page.on("pageerror", lambda e: log.page_errors.append(str(e)))
        page.on(
            "requestfailed",
            lambda r: urlsplit(r.url).netloc == host
            and log.failed_requests.append(f"{r.url} ({r.failure})"),
        )
        page.on(
            "response",
            lambda r: r.status >= 400
            and log.failed_requests.append(f"{r.url} (HTTP {r.status})"),
        )
        page.goto(base_url + path, wait_until="load")
        settle(page)
        return page, log

    yield _open
    for page in opened:
        page.close()


# Wait for MathJax (when the page loads it) to finish typesetting, and for every eager
# image to finish.
_SETTLE_JS = """
async () => {
  if (document.querySelector('script[src*="mathjax"]')) {
    const t0 = Date.now();
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
      if (Date.now() - t0 > 20000) throw new Error("MathJax did not start within 20 s");
      await new Promise(r => setTimeout(r, 50));
    }
    await MathJax.startup.promise;
  }
  // A lazy image far from the viewport is not fetched until it nears the viewport.
  const eager = Array.from(document.images).filter(img => img.loading !== "lazy");
  await Promise.all(eager.map(img => img.complete ? null :
    new Promise(r => { img.addEventListener("load", r); img.addEventListener("error", \
r); })));
  return true;
}
"""


def settle(page) -> None:
    page.evaluate(_SETTLE_JS)
