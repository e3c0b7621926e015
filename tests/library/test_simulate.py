"""The simulator against a plain reference loop, and its options."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rivervalley_lib import (
    CurvatureNoise,
    DivergenceError,
    IsotropicNoise,
    RegressionNoise,
    RiverValley,
    sample_gradient,
    sample_step,
    simulate,
)

from .conftest import random_noise, random_valley

seeds = st.integers(0, 2**32 - 1)


def reference_sgd(rv, noise, etas, theta0, seeds, rng, projection="none", momentum=0.0):
    """The textbook loop: per step, draw the full noise, take a dense-Hessian step."""
    H = rv.hessian()
    P = {
        "none": np.eye(rv.d),
        "dominant": rv.projector("dominant"),
        "bulk": rv.projector("bulk"),
    }[projection]
    theta = np.tile(theta0, (seeds, 1)).astype(float)
    vel = np.zeros_like(theta)
    hist = [theta.copy()]
    for eta in etas:
        xi = noise.sample(rv, theta, rng)
        g = theta @ H + xi
        vel = momentum * vel + g
        theta = theta - eta * vel @ P
        hist.append(theta.copy())
    return np.stack(hist, axis=1)


@pytest.mark.parametrize("projection", ["none", "dominant", "bulk"])
@pytest.mark.parametrize(
    "noise",
    [
        IsotropicNoise(0.3),
        CurvatureNoise(0.2),
        RegressionNoise(3, 0.4),
        IsotropicNoise(0.0),
    ],
    ids=["iso", "curv", "regr", "gd"],
)
def test_simulate_equals_reference_loop(noise, projection):
    rv = RiverValley.spread(d=9, k=2, dominant=(5.0, 7.0), bulk=(0.1, 1.0))
    theta0 = np.linspace(1.0, -1.0, 9)
    etas = np.linspace(0.05, 0.1, 25)
    tr = simulate(rv, noise, etas, 25, theta0, projection=projection, seeds=3, rng=5)
    ref = reference_sgd(
        rv, noise, etas, theta0, 3, np.random.default_rng(5), projection
    )
    # tolerance: round-off: simulate and the reference loop make the same draws and the
    # same arithmetic in a different order (1e-10 relative, 1e-12 absolute); a factor 2
    # or a sign is off by 100 % or more.
    np.testing.assert_allclose(tr.final_theta, ref[:, -1], rtol=1e-10, atol=1e-12)
    g = ref * rv.eigenvalues
    np.testing.assert_allclose(tr.D, (g[..., :2] ** 2).sum(-1), rtol=1e-10)
    np.testing.assert_allclose(tr.B, (g[..., 2:] ** 2).sum(-1), rtol=1e-10)
    np.testing.assert_allclose(tr.loss, rv.loss(ref), rtol=1e-10)
    np.testing.assert_allclose(tr.loss_dominant, rv.loss_dominant(ref), rtol=1e-10)
    np.testing.assert_allclose(tr.alignment, tr.D / (tr.D + tr.B), rtol=1e-12)


@given(seeds, st.sampled_from(["none", "dominant", "bulk"]))
def test_sample_step_is_one_step_of_the_reference_loop(seed, projection):
    """n draws of one step from theta: the reference loop's first step over n seeds
    (same generator, same draws), and theta - eta P g_hat with g_hat from
    sample_gradient."""
    rng = np.random.default_rng(seed)
    rv, noise = random_valley(rng), random_noise(rng)
    theta = rng.normal(size=rv.d)
    eta = float(rng.uniform(0.01, 0.9) * rv.stability_limit)
    nxt = sample_step(rv, noise, theta, eta, 7, projection=projection, rng=seed)
    ref = reference_sgd(
        rv, noise, [eta], theta, 7, np.random.default_rng(seed), projection
    )
    # tolerance: round-off of one step taken two ways from the same draws (1e-12).
    np.testing.assert_allclose(nxt, ref[:, 1], rtol=1e-12, atol=1e-12)
    g_hat = sample_gradient(rv, noise, theta, 7, rng=seed)
    mask = rv.project(np.ones(rv.d), projection) if projection != "none" else 1.0
    np.testing.assert_allclose(nxt, theta - eta * mask * g_hat, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "noise",
    [IsotropicNoise(0.3), CurvatureNoise(0.2), RegressionNoise(3, 0.4)],
    ids=["iso", "curv", "regr"],
)
def test_sample_gradient_has_the_gradient_mean_and_the_noise_variances(noise):
    """E[g_hat] = grad L(theta) and Var[g_hat_i] = s_i, the noise model's diagonal."""
    rv = RiverValley.spread(d=9, k=2, dominant=(5.0, 7.0), bulk=(0.1, 1.0))
    theta = np.linspace(1.0, -1.0, 9)
    n = 40_000
    g_hat = sample_gradient(rv, noise, theta, n, rng=3)
    assert g_hat.shape == (n, rv.d)
    s = noise.diagonal(rv, theta)
    se = np.sqrt(s / n)
    # tolerance: 5 standard errors of the 40 000-sample mean (SE from the noise
    # variance) and of the sample variance (SE computed from the samples below); a
    # factor 2 in a variance is ~100 SEs away.
    assert np.all(np.abs(g_hat.mean(axis=0) - rv.gradient(theta)) <= 5 * se + 1e-15)
    dev2 = (g_hat - g_hat.mean(axis=0)) ** 2
    se_var = dev2.std(axis=0, ddof=1) / np.sqrt(n)
    assert np.all(np.abs(g_hat.var(axis=0, ddof=1) - s) <= 5 * se_var)
    with pytest.raises(ValueError, match="samples must be"):
        sample_gradient(rv, noise, theta, 0)
    with pytest.raises(ValueError, match=r"theta must have shape \(d,\)"):
        sample_gradient(rv, noise, np.ones((2, rv.d)), 3)
    with pytest.raises(TypeError, match="rng must be"):
        sample_gradient(rv, noise, theta, 3, rng="seed")
    with pytest.raises(ValueError, match="eta must be"):
        sample_step(rv, noise, theta, 0.0, 3)
    with pytest.raises(ValueError, match="projection"):
        sample_step(rv, noise, theta, 0.1, 3, projection="top")


