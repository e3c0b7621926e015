"""The package as an outside user gets it: a non-editable ``pip install .`` into a fresh
venv (the light core: numpy and scipy only), then ``measure_alignment`` from outside the
checkout; then ``pip install .[book]`` into the same venv, and the figures. Fails if a
run-time dependency is missing from ``pyproject.toml``, or if the core pulls in one of
the book's extras."""

from __future__ import annotations

import pathlib
import shutil
import subprocess

from tests.book.venvs import fresh_venv

ROOT = pathlib.Path(__file__).resolve().parents[2]

CORE_CODE = r"""
import importlib.util
import numpy as np
import rivervalley_lib as rv
from rivervalley_lib.diagnostics import measure_alignment
from rivervalley_lib.network import MLP, gaussian_mixture

assert "site-packages" in rv.__file__, rv.__file__
extras = ("matplotlib", "sympy", "ipywidgets", "IPython")
present = [m for m in extras if importlib.util.find_spec(m) is not None]
assert not present, f"the core install pulled in the book's extras {present}"
H = np.diag([10.0, 9.0, 0.5, 0.2, 0.1])
rng = np.random.default_rng(0)
theta = np.ones(5)
rep = measure_alignment(H @ theta, lambda v: H @ v, k=2, theta=theta,
                        noise_samples=H @ theta + rng.normal(size=(8, 5)))
assert np.allclose(rep.eigenvalues, [10.0, 9.0])
assert rep.stderr.eta_star > 0
X, Y = gaussian_mixture(n=40, k=3, dim=4, rng=0)
net = MLP([4, 6, 3])
th = net.init(rng=1)
rep_net = measure_alignment(net.gradient(th, X, Y), net.hvp_fn(th, X, Y), k=3)
try:
    rv.figures
except ImportError as err:
    assert "rivervalley_lib[book]" in str(err), err
else:
    raise AssertionError("rv.figures imported without matplotlib")
print("ok", round(rep.alignment, 4))
"""

BOOK_CODE = r"""
from rivervalley_lib import figures

fig = figures.one_step_figure(samples=200)
print("ok", len(fig.axes))
"""


def run(py, env, code, cwd):
    ran = subprocess.run(
        [str(py), "-I", "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    return ran.stdout


def test_core_install_runs_measure_alignment_and_book_extra_adds_figures(tmp_path):
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
    assert run(py, env, CORE_CODE, tmp_path).startswith("ok 0.9983"), "core install"
    subprocess.run(
        [str(py), "-m", "pip", "install", "--quiet", f"{src}[book]"],
        env=env,
        check=True,
        timeout=1500,
    )
    assert run(py, env, BOOK_CODE, tmp_path).startswith("ok "), "[book] extra"


def test_frameworks_are_pinned_apart_from_binder_and_run_in_ci():
    """torch and jax are pinned in requirements-frameworks.txt (the CPU build of torch
    2.13.0), not in Binder's requirements.txt or the core; CI runs make
    test-frameworks."""
    pins = [
        ln.strip()
        for ln in (ROOT / "requirements-frameworks.txt").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert pins == ["torch==2.13.0", "jax==0.10.2", "jaxlib==0.10.2"]
    binder = (ROOT / "requirements.txt").read_text().lower()
    assert "torch" not in binder and "jax" not in binder
    pyproject = (ROOT / "pyproject.toml").read_text()
    core = pyproject[pyproject.index("dependencies = [") :].split("]", 1)[0]
    assert "torch" not in core and "jax" not in core and "matplotlib" not in core
    assert "make test-frameworks" in (ROOT / ".ci" / "run").read_text().splitlines()
