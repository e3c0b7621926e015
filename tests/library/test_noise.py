"""Noise models: sampled moments against the exact covariances."""

from __future__ import annotations

import numpy as np
import pytest

from rivervalley_lib import CurvatureNoise, IsotropicNoise, RegressionNoise, RiverValley


def _empirical_cov(samples: np.ndarray) -> np.ndarray:
    centred = samples - samples.mean(axis=0)
    return centred.T @ centred / (samples.shape[0] - 1)


@pytest.mark.parametrize(
    "noise",
    [
        IsotropicNoise(0.7),
        CurvatureNoise(0.4),
        RegressionNoise(batch_size=4, label_noise=0.5),
    ],
    ids=["isotropic", "curvature", "regression"],
)
def test_sampled_covariance_matches_exact(noise):
    rng = np.random.default_rng(11)
    rv = RiverValley([4.0, 2.0, 0.5, 0.25], k=2)
    theta = np.array([0.5, -1.0, 1.5, 2.0])
    n = 200_000
    xi = noise.sample(rv, np.broadcast_to(theta, (n, rv.d)), rng)
    # tolerance: the noise is centred: each mean is within 5 standard errors of 0.
    # The covariance entries are within 8 standard errors and the diagonal agrees to
    # round-off (1e-12); a factor 2 in a variance is over 100 standard errors away.
    exact = noise.covariance(rv, theta)
    se_mean = np.sqrt(np.diag(exact) / n)
    assert np.all(np.abs(xi.mean(axis=0)) < 5 * se_mean)
    emp = _empirical_cov(xi)
    # Standard error of a covariance entry: sqrt((S_ii S_jj + S_ij^2) / n) for
    # Gaussian-like tails; regression noise has heavier tails, so allow 8 standard
    # errors.
    se = np.sqrt((np.outer(np.diag(exact), np.diag(exact)) + exact**2) / n)
    np.testing.assert_array_less(np.abs(emp - exact), 8 * se + 1e-12)
    np.testing.assert_allclose(noise.diagonal(rv, theta), np.diag(exact), rtol=1e-12)


def test_regression_noise_has_multiplicative_and_additive_parts():
    rv = RiverValley([4.0, 1.0], k=1)
    noise = RegressionNoise(batch_size=2, label_noise=0.0)
    # tolerance: round-off of closed forms (1e-12 relative); the factors 4 and 1/4
    # below are the claims, so a wrong power of theta or of the batch size fails.
    # At the minimum with no label noise, there is no gradient noise at all.
    np.testing.assert_array_equal(noise.covariance(rv, np.zeros(2)), np.zeros((2, 2)))
    # Doubling theta quadruples the covariance when the label noise is 0.
    th = np.array([0.3, -0.7])
    np.testing.assert_allclose(
        noise.covariance(rv, 2 * th), 4 * noise.covariance(rv, th), rtol=1e-12
    )
    # Larger batches divide the covariance by the batch size.
    big = RegressionNoise(batch_size=8, label_noise=0.0)
    np.testing.assert_allclose(
        big.covariance(rv, th), noise.covariance(rv, th) / 4, rtol=1e-12
    )


def test_regression_minibatch_gradient_is_unbiased_least_squares():
    """The sampled gradient is the actual minibatch gradient of the squared loss."""
    rng = np.random.default_rng(3)
    rv = RiverValley([3.0, 1.0, 0.2], k=1)
    noise = RegressionNoise(batch_size=5, label_noise=0.3)
    theta = np.array([1.0, -2.0, 0.5])
    # Redraw the same minibatch by hand with the same generator state.
    state = np.random.default_rng(3)
    x = state.standard_normal((5, 3)) * np.sqrt(rv.eigenvalues)
    y = 0.3 * state.standard_normal(5)
    manual = x.T @ (x @ theta - y) / 5
    xi = noise.sample(rv, theta, rng)
    # tolerance: round-off (1e-12 relative) of one minibatch gradient computed two ways
    np.testing.assert_allclose(xi + rv.gradient(theta), manual, rtol=1e-12)


def test_zero_sigma_is_gradient_descent():
    rng = np.random.default_rng(0)
    rv = RiverValley([2.0, 1.0], k=1)
    xi = IsotropicNoise(0.0).sample(rv, np.ones((3, 2)), rng)
    np.testing.assert_array_equal(xi, np.zeros((3, 2)))
