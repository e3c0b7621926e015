"""Tests written against plausible bugs (issue 24, ``make mutate``).

Three patterns let injected bugs through the older tests, and these tests close them:

- a formula with noise terms tested only without noise (its noise terms all zero):
  here every such formula runs WITH noise, e.g. exact noise samples
  ``g +- sigma sqrt(d) e_i`` whose empirical covariance is exactly ``sigma^2 I``;
- a regime boundary never tested on the boundary: here states ON it (Delta = 0, a block
  at its floor, eta at a threshold);
- a tolerance wide enough to hide a dropped factor 2 or a sign error: here every
  tolerance is an identity up to round-off, or says why it is what it is.

Every test is cheap (no long simulation): they are run for thousands of mutants.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import rivervalley_lib as rv
from rivervalley_lib.diagnostics import measure_alignment
from rivervalley_lib.theory._moments import block_moments

from .conftest import exact_noise_samples

# Identities below hold in exact arithmetic; 1e-9 relative is round-off for these
# sizes and rejects any factor-2 or sign change by nine orders of magnitude.
EXACT = 1e-9


def _rotated(valley: rv.RiverValley, seed: int = 0):
    """The valley's Hessian in a random orthonormal basis Q: H = Q diag(lambda) Q^T."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((valley.d, valley.d)))
    return Q, Q @ valley.hessian() @ Q.T


# ------------------------------------------------------------ report.predict with noise
SIGMA = 0.7  # noise energy comparable to the gradient's: every noise term matters


@pytest.fixture(scope="module")
def noisy_report():
    """A report measured with exact isotropic noise samples, in a rotated basis, and
    the river valley, noise and state it must reproduce exactly."""
    valley = rv.RiverValley.spread(d=12, k=3, dominant=(4.0, 6.0), bulk=(0.2, 1.0))
    theta = np.concatenate([np.full(3, 0.2), np.linspace(1.0, 2.0, 9)])
    Q, H = _rotated(valley)
    g = Q @ valley.gradient(theta)
    rep = measure_alignment(
        g,
        lambda v: H @ v,
        k=3,
        noise_samples=exact_noise_samples(g, SIGMA),
        lanczos_tol=0.0,
    )
    return rep, valley, rv.IsotropicNoise(SIGMA), theta


def test_noise_terms_of_the_report_are_the_closed_forms(noisy_report):
    """n_X = sigma^2 sum_X lambda^2 and t_X = sigma^2 sum_X lambda for covariance
    sigma^2 I: the block sums the theory uses."""
    # tolerance: EXACT (1e-9 relative): the report's moments over the 2d exact noise
    # samples equal the closed forms up to round-off; a dropped or doubled term is
    # O(1) off.
    rep, valley, noise, theta = noisy_report
    exact = block_moments(valley, noise, theta)
    for name in ("D", "B", "aD", "aB", "bD", "bB", "nD", "nB", "tD", "tB"):
        assert float(getattr(rep.moments, name)) == pytest.approx(
            float(getattr(exact, name)), rel=EXACT
        ), name
    lam = valley.eigenvalues
    assert float(rep.moments.nD) == pytest.approx(SIGMA**2 * (lam[:3] ** 2).sum())
    assert float(rep.moments.tB) == pytest.approx(SIGMA**2 * lam[3:].sum())
    assert rep.noise_samples == 2 * valley.d


def test_noisy_predict_is_the_library_one_step_law(noisy_report):
    """With noise present, predict() is energy_ratio_step and
    expected_loss_change of the same valley, noise and state (no term may drop)."""
    # tolerance: EXACT (1e-9 relative, 1e-13 absolute for a change near 0): two
    # routes to one closed form; the noise-free law is checked to differ by > 1e-3
    # below.
    rep, valley, noise, theta = noisy_report
    for eta in (0.05, 0.15, 0.3):
        p = rep.predict(eta)
        chi_bar = rv.energy_ratio_step(valley, noise, theta, eta)
        assert p.ratio_change == pytest.approx(
            chi_bar - rep.alignment, rel=EXACT, abs=1e-13
        )
        for field, proj in (
            ("sgd", "none"),
            ("dominant", "dominant"),
            ("bulk", "bulk"),
        ):
            want = rv.expected_loss_change(valley, noise, theta, eta, projection=proj)
            assert getattr(p, f"loss_change_{field}") == pytest.approx(want, rel=EXACT)
        # And the noise matters here: the noise-free law differs by far more than the
        # tolerance, so a dropped n_X or t_X cannot pass.
        gd = rv.IsotropicNoise(0.0)
        assert abs(rv.energy_ratio_step(valley, gd, theta, eta) - chi_bar) > 1e-3
        assert abs(
            rv.expected_loss_change(valley, gd, theta, eta) - p.loss_change_sgd
        ) > 1e-3 * abs(p.loss_change_sgd)


