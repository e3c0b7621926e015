"""Regime boundaries and allowed ranges tested ON the boundary (issue 24, pattern 2).

A comparison that decides a regime, a branch or an allowed range (``>`` or ``>=``) is
only pinned down by a test that evaluates it exactly on its boundary. Each test here
builds a case that lands on the boundary exactly in floating point (dyadic numbers:
sums and products of powers of two are exact), asserts the documented side, and checks
one point on each side.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import rivervalley_lib as rv
from rivervalley_lib import check
from rivervalley_lib.diagnostics import measure_alignment, top_eigenspace

from .conftest import BlockNoise

GD = rv.IsotropicNoise(0.0)
TINY = 2.0**-20  # a dyadic step off a boundary, far above round-off


def moments(C_sign: float = 1.0, den_D: float = 1.0, den_B: float = 1.0):
    """BlockMoments with dyadic fields: C = (bD + nD) B - (bB + nB) D = C_sign,
    a_D + t_D = den_D, a_B + t_B = den_B and A = aD B - aB D = 2 + den_D - den_B."""
    # D = B = 1; C = bD + nD - bB - nB, half of C_sign in each of bD and nD.
    return rv.BlockMoments(
        D=1.0,
        B=1.0,
        aD=den_D + 1.0,
        aB=den_B - 1.0,
        bD=2.0 + C_sign / 2,
        bB=2.0,
        nD=1.0 + C_sign / 2,
        nB=1.0,
        tD=-1.0,
        tB=1.0,
    )


def test_block_moments_regime_is_threshold_only_for_c_positive():
    """C > 0: "threshold" with eta* = 2A/C; C = 0 exactly and C < 0:
    "always-falls" with eta* = inf (a ``>=`` would call C = 0 a threshold)."""
    assert moments(1.0).threshold_terms() == (2.0, 1.0)
    assert moments(1.0).regime() == "threshold"
    assert moments(1.0).critical_step_size() == 4.0  # 2A/C exactly
    for c in (0.0, -1.0):
        assert float(moments(c).threshold_terms()[1]) == c
        assert moments(c).regime() == "always-falls"
        assert moments(c).critical_step_size() == math.inf


def test_projection_thresholds_on_the_sign_of_their_denominators():
    """eta_D = 2D/(a_D + t_D) where a_D + t_D > 0, inf where <= 0; eta_B =
    2B/(a_B + t_B) where > 0, 0 where = 0 exactly, inf where < 0 (negative bulk
    curvature): the documented values on and around both boundaries."""
    assert moments(den_D=1.0, den_B=1.0).projection_thresholds() == (2.0, 2.0)
    assert moments(den_D=0.0, den_B=0.0).projection_thresholds() == (math.inf, 0.0)
    assert moments(den_D=-1.0, den_B=-1.0).projection_thresholds() == (
        math.inf,
        math.inf,
    )


# A state on Delta = 0 WITH noise: V = diag(4, 1), theta = (1, 1/4), sigma = 1 gives
# D = 16, B = 1/16, b_D = 256, n_D = 16, b_B = 1/16, n_B = 1, and
# C = 272/16 - 17/16 * 16 = 0 exactly; C = 256 b^2 - 16 for theta = (1, b).
V2 = rv.RiverValley([4.0, 1.0], k=1)
ONE = rv.IsotropicNoise(1.0)


def test_alignment_regime_on_delta_zero_with_noise_present():
    """With both noise terms nonzero, the state with C = 0 exactly is "always-falls"
    (eta* = inf); a slightly larger bulk gradient is "threshold", a slightly smaller
    one "always-falls" (the batch gives the three at once)."""
    on = [1.0, 0.25]
    assert rv.alignment_regime(V2, ONE, on) == "always-falls"
    assert rv.critical_step_size(V2, ONE, on) == math.inf
    states = [[1.0, 0.25 - TINY], on, [1.0, 0.25 + TINY]]
    assert list(rv.alignment_regime(V2, ONE, states)) == [
        "always-falls",
        "always-falls",
        "threshold",
    ]
    eta = rv.critical_step_size(V2, ONE, states)
    assert eta[0] == eta[1] == math.inf and math.isfinite(eta[2])
    # On the boundary the energy ratio falls at every step size (A = 3 > 0).
    for step in (0.05, 0.2, 0.45):
        assert rv.energy_ratio_step(V2, ONE, on, step) < rv.alignment(V2, on)


def test_noise_floor_refuses_eta_at_the_stability_limit():
    """The floor exists for eta < 2/lambda_1 only: eta = 2/lambda_1 = 0.5 exactly is
    refused (by noise_floor and by stationary_gradient_energy), just below is not."""
    valley = rv.RiverValley([4.0, 1.0, 0.5], k=1)
    noise = rv.IsotropicNoise(0.5)
    assert valley.stability_limit == 0.5
    with pytest.raises(ValueError, match="stability limit"):
        rv.noise_floor(valley, noise, 0.5)
    with pytest.raises(ValueError, match="eta"):
        noise.stationary_gradient_energy(valley, 0.5)
    below = 0.5 - TINY
    u = noise.stationary_gradient_energy(valley, below)
    lam = valley.eigenvalues
    # tolerance: round-off of one closed form evaluated two ways.
    np.testing.assert_allclose(u, below * lam * 0.25 / (2 - below * lam), rtol=1e-12)
    assert rv.noise_floor(valley, noise, below).D == pytest.approx(u[0], rel=1e-12)


def test_regression_noise_stationary_energy_on_its_divergence_bounds():
    """c_1 = 2 - eta lambda_1 (1 + 1/b) = 0 exactly (b = 1, lambda_1 = 1, eta = 1) is
    refused with the c message (just inside, the q bound refuses it instead); q = sum
    eta lambda_j / (b c_j) = 1 exactly (b = 2, eta = 1: c_1 = 1/2, q = 1) is refused
    with the q message, and just inside it the closed-form fixed point is returned."""
    valley = rv.RiverValley([1.0, 0.0], k=1)
    with pytest.raises(ValueError, match=r"2b/\(\(b\+1\) lambda_1\)"):
        rv.RegressionNoise(1, 0.5).stationary_gradient_energy(valley, 1.0)
    with pytest.raises(ValueError, match="q = 1 >= 1"):
        rv.RegressionNoise(2, 0.5).stationary_gradient_energy(valley, 1.0)
    eta = 1.0 - 2.0**-10
    u = rv.RegressionNoise(2, 0.5).stationary_gradient_energy(valley, eta)
    c = 2 - eta * 1.5
    q = eta / (2 * c)
    # tolerance: round-off of the docstring's closed form (q is near 1, so 1e-9).
    assert u[0] == pytest.approx(eta * 0.25 / (2 * c * (1 - q)), rel=1e-9)
    # Just inside c_1 > 0 (b = 1) the second bound decides: q = eta/c_1 ~ 512.
    with pytest.raises(ValueError, match="q = 512"):
        rv.RegressionNoise(1, 0.5).stationary_gradient_energy(valley, eta)


def test_heavy_ball_floor_on_its_stability_edge():
    """Heavy ball is stable for eta lambda_1 < 2(1 + beta): eta lambda_1 = 3 =
    2(1 + 1/2) exactly is refused, just below is the closed form; zero noise has no
    floor."""
    valley = rv.RiverValley([3.0, 1.0], k=1)
    noise = rv.IsotropicNoise(0.5)
    with pytest.raises(ValueError, match="diverges"):
        rv.heavy_ball_floor(valley, noise, 1.0, 0.5)
    eta, beta = 1.0 - TINY, 0.5
    f = rv.heavy_ball_floor(valley, noise, eta, beta)
    lam = valley.eigenvalues
    u = eta * lam * 0.25 * (1 + beta) / ((1 - beta) * (2 * (1 + beta) - eta * lam))
    # tolerance: round-off of the closed form (near the edge u_1 ~ 1e6, cancellation
    # in 2(1 + beta) - eta lambda_1 costs ~1e-10 relative).
    assert (f.D, f.B) == pytest.approx(tuple(u), rel=1e-9)
    with pytest.raises(ValueError, match="no floor"):
        rv.heavy_ball_floor(valley, GD, 0.5, beta)


def test_phase_two_lasts_one_step_when_eta_mu_is_one():
    """eta mu = 1 exactly (mu = 2, eta = 1/2): one step puts every bulk coordinate at
    its floor in expectation, so T2 = 1 from above the floor and 0 from below; just
    off eta mu = 1 it is the log formula."""
    valley = rv.RiverValley.two_level(d=6, k=2, dominant=3.0, bulk=2.0)
    noise = rv.IsotropicNoise(0.25)
    assert rv.phase_lengths(valley, noise, 0.5, np.full(6, 3.0)).T2 == 1.0
    assert rv.phase_lengths(valley, noise, 0.5, np.full(6, 1e-3)).T2 == 0.0
    eta = 0.5 - 2.0**-8
    p = rv.phase_lengths(valley, noise, eta, np.full(6, 3.0))
    B0 = 4 * (2.0 * 3.0) ** 2
    B_inf = 4 * eta * 2.0 * 0.0625 / (2 - 2.0 * eta)
    T2 = math.log(B0 / B_inf) / (2 * -math.log(abs(1 - 2.0 * eta)))
    # tolerance: round-off of the docstring's closed form.
    assert p.T2 == pytest.approx(T2, rel=1e-12) and p.T2 != 1.0


@pytest.mark.parametrize("dim", [3, 6])
def test_top_eigenspace_is_dense_from_k_equal_dim_minus_one(dim):
    """k >= dim - 1 forms the operator densely (exactly dim HVPs); k = dim - 2 uses
    Lanczos (another count). Both return the exact top eigenpairs."""
    lam = np.arange(dim, 0, -1, dtype=float)
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    H = Q @ np.diag(lam) @ Q.T
    for k in (dim - 1, dim - 2):
        if k < 1:
            continue
        calls = [0]

        def hvp(v, calls=calls):
            calls[0] += 1
            return H @ v

        vals, vecs = top_eigenspace(hvp, dim, k, tol=0.0)
        # tolerance: eigenvalues of a well-separated symmetric matrix, to round-off.
        np.testing.assert_allclose(vals, lam[:k], rtol=1e-10)
        np.testing.assert_allclose(H @ vecs, vecs * vals, atol=1e-9)
        if k == dim - 1:
            assert calls[0] == dim
        else:
            assert calls[0] != dim
    # measure_alignment accepts k = dim - 1 and refuses k = dim.
    g = H @ np.ones(dim)
    assert measure_alignment(g, lambda v: H @ v, k=dim - 1).eigenvalues.size == dim - 1
    with pytest.raises(ValueError, match="k"):
        measure_alignment(g, lambda v: H @ v, k=dim)


def test_quadratic_check_is_reliable_up_to_its_tolerance_inclusive():
    """third_order <= tolerance is reliable. H = diag(4, 1), g = (3/4, 4), |H g| = 5,
    eta = 1/4, and a cubic-free term 5/16 (x_2 - theta_2)^2 e_2 that the local
    quadratic misses: third_order = (5/16) / (eta |H g|) = 1/4 exactly."""
    lam = np.array([4.0, 1.0])
    theta = np.array([0.1875, 4.0])

    def gradient_fn(x):
        return lam * x + np.array([0.0, 0.3125 * (x[1] - theta[1]) ** 2])

    rep = measure_alignment(gradient_fn(theta), lambda v: lam * v, k=1, theta=theta)
    on = rep.quadratic_check(0.25, gradient_fn, tolerance=0.25)
    assert on.third_order == 0.25 and on.reliable
    assert rep.quadratic_check(0.25, gradient_fn, tolerance=0.25 + TINY).reliable
    assert not rep.quadratic_check(0.25, gradient_fn, tolerance=0.25 - TINY).reliable


def test_measured_phase_two_starts_where_the_curve_reaches_the_level():
    """T2 is the first step at or after T1 with chi >= level, level = chi_min +
    rise (chi_inf - chi_min) = 1/4 + 1/2 * 3/4 = 5/8 exactly: the step where chi is
    5/8 counts (>=), a curve just below it there moves T2 one step on."""
    from rivervalley_lib.simulation import measured_phase_lengths

    chi = np.array([1.0, 0.5, 0.25, 0.5, 0.625, 0.75])
    assert measured_phase_lengths(chi, 1.0, rise=0.5) == (2, 4)
    chi[4] = 0.625 - TINY
    assert measured_phase_lengths(chi, 1.0, rise=0.5) == (2, 5)
    chi[5] = 0.625 - TINY
    assert measured_phase_lengths(chi, 1.0, rise=0.5) == (2, -1)


def test_simulate_takes_the_block_path_from_eight_coordinates_per_block():
    """method="auto" takes the block path when n_blocks * 8 <= d: a two-level valley
    (2 blocks) with d = 16 runs exactly the block path, with d = 15 exactly the
    coordinate path (the two draw different random numbers)."""
    noise = rv.IsotropicNoise(0.3)
    for d, path in ((16, "block"), (15, "coordinate")):
        valley = rv.RiverValley.two_level(d=d, k=1, dominant=2.0, bulk=0.5)
        kw = dict(seeds=3, rng=7)
        auto = rv.simulate(valley, noise, 0.1, 5, np.ones(d), **kw)
        same = rv.simulate(valley, noise, 0.1, 5, np.ones(d), method=path, **kw)
        other = "coordinate" if path == "block" else "block"
        diff = rv.simulate(valley, noise, 0.1, 5, np.ones(d), method=other, **kw)
        np.testing.assert_array_equal(auto.D, same.D)
        assert not np.array_equal(auto.D, diff.D)


def test_simulate_accepts_a_start_energy_of_exactly_the_smallest_normal():
    """|H theta0|^2 >= 2^-1022 (the smallest normal float) is allowed, a nonzero
    energy below it (2^-1024) refused: lambda = 2, theta0 = 2^-512 gives exactly
    2^-1022; the bulk coordinate 2^-512 with mu = 1 gives 2^-1024."""
    valley = rv.RiverValley([2.0, 1.0], k=1)
    ok = rv.simulate(valley, GD, 0.1, 1, [2.0**-512, 0.0])
    assert ok.alignment[0, 0] == 1.0
    with pytest.raises(ValueError, match="theta0"):
        rv.simulate(valley, GD, 0.1, 1, [0.0, 2.0**-512])
    zero = rv.simulate(valley, rv.IsotropicNoise(0.1), 0.1, 1, [0.0, 0.0], rng=0)
    assert zero.D.shape == (1, 2)


# ------------------------------------------------------------- the exercise checks
def test_bisection_bracket_width_is_inclusive_at_rtol():
    """Noise-free two-level valley (lambda = 3, mu = 1): eta* = 1/2 exactly. The
    bracket (1/2 - 2^-12, 1/2 + 2^-12) has b - a = rtol b exactly for
    rtol = (b - a)/b and passes; one ulp tighter rtol fails; a = 0 and b = inf are
    outside 0 < lo < hi < inf."""
    # tolerance: none of its own: the check's rtol is set to the bracket's width
    # exactly (dyadic numbers), the boundary under test.
    valley = rv.RiverValley.two_level(d=4, k=2, dominant=3.0, bulk=1.0)
    theta = np.ones(4)
    a, b = 0.5 - 2.0**-12, 0.5 + 2.0**-12
    rtol = (b - a) / b
    assert rtol * b == b - a  # on the boundary in floating point
    assert check.bisection_bracket(a, b, valley, GD, theta, rtol=rtol)
    tighter = float(np.nextafter(rtol, 0.0))
    assert not check.bisection_bracket(a, b, valley, GD, theta, rtol=tighter)
    assert not check.bisection_bracket(0.0, b, valley, GD, theta, rtol=0.5)
    assert not check.bisection_bracket(a, math.inf, valley, GD, theta, rtol=0.5)
    assert not check.bisection_bracket(a, a, valley, GD, theta, rtol=0.5)


def test_collapse_scale_accepts_exactly_the_factor_band(capsys):
    """The answer passes iff expected/factor <= answer <= expected*factor, inclusive
    at both ends; a valley whose mean-field alignment never dips below chi_inf/2
    (mu = 0.99 lambda) has no collapse scale, and every answer fails."""
    valley = rv.RiverValley.two_level(d=20, k=2, dominant=1.0, bulk=0.01)
    noise = rv.IsotropicNoise(0.01)
    grid = np.geomspace(1e-3, 100, 201)
    mf = rv.expected_trajectory(valley, noise, 1.0, 3000, grid[:, None] * np.ones(20))
    chi_inf = rv.noise_floor(valley, noise, 1.0).alignment
    dips = mf.alignment.min(axis=1) < 0.5 * chi_inf
    assert dips.any() and not dips.all()
    c = float(grid[np.argmax(dips)])
    for value, ok in (
        (c * 1.5, True),
        (float(np.nextafter(c * 1.5, math.inf)), False),
        (c / 1.5, True),
        (float(np.nextafter(c / 1.5, 0.0)), False),
    ):
        assert check.collapse_scale(value, valley, noise, 1.0) is ok
    flat = rv.RiverValley.two_level(d=2, k=1, dominant=1.0, bulk=0.99)
    for value in (1e-3, 1.0, 100.0, math.inf):
        assert not check.collapse_scale(value, flat, noise, 0.5)
    capsys.readouterr()


def test_simulated_plateau_accepts_the_whole_run_as_last():
    """last may be the number of recorded steps (inclusive bound), not one more."""
    # tolerance: rtol = 0.5, wide on purpose: the claim is which last the check
    # accepts, and the answer is the run's own ratio.
    valley = rv.RiverValley.two_level(d=4, k=1, dominant=2.0, bulk=0.5)
    noise = rv.IsotropicNoise(0.3)
    run = rv.simulate(valley, noise, 0.2, 4, np.ones(4), seeds=2, rng=1)
    n = run.D.shape[1]
    own = run.D.mean() / (run.D.mean() + run.B.mean())
    assert check.simulated_plateau(own, valley, noise, 0.2, run=run, last=n, rtol=0.5)
    with pytest.raises(ValueError, match="last"):
        check.simulated_plateau(own, valley, noise, 0.2, run=run, last=n + 1)


def test_a_sampled_step_to_a_zero_gradient_is_refused_exactly_there():
    """H = diag(4, 1), theta = (1, 1), a noise sample g_hat = (4, 4) and eta = 1/4:
    theta - eta g_hat = 0 exactly, so that sampled next gradient is zero and its
    alignment undefined. predict (its mean alignment) and draw_steps refuse exactly
    that step size and accept eta = 1/4 +- 2^-20 (next energy ~1e-12 > 0)."""
    lam, theta = np.array([4.0, 1.0]), np.ones(2)
    samples = np.array([[4.0, 4.0], [4.0, -2.0]])
    rep = measure_alignment(
        lam * theta, lambda v: lam * v, k=1, noise_samples=samples, theta=theta
    )
    with pytest.raises(ValueError, match="zero"):
        rep.predict(0.25)
    for eta in (0.25 - TINY, 0.25 + TINY):
        assert math.isfinite(rep.predict(eta).mean_alignment_change)

    def draws(eta):
        it = iter(samples)
        return rep.draw_steps(
            eta, lambda x: lam * x, lambda _x: next(it), samples=2, theta=theta
        )

    with pytest.raises(ValueError, match="zero"):
        draws(0.25)
    assert np.all(np.isfinite(draws(0.25 + TINY).alignment))


def test_a_negative_squared_norm_is_round_off_up_to_1e_minus_10_of_its_scale():
    """A difference of squared norms (B = |g|^2 - D, b_B, n_B) that comes out negative
    is round-off, set to 0, down to -1e-10 max(scale, 1) inclusive; below it the
    measurement is refused as a broken HVP (private helper: no public input reaches
    the boundary exactly)."""
    from rivervalley_lib.diagnostics._measure import squared_norm

    assert squared_norm("B", 0.0, 1.0) == 0.0
    assert squared_norm("B", 0.5, 1.0) == 0.5
    assert squared_norm("B", -1e-10, 1.0) == 0.0  # on the bound: round-off
    assert squared_norm("B", -1e-10, 0.25) == 0.0  # scales below 1 count as 1
    assert squared_norm("B", -1e-8, 100.0) == 0.0  # -1e-10 * 100
    with pytest.raises(ValueError, match="B came out"):
        squared_norm("B", -2e-10, 1.0)
    with pytest.raises(ValueError, match="B came out"):
        squared_norm("B", -2e-8, 100.0)


def test_decreasing_needs_a_strict_fall_and_accepts_the_tolerance_inclusive(capsys):
    """check.decreasing: equal neighbours are not a fall; each value may be off the
    reference by exactly the tolerance (|1 - 1/2| = 1/2), not by more."""
    ref = [3.0, 2.0, 0.5]
    assert check.decreasing([3.0, 2.0, 1.0], reference=ref, tolerance=0.5)
    assert not check.decreasing([3.0, 2.0, 1.0], reference=ref, tolerance=0.5 - TINY)
    assert not check.decreasing([3.0, 2.0, 2.0], reference=ref, tolerance=2.0)
    assert check.decreasing(
        [3.0, 2.0, 2.0 - TINY], reference=ref, tolerance=[0.0, 0.0, 1.5]
    )
    capsys.readouterr()


def test_energy_ratio_is_undefined_exactly_where_the_expected_energy_vanishes():
    """H = diag(2, 0), no noise, eta = 1/2: eta lambda = 1 zeroes the dominant
    gradient and the flat bulk has none, so E[D'] + E[B'] = 0 exactly and the ratio
    is refused; one step size 2^-20 away it is defined (and 1)."""
    valley = rv.RiverValley([2.0, 0.0], k=1)
    theta = [1.0, 3.0]
    assert rv.expected_next(valley, GD, theta, 0.5) == (0.0, 0.0)
    with pytest.raises(ValueError, match="not positive"):
        rv.energy_ratio_step(valley, GD, theta, 0.5)
    for eta in (0.5 - TINY, 0.5 + TINY):
        assert rv.energy_ratio_step(valley, GD, theta, eta) == 1.0


def test_record_energies_may_name_every_step_from_0_to_steps_inclusive():
    """expected_trajectory keeps energies at steps in [0, steps]: 0 and steps are
    accepted, -1 and steps + 1 refused."""
    noise = rv.IsotropicNoise(0.5)
    mf = rv.expected_trajectory(V2, noise, 0.1, 4, [1.0, 1.0], record_energies=[0, 4])
    assert mf.energy_steps.tolist() == [0, 4]
    for bad in ([5], [-1]):
        with pytest.raises(ValueError, match=r"record_energies must hold steps in"):
            rv.expected_trajectory(V2, noise, 0.1, 4, [1.0, 1.0], record_energies=bad)


def test_spread_valley_needs_the_bulk_strictly_below_the_dominant_range():
    """bulk[1] < dominant[0]: equal ends are refused, 2^-20 below is accepted."""
    with pytest.raises(ValueError, match=r"bulk\[1\] < dominant\[0\]"):
        rv.RiverValley.spread(d=6, k=2, dominant=(2.0, 3.0), bulk=(0.5, 2.0))
    ok = rv.RiverValley.spread(d=6, k=2, dominant=(2.0, 3.0), bulk=(0.5, 2.0 - TINY))
    assert ok.gap_ratio == 2.0 / (2.0 - TINY)


def test_monte_carlo_loss_change_must_be_strictly_within_five_standard_errors(capsys):
    """check.expected_loss_change with samples: the mean must lie less than 5
    standard errors from the closed form. H = diag(4, 1), theta = (1, 1), sigma =
    1/2, eta = 1/4: E[Delta L] = -2.1796875 exactly; the samples v -+ h (h = 2^-6)
    have standard error h exactly, so v = E + 5h sits on the bound and fails, E + 4h
    passes, E + 6h fails."""
    noise, theta = rv.IsotropicNoise(0.5), [1.0, 1.0]
    expected = rv.expected_loss_change(V2, noise, theta, 0.25)
    assert expected == -2.1796875
    h = 2.0**-6
    for mult, ok in ((4, True), (5, False), (6, False)):
        value = expected + mult * h
        samples = np.array([value - h, value + h])
        assert samples.std(ddof=1) / np.sqrt(2) == h  # the construction is exact
        got = check.expected_loss_change(value, V2, noise, theta, 0.25, samples=samples)
        assert got is ok, mult
    capsys.readouterr()


def test_self_correction_threshold_when_c_is_zero_at_chi_zero():
    """Without dominant noise C(0) = n_D B = 0 exactly, the boundary of the branch
    that used to return 0.0 ("every state self-corrects"). But C > 0 just above 0:
    on the two-level valley C = D [(1 - chi) G^2 (lambda^2 - mu^2) - n_B], so the
    threshold is chi_sc = 1 - n_B / (G^2 (lambda^2 - mu^2)), with "threshold" states
    below it and "always-falls" above (library bug found by this test, fixed)."""
    d, k, lam, mu, sigma, G2 = 50, 2, 10.0, 0.5, 0.3, 4.0
    valley = rv.RiverValley.two_level(d=d, k=k, dominant=lam, bulk=mu)
    noise = BlockNoise(sigma, "bulk")
    at_zero = rv.state_with_alignment(valley, 0.0, G2)
    assert rv.BlockMoments.from_state(valley, noise, at_zero).threshold_terms()[1] == 0
    chi = rv.self_correction_threshold(valley, noise, energy=G2)
    n_B = (d - k) * mu**2 * sigma**2
    # tolerance: an 80-step bisection (2^-80) on C evaluated to round-off (~1e-13).
    assert chi == pytest.approx(1 - n_B / (G2 * (lam**2 - mu**2)), rel=1e-10)
    below = rv.state_with_alignment(valley, chi - 1e-6, G2)
    above = rv.state_with_alignment(valley, chi + 1e-6, G2)
    assert rv.alignment_regime(valley, noise, below) == "threshold"
    assert rv.alignment_regime(valley, noise, above) == "always-falls"
