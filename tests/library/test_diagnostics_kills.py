"""Claims of the diagnostics that the other tests leave open (issue #24, mutation run).

Each test states what it claims. The operators are diagonal, so every quantity has an
exact value to compare with: the eigenpairs are the coordinate vectors, the block sums
are finite sums of squares, and the delta-method error of a threshold has a closed
form.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from rivervalley_lib import IsotropicNoise, RegressionNoise, RiverValley
from rivervalley_lib.diagnostics import (
    LanczosNoConvergence,
    measure_alignment,
    top_eigenspace,
)

# A diagonal Hessian with two dominant directions: Lanczos's start vector decides the
# signs of the eigenvectors it returns (seeds 0 and 1 differ on the second one).
SPECTRUM = np.concatenate([[5.0, 4.0], np.linspace(0.0, 1.0, 28)])


def diag_hvp(lam, counter=None):
    """``v -> diag(lam) v``, counting its calls in ``counter[0]`` if given."""

    def hvp(v):
        if counter is not None:
            counter[0] += 1
        return lam * v

    return hvp


def unit(dim, *idx):
    """The matrix whose columns are the coordinate vectors ``e_i``, ``i in idx``."""
    return np.eye(dim)[:, list(idx)]


# --------------------------------------------------------------------------- Lanczos


def test_top_eigenspace_default_tol_bounds_the_residuals():
    """Without ``tol`` every returned pair has ||Hu - lam u|| <= 1e-8 |lam| (the
    documented default), on a spectrum whose top gap is small enough that Lanczos
    needs restarts to get there."""
    lam = np.linspace(0.0, 1.0, 60)
    vals, vecs = top_eigenspace(diag_hvp(lam), 60, 1)
    residual = np.linalg.norm(lam * vecs[:, 0] - vals[0] * vecs[:, 0])
    # tolerance: the documented bound 1e-8 |lam|; a loose tol (~1) leaves ~3e-3
    assert residual <= 1e-8 * abs(vals[0])


def test_top_eigenspace_looser_tol_costs_fewer_hvps():
    """``tol`` reaches ARPACK: tol = 1e-3 stops with fewer HVPs than tol = 0
    (machine precision) on a slowly converging spectrum."""
    lam = np.linspace(0.0, 1.0, 60)
    loose, exact = [0], [0]
    top_eigenspace(diag_hvp(lam, loose), 60, 1, tol=1e-3)
    top_eigenspace(diag_hvp(lam, exact), 60, 1, tol=0.0)
    assert loose[0] < exact[0]


def test_top_eigenspace_rng_is_the_seed_of_the_start_vector():
    """The same seed gives bit-identical eigenpairs, the default is seed 0, and the
    seed matters (seeds 0 and 1 return the second eigenvector with opposite signs)."""
    hvp = diag_hvp(SPECTRUM)
    v0, u0 = top_eigenspace(hvp, 30, 2, rng=0)
    again = top_eigenspace(hvp, 30, 2, rng=0)
    default = top_eigenspace(hvp, 30, 2)
    other = top_eigenspace(hvp, 30, 2, rng=1)
    assert np.array_equal(again[1], u0) and np.array_equal(again[0], v0)
    assert np.array_equal(default[1], u0)
    assert not np.array_equal(other[1], u0)
    # tolerance: both are the exact top pairs to Lanczos precision (1e-8 default tol)
    np.testing.assert_allclose(np.abs(other[1]), np.abs(u0), atol=1e-7)


def test_top_eigenspace_is_the_algebraically_largest():
    """The top-k eigenpairs are the largest eigenvalues, not the largest in magnitude:
    a saddle's eigenvalue -10 is not among the top 2 of (3, 2, 1, ..., -10)."""
    lam = np.concatenate([[-10.0, 3.0, 2.0], np.linspace(0.0, 1.0, 27)])
    vals, vecs = top_eigenspace(diag_hvp(lam), 30, 2)
    # tolerance: Lanczos to its 1e-8 relative residual bound
    np.testing.assert_allclose(vals, [3.0, 2.0], rtol=1e-8)
    # tolerance: an eigenvector with residual 1e-8 is e_i up to ~1e-8 / gap
    np.testing.assert_allclose(np.abs(vecs), unit(30, 1, 2), atol=1e-7)