def test_noisy_thresholds_of_the_report_are_the_library_ones(noisy_report):
    # tolerance: EXACT (1e-9 relative): the report's thresholds and the library's are
    # the same closed forms; 0.99 and 1.01 eta* sit 1 % either side of the root.
    rep, valley, noise, theta = noisy_report
    eta_star = rv.critical_step_size(valley, noise, theta)
    assert math.isfinite(eta_star)
    assert rep.eta_star == pytest.approx(eta_star, rel=EXACT)
    assert rep.regime == rv.alignment_regime(valley, noise, theta) == "threshold"
    eta_D, eta_B = rv.projection_thresholds(valley, noise, theta)
    assert tuple(rep.thresholds) == pytest.approx((eta_D, eta_B), rel=EXACT)
    # eta* separates falling from rising: the predicted change flips sign across it.
    assert rep.predict(0.99 * eta_star).ratio_change < 0
    assert rep.predict(1.01 * eta_star).ratio_change > 0
    assert not rep.predicts_rise(0.99 * eta_star) and rep.predicts_rise(1.01 * eta_star)


# ------------------------------------------------------------------ regime boundaries
GD = rv.IsotropicNoise(0.0)
V2 = rv.RiverValley([4.0, 1.0], k=1)


def test_delta_zero_exactly_is_always_falls():
    """Zero noise and no bulk gradient: C = (b_D + n_D) B - (b_B + n_B) D = 0 exactly,
    so Delta = 0, the boundary of the two regimes. Delta <= 0 is "always-falls" with
    eta* = inf (a '>=' in place of '>' would call it "threshold")."""
    theta = [[1.0, 0.0], [2.0, 0.0]]
    assert rv.alignment_regime(V2, GD, theta[0]) == "always-falls"
    assert list(rv.alignment_regime(V2, GD, theta)) == ["always-falls"] * 2
    assert rv.critical_step_size(V2, GD, theta[0]) == math.inf
    rep = measure_alignment(V2.gradient(theta[0]), lambda v: V2.eigenvalues * v, k=1)
    assert (rep.regime, rep.eta_star) == ("always-falls", math.inf)
    assert not rep.predicts_rise(1.0)
    # And the alignment indeed stays at 1 for every step size.
    for eta in (0.1, 0.3):
        assert rv.energy_ratio_step(V2, GD, theta[0], eta) == 1.0


def test_just_off_the_delta_zero_boundary_is_threshold():
    """A little bulk gradient makes Delta > 0 (lambda > mu, no noise): "threshold"."""
    # tolerance: pytest's 1e-6 relative: with theta_B = 1e-3 the threshold is
    # 2/(lambda + mu) up to O(1e-6); a factor 2 or a sign is off by 100 %.
    theta = [1.0, 1e-3]
    assert rv.alignment_regime(V2, GD, theta) == "threshold"
    assert rv.critical_step_size(V2, GD, theta) == pytest.approx(2 / (4.0 + 1.0))


def test_projection_thresholds_on_their_boundaries():
    """A block with neither gradient nor noise (a_X + t_X = 0): its projected step
    never changes the loss, eta_D = inf and eta_B = 0 (the documented values)."""
    no_dominant = rv.projection_thresholds(V2, GD, [0.0, 1.0])
    no_bulk = rv.projection_thresholds(V2, GD, [1.0, 0.0])
    assert no_dominant == (math.inf, 2 * 1.0 / 1.0)  # eta_B = 2B/a_B = 2/mu
    assert no_bulk == (2 * 16.0 / 64.0, 0.0)  # eta_D = 2D/a_D = 2/lambda
    for eta in (0.1, 1.0, 10.0):
        assert (
            rv.expected_loss_change(V2, GD, [0.0, 1.0], eta, projection="dominant")
            == 0.0
        )
        assert (
            rv.expected_loss_change(V2, GD, [1.0, 0.0], eta, projection="bulk") == 0.0
        )


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_projected_loss_change_is_zero_at_its_threshold(sign):
    """E[Delta L_X] = -eta X + eta^2/2 (a_X + t_X) vanishes exactly at eta_X and has
    the sign of eta - eta_X around it (with noise present, t_X > 0)."""
    # tolerance: 1e-12 of the change at eta_X / 2: round-off of a quadratic evaluated
    # at its root; the signs at 0.5 and 1.5 eta_X are exact.
    noise = rv.IsotropicNoise(0.5)
    valley = rv.RiverValley.spread(d=8, k=2, dominant=(3.0, 5.0), bulk=(0.1, 0.9))
    theta = sign * np.linspace(0.5, 1.5, 8)
    eta_D, eta_B = rv.projection_thresholds(valley, noise, theta)
    for eta_X, proj in ((eta_D, "dominant"), (eta_B, "bulk")):
        at = rv.expected_loss_change(valley, noise, theta, eta_X, projection=proj)
        scale = rv.expected_loss_change(
            valley, noise, theta, 0.5 * eta_X, projection=proj
        )
        assert abs(at) < 1e-12 * abs(scale)
        assert scale < 0
        assert (
            rv.expected_loss_change(valley, noise, theta, 1.5 * eta_X, projection=proj)
            > 0
        )


