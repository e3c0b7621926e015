"""Formulas with noise terms, evaluated WITH the noise present (issue 24, pattern 1).

A formula tested only at zero noise lets a dropped, doubled or squared noise term
through. Every test here evaluates a noise-bearing formula with noise as large as the
gradient and compares it with an independent route that has no Monte Carlo error:

- exact noise samples: for a covariance Sigma = L L^T, the 2d vectors
  xi = +- sqrt(d) L e_i have mean 0 and mean xi xi^T = Sigma exactly, so the mean of
  any quadratic function of one SGD step over them IS its expectation;
- Gauss-Hermite quadrature, exact for the polynomials a covariance is made of;
- explicit sums over the coordinates of a small valley.

Each test also checks that the noise moves the number by far more than the tolerance,
so a noise term that went missing could not pass.
"""

from __future__ import annotations

import math
from itertools import product

import numpy as np
import pytest

import rivervalley_lib as rv
from rivervalley_lib import check
from rivervalley_lib.diagnostics import measure_alignment

from .conftest import exact_samples

# Identities that hold in exact arithmetic, for sums of a few dozen terms: 1e-10
# relative is round-off, and a factor 2 or a dropped noise term is off by > 1e-2.
EXACT = 1e-10

VALLEY = rv.RiverValley([5.0, 3.0, 1.5, 0.5, 0.25], k=2)
THETA = np.array([0.4, -0.3, 1.0, 2.0, -1.5])
NOISES = [
    rv.IsotropicNoise(0.9),
    rv.CurvatureNoise(0.8),
    rv.RegressionNoise(batch_size=3, label_noise=0.7),
]
IDS = ["isotropic", "curvature", "regression"]
GD = rv.IsotropicNoise(0.0)


def covariance(noise, valley, theta) -> np.ndarray:
    """Sigma(theta) written out from each model's definition, without its code:
    sigma^2 I, sigma^2 H, and [(2L + sigma_eps^2) H + g g^T] / b (its Isserlis form,
    itself checked by quadrature below)."""
    lam = valley.eigenvalues
    if type(noise) is rv.IsotropicNoise:
        return noise.sigma**2 * np.eye(valley.d)
    if type(noise) is rv.CurvatureNoise:
        return noise.sigma**2 * np.diag(lam)
    g = lam * theta
    two_loss = float(np.sum(lam * theta**2))
    return (
        (two_loss + noise.label_noise**2) * np.diag(lam) + np.outer(g, g)
    ) / noise.batch_size


def one_step(valley, theta, xi, eta, projection="none"):
    """theta' = theta - eta P (g + xi) for each row of xi; returns (D', B', loss')."""
    lam, k = valley.eigenvalues, valley.k
    step = lam * theta + xi
    mask = {
        "none": np.ones(valley.d, bool),
        "dominant": np.arange(valley.d) < k,
        "bulk": np.arange(valley.d) >= k,
    }[projection]
    new = theta - eta * np.where(mask, step, 0.0)
    g2 = (lam * new) ** 2
    return g2[:, :k].sum(1), g2[:, k:].sum(1), 0.5 * (lam * new**2).sum(1)


@pytest.mark.parametrize("noise", NOISES, ids=IDS)
def test_one_step_laws_are_the_mean_over_exact_noise_samples(noise):
    """expected_next, energy_ratio_step and expected_loss_change (SGD, Dom-SGD,
    Bulk-SGD) are the means of the one-step energies over exact samples of the noise
    model's full covariance, written out from its definition (for RegressionNoise
    including its H theta theta^T H / b part)."""
    xi = exact_samples(covariance(noise, VALLEY, THETA))
    for eta in (0.1, 0.25):
        D1, B1, loss1 = one_step(VALLEY, THETA, xi, eta)
        ED, EB = rv.expected_next(VALLEY, noise, THETA, eta)
        # tolerance: round-off of a 10-term mean against a closed form (EXACT).
        assert ED == pytest.approx(D1.mean(), rel=EXACT)
        assert EB == pytest.approx(B1.mean(), rel=EXACT)
        ratio = rv.energy_ratio_step(VALLEY, noise, THETA, eta)
        # tolerance: as above, a ratio of two such means.
        assert ratio == pytest.approx(D1.mean() / (D1.mean() + B1.mean()), rel=EXACT)
        loss0 = 0.5 * VALLEY.eigenvalues @ THETA**2
        for projection in ("none", "dominant", "bulk"):
            *_, lp = one_step(VALLEY, THETA, xi, eta, projection)
            got = rv.expected_loss_change(
                VALLEY, noise, THETA, eta, projection=projection
            )
            # tolerance: round-off of a mean of 10 losses minus the start loss, which
            # is at most ~10x the change here, so 1e-9 relative to the change.
            assert got == pytest.approx(lp.mean() - loss0, rel=1e-9)
        # The noise matters: without it each law is off by > 1e-3 relative, ten
        # million times the tolerance.
        ED0, EB0 = rv.expected_next(VALLEY, GD, THETA, eta)
        assert abs(ED0 - ED) > 1e-3 * ED and abs(EB0 - EB) > 1e-3 * EB


