"""The model's objects: noise covariances, projectors, equality, hashing and reprs.

The dense ``(d, d)`` matrices are guarded by the memory limit: the guard counts the
8 d^2 bytes of the matrix exactly, so a limit of exactly that many bytes admits d and
refuses d + 1 (tested with the limit lowered, not by allocating 2 GiB).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import rivervalley_lib as rv
from rivervalley_lib import _validation

D_EDGE = 10


def matrices(valley):
    """Every dense (d, d) matrix of the model, with its argument's name."""
    theta = np.linspace(-1.0, 1.0, valley.d)
    return {
        "isotropic covariance": lambda: rv.IsotropicNoise(0.5).covariance(valley),
        "curvature covariance": lambda: rv.CurvatureNoise(0.5).covariance(valley),
        "regression covariance": lambda: rv.RegressionNoise(2, 0.5).covariance(
            valley, theta
        ),
        "hessian": valley.hessian,
        "dominant projector": lambda: valley.projector("dominant"),
        "bulk projector": lambda: valley.projector("bulk"),
    }


@pytest.mark.parametrize("what", sorted(matrices(rv.RiverValley([2.0, 1.0], k=1))))
def test_memory_guard_admits_exactly_8_d_squared_bytes(monkeypatch, what):
    """With the limit set to 8 d^2 bytes, the (d, d) float matrix is built at d and
    refused at d + 1 with a message that opens with the valley's dimension."""
    monkeypatch.setattr(_validation, "MEMORY_LIMIT", 8 * D_EDGE**2)
    inside = rv.RiverValley(np.linspace(3.0, 1.0, D_EDGE), k=2)
    built = matrices(inside)[what]()
    assert built.shape == (D_EDGE, D_EDGE) and built.dtype == np.float64
    outside = rv.RiverValley(np.linspace(3.0, 1.0, D_EDGE + 1), k=2)
    with pytest.raises(ValueError, match=r"^the valley's dimension d\b") as err:
        matrices(outside)[what]()
    assert "would need about" in str(err.value)


def test_additive_covariances_are_the_diagonal_matrices_of_their_diagonals():
    """Isotropic: sigma^2 I; curvature: sigma^2 H; neither depends on the state."""
    valley = rv.RiverValley([4.0, 2.0, 0.5], k=1)
    theta = np.array([1.0, -2.0, 3.0])
    iso, curv = rv.IsotropicNoise(0.5), rv.CurvatureNoise(0.5)
    np.testing.assert_array_equal(iso.covariance(valley), 0.25 * np.eye(3))
    # tolerance: (sigma sqrt(lambda))^2 rounds once per factor, 1e-15 relative.
    np.testing.assert_allclose(
        curv.covariance(valley), 0.25 * np.diag([4, 2, 0.5]), rtol=1e-15, atol=0
    )
    for noise in (iso, curv):
        np.testing.assert_array_equal(
            noise.covariance(valley, theta), np.diag(noise.diagonal(valley))
        )


def test_regression_covariance_diagonal_is_its_diagonal():
    """The covariance's diagonal is diagonal(theta) and it is the Isserlis formula
    (2L + s^2) H / b + H theta theta' H / b written with dense matrices."""
    valley = rv.RiverValley([4.0, 2.0, 0.5], k=1)
    theta = np.array([0.5, -1.0, 2.0])
    noise = rv.RegressionNoise(batch_size=3, label_noise=0.7)
    cov = noise.covariance(valley, theta)
    H = np.diag(valley.eigenvalues)
    two_loss = theta @ H @ theta
    formula = ((two_loss + 0.49) * H + np.outer(H @ theta, H @ theta)) / 3
    # tolerance: the same sums in another order; 1e-13 relative is round-off.
    np.testing.assert_allclose(cov, formula, rtol=1e-13, atol=0)
    np.testing.assert_allclose(np.diag(cov), noise.diagonal(valley, theta), rtol=1e-13)


def test_mean_diagonal_is_the_diagonal_averaged_over_states():
    """s_i is linear in the g_j^2, so E[s_i] over a set of states is the diagonal at
    their mean second moments; on a batch of second moments it is the diagonal of
    each state (row by row, not summed across rows). A zero eigenvalue contributes
    nothing to the loss."""
    valley = rv.RiverValley([4.0, 2.0, 1.0, 0.0], k=1)
    states = np.array(
        [[0.5, -1.0, 2.0, 3.0], [1.5, 0.25, -1.0, -7.0], [-0.5, 2.0, 0.0, 1.0]]
    )
    g_sq = valley.gradient(states) ** 2
    for noise in (
        rv.RegressionNoise(batch_size=2, label_noise=0.7),
        rv.IsotropicNoise(0.3),
        rv.CurvatureNoise(0.3),
    ):
        per_state = noise.diagonal(valley, states)
        # tolerance: the same linear formula in another order; round-off only.
        np.testing.assert_allclose(
            noise.mean_diagonal(valley, g_sq), per_state, rtol=1e-13, atol=1e-15
        )
        np.testing.assert_allclose(
            noise.mean_diagonal(valley, g_sq.mean(axis=0)),
            per_state.mean(axis=0),
            rtol=1e-13,
            atol=1e-15,
        )


def distinct_valleys():
    return [
        rv.RiverValley([2.0, 1.0], k=1),
        rv.RiverValley([3.0, 1.0], k=1),
        rv.RiverValley([3.0, 2.0, 1.0], k=1),
        rv.RiverValley([3.0, 2.0, 1.0], k=2),
        rv.RiverValley([3.0, 2.0, 0.0], k=2),
    ]


