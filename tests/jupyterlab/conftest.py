"""Fixtures for the JupyterLab gate: a JupyterLab server from ``.venv`` and a headless
Chromium.

The server is what Binder and the README's local route start (``jupyter lab``, with the
pinned jupyterlab-myst), run on 127.0.0.1 at a free port, with no token, in a throw-away
settings, workspaces and runtime directory, and with notebook windowing off so that
every cell is rendered, not only the visible ones. The browser is Debian's ``chromium``
driven by Playwright, as in ``tests/browser``: every request that does not go to the
local server is aborted and recorded.

Which notebooks are checked: ``NOTEBOOK_GLOBS`` (the chapters, the appendix notebooks
and the assignments' student notebooks), or the globs given with ``--notebooks``
(repeatable), relative to the repository root.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.chromium import chromium_context, offline

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "_build" / "screenshots" / "jupyterlab"
#: The notebooks a student or a Binder user opens (``make test-jupyterlab`` builds
#: the otter assignments first).
NOTEBOOK_GLOBS = [
    "chapters/*.ipynb",
    "appendix/*.ipynb",
    "assignments/book/*/student/*.ipynb",
]
SERVER_START_TIMEOUT = 120.0


#: User settings for the test server (JupyterLab's settings folder, a file per plugin).
LAB_SETTINGS = {
    # Render every cell: with windowing on, cells out of view are not in the page at
    # all. Shut each notebook's kernel down when it is closed: the gate opens twenty
    # notebooks.
    "@jupyterlab/notebook-extension/tracker": {
        "windowingMode": "none",
        "kernelShutdown": True,
    },
    # No "Would you like to get notified about official Jupyter news?" toast over the
    # screenshots, and no request for news or updates.
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    # Never write to a notebook (the server only sees copies anyway, see ``lab_root``).
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--notebooks",
        action="append",
        default=None,
        help="glob of notebooks to check, relative to the repository (repeatable); "
        f"default: {' '.join(NOTEBOOK_GLOBS)}",
    )


def notebook_paths(globs: list[str]) -> list[str]:
    """Every notebook matched by ``globs``, as paths relative to the repository root.

    A glob that matches nothing is an error: a missing student edition must not pass
    silently.
    """
    paths: list[str] = []
    for pattern in globs:
        found = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob(pattern))
        if not found:
            raise pytest.UsageError(f"no notebook matches {pattern!r} under {ROOT}")
        paths += [p for p in found if p not in paths]
    return paths


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "notebook" in metafunc.fixturenames:
        globs = metafunc.config.getoption("notebooks") or NOTEBOOK_GLOBS
        paths = notebook_paths(globs)
        metafunc.parametrize("notebook", paths, ids=paths)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jupyter() -> list[str]:
    exe = Path(sys.executable).with_name("jupyter-lab")
    if not exe.is_file():
        pytest.fail(
            f"{exe} does not exist: jupyterlab is pinned in requirements.txt "
            "(run `make env`)",
            pytrace=False,
        )
    return [str(exe)]


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and everything it started (kernels), by its own process group."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="session")
def lab_root(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The server's root: a copy of every folder holding a checked notebook, same
    layout.

    JupyterLab writes to the notebooks it opens (kernel metadata, outputs); it only ever
    sees these copies, so a run never changes the repository.
    """
    root = tmp_path_factory.mktemp("lab-root")
    globs = request.config.getoption("notebooks") or NOTEBOOK_GLOBS
    for folder in sorted({(ROOT / p).parent for p in notebook_paths(globs)}):
        dest = root / folder.relative_to(ROOT)
        dest.mkdir(parents=True, exist_ok=True)
        for nb in folder.glob("*.ipynb"):
            shutil.copy2(nb, dest / nb.name)
    return root


@pytest.fixture(scope="session")
def lab_url(lab_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start JupyterLab on 127.0.0.1 (a free port, no token) for the session; its base
    URL."""
    home = tmp_path_factory.mktemp("jupyterlab")
    settings = home / "settings"
    for plugin, values in LAB_SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    port = _free_port()
    log = (home / "server.log").open("w")
    cmd = [
        *_jupyter(),
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={lab_root}",
        # window.jupyterapp: the tests open notebooks and run cells through JupyterLab's
        # commands.
        "--LabApp.expose_app_in_browser=True",
        # No queries to PyPI from the extension manager.
        "--LabApp.extension_manager=readonly",
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=lab_root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"JupyterLab exited with {proc.returncode}:\n"
                    + (home / "server.log").read_text()[-3000:],
                    pytrace=False,
                )
            try:
                with urllib.request.urlopen(url + "api/status", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(
                    f"JupyterLab did not answer on {url} within "
                    f"{SERVER_START_TIMEOUT:.0f} s:\n"
                    + (home / "server.log").read_text()[-3000:],
                    pytrace=False,
                )
            time.sleep(0.5)
        yield url
    finally:
        _stop(proc)
        log.close()


class Lab:
    """One JupyterLab page, kept open for the session; notebooks are opened in it one by
    one."""

    def __init__(self, page, url: str) -> None:
        self.page = page
        self.url = url
        self.blocked: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []

    def take_log(self) -> tuple[list[str], list[str], list[str]]:
        """The blocked requests, console errors and page errors since the last call."""
        out = (self.blocked[:], self.console_errors[:], self.page_errors[:])
        self.blocked.clear(), self.console_errors.clear(), self.page_errors.clear()
        return out


@pytest.fixture(scope="session")
def lab(lab_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A headless Chromium with JupyterLab loaded (no notebook open yet)."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    host = urlsplit(lab_url).netloc
    with chromium_context(profile) as context:
        page = context.new_page()
        state = Lab(page, lab_url)

        offline(page, host, state.blocked)
        page.on(
            "console",
            lambda m: (m.type == "error" and state.console_errors.append(m.text[:300])),
        )
        page.on("pageerror", lambda e: state.page_errors.append(str(e)[:300]))
        page.goto(lab_url + "lab?reset", wait_until="load")
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.started !== undefined",
            timeout=60000,
        )
        page.evaluate("() => window.jupyterapp.started")
        page.wait_for_selector("#jp-main-dock-panel", timeout=60000)
        yield state