def test_momentum_equals_reference_loop():
    rv = RiverValley.spread(d=7, k=2, dominant=(5.0, 7.0), bulk=(0.1, 1.0))
    theta0 = np.ones(7)
    etas = np.full(30, 0.02)
    tr = simulate(
        rv,
        IsotropicNoise(0.2),
        0.02,
        30,
        theta0,
        seeds=2,
        rng=1,
        momentum=0.9,
        projection="bulk",
    )
    ref = reference_sgd(
        rv, IsotropicNoise(0.2), etas, theta0, 2, np.random.default_rng(1), "bulk", 0.9
    )
    # tolerance: round-off of the same recursion in a different order (1e-10 relative).
    np.testing.assert_allclose(tr.final_theta, ref[:, -1], rtol=1e-10)


def test_projection_freezes_the_other_block_and_shares_noise():
    rv = RiverValley.two_level(d=12, k=3, dominant=5.0, bulk=0.2)
    theta0 = np.ones(12)
    kw = dict(seeds=5, rng=42)
    sgd = simulate(rv, IsotropicNoise(0.3), 0.1, 40, theta0, **kw)
    dom = simulate(
        rv, IsotropicNoise(0.3), 0.1, 40, theta0, projection="dominant", **kw
    )
    blk = simulate(rv, IsotropicNoise(0.3), 0.1, 40, theta0, projection="bulk", **kw)
    np.testing.assert_array_equal(dom.final_theta[:, 3:], 1.0)
    np.testing.assert_array_equal(blk.final_theta[:, :3], 1.0)
    np.testing.assert_array_equal(
        dom.loss_bulk, dom.loss_bulk[:, :1] * np.ones((1, 41))
    )
    # With additive noise the blocks decouple: each projected run follows SGD exactly on
    # its block.
    # tolerance: round-off: with additive noise the projected run repeats SGD's
    # arithmetic on its block with the same draws (1e-12 relative).
    np.testing.assert_allclose(
        dom.final_theta[:, :3], sgd.final_theta[:, :3], rtol=1e-12
    )
    np.testing.assert_allclose(
        blk.final_theta[:, 3:], sgd.final_theta[:, 3:], rtol=1e-12
    )


def test_recording_schedule_and_shapes():
    rv = RiverValley.two_level(d=6, k=2, dominant=2.0, bulk=0.5)
    tr = simulate(
        rv, IsotropicNoise(0.1), 0.1, 10, np.ones(6), seeds=2, rng=0, record_every=4
    )
    np.testing.assert_array_equal(tr.step, [0, 4, 8, 10])
    assert tr.step.shape == (4,)  # one step index per record, shared by the seeds
    for name in ("loss", "loss_dominant", "loss_bulk", "D", "B", "alignment"):
        assert getattr(tr, name).shape == (2, 4), name
    full = simulate(rv, IsotropicNoise(0.1), 0.1, 10, np.ones(6), seeds=2, rng=0)
    # tolerance: round-off: recording every 4th step stores the same values (1e-12
    # relative).
    np.testing.assert_allclose(tr.loss, full.loss[:, [0, 4, 8, 10]], rtol=1e-12)
    assert tr.eta.shape == (10,) and tr.seeds == 2