@pytest.mark.parametrize("k", [1, 10])
def test_top_eigenspace_first_run_costs_p_plus_one_hvps(k):
    """When the top-k pairs converge in ARPACK's first run, the cost is p + 1 HVPs
    with p = min(dim, max(2k + 1, 20)) Lanczos vectors (the documented cost): 21 HVPs
    at k = 1 and 22 at k = 10, on a spectrum with the top k far above the rest."""
    lam = np.concatenate([1000.0 + 10.0 * np.arange(10.0)[::-1], np.linspace(0, 1, 90)])
    count = [0]
    vals, _ = top_eigenspace(diag_hvp(lam, count), 100, k)
    # tolerance: Lanczos to its 1e-8 relative residual bound
    np.testing.assert_allclose(vals, lam[:k], rtol=1e-8)
    assert count[0] == min(100, max(2 * k + 1, 20)) + 1


def test_top_eigenspace_k_bounds_checked_before_any_hvp():
    """k = 0 raises a ValueError naming k and its range [1, dim - 1] before hvp is
    called; k = dim - 1 (on the bound) is accepted and exact."""
    count = [0]
    lam = np.array([4.0, 3.0, 2.0, 1.0])
    with pytest.raises(ValueError, match=r"^k must be an integer in \[1, 3\]"):
        top_eigenspace(diag_hvp(lam, count), 4, 0)
    assert count[0] == 0
    vals, _ = top_eigenspace(diag_hvp(lam), 4, 3)
    # tolerance: the dense eigh path is exact to round-off
    np.testing.assert_allclose(vals, [4.0, 3.0, 2.0], rtol=1e-12)


def test_top_eigenspace_names_hvp_for_a_wrong_shape():
    """An hvp returning shape (1, dim) raises a ValueError naming hvp and the shape
    it must return."""
    with pytest.raises(ValueError, match=r"^hvp must return a flat vector of shape"):
        top_eigenspace(lambda v: (SPECTRUM * v)[None, :], 30, 2)


def test_no_convergence_attaches_the_converged_pairs_descending():
    """With a budget too small for all 5 pairs, the pairs that did converge (the top
    three, far above the rest) are attached in descending order with their
    eigenvectors."""
    lam = np.concatenate([[1e4, 1e3, 1e2, 1.0, 0.999], np.linspace(0, 0.998, 195)])
    with pytest.raises(LanczosNoConvergence) as info:
        top_eigenspace(diag_hvp(lam), 200, 5, maxiter=12)
    err = info.value
    # tolerance: converged Ritz values to ARPACK's 1e-8 relative bound
    np.testing.assert_allclose(err.eigenvalues, [1e4, 1e3, 1e2], rtol=1e-8)
    # tolerance: converged eigenvectors are e_i up to ~1e-8 / relative gap
    np.testing.assert_allclose(np.abs(err.eigenvectors), unit(200, 0, 1, 2), atol=1e-6)


# --------------------------------------------------------------- measure_alignment


def test_measure_alignment_rng_seeds_lanczos():
    """measure_alignment's rng is top_eigenspace's: seed 5 gives bit-identically the
    eigenvectors of top_eigenspace(rng=5), and the default is seed 0 (which differs
    from seed 1 here)."""
    hvp = diag_hvp(SPECTRUM)
    g = np.ones(30)
    rep5 = measure_alignment(g, hvp, 2, rng=5)
    _, u5 = top_eigenspace(hvp, 30, 2, rng=5)
    _, u0 = top_eigenspace(hvp, 30, 2, rng=0)
    assert not np.array_equal(u5, u0)
    assert np.array_equal(rep5.eigenvectors, u5)
    default = measure_alignment(g, hvp, 2)
    assert np.array_equal(default.eigenvectors, u0)
    assert not np.array_equal(measure_alignment(g, hvp, 2, rng=1).eigenvectors, u0)