def test_alignment_extremes_are_valid_states():
    """chi = 0 and chi = 1 are inside [0, 1]: state_with_alignment accepts both."""
    # tolerance: pytest's 1e-6 relative on the energy 2.0 (exactly scaled,
    # round-off); the bounds are probed 1e-12 outside [0, 1], a step well above
    # round-off.
    valley = rv.RiverValley.spread(d=6, k=2, dominant=(3.0, 5.0), bulk=(0.1, 0.9))
    for chi in (0.0, 1.0):
        theta = rv.state_with_alignment(valley, chi, energy=2.0)
        assert rv.alignment(valley, theta) == chi
        assert float((valley.gradient(theta) ** 2).sum()) == pytest.approx(2.0)
    for chi in (-1e-12, 1 + 1e-12):
        with pytest.raises(ValueError, match="chi"):
            rv.state_with_alignment(valley, chi)


def test_self_correction_threshold_without_noise_is_one():
    """No bulk noise: C(1) = -n_B D = 0, on the boundary, and there is no
    self-correction: the threshold is 1.0 (not the bisection's 0.0)."""
    assert rv.self_correction_threshold(V2, GD, energy=1.0) == 1.0
    # Noise only in the dominant block (curvature noise with a zero bulk eigenvalue is
    # not allowed to help): still 1.0 when the bulk carries no noise.
    flat_bulk = rv.RiverValley([4.0, 1.0, 0.0], k=1)
    assert rv.self_correction_threshold(flat_bulk, GD, energy=1.0) == 1.0


def test_self_correction_threshold_is_the_root_of_c():
    """With bulk noise the threshold is the root of C(chi): Delta changes sign there
    (two-level isotropic closed form of the docstring)."""
    # tolerance: 1e-9 relative, the bisection's own accuracy on the root of C;
    # the regimes are probed 1e-6 either side of it.
    d, k, lam, mu, sigma, G2 = 50, 2, 10.0, 0.5, 0.3, 4.0
    valley = rv.RiverValley.two_level(d=d, k=k, dominant=lam, bulk=mu)
    noise = rv.IsotropicNoise(sigma)
    chi = rv.self_correction_threshold(valley, noise, energy=G2)
    assert 0 < chi < 1
    lhs = sigma**2 / G2 * ((d - k) * mu**2 / (1 - chi) - k * lam**2 / chi)
    assert lhs == pytest.approx(lam**2 - mu**2, rel=1e-9)
    below = rv.state_with_alignment(valley, chi - 1e-6, G2)
    above = rv.state_with_alignment(valley, chi + 1e-6, G2)
    assert rv.alignment_regime(valley, noise, below) == "threshold"
    assert rv.alignment_regime(valley, noise, above) == "always-falls"


# ---------------------------------------------------------------- closed forms, exactly
def test_phase_lengths_are_their_closed_forms():
    """Two-level valley, isotropic noise: T1, T2, chi_min and chi_inf written out from
    the docstring's formulas (u_inf = eta lambda sigma^2 / (2 - eta lambda))."""
    # tolerance: EXACT (1e-9 relative): the same closed forms written out; a dropped
    # factor 2 in T1 is 100 % off.
    d, k, lam, mu, sigma, eta = 40, 4, 2.0, 0.1, 0.05, 0.3
    valley = rv.RiverValley.two_level(d=d, k=k, dominant=lam, bulk=mu)
    theta0 = np.full(d, 3.0)
    p = rv.phase_lengths(valley, rv.IsotropicNoise(sigma), eta, theta0)
    D_inf = k * eta * lam * sigma**2 / (2 - eta * lam)
    B_inf = (d - k) * eta * mu * sigma**2 / (2 - eta * mu)
    D0, B0 = k * (lam * 3.0) ** 2, (d - k) * (mu * 3.0) ** 2
    T1 = math.log(D0 / D_inf) / (2 * abs(math.log(abs(1 - eta * lam))))
    T2 = math.log(B0 / B_inf) / (2 * abs(math.log(abs(1 - eta * mu))))
    assert p.T1 == pytest.approx(T1, rel=EXACT)
    assert p.T2 == pytest.approx(T2, rel=EXACT)
    assert p.chi_min == pytest.approx(D_inf / (D_inf + B0), rel=EXACT)
    assert p.chi_inf == pytest.approx(D_inf / (D_inf + B_inf), rel=EXACT)


