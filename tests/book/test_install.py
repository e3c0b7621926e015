"""The package as an outside user gets it: a non-editable ``pip install .`` into a fresh
venv, then ``measure_alignment`` (which needs scipy) and the figures, from outside the
checkout. Fails if a run-time dependency is missing from ``pyproject.toml``."""

from __future__ import annotations

import pathlib
import shutil
import subprocess

from tests.book.venvs import fresh_venv

ROOT = pathlib.Path(__file__).resolve().parents[2]

USER_CODE = r"""
import numpy as np
import rivervalley_lib as rv
from rivervalley_lib import figures
from rivervalley_lib.diagnostics import measure_alignment

assert "site-packages" in rv.__file__, rv.__file__
H = np.diag([10.0, 9.0, 0.5, 0.2, 0.1])
rep = measure_alignment(H @ np.ones(5), lambda v: H @ v, k=2)
assert np.allclose(rep.eigenvalues, [10.0, 9.0])
fig = figures.one_step_figure(samples=200)
print("ok", round(rep.alignment, 4), len(fig.axes))
"""


def test_clean_non_editable_install_runs_measure_alignment(tmp_path):
    src = tmp_path / "src"
    # Copy only what a source distribution holds, so no build artefact of the checkout
    # (or an editable install) can leak in.
    shutil.copytree(
        ROOT / "rivervalley_lib",
        src / "rivervalley_lib",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    py, env = fresh_venv(tmp_path / "venv", str(src))
    ran = subprocess.run(
        [str(py), "-I", "-c", USER_CODE],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert ran.stdout.startswith("ok 0.9983 "), ran.stdout