def distinct_noises():
    return [
        rv.IsotropicNoise(0.5),
        rv.IsotropicNoise(0.25),
        rv.CurvatureNoise(0.5),
        rv.RegressionNoise(batch_size=2, label_noise=0.5),
        rv.RegressionNoise(batch_size=3, label_noise=0.5),
        rv.RegressionNoise(batch_size=2, label_noise=0.25),
    ]


@pytest.mark.parametrize("make", [distinct_valleys, distinct_noises])
def test_equal_objects_hash_equal_and_different_ones_differ(make):
    """An object equals a freshly built copy of itself and hashes as it does; two
    different objects (same k but other eigenvalues, same eigenvalues but other k,
    another noise class or parameter) are unequal, and their hashes do not collide
    (they do not all share one value: a set keeps every one)."""
    first, again = make(), make()
    for a, b in zip(first, again, strict=True):
        assert a == b and hash(a) == hash(b)
    for i, a in enumerate(first):
        for b in first[i + 1 :]:
            assert a != b and not (a == b), (a, b)
    assert len({hash(x) for x in first}) == len(first)
    assert len(set(first + again)) == len(first)


def test_noise_reprs_name_their_parameters_and_rebuild_the_object():
    """The noise reprs are calls of the constructor with named parameters."""
    for noise in distinct_noises():
        text = repr(noise)
        assert text.startswith(type(noise).__name__ + "(")
        assert eval(text, vars(rv)) == noise  # noqa: S307 (our own repr)


def test_valley_repr_names_its_dimension_and_blocks():
    text = repr(rv.RiverValley([3.0, 2.0, 0.5, 0.25], k=2))
    assert text == "RiverValley(d=4, k=2, dominant=[2, 3], bulk=[0.25, 0.5])"


def test_block_moments_repr_never_warns():
    """The repr shows the alignment D/(D+B) as nan when D = B = 0 (0/0) and as inf
    for moments built by hand with D + B = 0 < D (x/0), without a numpy warning."""
    zero = rv.BlockMoments(*([0.0] * 10))
    hand = zero.replace(D=1.0, B=-1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="warn"):
            assert "alignment=nan" in repr(zero)
            assert "alignment=inf" in repr(hand)
            arrays = zero.replace(D=np.zeros(3), B=np.zeros(3))
            assert "alignment=<array (3,)>" in repr(arrays)


def test_stationary_gradient_energy_is_the_fixed_point_of_the_second_moment_step():
    """u = (1 - eta lambda)^2 u + eta^2 lambda^2 E[s(u)], the one-step recursion of
    E g_i^2 with the noise model's mean_diagonal, holds at the stationary energies of
    every model, here with c_1 = 2 - eta lambda_1 (1 + 1/b) in (0, 1) for regression
    noise (0.788 at b = 100, 0.68 at b = 10)."""
    valley = rv.RiverValley([4.0, 2.0, 0.5, 0.0], k=1)
    eta = 0.3
    for noise in (
        rv.RegressionNoise(batch_size=100, label_noise=0.7),
        rv.RegressionNoise(batch_size=10, label_noise=0.7),
        rv.IsotropicNoise(0.7),
        rv.CurvatureNoise(0.7),
    ):
        u = noise.stationary_gradient_energy(valley, eta)
        lam = valley.eigenvalues
        step = (1 - eta * lam) ** 2 * u + (eta * lam) ** 2 * noise.mean_diagonal(
            valley, u
        )
        assert np.all(u[:3] > 0)
        # tolerance: a fixed point in closed form, checked by one step; round-off.
        np.testing.assert_allclose(step, u, rtol=1e-12, atol=1e-15)


def test_regression_stationary_energy_refuses_exactly_on_its_two_bounds():
    """The second moment diverges when c_1 = 2 - eta lambda_1 (1 + 1/b) <= 0 or
    q = sum eta lambda_j / (b c_j) >= 1. On each bound (c_1 = 0 exactly; q = 1
    exactly) it raises with that bound's reason, and the next float inside q < 1 is
    accepted."""
    # tolerance: u > 1e10 one float inside q < 1: the energy diverges like 1/(1 - q)
    # (1 - q is about 1e-16), so any finite energy below 1e10 means a wrong bound.
    noise = rv.RegressionNoise(batch_size=1, label_noise=0.5)
    # b = 1, lambda_1 = 4: c_1 = 2 - 0.25 * 4 * 2 = 0 exactly.
    with pytest.raises(ValueError, match=r"need eta < 2b/\(\(b\+1\) lambda_1\) = 0.25"):
        noise.stationary_gradient_energy(rv.RiverValley([4.0, 1.0], k=1), 0.25)
    # b = 2, lambda = (1, 0), eta = 1: c_1 = 0.5, q = 1 / (2 * 0.5) = 1 exactly.
    flat = rv.RiverValley([1.0, 0.0], k=1)
    two = rv.RegressionNoise(batch_size=2, label_noise=0.5)
    with pytest.raises(ValueError, match=r"multiplicative noise, q = 1 >= 1"):
        two.stationary_gradient_energy(flat, 1.0)
    u = two.stationary_gradient_energy(flat, np.nextafter(1.0, 0.0))
    assert np.isfinite(u[0]) and u[0] > 1e10 and u[1] == 0.0