def test_phase_lengths_at_or_below_the_floor_are_zero():
    """A start at the floor: both phases last 0 steps, and chi_min uses the floor."""
    # tolerance: EXACT (1e-9 relative): chi_min and chi_inf are the same ratio here.
    valley = rv.RiverValley.two_level(d=10, k=2, dominant=2.0, bulk=0.1)
    noise = rv.IsotropicNoise(1.0)
    p = rv.phase_lengths(valley, noise, 0.3, np.full(10, 1e-3))
    assert (p.T1, p.T2) == (0.0, 0.0)
    assert p.chi_min == pytest.approx(p.chi_inf, rel=EXACT)


def test_noise_floor_is_its_closed_form():
    """u_i = eta lambda_i s_i / (2 - eta lambda_i) with s_i = sigma^2 lambda_i
    (curvature noise), summed per block."""
    # tolerance: EXACT (1e-9 relative): the closed form written out, round-off only.
    valley = rv.RiverValley([5.0, 3.0, 0.5, 0.2], k=2)
    sigma, eta = 0.4, 0.3
    f = rv.noise_floor(valley, rv.CurvatureNoise(sigma), eta)
    lam = valley.eigenvalues
    u = eta * lam * sigma**2 * lam / (2 - eta * lam)
    assert f.D == pytest.approx(u[:2].sum(), rel=EXACT)
    assert f.B == pytest.approx(u[2:].sum(), rel=EXACT)
    assert f.alignment == pytest.approx(u[:2].sum() / u.sum(), rel=EXACT)


def test_regression_noise_floor_is_the_fixed_point_of_its_recursion():
    """The closed-form stationary energies of RegressionNoise are a fixed point of
    u -> (1 - eta lambda)^2 u + eta^2 lambda^2 E[s](u) (multiplicative part in)."""
    # tolerance: 1e-12 relative: one step of the recursion from its fixed point,
    # round-off only.
    valley = rv.RiverValley([3.0, 2.0, 0.5, 0.1], k=2)
    noise = rv.RegressionNoise(batch_size=3, label_noise=0.8)
    eta = 0.2
    lam = valley.eigenvalues
    u = noise.stationary_gradient_energy(valley, eta)
    nxt = (1 - eta * lam) ** 2 * u + eta**2 * lam**2 * noise.mean_diagonal(valley, u)
    np.testing.assert_allclose(nxt, u, rtol=1e-12)
    # mean_diagonal is the diagonal's mean: at a deterministic state u = g^2.
    theta = np.array([0.5, -1.0, 2.0, 3.0])
    np.testing.assert_allclose(
        noise.mean_diagonal(valley, valley.gradient(theta) ** 2),
        noise.diagonal(valley, theta),
        rtol=1e-12,
    )


# ------------------------------------------- the mean field's three paths, with noise
def _recursion(valley, noise, etas, theta0, moving):
    """u_{t+1} = c u_t + eta^2 lambda^2 E[s](u_t) on the moving coordinates, written out
    one step at a time (the reference for every path of expected_trajectory)."""
    lam = valley.eigenvalues
    u = (lam * np.asarray(theta0, dtype=float)) ** 2
    out = [u]
    for e in etas:
        s = noise.mean_diagonal(valley, u)
        u = np.where(moving, (1 - e * lam) ** 2 * u + e**2 * lam**2 * s, u)
        out.append(u)
    return np.array(out)


# Two-level bulk plus a flat direction, so the block fast path merges coordinates and a
# lambda = 0 coordinate (no loss, no contraction) is present.
MF_VALLEY = rv.RiverValley([6.0, 6.0, 4.0, 0.5, 0.5, 0.5, 0.2, 0.0], k=3)
MF_THETA = np.array([1.0, -0.5, 0.8, 2.0, -1.0, 1.5, 3.0, 2.0])