@pytest.mark.parametrize("noise", NOISES, ids=IDS)
def test_thresholds_are_the_explicit_sums_with_noise(noise):
    """critical_step_size = 2A/C and projection_thresholds = 2X/(a_X + t_X) with the
    noise sums n_X = sum lambda^2 s_i and t_X = sum lambda s_i written out per
    coordinate, s_i the diagonal of the model's covariance written out from its
    definition."""
    lam, k = VALLEY.eigenvalues, VALLEY.k
    g2 = (lam * THETA) ** 2
    s = np.diag(covariance(noise, VALLEY, THETA))
    D, B = g2[:k].sum(), g2[k:].sum()
    aD, aB = (lam * g2)[:k].sum(), (lam * g2)[k:].sum()
    bD, bB = (lam**2 * g2)[:k].sum(), (lam**2 * g2)[k:].sum()
    nD, nB = (lam**2 * s)[:k].sum(), (lam**2 * s)[k:].sum()
    tD, tB = (lam * s)[:k].sum(), (lam * s)[k:].sum()
    C = (bD + nD) * B - (bB + nB) * D
    assert C > 0
    eta_star = 2 * (aD * B - aB * D) / C
    # tolerance: round-off of sums of five terms (EXACT).
    assert rv.critical_step_size(VALLEY, noise, THETA) == pytest.approx(
        eta_star, rel=EXACT
    )
    eta_D, eta_B = rv.projection_thresholds(VALLEY, noise, THETA)
    assert (eta_D, eta_B) == pytest.approx(
        (2 * D / (aD + tD), 2 * B / (aB + tB)), rel=EXACT
    )
    assert rv.alignment_regime(VALLEY, noise, THETA) == "threshold"
    # The noise matters: the noise-free thresholds are off by far more than EXACT.
    assert abs(rv.critical_step_size(VALLEY, GD, THETA) / eta_star - 1) > 1e-2
    assert abs(rv.projection_thresholds(VALLEY, GD, THETA)[1] / eta_B - 1) > 1e-2


def test_regression_covariance_is_the_gauss_hermite_expectation():
    """RegressionNoise.covariance and .diagonal equal the covariance of the minibatch
    gradient x (x^T theta - y) / b, x ~ N(0, H), y ~ N(0, sigma_eps^2), computed by
    Gauss-Hermite quadrature (4 nodes per variable: exact for the degree-6 polynomial
    g g^T), divided by b for a mean of b independent examples."""
    valley = rv.RiverValley([3.0, 1.0, 0.5], k=1)
    theta = np.array([0.7, -1.2, 2.0])
    sig, b = 0.6, 3
    x1, w1 = np.polynomial.hermite_e.hermegauss(4)
    w1 = w1 / w1.sum()  # probabilists' weights of N(0, 1)
    lam = valley.eigenvalues
    second = np.zeros((3, 3))
    for idx in product(range(4), repeat=4):
        z = x1[list(idx)]
        w = np.prod(w1[list(idx)])
        x, y = np.sqrt(lam) * z[:3], sig * z[3]
        g = x * (x @ theta - y)
        second += w * np.outer(g, g)
    mean = lam * theta
    cov = (second - np.outer(mean, mean)) / b
    noise = rv.RegressionNoise(batch_size=b, label_noise=sig)
    # tolerance: round-off of a 256-node quadrature that is exact in exact arithmetic.
    # (The written-out form the other tests use is this expectation too.)
    np.testing.assert_allclose(covariance(noise, valley, theta), cov, atol=1e-12)
    np.testing.assert_allclose(noise.covariance(valley, theta), cov, atol=1e-12)
    np.testing.assert_allclose(noise.diagonal(valley, theta), np.diag(cov), rtol=1e-12)
    # mean_diagonal at the deterministic second moments u = g^2 is the same diagonal.
    np.testing.assert_allclose(
        noise.mean_diagonal(valley, mean**2), np.diag(cov), rtol=1e-12
    )


