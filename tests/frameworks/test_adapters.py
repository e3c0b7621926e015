"""The PyTorch and JAX adapters, run for real (``make test-frameworks``).

Each adapter's gradient and HVP feed ``measure_alignment``, and the report is compared
with the same quantities computed from a dense float64 Hessian of the same model: chi
to 1e-8 in float64 (and to float32 precision for a float32 model). Chapter 9's two
recipes are extracted from the notebook and run as they are printed.
"""

from __future__ import annotations

import json
import pathlib
import re

import numpy as np
import pytest

from rivervalley_lib.diagnostics import measure_alignment

ROOT = pathlib.Path(__file__).resolve().parents[2]


def dense_reference(g, H, k, samples):
    """chi, eta* and the thresholds from a dense Hessian (the library's formulas written
    out with projections)."""
    vals, vecs = np.linalg.eigh(0.5 * (H + H.T))
    U, lam = vecs[:, ::-1][:, :k], vals[::-1][:k]
    P = U @ U.T
    Q = np.eye(len(g)) - P
    xi = samples - g
    S = xi.T @ xi / len(xi)
    D, B = g @ P @ g, g @ Q @ g
    aD, aB = g @ P @ H @ g, g @ Q @ H @ g
    bD, bB = np.sum((P @ H @ g) ** 2), np.sum((Q @ H @ g) ** 2)
    nD, nB = np.trace(P @ H @ S @ H), np.trace(Q @ H @ S @ H)
    tD, tB = np.trace(P @ H @ S), np.trace(Q @ H @ S)
    C = (bD + nD) * B - (bB + nB) * D
    return {
        "eigenvalues": lam,
        "alignment": D / (D + B),
        "eta_star": 2 * (aD * B - aB * D) / C if C > 0 else np.inf,
        "dominant": 2 * D / (aD + tD),
        "bulk": 2 * B / (aB + tB) if aB + tB > 0 else np.inf,
    }


def check_against_dense(rep, ref, rtol_chi):
    assert abs(rep.alignment - ref["alignment"]) <= rtol_chi
    np.testing.assert_allclose(rep.eigenvalues, ref["eigenvalues"], rtol=1e-7)
    np.testing.assert_allclose(
        [rep.eta_star, *rep.thresholds],
        [ref["eta_star"], ref["dominant"], ref["bulk"]],
        rtol=1e-6,
    )


def torch_model(dtype):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(5, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3)
    ).to(dtype)
    x = torch.randn(80, 5, dtype=dtype)
    y = torch.randint(0, 3, (80,))
    return torch, model, x, y


def torch_dense(torch, model, x, y, loss_fn):
    from torch.func import functional_call

    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for _, p in model.named_parameters()]
    sizes = [p.numel() for _, p in model.named_parameters()]

    def loss_of(flat):
        parts = torch.split(flat, sizes)
        params = {n: c.view(s) for n, c, s in zip(names, parts, shapes, strict=True)}
        return loss_fn(functional_call(model, params, (x.double(),)), y)

    model64 = model.double()
    flat = torch.cat([p.detach().reshape(-1) for p in model64.parameters()])
    H = torch.autograd.functional.hessian(loss_of, flat).numpy()
    return H