@pytest.mark.parametrize(
    "noise",
    [rv.IsotropicNoise(0.6), rv.CurvatureNoise(0.8), rv.RegressionNoise(4, 0.7)],
    ids=["isotropic", "curvature", "regression"],
)
@pytest.mark.parametrize("projection", ["none", "dominant", "bulk"])
def test_every_path_of_the_mean_field_is_the_recursion(noise, projection):
    """Constant step (closed form), a schedule (block loop) and record_energies (the
    coordinate loop) all give the recursion, with noise, for SGD and both projections;
    the loss is (1/2) sum u_i / lambda_i over lambda_i > 0."""
    # tolerance: 1e-10 relative: the recursion summed explicitly over every path,
    # round-off of a few hundred products.
    valley, theta0, steps = MF_VALLEY, MF_THETA, 12
    lam = valley.eigenvalues
    moving = {
        "none": np.ones(8, bool),
        "dominant": np.arange(8) < 3,
        "bulk": np.arange(8) >= 3,
    }[projection]
    schedule = np.linspace(0.25, 0.05, steps)
    for etas, kwargs in (
        (np.full(steps, 0.2), {}),
        (schedule, {}),
        (np.full(steps, 0.2), {"record_energies": [0, 5, steps]}),
    ):
        eta = etas if etas is schedule else 0.2
        mf = rv.expected_trajectory(
            valley, noise, eta, steps, theta0, projection=projection, **kwargs
        )
        u = _recursion(valley, noise, etas, theta0, moving)
        np.testing.assert_allclose(mf.D, u[:, :3].sum(1), rtol=1e-10)
        np.testing.assert_allclose(mf.B, u[:, 3:].sum(1), rtol=1e-10)
        loss = 0.5 * (u[:, :7] / lam[:7]).sum(1)
        np.testing.assert_allclose(mf.loss, loss, rtol=1e-10)
        if kwargs:
            np.testing.assert_allclose(mf.energies, u[[0, 5, steps]], rtol=1e-10)
            assert mf.energy_steps.tolist() == [0, 5, steps]


def test_one_mean_field_step_is_the_one_step_law():
    """From a deterministic state, step 1 of the mean field is expected_next and
    expected_loss_change (two independent routes), with state-dependent noise."""
    # tolerance: 1e-10 and 1e-12 relative: one step of two closed forms, round-off.
    noise = rv.RegressionNoise(2, 0.5)
    for projection in ("none", "dominant", "bulk"):
        mf = rv.expected_trajectory(
            MF_VALLEY, noise, 0.15, 1, MF_THETA, projection=projection
        )
        dL = rv.expected_loss_change(
            MF_VALLEY, noise, MF_THETA, 0.15, projection=projection
        )
        assert mf.loss[1] - mf.loss[0] == pytest.approx(dL, rel=1e-10)
    mf = rv.expected_trajectory(MF_VALLEY, noise, 0.15, 1, MF_THETA)
    ED, EB = rv.expected_next(MF_VALLEY, noise, MF_THETA, 0.15)
    assert (mf.D[1], mf.B[1]) == pytest.approx((ED, EB), rel=1e-12)


# ------------------------------------------------------- the grader's comparison edges
def test_close_is_inclusive_at_its_tolerance_and_strict_about_infinity():
    from rivervalley_lib.check._grading import close

    # Exactly representable: |1.5 - 1| = 0.5 = rtol * 1 sits ON the boundary and
    # passes; a hair beyond fails.
    assert close(1.5, 1.0, 0.5) and close(0.5, 1.0, 0.5)
    assert not close(1.5 + 1e-12, 1.0, 0.5)
    # An expected 0 is compared with a tiny scale, not with 1: 1e-4 is not 0.
    assert close(0.0, 0.0, 1e-3) and not close(1e-4, 0.0, 1e-3)
    # Infinities match only an infinity of the same sign.
    assert close(math.inf, math.inf, 1e-3)
    assert not close(-math.inf, math.inf, 1e-3)
    assert not close(math.inf, -math.inf, 1e-3)
    assert not close(1e300, math.inf, 1e-3) and not close(math.inf, 1e300, 1e-3)


def test_number_refuses_bool_nan_and_text(capsys):
    from rivervalley_lib.check._grading import number

    assert number(np.float32(0.25), "x") == 0.25 and number(3, "x") == 3.0
    for bad in (True, math.nan, "0.5", [0.5], None):
        assert number(bad, "x") is None
        assert capsys.readouterr().out.startswith("✗ x: ")