# ------------------------------------------------------------ the report with noise
SIGMA = 0.8


@pytest.fixture(scope="module")
def report():
    """measure_alignment in the eigenbasis with the 2d exact isotropic samples
    g +- sigma sqrt(d) e_i, and the per-sample noise vectors xi."""
    g = VALLEY.gradient(THETA)
    xi = exact_samples(SIGMA**2 * np.eye(VALLEY.d))
    rep = measure_alignment(
        g,
        lambda v: VALLEY.eigenvalues * v,
        k=VALLEY.k,
        noise_samples=g + xi,
        lanczos_tol=0.0,
    )
    return rep, xi


def test_mean_alignment_change_is_the_mean_over_the_exact_samples(report):
    """predict(eta).mean_alignment_change is the mean over the supplied samples of
    chi' - chi after one step, chi' = D'/(D'+B') computed here coordinate by
    coordinate; its standard error is their sample deviation / sqrt(m). It differs
    from the ratio of expectations by far more than the tolerance."""
    rep, xi = report
    chi = rv.alignment(VALLEY, THETA)
    for eta in (0.1, 0.3):
        D1, B1, _ = one_step(VALLEY, THETA, xi, eta)
        chi1 = D1 / (D1 + B1)
        p = rep.predict(eta)
        # tolerance: round-off of a mean of 10 ratios (EXACT, absolute on a change
        # of order 0.1).
        assert p.mean_alignment_change == pytest.approx(
            chi1.mean() - chi, rel=EXACT, abs=1e-13
        )
        assert p.stderr.mean_alignment_change == pytest.approx(
            chi1.std(ddof=1) / math.sqrt(chi1.size), rel=EXACT
        )
        ratio = D1.mean() / (D1.mean() + B1.mean())
        assert p.ratio_change == pytest.approx(ratio - chi, rel=EXACT, abs=1e-13)
        assert abs(p.mean_alignment_change - p.ratio_change) > 1e-3


def _per_sample_moments(xi: np.ndarray) -> np.ndarray:
    """Per noise sample, the block sums behind n_D, n_B, t_D, t_B: lambda^2 xi^2 and
    lambda xi^2 over each block (written out, not the library's code)."""
    lam, k = VALLEY.eigenvalues, VALLEY.k
    return np.column_stack(
        [
            (lam**2 * xi**2)[:, :k].sum(1),
            (lam**2 * xi**2)[:, k:].sum(1),
            (lam * xi**2)[:, :k].sum(1),
            (lam * xi**2)[:, k:].sum(1),
        ]
    )


def test_stderr_of_the_noise_moments_is_the_standard_error_of_their_mean(report):
    """ReportStderr.nD, nB, tD, tB are sd(ddof=1)/sqrt(m) of the per-sample
    lambda^2 xi^2 and lambda xi^2 block sums, written out here; the standard errors of
    eta* and of (eta_D, eta_B) are the delta method with the analytic gradients
    d eta*/d nD = -2AB/C^2, d eta*/d nB = 2AD/C^2, d eta_X/d t_X = -2X/(a_X+t_X)^2."""
    rep, xi = report
    m = xi.shape[0]
    per = _per_sample_moments(xi)
    se = per.std(axis=0, ddof=1) / math.sqrt(m)
    # tolerance: round-off of a 10-sample standard deviation (EXACT).
    assert (rep.stderr.nD, rep.stderr.nB, rep.stderr.tD, rep.stderr.tB) == (
        pytest.approx(tuple(se), rel=EXACT)
    )
    cov = np.cov(per.T, ddof=1) / m
    mo = rep.moments
    A = mo.aD * mo.B - mo.aB * mo.D
    C = (mo.bD + mo.nD) * mo.B - (mo.bB + mo.nB) * mo.D
    grad_star = np.array([-2 * A * mo.B / C**2, 2 * A * mo.D / C**2, 0.0, 0.0])
    grad_D = np.array([0.0, 0.0, -2 * mo.D / (mo.aD + mo.tD) ** 2, 0.0])
    grad_B = np.array([0.0, 0.0, 0.0, -2 * mo.B / (mo.aB + mo.tB) ** 2])
    # tolerance: the library differentiates by central differences of step 1e-3
    # standard errors, whose relative truncation error is ~1e-6 on these smooth
    # rational functions; 1e-5 is far below a factor 2.
    assert rep.stderr.eta_star == pytest.approx(
        math.sqrt(grad_star @ cov @ grad_star), rel=1e-5
    )
    assert tuple(rep.stderr.thresholds) == pytest.approx(
        (math.sqrt(grad_D @ cov @ grad_D), math.sqrt(grad_B @ cov @ grad_B)), rel=1e-5
    )
    assert rep.stderr.eta_star > 0 and min(rep.stderr.thresholds) > 0