class _NoSignature:
    """A callable whose signature ``inspect`` cannot read (as for some compiled
    callables)."""

    __signature__ = "not a Signature"

    def __init__(self, lam):
        self.lam = lam

    def __call__(self, v):
        return self.lam * v


def test_measure_alignment_calls_an_hvp_without_a_signature():
    """An hvp whose signature cannot be inspected is called as it is, and measures the
    exact alignment D/|g|^2 (1/2 for g = e_1 + e_3 with dominant e_1)."""
    lam = np.array([3.0, 2.0, 1.0, 1.0])
    rep = measure_alignment(np.array([1.0, 0.0, 1.0, 0.0]), _NoSignature(lam), 1)
    # tolerance: Lanczos to 1e-8; 0.5 vs a wrong block is off by >= 0.5
    assert rep.alignment == pytest.approx(0.5, rel=1e-8)


def test_measure_alignment_k_bounds():
    """k must be in [1, dim - 1]: k = 0 (with an empty eigenspace) and k = dim (with
    the full one) raise a ValueError naming k and the range, before hvp is called;
    k = dim - 1 is accepted."""
    lam = np.array([4.0, 3.0, 2.0, 1.0])
    count = [0]
    hvp = diag_hvp(lam, count)
    g = np.ones(4)
    with pytest.raises(ValueError, match=r"^k must be an integer in \[1, 3\]"):
        measure_alignment(g, hvp, 0, eigen=(np.zeros(0), np.zeros((4, 0))))
    with pytest.raises(ValueError, match=r"^k must be an integer in \[1, 3\]"):
        measure_alignment(g, hvp, 4, eigen=(lam, np.eye(4)))
    assert count[0] == 0
    rep = measure_alignment(g, hvp, 3, eigen=(lam[:3], unit(4, 0, 1, 2)))
    # tolerance: exact eigenpairs; D/|g|^2 = 3/4 up to round-off
    assert rep.alignment == pytest.approx(0.75, rel=1e-14)


@pytest.mark.parametrize("which", [0, 1])
def test_measure_alignment_names_the_bad_eigen_entry(which):
    """A NaN in the supplied eigenvalues or eigenvectors raises a ValueError naming
    eigen[0] or eigen[1]."""
    eigen = [np.array([3.0]), unit(4, 0)]
    eigen[which] = eigen[which].copy()
    eigen[which].flat[0] = np.nan
    with pytest.raises(ValueError, match=rf"^eigen\[{which}\] must contain only"):
        measure_alignment(np.ones(4), diag_hvp(np.ones(4)), 1, eigen=tuple(eigen))


def test_measure_alignment_residuals_per_eigenpair():
    """lanczos_residuals[i] = ||H u_i - lam_i u_i|| / |lam_i| for each pair: 0 for the
    exact pair (3, e_1) and 0.5/2.5 = 0.2 for the wrong pair (2.5, e_2) of
    H = diag(3, 2, 1, 1) (g has no e_2 part, so b_B stays >= 0)."""
    lam = np.array([3.0, 2.0, 1.0, 1.0])
    rep = measure_alignment(
        np.array([1.0, 0.0, 1.0, 1.0]),
        diag_hvp(lam),
        2,
        eigen=(np.array([3.0, 2.5]), unit(4, 0, 1)),
    )
    # tolerance: round-off of one product and one norm
    np.testing.assert_allclose(rep.lanczos_residuals, [0.0, 0.2], atol=1e-15)


