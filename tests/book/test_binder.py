"""Binder's path, reproduced: a fresh venv, pip install -r requirements.txt, run a
chapter from chapters/.

repo2docker installs requirements.txt from the repository root (its last line, ``-e .``,
installs the library) and starts Jupyter in the repository. This test does the same in a
temporary venv and checks that the library imports from chapters/ without any sys.path
manipulation.
"""

from __future__ import annotations

import pathlib
import subprocess
import sys

from tests.book.venvs import fresh_venv

ROOT = pathlib.Path(__file__).resolve().parents[2]

RUNNER = (
    r"""
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read("quickstart.ipynb", as_version=4)
NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": """
    r"""{"path": "."}}).execute()
errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if """
    r"""o.output_type == "error"]
sys.exit(1 if errors else 0)
"""
)


def test_binder_path_fresh_venv(tmp_path):
    env_dir = tmp_path / "binder-venv"
    py, env = fresh_venv(env_dir, "-r", "requirements.txt", cwd=ROOT)
    # The library imports from chapters/ (Binder's notebook directory) and from anywhere
    # else: it is installed in the environment, not found through the working directory
    # or
    # sys.path edits.
    for cwd in (ROOT / "chapters", tmp_path):
        where = subprocess.run(
            [
                str(py),
                "-I",
                "-c",
                "import rivervalley_lib; print(rivervalley_lib.__file__)",
            ],
            cwd=cwd,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        assert pathlib.Path(where).resolve().is_relative_to(ROOT / "rivervalley_lib"), (
            where
        )
    # Binder opens JupyterLab, with jupyterlab-myst: both come from requirements.txt,
    # prebuilt.
    lab = subprocess.run(
        [str(env_dir / "bin" / "jupyter-lab"), "--version"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert (
        f"jupyterlab=={lab.stdout.strip()}" in (ROOT / "requirements.txt").read_text()
    )
    extensions = subprocess.run(
        [str(env_dir / "bin" / "jupyter"), "labextension", "list"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    listing = extensions.stdout + extensions.stderr
    assert (
        "jupyterlab-myst" in listing
        and "@jupyter-widgets/jupyterlab-manager" in listing
    ), listing
    ran = subprocess.run(
        [str(py), "-c", RUNNER],
        cwd=ROOT / "chapters",
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert sys.version_info >= (3, 11)