def test_schedules_callable_and_array_agree():
    rv = RiverValley.two_level(d=6, k=2, dominant=2.0, bulk=0.5)
    sched = lambda t: 0.2 / (1 + 0.1 * t)  # noqa: E731
    a = simulate(rv, CurvatureNoise(0.2), sched, 20, np.ones(6), rng=3)
    b = simulate(
        rv,
        CurvatureNoise(0.2),
        np.array([sched(t) for t in range(20)]),
        20,
        np.ones(6),
        rng=3,
    )
    np.testing.assert_array_equal(a.final_theta, b.final_theta)
    # tolerance: round-off of the schedule evaluated twice (1e-12 relative).
    np.testing.assert_allclose(a.eta, [sched(t) for t in range(20)], rtol=1e-12)


def test_per_seed_initial_states_and_determinism():
    rv = RiverValley.two_level(d=5, k=1, dominant=2.0, bulk=0.5)
    theta0 = np.arange(15.0).reshape(3, 5) + 1
    t1 = simulate(
        rv, IsotropicNoise(0.1), 0.1, 5, theta0, seeds=3, rng=np.random.default_rng(9)
    )
    t2 = simulate(rv, IsotropicNoise(0.1), 0.1, 5, theta0, seeds=3, rng=9)
    np.testing.assert_array_equal(t1.final_theta, t2.final_theta)
    # tolerance: round-off of the loss at theta0 (1e-12 relative).
    np.testing.assert_allclose(t1.loss[:, 0], rv.loss(theta0), rtol=1e-12)


def test_divergence_raises_with_message_or_is_marked():
    rv = RiverValley.two_level(d=4, k=1, dominant=10.0, bulk=0.1)
    with pytest.raises(DivergenceError, match=r"2/lambda_1 = 0.2"):
        simulate(rv, IsotropicNoise(0.1), 0.25, 2000, np.ones(4), rng=0)
    tr = simulate(
        rv,
        IsotropicNoise(0.1),
        0.25,
        2000,
        np.ones(4),
        seeds=2,
        rng=0,
        on_divergence="mark",
    )
    assert tr.diverged.all()
    # Dom-SGD in the EoS-like interval (2/lambda, 2/mu) diverges, Bulk-SGD does not.
    blk = simulate(
        rv, IsotropicNoise(0.0), 0.25, 2000, np.ones(4), projection="bulk", rng=0
    )
    assert not blk.diverged.any() and blk.loss[0, -1] < blk.loss[0, 0]


@given(seeds)
def test_gd_loss_is_monotone_below_stability_limit(seed):
    rng = np.random.default_rng(seed)
    rv = random_valley(rng)
    eta = float(rng.uniform(0.01, 0.99)) * rv.stability_limit
    tr = simulate(rv, IsotropicNoise(0.0), eta, 50, rng.normal(size=rv.d), rng=rng)
    # tolerance: round-off (1e-12 of the initial loss): GD below 2/lambda_1 never
    # raises the loss.
    assert np.all(np.diff(tr.loss[0]) <= 1e-12 * tr.loss[0, 0])


def test_record_theta_stores_the_iterates():
    rv = RiverValley.spread(d=9, k=2, dominant=(5.0, 7.0), bulk=(0.1, 1.0))
    theta0 = np.linspace(1.0, -1.0, 9)
    tr = simulate(
        rv,
        IsotropicNoise(0.3),
        0.05,
        12,
        theta0,
        seeds=3,
        rng=5,
        record_every=4,
        record_theta=True,
    )
    ref = reference_sgd(
        rv, IsotropicNoise(0.3), np.full(12, 0.05), theta0, 3, np.random.default_rng(5)
    )
    # tolerance: round-off of the same recursion in a different order (1e-12 relative).
    np.testing.assert_allclose(tr.theta, ref[:, [0, 4, 8, 12]], rtol=1e-12)
    assert simulate(rv, IsotropicNoise(0.3), 0.05, 3, theta0).theta is None
    with pytest.raises(TypeError, match="record_theta"):
        simulate(rv, IsotropicNoise(0.3), 0.05, 3, theta0, record_theta=1)


