"""Claims of the exact expected alignment, the mean field and the block moments that
the mutation run found untested.

The exact expected alignment ``expected_alignment`` is checked by routes independent
of its quadrature: a flat direction (lambda = 0) that carries no gradient and no noise,
the invariance of chi under a common scale of the gradient and the noise, the closed
form E[a^2 X^2 / (a^2 X^2 + b^2 Y^2)] = a / (a + b) for two independent standard
normals X, Y, Monte Carlo on a valley of many distinct coordinates, and one-by-one
calls against a broadcast batch. Its grouping of identical coordinates is checked
against ``np.unique`` over the coordinates' (block, lambda, s, g^2) columns.
"""

from __future__ import annotations

import numpy as np
import pytest

from rivervalley_lib import (
    BlockMoments,
    CurvatureNoise,
    IsotropicNoise,
    RiverValley,
    expected_alignment,
    expected_trajectory,
)
from rivervalley_lib.theory._exact import _Coordinates

ETAS = np.array([0.02, 0.1, 0.23, 0.4])  # below 2/lambda_1 = 0.5 for lambda_1 = 4


@pytest.mark.parametrize(
    "noise", [IsotropicNoise(0.5), CurvatureNoise(0.7)], ids=["iso", "curv"]
)
def test_a_flat_direction_does_not_change_the_expected_alignment(noise):
    """A coordinate with lambda = 0 has gradient 0 before and after the step and no
    noise in it (lambda^2 s = 0), so adding it to the bulk leaves E[chi'] unchanged,
    whatever its theta."""
    flat = RiverValley([4.0, 2.0, 1.0, 0.0], k=1)
    plain = RiverValley([4.0, 2.0, 1.0], k=1)
    theta = np.array([0.8, -0.5, 1.3])
    with_flat = expected_alignment(flat, noise, np.append(theta, 7.0), ETAS)
    without = expected_alignment(plain, noise, theta, ETAS)
    # tolerance: the same quadrature on the same sums (the flat coordinate adds
    # log(1) = 0 and 0 terms): equal to rounding, 1e-13 relative.
    np.testing.assert_allclose(with_flat, without, rtol=1e-13)


