"""Defining identities of the landscape: projectors, block losses, gradient."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rivervalley_lib import RiverValley

from .conftest import random_valley

seeds = st.integers(0, 2**32 - 1)


@given(seeds)
def test_projectors_are_complementary_orthogonal_idempotent(seed):
    rng = np.random.default_rng(seed)
    rv = random_valley(rng)
    Pd, Pb = rv.projector("dominant"), rv.projector("bulk")
    np.testing.assert_array_equal(Pd + Pb, np.eye(rv.d))
    np.testing.assert_array_equal(Pd @ Pd, Pd)
    np.testing.assert_array_equal(Pb @ Pb, Pb)
    np.testing.assert_array_equal(Pd @ Pb, np.zeros((rv.d, rv.d)))
    np.testing.assert_array_equal(Pd, Pd.T)
    assert np.trace(Pd) == rv.k
    # The projectors commute with the Hessian (the blocks are invariant subspaces).
    H = rv.hessian()
    # tolerance: round-off of products of diagonal matrices (1e-12 relative)
    np.testing.assert_allclose(Pd @ H, H @ Pd, rtol=1e-12)


@given(seeds)
def test_project_matches_matrix_projector_batched(seed):
    rng = np.random.default_rng(seed)
    rv = random_valley(rng)
    v = rng.normal(size=(4, 3, rv.d))
    # tolerance: round-off (1e-12 relative): masking and a 0/1 matrix product agree
    np.testing.assert_allclose(
        rv.project(v, "dominant"), v @ rv.projector("dominant").T, rtol=1e-12
    )
    np.testing.assert_allclose(
        rv.project(v, "dominant") + rv.project(v, "bulk"), v, rtol=1e-12
    )


@given(seeds)
def test_loss_splits_and_gradient_is_derivative(seed):
    rng = np.random.default_rng(seed)
    rv = random_valley(rng)
    theta = rng.normal(size=(5, rv.d))
    # tolerance: round-off of sums of positive terms (1e-12 relative); the finite
    # difference below is exact for a quadratic up to rounding, ~eps L / h = 1e-12 L,
    # inside rtol 1e-6 (a factor 2 or a sign in the gradient is off by 100 %).
    np.testing.assert_allclose(
        rv.loss(theta), rv.loss_dominant(theta) + rv.loss_bulk(theta), rtol=1e-12
    )
    np.testing.assert_allclose(
        rv.loss(theta),
        0.5 * np.einsum("si,ij,sj->s", theta, rv.hessian(), theta),
        rtol=1e-12,
    )
    # Central finite differences of the loss give the gradient (the loss is quadratic,
    # so exactly up to rounding).
    h = 1e-4
    t0 = theta[0]
    fd = np.array(
        [(rv.loss(t0 + h * e) - rv.loss(t0 - h * e)) / (2 * h) for e in np.eye(rv.d)]
    )
    np.testing.assert_allclose(fd, rv.gradient(t0), rtol=1e-6, atol=1e-8)
    # L_D only sees the dominant coordinates.
    np.testing.assert_allclose(
        rv.loss_dominant(theta), rv.loss(rv.project(theta, "dominant")), rtol=1e-12
    )


def test_two_level_and_spread_constructors():
    rv = RiverValley.two_level(d=10, k=3, dominant=5.0, bulk=0.5)
    assert rv.d == 10 and rv.k == 3
    np.testing.assert_array_equal(rv.eigenvalues, [5.0] * 3 + [0.5] * 7)
    # tolerance: round-off of one division (1e-12 relative)
    assert rv.gap_ratio == pytest.approx(10.0, rel=1e-12)
    assert rv.stability_limit == pytest.approx(0.4, rel=1e-12)
    sp = RiverValley.spread(
        d=12, k=4, dominant=(10.0, 20.0), bulk=(0.0, 1.0), spacing="linear"
    )
    assert sp.eigenvalues[0] == 20.0 and sp.eigenvalues[3] == 10.0
    assert sp.eigenvalues[4] == 1.0 and sp.eigenvalues[-1] == 0.0
    assert np.all(np.diff(sp.eigenvalues) <= 0)
    assert RiverValley.two_level(4, 1, 2.0, 0.0).gap_ratio == np.inf


def test_eigenvalues_are_read_only_and_copied():
    lam = np.array([3.0, 1.0])
    rv = RiverValley(lam, 1)
    lam[0] = 100.0
    assert rv.eigenvalues[0] == 3.0
    with pytest.raises(ValueError):
        rv.eigenvalues[0] = 5.0


def test_equality_and_repr():
    a = RiverValley.two_level(5, 2, 3.0, 1.0)
    b = RiverValley([3.0, 3.0, 1.0, 1.0, 1.0], 2)
    assert a == b and hash(a) == hash(b)
    assert a != RiverValley.two_level(5, 1, 3.0, 1.0)
    assert "d=5" in repr(a) and "k=2" in repr(a)