# --------------------------------------------------------- the exercise checks, noisy
def test_checks_accept_the_noisy_closed_forms_and_refuse_the_noise_free_ones(capsys):
    """The exercise checks compare with the theory WITH the noise: the answers written
    out from explicit sums (isotropic noise, two-level valley) pass, and the same
    formulas without the noise terms fail."""
    d, k, lam, mu, sigma, eta = 8, 2, 4.0, 0.5, 0.6, 0.2
    valley = rv.RiverValley.two_level(d=d, k=k, dominant=lam, bulk=mu)
    noise = rv.IsotropicNoise(sigma)
    theta = np.linspace(0.5, 1.2, d)
    g2 = (valley.eigenvalues * theta) ** 2
    D, B = g2[:k].sum(), g2[k:].sum()

    def star(s2):
        A = lam * D * B - mu * B * D
        C = (lam**2 * D + k * lam**2 * s2) * B - (mu**2 * B + (d - k) * mu**2 * s2) * D
        return 2 * A / C

    def floor(s_dom, s_bulk):
        u_D = k * eta * lam * s_dom / (2 - eta * lam)
        u_B = (d - k) * eta * mu * s_bulk / (2 - eta * mu)
        return u_D / (u_D + u_B)

    def thresholds(s2):
        return (2 * D / (lam * D + k * lam * s2), 2 * B / (mu * B + (d - k) * mu * s2))

    def loss_change(s2):
        return -eta * (D + B) + 0.5 * eta**2 * (
            lam * D + mu * B + (k * lam + (d - k) * mu) * s2
        )

    # The check's default rtol is 1e-3; each noise-free answer is > 1 % off.
    s2 = sigma**2
    assert check.critical_step_size(star(s2), valley, noise, theta)
    assert not check.critical_step_size(star(0.0), valley, noise, theta)
    # The isotropic plateau does not depend on sigma; curvature-shaped variances
    # s_i = sigma^2 lambda_i (the other model's) give another plateau.
    assert check.noise_floor_plateau(floor(s2, s2), valley, noise, eta)
    assert not check.noise_floor_plateau(floor(s2 * lam, s2 * mu), valley, noise, eta)
    assert check.projection_thresholds(thresholds(s2), valley, noise, theta)
    assert not check.projection_thresholds(thresholds(0.0), valley, noise, theta)
    assert check.expected_loss_change(loss_change(s2), valley, noise, theta, eta)
    assert not check.expected_loss_change(loss_change(0.0), valley, noise, theta, eta)
    capsys.readouterr()


