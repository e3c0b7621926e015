"""RiverValley.energies: the block gradient energies D and B the chapters use."""

from __future__ import annotations

import numpy as np
import pytest

import rivervalley_lib as rv


def test_energies_are_the_squared_norms_of_the_projected_gradient():
    valley = rv.RiverValley.two_level(d=30, k=4, dominant=10.0, bulk=0.2)
    theta = np.random.default_rng(0).normal(size=(5, 7, valley.d))
    D, B = valley.energies(theta)
    g = valley.gradient(theta)
    assert D.shape == B.shape == (5, 7)
    # tolerance: round-off of two closed forms (1e-12 relative); a factor 2 or a sign
    # is off by 100 % or more.
    np.testing.assert_allclose(
        D, (valley.project(g, "dominant") ** 2).sum(-1), rtol=1e-12
    )
    np.testing.assert_allclose(B, (valley.project(g, "bulk") ** 2).sum(-1), rtol=1e-12)
    # the alignment is D / (D + B)
    np.testing.assert_allclose(D / (D + B), rv.alignment(valley, theta), rtol=1e-12)


def test_energies_of_a_state_with_given_alignment_and_energy():
    valley = rv.RiverValley.two_level(d=400, k=4, dominant=10.0, bulk=0.2)
    D, B = valley.energies(rv.state_with_alignment(valley, 0.3, 0.05))
    # tolerance: round-off of the construction (1e-12 relative)
    assert D == pytest.approx(0.3 * 0.05, rel=1e-12)
    assert B == pytest.approx(0.7 * 0.05, rel=1e-12)


def test_energies_reject_a_state_of_the_wrong_size():
    valley = rv.RiverValley([4.0, 1.0], k=1)
    with pytest.raises(ValueError):
        valley.energies([1.0, 2.0, 3.0])
