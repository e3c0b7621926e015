"""The exact critical step size where its scan's far end would mislead the refinement,
and for states so small that its decade search reaches the float range's end.

``exact_critical_step_size`` scans E[chi'] - chi on the grid j 2/(128 lambda_1) and
refines the first upward sign change. These states have their threshold in the first
grid cell while E[chi'] - chi at 2/lambda_1 is positive and larger than at the cell's
upper end: a refinement seeded with that far value instead of the cell's lower end
(where E[chi'] <= chi) would start from two ends of one sign and leave the cell.
Each threshold is checked against the public ``expected_alignment`` on both sides of
the returned root. States of gradient energy down to 1e-307 are checked against the
square-root law from the same state at 1e-40, and one below the float floor raises.
"""

from __future__ import annotations

import math
import sys

import pytest

from rivervalley_lib import (
    IsotropicNoise,
    RiverValley,
    critical_step_size,
    expected_alignment,
    state_with_alignment,
)

K1_SMALL = RiverValley.two_level(d=40, k=1, dominant=10.0, bulk=0.2)
K2_SMALL = RiverValley.two_level(d=40, k=2, dominant=10.0, bulk=1.0)


def _chi(valley, theta):
    g2 = valley.gradient(theta) ** 2
    return float(g2[: valley.k].sum() / g2.sum())


@pytest.mark.parametrize(
    "valley,sigma,chi,energy",
    [
        (K1_SMALL, 0.05, 0.8, 1e-7),
        (K1_SMALL, 1.0, 0.6, 10**-3.5),
        (K2_SMALL, 1.0, 0.6, 1e-3),
    ],
    ids=["k1-sigma0.05", "k1-sigma1", "k2-sigma1"],
)
def test_first_cell_threshold_with_a_high_far_end(valley, sigma, chi, energy):
    """The threshold lies in the first grid cell (1 to 2 units of 2/(128 lambda_1))
    and E[chi'] - chi at 2/lambda_1 is larger than at the cell's upper end (the
    scan's far end, not the cell's lower end, would make a same-sign bracket). The
    result is a root of E[chi'] - chi to 1e-9, inside the cell."""
    noise = IsotropicNoise(sigma)
    theta = state_with_alignment(valley, chi, energy)
    # tolerance: state_with_alignment builds the alignment to rounding (1e-15).
    assert _chi(valley, theta) == pytest.approx(chi, abs=1e-12)
    unit = valley.stability_limit / 128
    f_cell, f_top = expected_alignment(valley, noise, theta, [2 * unit, 128 * unit])
    assert 0 < f_cell - chi < f_top - chi
    eta = critical_step_size(valley, noise, theta, exact=True)
    assert unit < eta < 2 * unit
    # tolerance: the refinement stops at a bracket of 1e-11 of eta or at |f| <= 1e-13
    # chi; on these states |f'| eta >= 1e-4 chi, so the root is within 1e-9 of eta
    # (and the quadrature's own 1e-15 rounding cannot flip a sign 1e-9 away).
    below, above = expected_alignment(
        valley, noise, theta, [eta * (1 - 1e-9), eta * (1 + 1e-9)]
    )
    assert below < chi < above


# The threshold of a noise-dominated small state scales as the square root of its
# gradient energy G (the law of chi' depends on eta^2/G once eta lambda << 1), here
# eta* = 0.566 sqrt(G); the smallest step size whose square is a normal float is the
# decade search's floor.
STEP_FLOOR = math.sqrt(sys.float_info.min)  # 1.49e-154


# lambda_1 = 2e6: the grid's first step is 7.8e-9, and the decade search's last round
# (from 7.8e-153) has just two step sizes above the floor, 7.8e-153 and 7.8e-154; the
# thresholds at G = 3e-295 and 1.25e-295 are 1.55e-153 and 1.0e-153.
STIFF = RiverValley.two_level(d=40, k=1, dominant=2e6, bulk=4e4)


def _threshold(energy, valley=K1_SMALL):
    theta = state_with_alignment(valley, 0.3, energy)
    return critical_step_size(valley, IsotropicNoise(0.05), theta, exact=True)


@pytest.mark.parametrize(
    "valley,energy",
    [(K1_SMALL, 1e-296), (K1_SMALL, 1e-307), (STIFF, 3e-295), (STIFF, 1.25e-295)],
    ids=["1e-296", "1e-307-last-decade", "stiff-last-round", "stiff-last-step"],
)
def test_threshold_of_a_tiny_state_follows_the_square_root_law(valley, energy):
    """Gradient energies near 1e-300 (scale-free, the noise scale is then about 1e147
    times the state's: balanced by a power of two before the quadrature): the
    threshold is sqrt(G / 1e-40) times that of the same state at G = 1e-40 (computed
    with no rescaling at all), quickly and without a warning. At 1e-307 it lies in the
    last decade above the floor; on the stiff valley, in a last round of two steps
    (at 1.25e-295 the threshold is 1.28 times its last step, 7.8e-154)."""
    ref = _threshold(1e-40, valley) / math.sqrt(1e-40)
    eta = _threshold(energy, valley)
    # tolerance: both thresholds are roots refined to 1e-11 (measured agreement
    # 1e-12); the neglected eta lambda ~ 1e-140 is far below. 1e-9 rejects any
    # decade, factor 2 or a root of the noise floor.
    assert eta / math.sqrt(energy) == pytest.approx(ref, rel=1e-9)
    if energy == 1e-307:
        assert STEP_FLOOR < eta < 10 * STEP_FLOOR


def test_threshold_below_the_float_floor_raises_naming_the_floor():
    """G = 1e-308: the threshold (0.566e-154) is below the smallest step size whose
    square is a normal float, so the decade search stops there with an
    ArithmeticError naming that floor (before the fix it flooded warnings and ran
    for minutes)."""
    with pytest.raises(ArithmeticError, match=f"{STEP_FLOOR:g}"):
        _threshold(1e-308)
