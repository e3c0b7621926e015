"""Phase lengths: the mean-field formula of rv.phase_lengths against the contraction it
inverts, on the boundaries of its regimes, and rv.measured_phase_lengths on curves whose
phases are known by construction."""

from __future__ import annotations

import math

import numpy as np
import pytest

import rivervalley_lib as rv

from .conftest import BlockNoise

# ---------------------------------------------------------------- rv.phase_lengths


@pytest.mark.parametrize("eta", [0.5, 1.5])
def test_T1_is_when_the_slowest_dominant_mode_contracts_to_the_floor(eta):
    """T1 solves D_0 q^(2 T1) = D_inf with q = max |1 - eta lam_i| over the dominant
    modes (the slowest), for a monotone contraction (eta = 0.5: the mode lam = 0.8 is
    slowest) and an oscillating one (eta = 1.5, eta lam = 1.5 for lam = 1): the gradient
    energy contracts by (1 - eta lam)^2 per step, hence the factor 2."""
    valley = rv.RiverValley([1.0, 0.8, 0.1, 0.1], k=2)
    noise = rv.IsotropicNoise(0.01)
    theta0 = np.array([3.0, 5.0, 1.0, 1.0])
    p = rv.phase_lengths(valley, noise, eta, theta0)
    lam_D = valley.eigenvalues[:2]
    D0 = float(np.sum((lam_D * theta0[:2]) ** 2))
    q = float(np.max(np.abs(1 - eta * lam_D)))
    floor = rv.noise_floor(valley, noise, eta)
    # tolerance: T1 ~ 5-10 steps; 1e-9 only absorbs rounding of the logs, while a lost
    # factor 2 moves D0 q^(2 T1) by the factor D0/D_inf ~ 10^4
    assert D0 * q ** (2 * p.T1) == pytest.approx(floor.D, rel=1e-9)
    assert p.chi_inf == floor.alignment


def test_T2_is_when_the_bulk_contracts_to_its_floor_from_below_one():
    """T2 solves B_0 |1 - eta mu|^(2 T2) = B_inf with mu the bulk's curvature, also for
    a bulk whose starting energy B_0 is below 1 (but above its floor)."""
    valley = rv.RiverValley.two_level(d=8, k=3, dominant=1.0, bulk=0.1)
    noise, eta = rv.IsotropicNoise(0.01), 1.0
    theta0 = np.ones(8)
    p = rv.phase_lengths(valley, noise, eta, theta0)
    B0 = 5 * 0.1**2
    floor = rv.noise_floor(valley, noise, eta)
    assert floor.B < B0 < 1
    # tolerance: T2 ~ 35 steps; 1e-9 absorbs rounding, a factor 2 in T2 moves the
    # left side by the factor B0/B_inf ~ 10^3, a T2 of 0 by the same
    assert B0 * 0.9 ** (2 * p.T2) == pytest.approx(floor.B, rel=1e-9)
    # the minimum: the dominant floor against the starting bulk
    assert p.chi_min == pytest.approx(floor.D / (floor.D + B0), rel=1e-12)


@pytest.mark.parametrize(("theta_bulk", "T2"), [(2.0, 1.0), (1.0, 0.0), (0.5, 0.0)])
def test_T2_when_one_step_reaches_the_floor_above_on_and_below_it(theta_bulk, T2):
    """At eta mu = 1 the mean-field bulk is at its floor after one step: T2 = 1 when it
    starts above the floor, 0 when it starts exactly on it or below (boundary cases:
    B_0 = mu^2 theta^2 = 0.25 theta^2 against B_inf = sigma^2 = 0.25, both exact)."""
    valley = rv.RiverValley([0.75, 0.5], k=1)
    noise, eta = rv.IsotropicNoise(0.5), 2.0
    assert rv.noise_floor(valley, noise, eta).B == 0.25
    p = rv.phase_lengths(valley, noise, eta, [1.0, theta_bulk])
    assert p.T2 == T2


@pytest.mark.parametrize(("theta_dom", "T1"), [(2.0, 1.0), (1.0, 0.0)])
def test_T1_when_one_step_reaches_the_floor_above_and_on_it(theta_dom, T1):
    """At eta lam = 1 the dominant mode is at its floor after one step: T1 = 1 from
    above, 0 from exactly on the floor (D_0 = theta^2 = D_inf = sigma^2 = 1)."""
    valley = rv.RiverValley([1.0, 0.5], k=1)
    noise, eta = rv.IsotropicNoise(1.0), 1.0
    assert rv.noise_floor(valley, noise, eta).D == 1.0
    assert rv.phase_lengths(valley, noise, eta, [theta_dom, 1.0]).T1 == T1


def test_a_block_that_starts_without_gradient_has_no_phase():
    """A bulk that starts with zero gradient is below its floor: T2 = 0 (and no 0/0 for
    its curvature); the dominant block's T1 is unaffected."""
    valley = rv.RiverValley([1.0, 0.1, 0.1], k=1)
    noise = rv.IsotropicNoise(0.1)
    p = rv.phase_lengths(valley, noise, 0.5, [10.0, 0.0, 0.0])
    assert p.T2 == 0.0
    floor = rv.noise_floor(valley, noise, 0.5)
    # tolerance: rounding of the logs only (T1 ~ 6 steps)
    assert 100.0 * 0.5 ** (2 * p.T1) == pytest.approx(floor.D, rel=1e-9)


