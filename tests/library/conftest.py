"""Shared fixtures and Hypothesis profiles.

Property tests draw an integer seed and build an explicit ``np.random.Generator`` from
it, so a failure shrinks to a small seed and reproduces exactly.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from rivervalley_lib import IsotropicNoise

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


def exact_noise_samples(g: np.ndarray, sigma: float) -> np.ndarray:
    """The 2d gradient samples g +- sigma sqrt(d) e_i: their deviations xi from g
    average (1/2d) sum_i 2 sigma^2 d e_i e_i^T = sigma^2 I exactly (any basis, any H),
    so a formula's noise terms are tested with noise present and no sampling error."""
    d = g.shape[0]
    steps = sigma * math.sqrt(d) * np.eye(d)
    return np.concatenate([g + steps, g - steps])


def exact_samples(cov: np.ndarray) -> np.ndarray:
    """Noise vectors xi_j = +- sqrt(d) L e_i (rows), L L^T = cov: their mean is 0 and
    their mean xi xi^T is cov exactly (the general form of exact_noise_samples)."""
    d = cov.shape[0]
    w, V = np.linalg.eigh(cov)
    L = V * np.sqrt(np.maximum(w, 0.0))
    cols = math.sqrt(d) * L.T  # row i is sqrt(d) L e_i
    return np.concatenate([cols, -cols])


class BlockNoise(IsotropicNoise):
    """A user's additive noise model: isotropic with ``sigma`` on one block
    (``block="dominant"`` or ``"bulk"``), none on the other (the library's models put
    noise on both)."""

    def __init__(self, sigma: float, block: str) -> None:
        super().__init__(sigma)
        self.block = block

    def scale(self, valley):
        s = super().scale(valley)
        return np.where(valley.dominant_mask == (self.block == "dominant"), s, 0.0)

    def __eq__(self, other):
        return super().__eq__(other) and self.block == other.block

    def __hash__(self):
        return hash((self.sigma, self.block))


@pytest.fixture
def valley():
    from rivervalley_lib import RiverValley

    return RiverValley.spread(d=30, k=3, dominant=(10.0, 25.0), bulk=(0.05, 0.8))