# ---------------------------------------------------------------------------- block
# path
@pytest.mark.parametrize(
    "noise", [IsotropicNoise(0.3), CurvatureNoise(0.4)], ids=["isotropic", "curvature"]
)
@pytest.mark.parametrize("projection", ["none", "dominant", "bulk"])
def test_block_path_matches_coordinate_path_in_distribution(noise, projection):
    """Two-sample Kolmogorov-Smirnov tests of D, B and chi at several steps, at fixed
    seeds."""
    from scipy.stats import ks_2samp

    rv = RiverValley([4.0, 4.0, 4.0, 1.0, 1.0, 0.2, 0.2, 0.2, 0.2, 0.2], k=3)
    theta0 = np.linspace(1.5, -0.5, 10)
    kw = dict(seeds=3000, record_every=5, projection=projection)
    blk = simulate(rv, noise, 0.12, 40, theta0, rng=1, method="block", **kw)
    crd = simulate(rv, noise, 0.12, 40, theta0, rng=2, method="coordinate", **kw)
    # tolerance: a KS p-value above 1e-3 (a false alarm in 1 of 1000 comparisons at
    # fixed seeds); with 3000 seeds a D, B or chi off by a factor 2 gives p ~ 0, and a
    # frozen block must agree to round-off.
    for j in (1, 3, 8):
        for field in ("D", "B", "alignment"):
            a, b = getattr(blk, field)[:, j], getattr(crd, field)[:, j]
            if (
                np.ptp(a) == 0 and np.ptp(b) == 0
            ):  # a frozen block: both paths keep it exactly
                np.testing.assert_allclose(a, b, rtol=1e-12)
                continue
            assert ks_2samp(a, b).pvalue > 1e-3, (field, j)


def test_block_path_final_theta_has_the_right_law_and_keeps_frozen_blocks():
    from scipy.stats import ks_2samp

    rv = RiverValley([4.0, 4.0, 1.0, 1.0, 1.0, 1.0], k=2)
    theta0 = np.array([1.0, -2.0, 0.5, 0.5, -1.0, 0.0])
    blk = simulate(
        rv, IsotropicNoise(0.3), 0.1, 15, theta0, seeds=4000, rng=3, method="block"
    )
    crd = simulate(
        rv, IsotropicNoise(0.3), 0.1, 15, theta0, seeds=4000, rng=4, method="coordinate"
    )
    # tolerance: a KS p-value above 1e-3 (false-alarm rate 1e-3 per coordinate; 4000
    # seeds reject a factor 2 or a sign with p ~ 0); the energies and frozen blocks
    # agree to round-off (1e-10, 1e-12).
    for i in range(6):
        assert ks_2samp(blk.final_theta[:, i], crd.final_theta[:, i]).pvalue > 1e-3, i
    # The recorded energies are those of the sampled final iterate.
    np.testing.assert_allclose(rv.loss(blk.final_theta), blk.loss[:, -1], rtol=1e-10)
    dom = simulate(
        rv,
        IsotropicNoise(0.3),
        0.1,
        15,
        theta0,
        seeds=5,
        rng=3,
        method="block",
        projection="dominant",
    )
    np.testing.assert_allclose(
        dom.final_theta[:, 2:], np.broadcast_to(theta0[2:], (5, 4)), rtol=1e-12
    )


def test_block_path_is_chosen_automatically_and_rejects_what_it_cannot_do():
    big = RiverValley.two_level(d=400, k=4, dominant=2.0, bulk=0.1)
    auto = simulate(big, IsotropicNoise(0.1), 0.1, 5, np.ones(400), rng=0)
    coord = simulate(
        big, IsotropicNoise(0.1), 0.1, 5, np.ones(400), rng=0, momentum=0.5
    )
    # Whatever path simulate takes, the same call returns the final iterate.
    assert auto.final_theta.shape == coord.final_theta.shape == (1, 400)
    # On the block path it is drawn lazily, consistently with the recorded energies,
    # and the same value on every access and every identical call.
    # tolerance: round-off (1e-10 relative): the lazily drawn iterate has the recorded
    # loss.
    np.testing.assert_allclose(big.loss(auto.final_theta), auto.loss[:, -1], rtol=1e-10)
    np.testing.assert_array_equal(auto.final_theta, auto.final_theta)
    again = simulate(big, IsotropicNoise(0.1), 0.1, 5, np.ones(400), rng=0)
    np.testing.assert_array_equal(again.final_theta, auto.final_theta)
    with pytest.raises(ValueError, match="method='block' needs"):
        simulate(big, RegressionNoise(4, 0.1), 0.1, 5, np.ones(400), method="block")
    with pytest.raises(ValueError, match="method must be"):
        simulate(big, IsotropicNoise(0.1), 0.1, 5, np.ones(400), method="fast")
    with pytest.raises(DivergenceError, match="2/lambda_1 = 1"):
        simulate(big, IsotropicNoise(0.1), 1.5, 3000, np.ones(400), rng=0)