def test_a_block_without_noise_has_no_floor_and_does_not_break_the_other():
    """With noise on one block only, the other block's floor is 0: phase_lengths still
    answers (no division by the zero floor), and the noisy block's length is the
    formula's."""
    valley = rv.RiverValley([1.0, 0.1, 0.1], k=1)
    theta0 = np.array([10.0, 10.0, 10.0])
    bulk_only = BlockNoise(0.1, "bulk")
    p = rv.phase_lengths(valley, bulk_only, 0.5, theta0)
    floor = rv.noise_floor(valley, bulk_only, 0.5)
    assert floor.D == 0.0 and p.T1 == 0.0 and p.chi_min == 0.0
    # tolerance: rounding of the logs only (T2 ~ 70 steps)
    assert 2.0 * 0.95 ** (2 * p.T2) == pytest.approx(floor.B, rel=1e-9)
    dominant_only = BlockNoise(0.1, "dominant")
    p = rv.phase_lengths(valley, dominant_only, 0.5, theta0)
    floor = rv.noise_floor(valley, dominant_only, 0.5)
    assert floor.B == 0.0 and p.T2 == 0.0
    assert 100.0 * 0.5 ** (2 * p.T1) == pytest.approx(floor.D, rel=1e-9)  # as above


def test_a_mode_whose_contraction_rounds_to_one_never_reaches_the_floor():
    """When 1 - eta lam rounds to 1 the mode does not contract at all in floating
    point: the phase it ends is infinite (not a division by a zero rate)."""
    # the slowest dominant mode: eta lam = 1e-325 underflows to 0
    valley = rv.RiverValley([1.0, 1e-320, 1e-321], k=2)
    p = rv.phase_lengths(valley, rv.IsotropicNoise(1.0), 1e-5, [1.0, 1e300, 1.0])
    assert p.T1 == math.inf
    # the bulk: its energy-weighted curvature a_B / B underflows to 0
    valley = rv.RiverValley([1.0, 0.5, 1e-200], k=1)
    p = rv.phase_lengths(valley, rv.IsotropicNoise(1.0), 1.0, [2.0, 0.0, 1e100])
    assert p.T2 == math.inf and p.T1 == 1.0


# ------------------------------------------------------- rv.measured_phase_lengths


def test_T2_is_the_first_step_on_or_above_the_level():
    """T2 is the first step after the minimum with chi >= chi_min + rise (chi_inf -
    chi_min); a curve that touches the level exactly (0.25 + 0.5 * 0.5 = 0.5, exact in
    binary) ends phase 2 there."""
    chi = np.array([1.0, 0.5, 0.25, 0.375, 0.5, 0.625, 0.75])
    assert rv.measured_phase_lengths(chi, 0.75, rise=0.5) == (2, 4)


def test_T2_is_minus_one_when_the_curve_never_gets_there():
    chi = np.array([1.0, 0.5, 0.25, 0.3, 0.35])
    assert rv.measured_phase_lengths(chi, 0.75, rise=0.5) == (2, -1)


@pytest.mark.parametrize("window", [3, 5, 7])
def test_the_running_median_is_centred_and_keeps_the_edges(window):
    """The running median is centred on each step and pads with the edge values: on a
    noisy V whose minimum is at step 20, T1 and T2 are those of an explicit median over
    the window, the curve extended by its first and last values; a one-step dip to 0
    next to the start, which a median must ignore, does not set T1."""
    rng = np.random.default_rng(3)
    t = np.arange(41)
    chi = 0.1 + 0.04 * np.abs(t - 20) + 0.005 * rng.standard_normal(41)
    chi[1] = 0.0  # the dip
    h = window // 2
    ref = np.concatenate([[chi[0]] * h, chi, [chi[-1]] * h])
    ref = np.array([np.median(ref[i : i + window]) for i in t])
    T1 = int(np.argmin(ref))
    assert abs(T1 - 20) <= 1  # the V's bottom (noise may move it a step)
    level = ref[T1] + 0.9 * (0.9 - ref[T1])
    T2 = T1 + int(np.nonzero(ref[T1:] >= level)[0][0])
    assert rv.measured_phase_lengths(chi, 0.9, window=window) == (T1, T2)
    assert rv.measured_phase_lengths(chi, 0.9, window=1).T1 == 1  # the dip, unsmoothed


def test_measured_phase_lengths_bounds_of_rise_and_window():
    """rise lies in the open interval (0, 1) and window is odd and >= 1: the bounds
    are refused on the bound, accepted just inside."""
    chi = np.array([1.0, 0.5, 0.25, 0.5, 0.75])
    for rise in (0.0, 1.0):
        with pytest.raises(ValueError, match="rise"):
            rv.measured_phase_lengths(chi, 0.75, rise=rise)
    assert rv.measured_phase_lengths(chi, 0.75, rise=1 - 2**-52) == (2, 4)
    assert rv.measured_phase_lengths(chi, 0.75, rise=2**-52) == (2, 3)
    for window in (-1, 0, 2):
        with pytest.raises(ValueError, match="window"):
            rv.measured_phase_lengths(chi, 0.75, window=window)
    assert rv.measured_phase_lengths(chi, 0.75, window=1) == (2, 4)
