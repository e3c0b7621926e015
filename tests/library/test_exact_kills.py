"""The exact critical step size where its scan's far end would mislead the refinement.

``exact_critical_step_size`` scans E[chi'] - chi on the grid j 2/(128 lambda_1) and
refines the first upward sign change. These states have their threshold in the first
grid cell while E[chi'] - chi at 2/lambda_1 is positive and larger than at the cell's
upper end: a refinement seeded with that far value instead of the cell's lower end
(where E[chi'] <= chi) would start from two ends of one sign and leave the cell.
Each threshold is checked against the public ``expected_alignment`` on both sides of
the returned root.
"""

from __future__ import annotations

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
