"""Two routes to one number for the expected trajectory and its neighbours: the memory
guard's count against the bytes of the arrays returned, the work guard against the
loop actually run, the closed form of a constant step against the exact rational
value and against the step-by-step recursion, the recorded energies against an
explicit recursion; the self-correction threshold against the root of its quadratic."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

import rivervalley_lib as rv
from rivervalley_lib import _validation as validation
from rivervalley_lib.model._noise import AdditiveNoise

VALLEY = rv.RiverValley([4.0, 1.0, 0.5], k=1)
# two initial states (a batch of 2), d = 3
THETA0 = np.array([[0.3, 1.0, -0.5], [0.1, -0.2, 2.0]])


class SplitNoise(AdditiveNoise):
    """Additive noise with variance ``dom`` on the dominant coordinates and ``bulk`` on
    the others (a test model: the library's models tie the two together)."""

    def __init__(self, dom: float, bulk: float) -> None:
        super().__init__(1.0)
        self.dom, self.bulk = dom, bulk

    def scale(self, valley):
        s = np.full(valley.d, math.sqrt(self.bulk))
        s[: valley.k] = math.sqrt(self.dom)
        return s


def explicit_energies(valley, s, eta, steps, theta0):
    """u_t per coordinate by the recursion u' = (1 - eta lam)^2 u + eta^2 lam^2 s, one
    step at a time (state-independent noise of variances s)."""
    lam = valley.eigenvalues
    u = (lam * np.asarray(theta0, dtype=float)) ** 2
    out = [u]
    for _ in range(steps):
        u = (1 - eta * lam) ** 2 * u + eta**2 * lam**2 * s
        out.append(u)
    return np.array(out)


# --- expected_trajectory: the guards --------------------------------------------------


def test_memory_guard_counts_exactly_the_bytes_of_the_returned_arrays(monkeypatch):
    """The memory guard counts the bytes of D, B, loss (batch x (steps + 1) each) and
    of the recorded energies (len(record_energies) x theta0.size): with the limit set
    to the bytes the returned arrays take, the call is admitted; one byte less and it
    is refused. Batch 2, steps 3, d 3 and two recorded steps make every term and
    factor of 8 (3 b (steps + 1) + keep size) change the count."""
    kwargs = dict(record_energies=[1, 3])
    mf = rv.expected_trajectory(
        VALLEY, rv.IsotropicNoise(0.3), 0.1, 3, THETA0, **kwargs
    )
    nbytes = mf.D.nbytes + mf.B.nbytes + mf.loss.nbytes + mf.energies.nbytes
    assert nbytes == 8 * (3 * 2 * 4 + 2 * 6)  # the arrays are what the guard counts
    monkeypatch.setattr(validation, "MEMORY_LIMIT", nbytes)
    rv.expected_trajectory(VALLEY, rv.IsotropicNoise(0.3), 0.1, 3, THETA0, **kwargs)
    monkeypatch.setattr(validation, "MEMORY_LIMIT", nbytes - 1)
    with pytest.raises(ValueError, match="record_energies"):
        rv.expected_trajectory(VALLEY, rv.IsotropicNoise(0.3), 0.1, 3, THETA0, **kwargs)


def test_work_guard_counts_the_per_coordinate_loop_only_when_it_runs(monkeypatch):
    """The work guard counts steps x theta0.size coordinate updates, and only for the
    per-coordinate recursion (state-dependent noise or record_energies): regression
    noise is admitted at exactly that many updates and refused one below; isotropic
    noise without record_energies (the closed form, no loop) is admitted even with a
    limit of one update, and refused below the count once energies are recorded."""
    steps, updates = 5, 5 * THETA0.size
    regression = rv.RegressionNoise(batch_size=2, label_noise=0.5)
    monkeypatch.setattr(validation, "WORK_LIMIT", updates)
    rv.expected_trajectory(VALLEY, regression, 0.1, steps, THETA0)
    monkeypatch.setattr(validation, "WORK_LIMIT", updates - 1)
    with pytest.raises(ValueError, match="elementary updates"):
        rv.expected_trajectory(VALLEY, regression, 0.1, steps, THETA0)
    with pytest.raises(ValueError, match="elementary updates"):
        rv.expected_trajectory(
            VALLEY, rv.IsotropicNoise(0.3), 0.1, steps, THETA0, record_energies=[2]
        )
    monkeypatch.setattr(validation, "WORK_LIMIT", 1)
    mf = rv.expected_trajectory(VALLEY, rv.IsotropicNoise(0.3), 0.1, steps, THETA0)
    assert mf.D.shape == (2, steps + 1)


# --- expected_trajectory: record_energies ---------------------------------------------


def test_recorded_energies_are_the_explicit_recursion_at_integer_steps():
    """The energies recorded at the requested steps are the per-coordinate recursion
    u' = (1 - eta lam)^2 u + eta^2 lam^2 s taken one step at a time, for a single
    recorded step and for several given as floats; energy_steps are integer step
    indices (they index the step axis), also when nothing is recorded."""
    noise, eta, steps = rv.IsotropicNoise(0.3), 0.2, 6
    ref = explicit_energies(VALLEY, noise.diagonal(VALLEY), eta, steps, THETA0)
    for record in ([4], [5.0, 2.0, 5.0]):
        mf = rv.expected_trajectory(
            VALLEY, noise, eta, steps, THETA0, record_energies=record
        )
        want = sorted({int(r) for r in record})
        assert mf.energy_steps.dtype.kind == "i"
        assert mf.energy_steps.tolist() == want
        assert mf.step[mf.energy_steps].tolist() == want
        # tolerance: 1e-12 relative; both are six steps of the same recursion in
        # doubles (a few ulps apart at most), an error is a whole step's factor
        np.testing.assert_allclose(mf.energies, ref[want], rtol=1e-12, atol=0)
    mf = rv.expected_trajectory(VALLEY, noise, eta, steps, THETA0)
    assert mf.energy_steps.dtype.kind == "i" and mf.energy_steps.size == 0
    assert mf.step[mf.energy_steps].size == 0


@pytest.mark.parametrize("record", [[1.5], [0, 2.5]])
def test_a_non_integer_recorded_step_is_refused(record):
    """A recorded step must be an integer: 1.5 or 2.5 is refused, not truncated."""
    with pytest.raises(ValueError, match="record_energies"):
        rv.expected_trajectory(
            VALLEY, rv.IsotropicNoise(0.3), 0.1, 3, THETA0, record_energies=record
        )


# --- expected_trajectory: the closed form of a constant step --------------------------


def test_constant_step_closed_form_equals_the_recursion():
    """With a constant step and state-independent noise the closed form
    u_t = c^t u_0 + q (1 - c^t)/(1 - c) gives the expected energies of the recursion
    (taken here by the general path, forced by recording the energies at step 0)."""
    noise, eta, steps = rv.CurvatureNoise(0.4), 0.3, 40
    fast = rv.expected_trajectory(VALLEY, noise, eta, steps, THETA0)
    slow = rv.expected_trajectory(
        VALLEY, noise, eta, steps, THETA0, record_energies=[0]
    )
    ref = explicit_energies(VALLEY, noise.diagonal(VALLEY), eta, steps, THETA0)
    for mf in (fast, slow):
        # tolerance: 1e-12 relative; 40 steps of rounding in the recursion (about
        # 1e-14), while any wrong factor or exponent is of order one
        np.testing.assert_allclose(mf.D, ref[..., 0].T, rtol=1e-12, atol=0)
        np.testing.assert_allclose(mf.B, ref[..., 1:].sum(-1).T, rtol=1e-12, atol=0)
        loss = 0.5 * (ref / VALLEY.eigenvalues).sum(-1).T
        np.testing.assert_allclose(mf.loss, loss, rtol=1e-12, atol=0)


def test_on_the_stability_edge_the_energy_grows_exactly_linearly():
    """At eta = 2/lambda_1 the dominant energy neither contracts nor grows by itself:
    E D_t = D_0 + 4 s t exactly (c = 1). With a constant step the library evaluates
    this closed form, so after 20000 steps it is the exact rational value to an ulp,
    without the rounding that 20000 additions accumulate."""
    valley, noise, steps = (
        rv.RiverValley([4.0, 1.0], k=1),
        rv.IsotropicNoise(0.3),
        20000,
    )
    mf = rv.expected_trajectory(valley, noise, 0.5, steps, [0.3, 1.0])
    s = Fraction(float(noise.diagonal(valley)[0]))
    d0 = Fraction((4.0 * 0.3) ** 2)
    for t in (1, 7, 1000, 12345, steps):
        exact = float(d0 + 4 * s * t)
        # tolerance: 2 ulps (q t and the sum are each rounded once); 20000 rounded
        # additions drift by thousands of ulps
        assert abs(mf.D[t] - exact) <= 2 * np.spacing(exact)


def test_a_divergent_step_size_is_refused_without_a_floating_point_warning():
    """A step size beyond the stability limit makes the expected trajectory overflow:
    the call raises the ValueError that names the limit, and the overflowing
    arithmetic inside (c**t = inf times the zero noise injection gives 0 * inf) emits
    no RuntimeWarning."""
    valley = rv.RiverValley([4.0, 1.0], k=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for noise in (rv.IsotropicNoise(0.0), rv.IsotropicNoise(0.3)):
            with pytest.raises(ValueError, match="stability limit"):
                rv.expected_trajectory(valley, noise, 1.0, 400, [1.0, 1.0])


# --- self_correction_threshold ---------------------------------------------------


def quadratic_root(valley, s_dom, s_bulk, energy):
    """The root in (0, 1) of C/G^2 = a chi (1 - chi) + n_D (1 - chi) - n_B chi with
    a = G^2 (lam_1^2 - lam_2^2), n_X = lam_X^2 s_X (two coordinates, k = 1), in the
    form without cancellation for a small n_D."""
    lam1, lam2 = valley.eigenvalues
    a, nD, nB = energy * (lam1**2 - lam2**2), lam1**2 * s_dom, lam2**2 * s_bulk
    b = a - nD - nB
    return 2 * nD / (-b + math.sqrt(b * b + 4 * a * nD))


def test_self_correction_threshold_is_the_root_of_its_quadratic_down_to_2_to_the_80():
    """For state-independent noise the threshold is the root of a concave quadratic;
    the bisection finds it to float precision for a moderate root and to its
    resolution 2**-80 (half a final interval) for a root of 1.4 * 2**-80."""
    valley = rv.RiverValley([1.0, 0.5], k=1)
    for s_dom, tol in ((0.5, 4e-16), (1e-3, 4e-18), (1.4 * 2.0**-80 / 4, 2.0**-81)):
        # tolerance: a few ulps of the root for the moderate roots (the quadratic
        # formula and C(chi) are each a few roundings), half the bisection's final
        # interval 2**-80 for the tiny one; stopping one halving early is 2**-80 off
        got = rv.self_correction_threshold(valley, SplitNoise(s_dom, 4.0), 1.0)
        assert abs(got - quadratic_root(valley, s_dom, 4.0, 1.0)) <= tol


def test_self_correction_threshold_is_one_without_bulk_noise():
    """Without bulk noise C(1) = -n_B D = 0: no alignment self-corrects, and the
    threshold is exactly 1.0, with or without dominant noise."""
    valley = rv.RiverValley([1.0, 0.5], k=1)
    for s_dom in (1.0, 0.0):
        assert rv.self_correction_threshold(valley, SplitNoise(s_dom, 0.0), 1.0) == 1.0


# --- check.collapse_scale -------------------------------------------------------------


def test_collapse_scale_a_trajectory_touching_half_the_floor_does_not_dip_below_it(
    capsys,
):
    """The collapse is the alignment's expected trajectory dipping strictly below half
    the floor chi_inf. Without dominant noise chi_inf = 0, and at eta lambda_1 = 1 the
    dominant energy is exactly 0 from step 1: the trajectory touches 0.5 chi_inf = 0
    for every initial scale but never dips below it, so the grader finds no collapse
    scale and refuses every answer, printing the exercise's name and its hint."""
    from rivervalley_lib.check import collapse_scale

    valley, noise = rv.RiverValley([2.0, 1.0, 1.0], k=1), SplitNoise(0.0, 0.01)
    assert rv.noise_floor(valley, noise, 0.5).alignment == 0.0
    mf = rv.expected_trajectory(valley, noise, 0.5, 50, [1e-3, 1e-3, 1e-3])
    assert mf.alignment.min() == 0.0  # on the boundary 0.5 * chi_inf
    for answer in (1e-3, 1.0, 50.0):
        assert collapse_scale(answer, valley, noise, 0.5, steps=50) is False
        line = capsys.readouterr().out
        assert line.startswith("✗ initialization scale of the collapse: not yet. Hint:")
        assert "scan c on a log grid" in line


def test_an_unstable_direction_without_energy_or_noise_stays_at_zero():
    """eta = 1 on lambda = 4 is unstable (|1 - eta lambda| = 3), but a block with no
    energy and no noise has E D_t = 0 at every step: the constant-step closed form
    says so (c^t overflows past t = 323, and 0 * inf must not read as divergence),
    as the step-by-step path does."""
    valley = rv.RiverValley([4.0, 1.0], k=1)
    quiet = rv.IsotropicNoise(0.0)
    fast = rv.expected_trajectory(valley, quiet, 1.0, 400, [0.0, 1.0])
    slow = rv.expected_trajectory(
        valley, quiet, 1.0, 400, [0.0, 1.0], record_energies=[0]
    )
    assert np.all(fast.D == 0.0)
    # tolerance: exact: both paths compute the same B_t = (1 - 1)^(2t) B_0 = 0 for t > 0
    np.testing.assert_array_equal(fast.B, slow.B)
    np.testing.assert_array_equal(fast.D, slow.D)