def test_measure_alignment_zero_eigenvalue_residual_without_warnings():
    """A supplied eigenvalue 0 gives a relative residual of 0/0 (NaN) for an exact
    null vector and x/0 (inf) for a wrong one, without any RuntimeWarning."""
    lam = np.array([2.0, 0.0, 1.0, 1.0])
    g = np.ones(4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exact = measure_alignment(
            g, diag_hvp(lam), 2, eigen=(np.array([2.0, 0.0]), unit(4, 0, 1))
        )
        wrong = measure_alignment(
            g, diag_hvp(lam), 2, eigen=(np.array([2.0, 0.0]), unit(4, 0, 2))
        )
    assert exact.lanczos_residuals[0] == 0.0 and np.isnan(exact.lanczos_residuals[1])
    assert wrong.lanczos_residuals[0] == 0.0 and wrong.lanczos_residuals[1] == np.inf


H4 = np.array([3.0, 2.0, 1.0, 1.0])  # H = diag(3, 2, 1, 1), dominant e_1 (and e_2)


def test_negative_B_names_B():
    """Eigenvectors that are not orthonormal (|u_1| = 2) make D = 4|g|^2 > |g|^2: the
    ValueError names B."""
    with pytest.raises(ValueError, match=r"^B came out -3 < 0"):
        measure_alignment(
            np.array([1.0, 0.0, 0.0, 0.0]),
            diag_hvp(H4),
            1,
            eigen=(np.array([3.0]), 2.0 * unit(4, 0)),
        )


def test_negative_bB_names_b_B():
    """A wrong dominant eigenvalue (30 for 3) makes b_D = 900 > |Hg|^2 = 10 while
    B = 1 >= 0: the ValueError names b_B."""
    with pytest.raises(ValueError, match=r"^b_B came out -890 < 0"):
        measure_alignment(
            np.array([1.0, 0.0, 1.0, 0.0]),
            diag_hvp(H4),
            1,
            eigen=(np.array([30.0]), unit(4, 0)),
        )


def test_negative_nB_names_n_B():
    """Noise xi = +-e_2 along a dominant direction whose eigenvalue is given as 20
    (truly 2) makes n_D = 400 > |H xi|^2 = 4, while g = e_1 + e_3 (no e_2 part) keeps
    B and b_B >= 0: the ValueError names n_B."""
    g = np.array([1.0, 0.0, 1.0, 0.0])
    e2 = unit(4, 1)[:, 0]
    with pytest.raises(ValueError, match=r"^n_B came out -396 < 0"):
        measure_alignment(
            g,
            diag_hvp(H4),
            2,
            eigen=(np.array([3.0, 20.0]), unit(4, 0, 1)),
            noise_samples=np.stack([g + e2, g - e2]),
        )


def test_round_off_negatives_are_relative_to_their_scale():
    """A squared-norm difference that is negative only by round-off relative to its
    own scale is 0, however large the scale: |u_1| = 1 + 1e-13 on a gradient of
    norm 1e3 gives B = -2e-7 and b_B = -1.8e-6 (relative 2e-13 of |g|^2 = 1e6 and
    |Hg|^2 = 9e6), and a dominant eigenvalue 2(1 + 1e-13) under noise of size 1e3
    gives n_B = -8e-7 (relative 2e-13 of |H xi|^2 = 4e6): all three are 0."""
    g = np.array([1e3, 0.0, 0.0, 0.0])
    rep = measure_alignment(
        g, diag_hvp(H4), 1, eigen=(np.array([3.0]), (1 + 1e-13) * unit(4, 0))
    )
    assert rep.B == 0.0 and rep.moments.bB == 0.0
    g = np.array([1.0, 0.0, 1.0, 0.0])
    xi = 1e3 * unit(4, 1)[:, 0]
    rep = measure_alignment(
        g,
        diag_hvp(H4),
        2,
        eigen=(np.array([3.0, 2.0 * (1 + 1e-13)]), unit(4, 0, 1)),
        noise_samples=np.stack([g + xi, g - xi]),
    )
    assert rep.moments.nB == 0.0


# ---------------------------------------------------------------- delta-method errors


def bulk_noise_report(a):
    """H = diag(3, 2, 1, 0.5), k = 1, g = e_1 + e_3 + e_4, samples g + a_j e_3: the
    noise lies in the bulk, so n_D = t_D = 0 in every sample (zero variance) and
    t_B = n_B = mean(a_j^2)."""
    lam = np.array([3.0, 2.0, 1.0, 0.5])
    g = np.array([1.0, 0.0, 1.0, 1.0])
    samples = g + np.outer(a, unit(4, 2)[:, 0])
    return measure_alignment(
        g, diag_hvp(lam), 1, eigen=(np.array([3.0]), unit(4, 0)), noise_samples=samples
    )


def test_bulk_threshold_stderr_is_the_delta_method():
    """With noise only in the bulk, eta_B = 2B/(a_B + t_B) has the delta-method error
    2B/(a_B + t_B)^2 * sd(a_j^2)/sqrt(m), which the report gives even though n_D and
    t_D (the first moments) have zero variance; eta_D has error 0."""
    a = np.array([0.1, -0.1, 0.2, -0.2])
    rep = bulk_noise_report(a)
    B, aB, tB = 2.0, 1.0 + 0.5, float(np.mean(a**2))
    se_tB = float(np.std(a**2, ddof=1) / np.sqrt(a.size))
    # tolerance: exact sums of a few squares, round-off only
    assert rep.stderr.tB == pytest.approx(se_tB, rel=1e-12)
    # tolerance: central differences of step 1e-3 sd (sd ~ 0.01) are exact to ~1e-10
    # relative; a step of 0.1 (1e-3 / sd) is off by ~0.5 %
    assert rep.stderr.thresholds.bulk == pytest.approx(
        2 * B / (aB + tB) ** 2 * se_tB, rel=1e-7
    )
    assert rep.stderr.thresholds.dominant == 0.0


def test_infinite_threshold_has_infinite_stderr():
    """Where a threshold is infinite its standard error is inf, without noise (zero
    covariance) and with noise (without RuntimeWarnings): negative bulk curvature,
    H = diag(3, 2, -1, -1) with g = e_1 + e_3, gives eta_B = inf."""
    lam = np.array([3.0, 2.0, -1.0, -1.0])
    g = np.array([1.0, 0.0, 1.0, 0.0])
    eigen = (np.array([3.0]), unit(4, 0))
    e4 = unit(4, 3)[:, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = measure_alignment(g, diag_hvp(lam), 1, eigen=eigen)
        noisy = measure_alignment(
            g,
            diag_hvp(lam),
            1,
            eigen=eigen,
            noise_samples=g + np.outer([0.1, -0.1, 0.2, -0.2], e4),
        )
    for rep in (quiet, noisy):
        assert rep.thresholds.bulk == np.inf
        assert rep.stderr.thresholds.bulk == np.inf


# ------------------------------------------------------------------- noise models


@pytest.mark.parametrize(
    "noise", [IsotropicNoise(1.0), RegressionNoise(4, 0.5)], ids=repr
)
def test_mean_diagonal_grad_sq_must_be_nonnegative(noise):
    """Gradient second moments are >= 0: grad_sq = 0 (on the bound) is accepted,
    a negative entry raises a ValueError naming grad_sq."""
    valley = RiverValley.two_level(d=4, k=1, dominant=2.0, bulk=1.0)
    out = noise.mean_diagonal(valley, np.zeros(4))
    assert out.shape == (4,) and np.all(np.isfinite(out))
    with pytest.raises(ValueError, match=r"^grad_sq must be >= 0 everywhere"):
        noise.mean_diagonal(valley, np.array([1.0, -1e-12, 0.0, 0.0]))