@pytest.mark.parametrize("precision", ["float64", "float32"])
def test_torch_adapter_matches_a_dense_float64_hessian(precision):
    import copy

    torch_dtype = getattr(pytest.importorskip("torch"), precision)
    torch, model, x, y = torch_model(torch_dtype)
    from rivervalley_lib.diagnostics.torch import from_module

    loss_fn = torch.nn.functional.cross_entropy
    full = from_module(model, loss_fn, (x, y))
    assert full.theta.dtype == np.float64 and full.theta.shape == (57,)
    gen = torch.Generator().manual_seed(1)
    batches = [torch.randperm(80, generator=gen)[:8] for _ in range(40)]
    samples = np.array(
        [
            from_module(model, loss_fn, (x[b], y[b])).gradient_fn(full.theta)
            for b in batches
        ]
    )
    g = full.gradient_fn(full.theta)
    # a float64 v reaches a float32 model without a dtype error
    assert full.hvp(np.ones(57)).dtype == np.float64
    rep = measure_alignment(
        g, full.hvp, k=3, noise_samples=samples, theta=full.theta, lanczos_tol=0.0
    )
    model64 = copy.deepcopy(model).to(torch.float64)
    H = torch_dense(torch, model64, x.double(), y, loss_fn)
    g64 = from_module(model64, loss_fn, (x.double(), y)).gradient_fn(full.theta)
    s64 = np.array(
        [
            from_module(model64, loss_fn, (x.double()[b], y[b])).gradient_fn(full.theta)
            for b in batches
        ]
    )
    ref = dense_reference(g64, H, 3, s64)
    if torch_dtype == torch.float64:
        check_against_dense(rep, ref, rtol_chi=1e-8)
        np.testing.assert_allclose(full.hvp(np.eye(57)[4]), H[:, 4], atol=1e-12)
    else:  # float32 arithmetic: chi to float32 precision
        assert abs(rep.alignment - ref["alignment"]) < 1e-5
        np.testing.assert_allclose(rep.eigenvalues, ref["eigenvalues"], rtol=1e-5)
    assert full.loss_fn(full.theta) == pytest.approx(
        float(loss_fn(model(x), y).detach()), rel=1e-6
    )


def test_jax_adapter_matches_a_dense_float64_hessian():
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    from rivervalley_lib.diagnostics.jax import from_function

    def loss_fn(params, batch):
        x, y = batch
        logits = jnp.tanh(x @ params["W1"] + params["b1"]) @ params["W2"]
        return -jnp.mean(jax.nn.log_softmax(logits)[jnp.arange(y.shape[0]), y])

    with jax.enable_x64(True):  # float64 arithmetic inside this block only
        k1, k2, k3, k4 = jax.random.split(jax.random.PRNGKey(0), 4)
        params = {
            "W1": jax.random.normal(k1, (5, 6), dtype=jnp.float64),
            "b1": jnp.zeros(6, dtype=jnp.float64),
            "W2": jax.random.normal(k2, (6, 3), dtype=jnp.float64) / 3,
        }
        x = jax.random.normal(k3, (80, 5), dtype=jnp.float64)
        y = jax.random.randint(k4, (80,), 0, 3)
        full = from_function(loss_fn, params, (x, y))
        rng = np.random.default_rng(1)
        batches = [rng.choice(80, 8, replace=False) for _ in range(40)]
        samples = np.array(
            [
                from_function(loss_fn, params, (x[b], y[b])).gradient_fn(full.theta)
                for b in batches
            ]
        )
        g = full.gradient_fn(full.theta)
        rep = measure_alignment(
            g, full.hvp, k=3, noise_samples=samples, theta=full.theta, lanczos_tol=0.0
        )
        from jax.flatten_util import ravel_pytree

        flat0, unravel = ravel_pytree(params)
        H = np.asarray(jax.hessian(lambda f: loss_fn(unravel(f), (x, y)))(flat0))
    check_against_dense(rep, dense_reference(g, H, 3, samples), rtol_chi=1e-8)


def recipes() -> dict[str, str]:
    """The ``python`` blocks of chapter 9 that start with ``# Recipe: <name>``."""
    nb = json.loads((ROOT / "chapters" / "09_in_practice.ipynb").read_text())
    text = "\n".join(
        "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"
    )
    blocks = re.findall(r"```python\n(# Recipe: (\w+)\n.*?)```", text, flags=re.S)
    return {name: code for code, name in blocks}


def test_chapter_9_shows_both_recipes():
    assert set(recipes()) == {"PyTorch", "JAX"}


@pytest.mark.parametrize("name,framework", [("PyTorch", "torch"), ("JAX", "jax")])
def test_chapter_9_recipe_runs(name, framework, capsys):
    pytest.importorskip(framework)
    namespace: dict = {}
    exec(compile(recipes()[name], f"chapter 9 recipe {name}", "exec"), namespace)
    report = namespace["report"]
    assert report.noise_samples == 64 and report.eigenvalues.shape == (4,)
    assert 0.0 < report.alignment < 1.0
    assert np.all(report.lanczos_residuals < 1e-6)
    assert np.isfinite(report.stderr.thresholds.dominant)
    out = capsys.readouterr().out
    assert out.startswith("AlignmentReport(") and "QuadraticCheck(" in out