# ------------------------------------------- sample_step with noise: two exact routes
def test_sample_step_over_exact_noise_is_predict_exactly(noisy_report):
    """Stepping the quadratic once from each of the 2d exact noise samples (covariance
    sigma^2 I) averages to the expectation: the ratio of the mean D' and B' is
    predict()'s next ratio, and the mean loss changes are its loss changes, for SGD,
    Dom-SGD and Bulk-SGD (noise terms present, no Monte Carlo error)."""
    # tolerance: EXACT (1e-9 relative) and 1e-12: the mean over the exact noise samples
    # is the expectation, so sampled and predicted agree up to round-off.
    rep, valley, noise, theta = noisy_report
    Q, H = _rotated(valley)
    w = Q @ theta
    g = H @ w
    draws = iter(exact_noise_samples(g, SIGMA))

    def stochastic(_w):
        return next(draws)

    def grad(v):
        return H @ v

    def loss(v):
        return 0.5 * v @ H @ v

    eta, n = 0.15, 2 * valley.d
    p = rep.predict(eta)
    for projection, want in (
        ("none", p.loss_change_sgd),
        ("dominant", p.loss_change_dominant),
        ("bulk", p.loss_change_bulk),
    ):
        draws = iter(exact_noise_samples(g, SIGMA))
        s = rep.draw_steps(
            eta,
            grad,
            stochastic,
            theta=w,
            samples=n,
            projection=projection,
            loss_fn=loss,
        )
        assert s.loss_change.mean() == pytest.approx(want, rel=EXACT)
        if projection == "none":
            ratio = s.D.mean() / (s.D.mean() + s.B.mean())
            assert ratio - rep.alignment == pytest.approx(
                p.ratio_change, rel=EXACT, abs=1e-13
            )
        np.testing.assert_allclose(s.alignment, s.D / (s.D + s.B), rtol=1e-12)


def test_z_score_uses_the_standard_error_of_the_mean():
    """z = (mean - reference) / (s / sqrt(n)) with the n - 1 sample deviation."""
    # tolerance: EXACT (1e-9 relative): z-scores of three numbers, written out.
    from rivervalley_lib.diagnostics import z_score

    assert z_score([1.0, 2.0, 3.0]) == pytest.approx(2 * math.sqrt(3), rel=EXACT)
    assert z_score([1.0, 2.0, 3.0], reference=2.5) == pytest.approx(
        -0.5 * math.sqrt(3), rel=EXACT
    )
    assert z_score([1.0, 3.0]) == pytest.approx(2.0, rel=EXACT)
    with pytest.raises(ValueError, match="all equal"):
        z_score([2.0, 2.0, 2.0])


def test_predicts_rise_is_strict_at_eta_star():
    """At eta = eta* exactly the expected next ratio equals chi (no rise): the
    boundary belongs to "falls or stays" (H = diag(4, 1), g = H 1: eta* = 0.4)."""
    # tolerance: EXACT for eta* = 0.4 and 1e-12 absolute for the change at eta*: a root
    # evaluated in floating point.
    H = np.diag([4.0, 1.0])
    rep = measure_alignment(H @ np.ones(2), lambda v: H @ v, k=1)
    assert rep.eta_star == pytest.approx(0.4, rel=EXACT)
    assert rep.predict(rep.eta_star).ratio_change == pytest.approx(0.0, abs=1e-12)
    assert not rep.predicts_rise(rep.eta_star)
    assert rep.predicts_rise(rep.eta_star * (1 + 1e-9))


# ------------------------------------------------- properties mutmut does not mutate
def test_block_alignment_refuses_a_batch_with_one_zero_gradient():
    """chi = D/(D+B) is undefined where D + B = 0: one zero-gradient state in a batch
    raises (a check of 'every state' in place of 'some state' would return NaN there,
    and only the whole-batch boundary would raise). The other rows are chi exactly."""
    # tolerance: EXACT (1e-9 relative): 16/17 and 4/8 written out.
    valley = rv.RiverValley([4.0, 1.0], k=1)
    ok = block_moments(valley, GD, [[1.0, 1.0], [0.5, 2.0]])
    assert ok.alignment == pytest.approx([16 / 17, 4 / 8], rel=EXACT)
    with pytest.raises(ValueError, match="zero"):
        _ = block_moments(valley, GD, [[1.0, 1.0], [0.0, 0.0]]).alignment
    with pytest.raises(ValueError, match="zero"):
        _ = block_moments(valley, GD, [0.0, 0.0]).alignment


def test_gap_ratio_and_stability_limit_on_distinct_eigenvalues():
    """kappa = lambda_k / lambda_{k+1} and 2 / lambda_1 on a spectrum with no repeated
    value, so that a neighbouring eigenvalue (an off-by-one) or a lost factor 2
    changes the result by a factor of 1.5 at least."""
    valley = rv.RiverValley([9.0, 6.0, 3.0, 1.0], k=2)
    assert valley.gap_ratio == 6.0 / 3.0
    assert valley.stability_limit == 2.0 / 9.0
    assert rv.RiverValley([9.0, 6.0, 3.0, 1.0], k=1).gap_ratio == 9.0 / 6.0