def test_a_step_that_zeroes_a_noiseless_gradient_is_refused_and_one_beside_it_is_1():
    """theta = (1, 0) on lambda = (4, 1) without noise: eta = 1/4 sends the dominant
    gradient to 0 and the bulk has none, so D' + B' = 0 and chi' is undefined
    (ValueError); at any other step size the bulk stays at 0, so chi' = 1 exactly,
    and the result, an expectation of a ratio in [0, 1], is never above 1 (the raw
    quadrature is 1 + 1e-13 at some of these step sizes)."""
    valley, noise = RiverValley([4.0, 1.0], k=1), IsotropicNoise(0.0)
    with pytest.raises(ValueError, match="zero"):
        expected_alignment(valley, noise, [1.0, 0.0], 0.25)
    etas = np.linspace(0.01, 0.49, 97)
    etas = etas[etas != 0.25]
    values = expected_alignment(valley, noise, [1.0, 0.0], etas)
    assert np.all(values <= 1.0)
    # tolerance: the quadrature's documented accuracy, 1e-12.
    np.testing.assert_allclose(values, 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("scale", [1e-30, 1e30])
def test_expected_alignment_is_invariant_under_a_common_scale_of_gradient_and_noise(
    scale,
):
    """chi' = D'/(D'+B') is homogeneous of degree 0 in (g, xi): scaling theta and
    sigma by c scales every g_i' by c and leaves E[chi'] unchanged, even where the
    integrand's scale eta^2 / E[D'+B'] is e^(+-138)."""
    valley = RiverValley([4.0, 2.0, 1.0], k=1)
    theta = np.array([0.8, -0.5, 1.3])
    ref = expected_alignment(valley, IsotropicNoise(0.5), theta, ETAS)
    scaled = expected_alignment(
        valley, IsotropicNoise(0.5 * scale), scale * theta, ETAS
    )
    # tolerance: the quadrature's documented accuracy, 1e-12 (a lost part of the
    # integrand's mass would move it by far more).
    np.testing.assert_allclose(scaled, ref, rtol=1e-12)


@pytest.mark.parametrize("scale", [1e-20, 1e20])
def test_expected_alignment_depends_on_eta_lambda_only(scale):
    """g_i' = (1 - eta lambda_i) g_i - eta lambda_i xi_i: with lambda -> lambda / c,
    eta -> c eta and theta -> c theta (so g = lambda theta is kept), every g_i' is
    unchanged, so E[chi'] is too, for step sizes up to 4e19."""
    theta = np.array([0.8, -0.5, 1.3])
    ref = expected_alignment(
        RiverValley([4.0, 2.0, 1.0], k=1), IsotropicNoise(0.5), theta, ETAS
    )
    valley = RiverValley([4.0 / scale, 2.0 / scale, 1.0 / scale], k=1)
    scaled = expected_alignment(
        valley, IsotropicNoise(0.5), scale * theta, scale * ETAS
    )
    # tolerance: the quadrature's documented accuracy, 1e-12.
    np.testing.assert_allclose(scaled, ref, rtol=1e-12)


@pytest.mark.parametrize(
    "noise, power, bulk",
    [
        (IsotropicNoise(0.5), 1.0, 1.0),
        (CurvatureNoise(0.5), 1.5, 1.0),
        (IsotropicNoise(0.5), 1.0, 0.0),
    ],
    ids=["iso", "curv", "flat-bulk"],
)
def test_pure_noise_on_two_coordinates_matches_the_closed_form(noise, power, bulk):
    """At theta = 0, g_i' = -eta lambda_i xi_i: with a = eta lambda_1 sqrt(s_1) and
    b = eta lambda_2 sqrt(s_2), E[a^2X^2 / (a^2X^2 + b^2Y^2)] = a / (a + b) for
    independent standard normals (the ratio's angle is uniform after rescaling). With
    s_i = sigma^2 (isotropic) a/(a+b) = lambda/(lambda+mu); with s_i = sigma^2
    lambda_i (curvature) it is lambda^1.5/(lambda^1.5+mu^1.5); with mu = 0 (b = 0) it
    is 1. The integrand decays only like 1/tau (like tau^-1/2 for b = 0) there, so the
    quadrature must extend its grid beyond its first right margin (e^36 past the
    scale, where the tau^-1/2 tail is still e^-18 of the peak)."""
    valley = RiverValley([4.0, bulk], k=1)
    exact = 4.0**power / (4.0**power + bulk**power)
    values = expected_alignment(valley, noise, [0.0, 0.0], ETAS)
    # tolerance: the quadrature's documented accuracy, 1e-12 (a/(a+b) is 0.8, 8/9 or
    # 1; a tail cut at the first margin misses 3e-8 of it for b = 0).
    np.testing.assert_allclose(values, exact, rtol=1e-12)


def _next_alignment_samples(valley, noise, theta, eta, n, rng):
    """chi_{t+1} of n independent SGD steps from theta."""
    thetas = np.broadcast_to(theta, (n, valley.d))
    step = valley.gradient(thetas) + noise.sample(valley, thetas, rng)
    g = valley.gradient(thetas - eta * step)
    return (g[:, : valley.k] ** 2).sum(1) / (g**2).sum(1)


def test_many_distinct_coordinates_match_monte_carlo():
    """With 1400 distinct coordinates (700 dominant) the sums over coordinates at each
    node are taken in several chunks; E[chi'] still equals the mean of chi' over
    independent SGD steps within 5 standard errors."""
    valley = RiverValley.spread(d=1400, k=700, dominant=(2.0, 4.0), bulk=(0.1, 1.0))
    rng = np.random.default_rng(3)
    theta = rng.normal(size=valley.d) * 0.02
    noise = IsotropicNoise(0.3)
    value = expected_alignment(valley, noise, theta, 0.2)
    chi = _next_alignment_samples(valley, noise, theta, 0.2, 2000, rng)
    se = chi.std(ddof=1) / np.sqrt(chi.size)
    # tolerance: 5 standard errors of the Monte Carlo mean (se is about 6e-5).
    assert abs(value - chi.mean()) < 5 * se


def test_a_batch_of_step_sizes_against_a_batch_of_states_matches_one_by_one():
    """eta of shape (3, 1) against theta of shape (2, d) gives a (3, 2) grid whose
    entry (i, j) is the call with eta[i] at theta[j]."""
    valley = RiverValley([4.0, 2.0, 1.0], k=1)
    thetas = np.array([[0.8, -0.5, 1.3], [0.1, 1.0, -2.0]])
    etas = np.array([[0.05], [0.2], [0.4]])
    noise = CurvatureNoise(0.4)
    grid = expected_alignment(valley, noise, thetas, etas)
    one = [
        [expected_alignment(valley, noise, t, float(e[0])) for t in thetas]
        for e in etas
    ]
    assert grid.shape == (3, 2)
    # tolerance: the same quadrature per entry; the batch's grid differs only in its
    # left margin (below e^-34 of each integrand's mass): 1e-13 relative.
    np.testing.assert_allclose(grid, one, rtol=1e-13)


def _distinct_columns(valley, noise, theta):
    g2 = ((valley.eigenvalues * theta) ** 2).reshape(-1, valley.d)
    key = np.vstack(
        [
            valley.dominant_mask.astype(float),
            valley.eigenvalues,
            noise.diagonal(valley),
            g2,
        ]
    )
    return np.unique(key, axis=1, return_counts=True)


@pytest.mark.parametrize(
    "theta",
    [
        np.ones(6),
        np.array([[1.0, 2.0, 1.0, 3.0, 3.0, 3.0], [1.0, 1.0, 1.0, 3.0, 3.0, 3.0]]),
    ],
    ids=["block-even", "interleaved"],
)
def test_identical_coordinates_share_one_group(theta):
    """The quadrature's cost is nodes x groups, where a group is a set of coordinates
    with equal (block, lambda_i, s_i, g_i^2) at every state: the groups are exactly the
    distinct columns (np.unique), with their multiplicities. A two-level valley at a
    block-even state has 2; two states where coordinates 1 and 3 agree but 2 differs
    in the first state only have 3 (dominant 1 and 3, dominant 2, the bulk)."""
    valley = RiverValley([4.0, 4.0, 4.0, 1.0, 1.0, 1.0], k=3)
    noise = IsotropicNoise(0.5)
    coords = _Coordinates(valley, noise, theta)
    cols, counts = _distinct_columns(valley, noise, theta)
    got = np.vstack([coords.dom.astype(float), coords.lam, coords.s, coords.g2])
    order = np.lexsort(got[::-1])
    assert coords.count.size == counts.size
    np.testing.assert_array_equal(got[:, order], cols)
    np.testing.assert_array_equal(coords.count[order], counts)


def test_expected_loss_change_names_eta_when_it_is_not_positive():
    """BlockMoments.expected_loss_change, public on its own, refuses a step size <= 0
    with a ValueError that names the argument eta."""
    valley = RiverValley([4.0, 1.0], k=1)
    m = BlockMoments.from_state(valley, IsotropicNoise(0.5), [1.0, 1.0])
    for bad in (0.0, -0.1, np.array([0.1, 0.0])):
        with pytest.raises(ValueError, match=r"^eta must be"):
            m.expected_loss_change(bad)


@pytest.mark.parametrize(
    "eta",
    [0.1, np.array([0.1, 0.2, 0.1, 0.2, 0.1])],
    ids=["constant-closed-form", "schedule-step-by-step"],
)
@pytest.mark.parametrize("shape", [(2,), (3, 2)], ids=["one", "batch"])
def test_trajectory_without_recorded_energies_has_an_empty_energy_record(eta, shape):
    """Without record_energies, ``energies`` has shape (0, ..., d), that is
    (len(record_energies), ..., d) with nothing recorded, on both the constant-step
    closed form and the step-by-step path, and ``energy_steps`` is empty."""
    valley = RiverValley([4.0, 1.0], k=1)
    theta0 = np.ones(shape)
    mf = expected_trajectory(valley, IsotropicNoise(0.3), eta, 5, theta0)
    assert mf.energies.shape == (0,) + shape
    assert mf.energy_steps.shape == (0,)
