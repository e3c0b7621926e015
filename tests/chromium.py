"""Headless Chromium for the browser and JupyterLab gates: one launch recipe for both.

Debian's ``chromium`` (``tools/install_browser.sh``) driven by Playwright for Python,
with a fresh, empty profile; Playwright's own browser download is not used.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# What the probe of this machine kind uses: without the background-networking flags
# Chromium keeps trying to reach Google's services, which a closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


def chromium_path() -> str:
    """The Chromium binary: ``$CHROMIUM``, else ``chromium`` on PATH; fails the test run
    with what to do when there is none."""
    path = (
        os.environ.get("CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if path is None:
        pytest.fail(
            "Chromium was not found: `make test-browser` installs Debian's chromium "
            "with apt (or set CHROMIUM to a Chromium binary)",
            pytrace=False,
        )
    return path


@contextmanager
def chromium_context(profile: Path) -> Iterator:
    """A headless Chromium context (1280 x 900) with the empty profile ``profile``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium_path(),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


def offline(page, host: str, blocked: list[str]) -> None:
    """Cut ``page`` off the network: requests to ``host`` (the local server) and
    ``data:`` URLs go through; every other request is aborted and recorded in
    ``blocked``."""
    from urllib.parse import urlsplit

    def route(r):
        url = r.request.url
        if urlsplit(url).netloc == host or url.startswith("data:"):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    page.route("**/*", route)