@pytest.mark.parametrize("noise", NOISES, ids=IDS)
def test_two_mean_field_steps_are_the_mean_over_exact_noise_paths(noise):
    """expected_trajectory over two steps (its closure through mean_diagonal, with the
    multiplicative part of RegressionNoise) is the mean of D, B and the loss over
    all (2d)^2 two-step paths of exact noise samples, the second drawn from the
    covariance at the first step's state: E[X_2 | theta_1] is quadratic in theta_1,
    so this mean is the exact expectation. The first step alone is checked too."""
    eta = 0.2
    lam = VALLEY.eigenvalues
    xi0 = exact_samples(covariance(noise, VALLEY, THETA))
    first = THETA - eta * (lam * THETA + xi0)
    D2, B2, L2 = [], [], []
    for theta1 in first:
        xi = exact_samples(covariance(noise, VALLEY, theta1))
        D, B, L = one_step(VALLEY, theta1, xi, eta)
        D2.append(D.mean())
        B2.append(B.mean())
        L2.append(L.mean())
    D1, B1, L1 = one_step(VALLEY, THETA, xi0, eta)
    mf = rv.expected_trajectory(VALLEY, noise, eta, 2, THETA)
    # tolerance: round-off of means of 10 and 100 quadratic forms (EXACT).
    assert (mf.D[1], mf.B[1], mf.loss[1]) == pytest.approx(
        (D1.mean(), B1.mean(), L1.mean()), rel=EXACT
    )
    assert (mf.D[2], mf.B[2], mf.loss[2]) == pytest.approx(
        (np.mean(D2), np.mean(B2), np.mean(L2)), rel=EXACT
    )
    # The noise matters at step 2: the noise-free mean field is far off.
    gd = rv.expected_trajectory(VALLEY, GD, eta, 2, THETA)
    assert abs(gd.B[2] - mf.B[2]) > 1e-3 * mf.B[2]


def test_block_simulator_has_the_mean_field_mean_on_blocks_of_one_two_and_three():
    """The block path of simulate keeps, per block of m equal eigenvalues, the
    component along the start and the rest, with an orthogonal Gaussian part for
    m >= 2 and a chi-square with m - 2 degrees of freedom for m >= 3. On blocks of
    sizes 1 (dominant), 2 and 3 (bulk) the seed mean of D and B after one noisy step
    matches the exact mean field within 5 standard errors; a wrong block-size branch
    adds or drops eta^2 lambda^2 sigma^2 per missing coordinate, 24 to 140 standard
    errors here."""
    valley = rv.RiverValley([4.0, 2.0, 2.0, 1.0, 1.0, 1.0], k=1)
    noise = rv.IsotropicNoise(0.5)
    theta0 = np.full(6, 0.05)
    run = rv.simulate(
        valley, noise, 0.2, 1, theta0, seeds=40_000, rng=11, method="block"
    )
    mf = rv.expected_trajectory(valley, noise, 0.2, 1, theta0)
    for field in ("D", "B"):
        x = getattr(run, field)[:, 1]
        se = x.std(ddof=1) / math.sqrt(x.size)
        # tolerance: 5 standard errors of a 40 000-seed mean (fixed seed).
        assert abs(x.mean() - getattr(mf, field)[1]) < 5 * se, field


def test_stderr_of_predict_is_the_delta_method_over_the_noise_moments(report):
    """predict(eta).stderr of the ratio change and of the three loss changes are
    sqrt(grad^T cov grad) with cov the covariance of the mean noise moments and the
    analytic gradients: for the ratio E[D']/(E[D'] + E[B']), d/d n_D = eta^2 E[B']/S^2
    and d/d n_B = -eta^2 E[D']/S^2 (S = E[D'] + E[B']); each loss change is linear in
    t_D, t_B with slope eta^2/2 on the blocks it moves."""
    rep, xi = report
    m = xi.shape[0]
    per = _per_sample_moments(xi)
    cov = np.cov(per.T, ddof=1) / m
    eta = 0.2
    ED, EB = rep.moments.expected_next(eta)
    S = ED + EB
    half = 0.5 * eta**2
    grads = {
        "ratio_change": np.array([eta**2 * EB / S**2, -(eta**2) * ED / S**2, 0, 0]),
        "loss_change_sgd": np.array([0, 0, half, half]),
        "loss_change_dominant": np.array([0, 0, half, 0]),
        "loss_change_bulk": np.array([0, 0, 0, half]),
    }
    se = rep.predict(eta).stderr
    for name, grad in grads.items():
        # tolerance: central differences of step 1e-3 standard errors, exact for the
        # linear loss changes and ~1e-6 relative for the ratio; 1e-5 rejects any
        # factor 2 by five orders of magnitude.
        assert getattr(se, name) == pytest.approx(
            math.sqrt(grad @ cov @ grad), rel=1e-5
        ), name
        assert getattr(se, name) > 0