# ------------------------------------------------------- bounds tested on the boundary
def test_phase_one_lasts_one_step_when_a_step_zeroes_the_dominant_block():
    """eta lambda = 1 exactly (lambda = 2, eta = 0.5, both exact in binary): one step
    takes every dominant coordinate to 0, |1 - eta lambda| = 0, the rate is infinite
    and phase 1 lasts exactly one step (not 0 and not 2)."""
    valley = rv.RiverValley.two_level(d=10, k=2, dominant=2.0, bulk=0.1)
    p = rv.phase_lengths(valley, rv.IsotropicNoise(0.05), 0.5, np.full(10, 3.0))
    assert p.T1 == 1.0


def test_step_sizes_and_tolerances_of_zero_are_refused():
    """The open bounds eta > 0 and tolerance > 0, tested at 0 itself (a closed or a
    dropped bound would accept it)."""
    valley = rv.RiverValley.two_level(d=4, k=1, dominant=4.0, bulk=1.0)
    theta = np.ones(4)
    with pytest.raises(ValueError, match="eta"):
        rv.phase_lengths(valley, rv.IsotropicNoise(0.1), 0.0, theta)
    rep = measure_alignment(valley.gradient(theta), lambda v: valley.eigenvalues * v, 1)
    with pytest.raises(ValueError, match="eta"):
        rep.quadratic_check(0.0, valley.gradient, theta=theta)
    with pytest.raises(ValueError, match="tolerance"):
        rep.quadratic_check(0.1, valley.gradient, theta=theta, tolerance=0.0)
    # Just inside the bounds both are accepted.
    rep.quadratic_check(0.1, valley.gradient, theta=theta, tolerance=1e-12)


def test_stochastic_alignment_check_uses_the_noise_at_theta():
    """With regression noise the covariance depends on theta. The check's answer is
    (|P_D g|^2 + tr_D Sigma(theta)) / (|g|^2 + tr Sigma(theta)), here from the full
    covariance matrix (another route than the check's diagonal); the noise is as large
    as the gradient, so the noise-free ratio or the noise at another state is far
    off."""
    # tolerance: the check's own rtol (1e-4 by default) against an answer 1 % off; the
    # noise moves the answer by more than 0.05, 500 times that.
    from rivervalley_lib import check

    valley = rv.RiverValley([4.0, 3.0, 1.0, 0.5], k=2)
    noise = rv.RegressionNoise(batch_size=2, label_noise=0.5)
    theta = np.array([0.3, -0.2, 1.5, 2.0])
    g = valley.gradient(theta)
    s = np.diag(noise.covariance(valley, theta))
    right = (g[:2] @ g[:2] + s[:2].sum()) / (g @ g + s.sum())
    assert abs(right - (g[:2] @ g[:2]) / (g @ g)) > 0.05  # the noise matters
    assert check.stochastic_alignment(right, valley, noise, theta)
    assert not check.stochastic_alignment(right * 1.01, valley, noise, theta)


def test_noise_models_are_equal_only_with_every_parameter_equal():
    """Equality of regression noise needs the same type AND batch size AND label
    noise: one differing parameter makes two models unequal (an 'or' would not)."""
    a = rv.RegressionNoise(batch_size=2, label_noise=0.1)
    assert a == rv.RegressionNoise(batch_size=2, label_noise=0.1)
    assert hash(a) == hash(rv.RegressionNoise(batch_size=2, label_noise=0.1))
    assert a != rv.RegressionNoise(batch_size=3, label_noise=0.1)
    assert a != rv.RegressionNoise(batch_size=2, label_noise=0.2)
    assert rv.IsotropicNoise(0.1) != rv.CurvatureNoise(0.1)
    assert rv.IsotropicNoise(0.1) == rv.IsotropicNoise(0.1)


def test_a_projector_too_large_names_the_dimension():
    """The d x d projector of a huge valley is refused before allocating, and the
    message names the argument responsible (the dimension d)."""
    valley = rv.RiverValley.two_level(d=200_000, k=1, dominant=2.0, bulk=1.0)
    with pytest.raises(ValueError, match=r"dimension d = 200000 \(d x d\)"):
        valley.projector("dominant")


@pytest.mark.parametrize("eta", [math.inf, math.nan])
@pytest.mark.parametrize("name", ["phase_lengths", "noise_floor"])
def test_a_non_finite_step_size_is_refused_with_its_open_range(name, eta):
    """The step size's allowed range is eta > 0: an infinite or NaN eta is refused
    with the whole range in the message ("finite and > 0"), not a closed or a missing
    bound, whichever function checks it first."""
    valley = rv.RiverValley.two_level(d=10, k=2, dominant=1.0, bulk=0.1)
    args = (valley, rv.IsotropicNoise(0.1), eta)
    if name == "phase_lengths":
        args += (np.ones(10),)
    with pytest.raises(ValueError) as err:
        getattr(rv, name)(*args)
    assert str(err.value) == f"eta must be finite and > 0, got {eta}"


