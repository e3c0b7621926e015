"""JupyterLab, where Binder users and students open the notebooks, is set up and gated.

Binder (repo2docker) builds its environment from the root ``requirements.txt`` and opens
the launch URL of the book's rocket button; the README's local route runs
``.venv/bin/jupyter lab``. Both need JupyterLab and jupyterlab-myst pinned there, both
extensions used (jupyterlab-myst and the ipywidgets manager) must come prebuilt (else
Binder would need a ``postBuild`` running ``jupyter lab build``), and nothing may make
repo2docker skip the root files.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def test_requirements_pin_jupyterlab_and_jupyterlab_myst():
    pins = _pins()
    assert "jupyterlab" in pins and "jupyterlab-myst" in pins, sorted(pins)


def test_the_local_route_runs_the_pinned_jupyterlab():
    # The README's `.venv/bin/jupyter lab` resolves to `jupyter-lab` of the environment.
    exe = BIN / "jupyter-lab"
    assert exe.is_file(), (
        f"{exe} is missing: jupyterlab is not installed from requirements.txt"
    )
    version = subprocess.run(
        [str(exe), "--version"], capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()
    assert version == _pins()["jupyterlab"]
    readme = (ROOT / "README.md").read_text()
    assert ".venv/bin/jupyter lab chapters/" in readme


def test_extensions_are_prebuilt_so_binder_needs_no_postbuild():
    labext = Path(sys.prefix) / "share" / "jupyter" / "labextensions"
    for name in ("jupyterlab-myst", "@jupyter-widgets/jupyterlab-manager"):
        package = labext / name / "package.json"
        assert package.is_file(), f"{name} is not installed as a prebuilt extension"
        assert json.loads(package.read_text())["jupyterlab"]["_build"]["load"]
    myst = json.loads((labext / "jupyterlab-myst" / "package.json").read_text())
    assert myst["version"] == _pins()["jupyterlab-myst"]


def test_binder_reads_the_root_requirements_and_opens_jupyterlab_at_the_chapter():
    # repo2docker reads binder/ or .binder/ INSTEAD of the root files when one exists.
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert cfg["launch_buttons"]["notebook_interface"] == "jupyterlab"
    assert cfg["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    # tests/built/test_html.py checks the built URL:
    # urlpath=lab/tree/chapters/<chapter>.ipynb.
    built = (ROOT / "tests" / "built" / "test_html.py").read_text()
    assert "urlpath=lab/tree/chapters/" in built


def test_ci_runs_the_jupyterlab_gate_after_make_test_and_before_the_book():
    steps = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip().startswith("make ")
    ]
    assert steps.index("make test") < steps.index("make test-jupyterlab"), steps
    assert steps.index("make test-jupyterlab") < steps.index("make book"), steps
    makefile = (ROOT / "Makefile").read_text()
    rule = re.search(r"^test-jupyterlab:(.*)\n\t(.*)$", makefile, re.M)
    assert rule, "no test-jupyterlab rule in the Makefile"
    assert "assignments" in rule.group(1) and "tests/jupyterlab" in rule.group(2)
    assert "make test-jupyterlab" in (ROOT / "README.md").read_text()
