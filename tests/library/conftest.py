"""Shared fixtures and Hypothesis profiles.

Property tests draw an integer seed and build an explicit ``np.random.Generator`` from
it, so a failure shrinks to a small seed and reproduces exactly.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(
    "ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "ci")
)


def random_valley(rng: np.random.Generator, d: int | None = None, k: int | None = None):
    """A river valley with a random spread spectrum and a clear gap."""
    from rivervalley_lib import RiverValley

    d = int(rng.integers(3, 40)) if d is None else d
    k = int(rng.integers(1, max(2, d // 3))) if k is None else k
    dom = np.sort(rng.uniform(5.0, 40.0, size=k))[::-1]
    blk = np.sort(rng.uniform(0.01, 1.0, size=d - k))[::-1]
    return RiverValley(np.concatenate([dom, blk]), k)


def random_noise(rng: np.random.Generator):
    from rivervalley_lib import CurvatureNoise, IsotropicNoise, RegressionNoise

    kind = int(rng.integers(0, 3))
    if kind == 0:
        return IsotropicNoise(float(rng.uniform(0.0, 2.0)))
    if kind == 1:
        return CurvatureNoise(float(rng.uniform(0.0, 2.0)))
    return RegressionNoise(int(rng.integers(1, 64)), float(rng.uniform(0.0, 2.0)))


def random_step(rng: np.random.Generator, eta_max: float):
    """A random valley, noise model and state spread over scales, a step size in
    ``(1e-3, eta_max)``, and the state's block moments."""
    from rivervalley_lib.theory._moments import block_moments

    valley, noise = random_valley(rng), random_noise(rng)
    theta = rng.normal(size=valley.d) * np.exp(rng.uniform(-2, 2, valley.d))
    eta = float(rng.uniform(1e-3, eta_max))
    return valley, noise, theta, eta, block_moments(valley, noise, theta)


@pytest.fixture
def valley():
    from rivervalley_lib import RiverValley

    return RiverValley.spread(d=30, k=3, dominant=(10.0, 25.0), bulk=(0.05, 0.8))