@pytest.mark.parametrize(
    ("reference", "tolerance", "name"),
    [
        ([[0.1, 0.03], [0.02, 0.01]], 0.1, "reference"),
        ([0.1, 0.03, 0.01], [[0.1, 0.1, 0.1]], "tolerance"),
    ],
)
def test_decreasing_refuses_a_reference_or_tolerance_that_is_not_a_list(
    reference, tolerance, name
):
    """check.decreasing compares a list with a list: a 2-D reference or tolerance is
    refused with a message naming it and its allowed dimensions (a table passed by
    mistake must not be flattened or broadcast into a verdict)."""
    with pytest.raises(ValueError, match=rf"^{name} must have .*dimension"):
        rv.check.decreasing([0.1, 0.03, 0.01], reference=reference, tolerance=tolerance)


@pytest.mark.parametrize("path", ["closed form", "step by step", "regression noise"])
def test_a_diverging_expected_trajectory_names_its_step_size(path):
    """At a step size above the stability limit 2/lambda_1 the expected energies
    overflow after a few hundred steps (by (1 - eta lambda)^2 = 4 per step here).
    Every route refuses with a ValueError that names the step size and the limit,
    without a floating-point warning on the way: the closed form for a constant step,
    the step-by-step recursion for a schedule, and the recursion with state-dependent
    regression noise, here with the dominant block frozen (its noise variance
    overflows while its energy stays finite; the refusal used to be "grad_sq must
    contain only finite values", an argument the user never passed)."""
    valley = rv.RiverValley([1.0, 0.5, 0.1], k=1)
    noise, steps, kwargs = rv.IsotropicNoise(0.1), 2000, {}
    eta = 3.0
    if path == "step by step":
        # a schedule that is not constant takes the step-by-step route
        eta = np.r_[2.5, np.full(steps - 1, 3.0)]
    if path == "regression noise":
        noise = rv.RegressionNoise(batch_size=2, label_noise=0.1)
        kwargs = dict(projection="bulk")
    with pytest.raises(ValueError) as err:
        rv.expected_trajectory(valley, noise, eta, steps, np.ones(3), **kwargs)
    expected = "eta = 3" if path == "closed form" else "max eta = 3"
    message = f"diverges: {expected} is too large (stability limit 2/lambda_1 = 2)"
    assert message in str(err.value)


def test_a_valleys_eigenvalues_and_dominant_mask_are_read_only():
    """A RiverValley is immutable and hashable by value: writing into its eigenvalues
    or its dominant mask raises instead of silently changing a hashed valley."""
    valley = rv.RiverValley([3.0, 2.0, 1.0], k=1)
    for array in (valley.eigenvalues, valley.dominant_mask):
        assert not array.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            array[0] = array[1]


def test_decreasing_refuses_a_tolerance_list_of_another_length():
    """One tolerance for all, or one per value: a list of one tolerance for three
    values is neither, and is refused naming tolerance and the shape it must have."""
    with pytest.raises(
        ValueError, match=r"tolerance must be a number or have the shape"
    ):
        rv.check.decreasing([3, 2, 1], reference=[3, 2, 1], tolerance=[0.1])


def test_decreasing_names_the_exercise_when_the_values_do_not_fall(capsys):
    """The printed verdict for values that do not decrease names what was checked
    and gives the hint about the trend."""
    assert (
        rv.check.decreasing([1, 2, 3], "gap", reference=[1, 2, 3], tolerance=0.1)
        is False
    )
    line = capsys.readouterr().out
    assert line.startswith("✗ gap: not yet. Hint: the values should shrink")


def test_the_alignment_of_a_batch_is_each_rows_own_whatever_their_scales():
    """chi(v) = |P_D v|^2 / |v|^2 does not depend on the scale of v: in one batch, a
    row of size 1e-100 and a row of size 1e100 each get their own alignment
    (1 / (1 + 9) = 0.1 and 1 / 2), as they do alone, without underflow or overflow."""
    valley = rv.RiverValley([4.0, 1.0], k=1)
    batch = np.array([[1e-100, 3e-100], [1e100, 1e100]])
    got = rv.gradient_alignment(valley, batch)
    # tolerance: the rows are rescaled by exact powers of two; 1e-15 is round-off of
    # the ratio and rejects any scale-dependent answer (0, nan, or the other row's)
    np.testing.assert_allclose(got, [0.1, 0.5], rtol=1e-15)
    alone = [rv.gradient_alignment(valley, row) for row in batch]
    np.testing.assert_allclose(got, alone, rtol=1e-15)  # tolerance: as above
