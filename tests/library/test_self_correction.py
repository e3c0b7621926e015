"""rv.self_correction_threshold when the dominant block has no noise: C(0) = n_D B = 0
is a boundary of the bisection, and the sign of C just above 0 decides the root."""

from __future__ import annotations

import numpy as np
import pytest

import rivervalley_lib as rv

from .conftest import BlockNoise

VALLEY = rv.RiverValley.two_level(d=20, k=2, dominant=1.0, bulk=0.1)


def test_without_dominant_noise_the_threshold_is_the_quadratic_root():
    """With n_D = 0, C(chi)/G^2 = chi [G^2 (lam^2 - mu^2)(1 - chi) - n_B] is positive
    just above 0 when the bulk noise is weak, so the threshold is its other root
    chi_sc = 1 - n_B / (G^2 (lam^2 - mu^2)), n_B = (d - k) mu^2 sigma^2, not 0: just
    below it the critical step size is finite, just above it infinite."""
    noise, G2 = BlockNoise(0.01, "bulk"), 1.0
    chi_sc = rv.self_correction_threshold(VALLEY, noise, G2)
    n_B = 18 * 0.1**2 * 0.01**2
    # tolerance: the bisection ends within 2^-53 of the root; 1e-12 relative is far
    # below the distance 1 - chi_sc ~ 2e-5 to the buggy answers 0 and 1
    assert chi_sc == pytest.approx(1 - n_B / (G2 * (1.0 - 0.01)), rel=1e-12)
    below = rv.state_with_alignment(VALLEY, chi_sc * (1 - 1e-9), G2)
    above = rv.state_with_alignment(VALLEY, chi_sc * (1 + 1e-9), G2)
    assert np.isfinite(rv.critical_step_size(VALLEY, noise, below))
    assert rv.critical_step_size(VALLEY, noise, above) == np.inf


def test_without_dominant_noise_a_strong_bulk_noise_self_corrects_everywhere():
    """With n_D = 0 and n_B > G^2 (lam^2 - mu^2), C < 0 on all of (0, 1]: every state
    self-corrects and the threshold is exactly 0."""
    noise = BlockNoise(10.0, "bulk")
    assert rv.self_correction_threshold(VALLEY, noise, 1.0) == 0.0
    state = rv.state_with_alignment(VALLEY, 1e-3, 1.0)
    assert rv.critical_step_size(VALLEY, noise, state) == np.inf
