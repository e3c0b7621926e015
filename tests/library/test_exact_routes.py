"""The exact critical step size: its root-finder and its scans, route by route.

``_refine`` (regula falsi with a bisection every third step) is checked on
functions whose root is known in closed form, with each stopping rule made the one that
acts, and by the number of evaluations it needs. ``exact_critical_step_size`` is checked
on states chosen so that each branch (the grid scan at its first cell, the decade search
below the grid, chi = 0, chi = 1, no crossing) decides one row, against the public
``expected_alignment`` on both sides of the returned root.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rivervalley_lib import (
    IsotropicNoise,
    RiverValley,
    critical_step_size,
    expected_alignment,
    state_with_alignment,
)
from rivervalley_lib.theory import _exact

CH4_VALLEY = RiverValley.two_level(d=400, k=4, dominant=10.0, bulk=0.2)
CH4_NOISE = IsotropicNoise(0.05)
K1_VALLEY = RiverValley.two_level(d=400, k=1, dominant=10.0, bulk=0.2)


class _Counted:
    """A stand-in for the ``laplace`` callable: E[chi'] = chi + f(eta), recording
    every step size it is asked for (one list per call)."""

    def __init__(self, f, chi):
        self.f, self.chi, self.calls = f, np.asarray(chi, dtype=float), []

    def __call__(self, eta, rows):
        self.calls.append(np.array(eta, dtype=float))
        return self.chi[rows] + self.f(np.asarray(eta, dtype=float), rows)

    @property
    def evaluations(self) -> int:
        return sum(c.size for c in self.calls)


def _refine(f, a, b, chi):
    """Run _refine on f over the brackets [a, b] (one row each) with a counter."""
    a, b = np.atleast_1d(np.asarray(a, float)), np.atleast_1d(np.asarray(b, float))
    chi = np.broadcast_to(np.asarray(chi, float), a.shape).copy()
    rows = np.arange(a.size)
    lap = _Counted(f, chi)
    fa, fb = f(a, rows), f(b, rows)
    return _exact._refine(lap, rows, a, b, fa, fb, chi), lap


def _step(x0, low, high):
    """f = low < 0 below x0 and high > 0 from x0 on: no |f| is ever small, so only
    the bracket rule can stop the refinement."""
    x0 = np.atleast_1d(np.asarray(x0, float))
    return lambda eta, rows: np.where(eta >= x0[rows], high, low)


def _halvings(a, b, x0):
    """Bisections that bring [a, b] below 1e-11 of a step size >= x0."""
    return math.ceil(math.log2((b - a) / (1e-11 * x0)))


def test_a_bracket_whose_lower_end_is_a_root_returns_it_without_evaluating():
    """f(a) = 0 exactly: the lower end is the root, returned as it is, with no
    evaluation of E[chi'] (whatever f does inside the bracket)."""
    f = lambda eta, rows: eta - 0.25  # noqa: E731
    a, b = np.array([0.25, 0.1]), np.array([0.7, 0.9])
    out, lap = _refine(f, a[:1], b[:1], 0.4)
    assert out[0] == 0.25 and lap.evaluations == 0
    # The same row in a batch with a live row: the live row alone is evaluated.
    out, lap = _refine(f, a, b, 0.4)
    assert out[0] == 0.25
    assert all(c.size == 1 for c in lap.calls)
    # tolerance: a linear f is solved by regula falsi to rounding (1e-15 absolute).
    assert out[1] == pytest.approx(0.25, abs=1e-15)


def test_a_linear_function_is_solved_by_the_first_secant_step():
    """The first step of a bracket is a secant (regula falsi), not a bisection: on a
    linear f it lands on the root, so one evaluation settles the row. Here the
    midpoint of [0.1, 0.9] is 0.5, not the root 0.25: bisecting first would need
    more evaluations."""
    f = lambda eta, rows: eta - 0.25  # noqa: E731
    out, lap = _refine(f, np.array([0.1]), np.array([0.9]), 0.4)
    # tolerance: the secant of a linear f is its root up to rounding (1e-15 absolute).
    assert out[0] == pytest.approx(0.25, abs=1e-15)
    assert lap.evaluations == 1


@pytest.mark.parametrize(
    "a,b,x0",
    [(0.1, 1.0, 0.3371), (0.001, 0.2, 0.0123), (1e-7, 1e-6, 3.3e-7)],
)
def test_bracket_rule_on_a_step_function(a, b, x0):
    """A jump from -1 to +1 at x0 (|f| never small): the result is within 1e-11 of
    itself above the root, and the evaluations are at most three per halving of the
    bracket (every third step bisects, and no step widens the bracket)."""
    out, lap = _refine(_step(x0, -0.25, 0.25), a, b, 0.5)
    # tolerance: the bracket rule's own 1e-11 of the step size: b >= x0 > a and
    # b - a <= 1e-11 b, so x0 <= b <= x0 / (1 - 1e-11).
    assert x0 <= out[0] <= x0 * (1 + 1e-11) / (1 - 1e-11)
    assert lap.evaluations <= 3 * _halvings(a, b, x0)


@pytest.mark.parametrize("high", [1e6, 1e12])
def test_bisection_bounds_the_evaluations_when_regula_falsi_stalls(high):
    """A jump from -1e-6 to +high: regula falsi alone creeps from the low end (each
    secant step moves a by (b - a)/high); the bisection every third step still
    halves the bracket at least once per three evaluations, so the count stays within
    3 per halving."""
    a, b, x0 = 0.01, 0.2, 0.1234
    out, lap = _refine(_step(x0, -1e-6, high), a, b, 0.5)
    # tolerance: the bracket rule's 1e-11 of the step size, as for the +-1 jump.
    assert x0 <= out[0] <= x0 * (1 + 1e-11) / (1 - 1e-11)
    assert lap.evaluations <= 3 * _halvings(a, b, x0)


def test_a_bracket_already_at_the_tolerance_is_returned_unevaluated():
    """The bracket rule is 'stop once b - a <= 1e-11 b': a bracket exactly that wide
    (on the boundary) is returned as b with no evaluation; one just wider is refined."""
    # b near 2^-37 / 1e-11 with 1e-11 b = 2^-37 exactly (found among b's neighbours);
    # b is in [0.5, 1), whose spacing 2^-53 divides 2^-37, so b - a = 2^-37 exactly.
    w = 2.0**-37
    b = next(
        x
        for x in w / 1e-11 + 2.0**-53 * np.arange(-8, 9)
        if 1e-11 * x == w and x - (x - w) == w
    )
    a = b - w
    f = _step(0.5 * (a + b), -0.25, 0.25)
    out, lap = _refine(f, a, b, 0.5)
    assert out[0] == b and lap.evaluations == 0
    out, lap = _refine(f, a - 1e-11 * b, b, 0.5)
    assert lap.evaluations >= 1


def _cubic(x0):
    """f = (eta - x0)^3: flat at the root, so |f| <= 1e-13 chi far before the bracket
    is 1e-11 wide: the |f| rule acts."""
    return lambda eta, rows: (eta - x0) ** 3


def test_small_f_rule_returns_the_first_point_where_f_is_below_the_accuracy():
    """|f| <= 1e-13 chi ends a row at that point: the result is the first evaluated
    step size with |f| <= 1e-13 chi, and nothing is evaluated after it."""
    chi, x0 = 0.5, 0.4
    out, lap = _refine(_cubic(x0), 0.0, 1.0, chi)
    etas = np.concatenate(lap.calls)
    small = np.abs((etas - x0) ** 3) <= 1e-13 * chi
    assert small[-1] and not small[:-1].any()
    assert out[0] == etas[-1]
    # tolerance: |eta - x0|^3 = |f| <= 1e-13 chi at the returned point, by the rule.
    # the bracket rule alone would need 1e-11 of the step size: the |f| rule stopped
    # it well before, at |eta - x0| <= (5e-14)^(1/3) = 3.7e-5.
    assert abs(out[0] - x0) <= (1e-13 * chi) ** (1 / 3)


def test_small_f_rule_acts_on_its_boundary():
    """|f| exactly 1e-13 chi (the boundary of the |f| rule) ends the row at once: the
    first evaluated point is returned."""
    # chi = 2^-44 / 1e-13 makes 1e-13 chi = 2^-44 exactly, and chi + 2^-44 - chi is
    # exact (chi is in [0.5, 1), whose spacing 2^-53 divides 2^-44).
    tol, chi = 2.0**-44, 2.0**-44 / 1e-13
    assert 1e-13 * chi == tol and (chi + tol) - chi == tol

    # A linear f through (0.25, -1) and (0.75, 1): the secant hits 0.5 first (exact in
    # binary); f there is exactly 1e-13 chi after the laplace stand-in adds chi and
    # _refine removes it. Just above the boundary the row goes on.
    def f(eta, rows):
        return np.where(eta == 0.5, tol, (eta - 0.5) * 4.0)

    out, lap = _refine(f, 0.25, 0.75, chi)
    assert lap.evaluations == 1 and out[0] == 0.5
    out, lap = _refine(
        lambda e, r: np.where(e == 0.5, 2 * tol, (e - 0.5) * 4.0), 0.25, 0.75, chi
    )
    assert lap.evaluations > 1


def test_rows_stop_by_their_own_rule_in_one_batch():
    """A batch of an f(a) = 0 row, a step (bracket rule) and a cubic (|f| rule): each
    row gets what it gets alone."""

    def f(eta, rows):
        step = np.where(eta >= 0.3371, 0.25, -0.25)
        return np.select([rows == 0, rows == 1], [eta - 0.25, step], (eta - 0.4) ** 3)

    a, b = np.array([0.25, 0.1, 0.0]), np.array([0.7, 1.0, 1.0])
    out, _ = _refine(f, a, b, 0.5)
    assert out[0] == 0.25
    # tolerance: the bracket rule's 1e-11 of the step size (the step row).
    assert 0.3371 <= out[1] <= 0.3371 * (1 + 1e-11) / (1 - 1e-11)
    alone, _ = _refine(_cubic(0.4), 0.0, 1.0, 0.5)
    assert out[2] == alone[0]


def _counting_refine(monkeypatch):
    """Wrap _exact._refine so that each call's laplace evaluations are counted per
    row (a row is evaluated at most once per call of laplace)."""
    calls = []
    original = _exact._refine

    def wrapper(laplace, rows, *rest):
        def counted(eta, r):
            calls.append(np.array(r))
            return laplace(eta, r)

        return original(counted, rows, *rest)

    monkeypatch.setattr(_exact, "_refine", wrapper)
    return calls


def _assert_root(valley, noise, theta, eta):
    """E[chi'] - chi changes sign across [eta (1 - 1e-9), eta (1 + 1e-9)]."""
    chi = float(
        (valley.gradient(theta)[: valley.k] ** 2).sum()
        / (valley.gradient(theta) ** 2).sum()
    )
    # tolerance: the refinement stops at a bracket of 1e-11 of eta or at |f| <= 1e-13
    # chi, which with |f'| eta >= 1e-3 chi on these states is within 1e-10 of eta;
    # 1e-9 leaves room for the public routine's own quadrature rounding (1e-15) and
    # rejects any root off by more than 1e-9 relative.
    below, above = expected_alignment(
        valley, noise, theta, [eta * (1 - 1e-9), eta * (1 + 1e-9)]
    )
    assert below < chi < above


def test_chapter_4_states_need_few_evaluations(monkeypatch):
    """Four chapter-4 states (chi = 0.1, 0.3, 0.6, 0.9): each threshold is a root to
    1e-9, and each row is refined in at most 15 evaluations. The bracket from the scan
    is one grid cell (1/128 of 2/lambda_1) and the goal 1e-11 of the step size:
    bisection alone needs about 30 halvings; the secant steps converge superlinearly,
    5-7 evaluations here (the same as with an Illinois halving of a stalled end,
    which a bisection every third step makes unnecessary on these smooth functions)."""
    calls = _counting_refine(monkeypatch)
    chis = (0.1, 0.3, 0.6, 0.9)
    thetas = np.stack([state_with_alignment(CH4_VALLEY, c, 0.05) for c in chis])
    out = critical_step_size(CH4_VALLEY, CH4_NOISE, thetas, exact=True)
    per_row = np.bincount(np.concatenate(calls), minlength=len(chis))
    # tolerance: 15 is half of bisection's 30 and twice the 5-7 measured
    assert per_row.max() <= 15
    for theta, eta in zip(thetas, out, strict=True):
        _assert_root(CH4_VALLEY, CH4_NOISE, theta, eta)


@pytest.mark.parametrize(
    "energy,lo,hi",
    [
        (7e-6, 1.0, 2.0),  # the first grid cell: between 2/(128 l1) and 2 * that
        (3e-7, 0.1, 1.0),  # the first decade below the grid
        (2e-9, 0.01, 0.1),  # the second decade below the grid
    ],
)
def test_threshold_in_the_first_cell_and_the_first_decades(energy, lo, hi):
    """k = 1 valley, chi = 0.3, sigma = 0.05: small gradient energies put the threshold
    in the first grid cell or below the grid (in units of 2/(128 lambda_1), the
    threshold is in [lo, hi]); it is a root of E[chi'] - chi to 1e-9 there."""
    theta = state_with_alignment(K1_VALLEY, 0.3, energy)
    unit = K1_VALLEY.stability_limit / 128
    eta = critical_step_size(K1_VALLEY, CH4_NOISE, theta, exact=True)
    assert lo * unit < eta < hi * unit
    _assert_root(K1_VALLEY, CH4_NOISE, theta, eta)


def test_mixed_batch_one_row_per_branch():
    """One batch: chi = 0 with a noisy dominant block (0.0), chi = 1 (inf), a state
    with no crossing below 2/lambda_1 (inf), one crossing in the grid, one in the
    first cell, one below the grid. Each row equals its own call; the finite ones are
    roots."""
    cases = [
        (0.0, 0.05),
        (1.0, 0.05),
        (0.6, 0.05),
        (0.3, 0.05),
        (0.3, 7e-6),
        (0.3, 3e-7),
    ]
    thetas = np.stack([state_with_alignment(K1_VALLEY, c, e) for c, e in cases])
    out = critical_step_size(K1_VALLEY, CH4_NOISE, thetas, exact=True)
    assert out[0] == 0.0 and out[1] == math.inf and out[2] == math.inf
    for theta, eta in zip(thetas[3:], out[3:], strict=True):
        assert 0 < eta < K1_VALLEY.stability_limit
        _assert_root(K1_VALLEY, CH4_NOISE, theta, eta)
    apart = [critical_step_size(K1_VALLEY, CH4_NOISE, t, exact=True) for t in thetas]
    # tolerance: batch and single calls refine the same brackets; the quadrature grid
    # differs (it covers every row), so values differ by rounding (1e-15), which moves
    # the root by far less than 1e-10.
    np.testing.assert_allclose(out, apart, rtol=1e-10)


def test_chi_zero_without_dominant_noise_never_rises():
    """chi = 0 and no noise on the dominant block: D' = 0 for every step, so E[chi']
    = 0 = chi never rises above chi: inf (with a noisy dominant block: 0.0)."""
    from rivervalley_lib import CurvatureNoise

    theta = state_with_alignment(K1_VALLEY, 0.0, 0.05)
    assert (
        critical_step_size(K1_VALLEY, IsotropicNoise(0.0), theta, exact=True)
        == math.inf
    )
    assert critical_step_size(K1_VALLEY, CurvatureNoise(0.05), theta, exact=True) == 0.0


def test_threshold_many_decades_below_the_grid(monkeypatch):
    """Gradient energy 1e-80 (k = 1 valley, chi = 0.3): the threshold scales as the
    square root of the energy, about 1e-38 of 2/(128 lambda_1), so the decade search
    must go on past its first rounds of 16 decades; it is a root to 1e-9 there. Each
    round starts where the last one ended: 38 decades take three rounds of 17 step
    sizes (after the grid's 128), not one round per decade."""
    theta = state_with_alignment(K1_VALLEY, 0.3, 1e-80)
    unit = K1_VALLEY.stability_limit / 128
    sizes = []  # the step sizes of each quadrature: the grid, then one per round
    laplace_for = _exact._laplace_for

    def counted(coords, etas, rows):
        sizes.append(etas.size)
        return laplace_for(coords, etas, rows)

    monkeypatch.setattr(_exact, "_laplace_for", counted)
    eta = critical_step_size(K1_VALLEY, CH4_NOISE, theta, exact=True)
    monkeypatch.undo()
    assert sizes == [128, 17, 17, 17]
    # tolerance: a bracket of two decades around the sqrt(energy) scaling (4.3e-38
    # units measured); the root itself is checked to 1e-9 below.
    assert 1e-40 * unit < eta < 1e-36 * unit
    _assert_root(K1_VALLEY, CH4_NOISE, theta, eta)


def test_refinement_gives_up_after_200_evaluations():
    """A bracket 1e290 times wider than its root, with a jump from -0.4 to +1e-12 (no
    |f| is small, and each secant step lands next to b): the bisections alone would
    need about 960 halvings; the refinement stops at its budget of 200 evaluations,
    not yet at 1e-11, and returns the bracket end where f > 0."""
    out, lap = _refine(_step(1e-290, -0.4, 1e-12), 1e-300, 1.0, 0.5)
    assert lap.evaluations == 200
    # tolerance: not converged (b - a > 1e-11 b), so b lies strictly above the root by
    # more than the bracket rule's 1e-11, and below the initial b.
    assert 1e-290 * (1 + 1e-11) < out[0] < 1.0
