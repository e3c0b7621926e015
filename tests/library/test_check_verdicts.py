"""The exercise checks' printed verdicts, their input validation and their tolerances.

Each check prints exactly one line: ``✓ <what>: correct.``, ``✗ <what>: not yet.
Hint: <hint>`` or ``✗ <what>: <why the answer is not a number>``. These tests claim
that the line names the exercise (and, for a pair or a bracket, which part of the
answer is wrong) and gives the hint that fits the mistake; that the exercise's own
inputs are validated before the answer is judged (a bad input raises even for a
non-numeric answer); and that every tolerance acts exactly on its stated boundary.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import rivervalley_lib as rv
from rivervalley_lib import check

# A two-level valley without noise: eta* = 0.5 exactly, since |1 - 3 eta| = |1 - eta|
# there, and the energy ratio after one step equals the alignment exactly at eta*.
TWO = rv.RiverValley.two_level(d=10, k=2, dominant=3.0, bulk=1.0)
QUIET = rv.IsotropicNoise(0.0)
ONES = np.ones(10)
SMALL, SMALL_NOISE = rv.RiverValley([4.0, 1.0], k=1), rv.IsotropicNoise(1.0)
RUN = rv.simulate(SMALL, SMALL_NOISE, 0.25, 2000, [1.0, 1.0], seeds=200, rng=0)
H4 = np.diag([3.0, 3.0, 1.0, 1.0])
G4 = H4 @ np.array([1.0, -0.5, 2.0, 0.5])


def _hvp(v):
    return H4 @ v


def _line(capsys) -> str:
    """The one line a check printed (the test fails if it printed more or less)."""
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.endswith("\n"), out
    return out[:-1]


def _ratio(run, last):
    D, B = np.asarray(run.D, float), np.asarray(run.B, float)
    D, B = D[..., -last:].mean(), B[..., -last:].mean()
    return float(D / (D + B))


# --- the printed line names the exercise ---------------------------------------------

NOT_A_NUMBER = [
    ("critical step size", lambda a: check.critical_step_size(a, TWO, QUIET, ONES)),
    ("plateau chi_inf", lambda a: check.noise_floor_plateau(a, SMALL, QUIET, 0.25)),
    (
        "simulated plateau",
        lambda a: check.simulated_plateau(
            a, SMALL, SMALL_NOISE, 0.25, run=RUN, last=10
        ),
    ),
    (
        "expected loss change",
        lambda a: check.expected_loss_change(a, SMALL, QUIET, [1.0, 1.0], 0.25),
    ),
    ("stochastic alignment", lambda a: check.stochastic_alignment(a, TWO, QUIET, ONES)),
    (
        "initialization scale of the collapse",
        lambda a: check.collapse_scale(a, SMALL, SMALL_NOISE, 0.25),
    ),
    (
        "local critical step size",
        lambda a: check.local_critical_step_size(a, G4, _hvp, 2),
    ),
    ("alignment", lambda a: check.local_alignment(a, G4, _hvp, 2)),
    (
        "eta* bracket (lo)",
        lambda a: check.bisection_bracket(a, 0.6, TWO, QUIET, ONES),
    ),
    (
        "eta* bracket (hi)",
        lambda a: check.bisection_bracket(0.4, a, TWO, QUIET, ONES),
    ),
    (
        "projection thresholds (eta_D)",
        lambda a: check.projection_thresholds((a, 2.0), SMALL, QUIET, [1.0, 1.0]),
    ),
    (
        "projection thresholds (eta_B)",
        lambda a: check.projection_thresholds((0.5, a), SMALL, QUIET, [1.0, 1.0]),
    ),
]


@pytest.mark.parametrize("what,call", NOT_A_NUMBER, ids=[c[0] for c in NOT_A_NUMBER])
def test_a_non_numeric_answer_is_refused_on_a_line_naming_the_exercise(
    what, call, capsys
):
    """A string answer fails with one line that names the exercise (and the part of a
    pair or bracket that is not a number), not with an exception."""
    assert call("0.5") is False
    assert _line(capsys) == (
        f"✗ {what}: the answer should be a single real number, got str."
    )


# --- the hint fits the mistake -------------------------------------------------------


def _mc(mean, half):
    """Two Monte Carlo loss changes with the given mean and standard error ``half``:
    ``[mean - h, mean + h]`` has sample std ``h*sqrt(2)``, so se = h exactly."""
    return np.array([mean - half, mean + half])


SHORT = rv.simulate(SMALL, SMALL_NOISE, 0.25, 3, [30.0, 30.0], seeds=4, rng=0)
REG = rv.RegressionNoise(batch_size=4, label_noise=0.1)
DOM = {"projection": "dominant"}
# With the noise-free SMALL valley at (1, 1) and eta = 0.25, Dom-SGD changes the loss by
# exactly -eta*D + eta^2/2 * a_D = -0.25*16 + 0.03125*64 = -2; eta_D = 0.5, eta_B = 2.
HINTS = [
    (
        "critical step size, state-dependent noise",
        lambda: check.critical_step_size(0.1, TWO, REG, ONES),
        "critical step size",
        "solve E[D']/(E[D'] + E[B']) = D/(D+B) for eta; the noise terms n_D/D",
    ),
    (
        "projection thresholds, both off",
        lambda: check.projection_thresholds((0.6, 2.4), SMALL, QUIET, [1.0, 1.0]),
        "projection thresholds",
        "both are off: E[Delta L_X]",
    ),
    (
        "projection thresholds, eta_D off",
        lambda: check.projection_thresholds((0.6, 2.0), SMALL, QUIET, [1.0, 1.0]),
        "projection thresholds",
        "eta_D is off: did you include the noise term t_D",
    ),
    (
        "projection thresholds, eta_B off",
        lambda: check.projection_thresholds((0.5, 2.4), SMALL, QUIET, [1.0, 1.0]),
        "projection thresholds",
        "eta_B is off: did you include the noise term t_B",
    ),
    (
        "expected loss change, right sign",
        lambda: check.expected_loss_change(-1.0, SMALL, QUIET, [1.0, 1.0], 0.25, **DOM),
        "expected loss change",
        "a projected step moves only its own block loss",
    ),
    (
        "expected loss change, wrong sign",
        lambda: check.expected_loss_change(2.0, SMALL, QUIET, [1.0, 1.0], 0.25, **DOM),
        "expected loss change",
        "the sign is wrong: compare eta with the block's threshold",
    ),
    (
        "expected loss change, not the sample mean",
        lambda: check.expected_loss_change(
            -2.0, SMALL, QUIET, [1.0, 1.0], 0.25, samples=_mc(-1.0, 4.0), **DOM
        ),
        "expected loss change",
        "the answer should be the mean of the Monte Carlo loss changes",
    ),
    (
        "expected loss change, samples off",
        lambda: check.expected_loss_change(
            18.0, SMALL, QUIET, [1.0, 1.0], 0.25, samples=_mc(18.0, 4.0), **DOM
        ),
        "expected loss change",
        "the Monte Carlo mean is more than five standard errors off",
    ),
    (
        "simulated plateau, run too short",
        lambda: check.simulated_plateau(
            _ratio(SHORT, 2), SMALL, SMALL_NOISE, 0.25, run=SHORT, last=2
        ),
        "simulated plateau",
        "your run's plateau is off the theory: make sure the run is long enough",
    ),
    (
        "bracket, lo = hi",
        lambda: check.bisection_bracket(0.5, 0.5, TWO, QUIET, ONES),
        "eta* bracket",
        "the bracket should satisfy 0 < lo < hi < inf.",
    ),
    (
        "bracket, lo = 0",
        lambda: check.bisection_bracket(0.0, 0.5, TWO, QUIET, ONES),
        "eta* bracket",
        "the bracket should satisfy 0 < lo < hi < inf.",
    ),
    (
        "bracket, below eta*",
        lambda: check.bisection_bracket(0.3, 0.3000001, TWO, QUIET, ONES),
        "eta* bracket",
        "the energy ratio should fall at lo and rise at hi",
    ),
    (
        "bracket, too wide",
        lambda: check.bisection_bracket(0.4, 0.6, TWO, QUIET, ONES),
        "eta* bracket",
        "the bracket is still wide: keep halving it",
    ),
    (
        "local critical step size",
        lambda: check.local_critical_step_size(0.4, G4, _hvp, 2),
        "local critical step size",
        "rotate into the Hessian's eigenbasis",
    ),
    (
        "local alignment",
        lambda: check.local_alignment(0.5, G4, _hvp, 2),
        "alignment",
        "project the full-batch gradient on the top-k eigenvectors U",
    ),
]


@pytest.mark.parametrize("name,call,what,hint", HINTS, ids=[c[0] for c in HINTS])
def test_a_wrong_answer_gets_the_hint_of_its_mistake(name, call, what, hint, capsys):
    """The ✗ line names the exercise and starts its hint with the advice for this
    mistake (and not the hint of another branch: the sign hint only for a wrong
    sign)."""
    assert call() is False
    line = _line(capsys)
    assert line.startswith(f"✗ {what}: not yet. Hint: {hint}"), line
    if "right sign" in name:
        assert "sign is wrong" not in line


# --- the exercise's inputs are validated before the answer is judged ------------------

BAD_INPUTS = [
    ("critical_step_size noise", lambda: check.critical_step_size("x", TWO, 1, ONES)),
    (
        "critical_step_size theta",
        lambda: check.critical_step_size("x", TWO, QUIET, [1.0]),
    ),
    ("noise_floor_plateau valley", lambda: check.noise_floor_plateau("x", 1, QUIET, 1)),
    ("noise_floor_plateau noise", lambda: check.noise_floor_plateau("x", TWO, 1, 0.1)),
    ("noise_floor_plateau eta", lambda: check.noise_floor_plateau("x", TWO, QUIET, 0)),
    ("bisection_bracket noise", lambda: check.bisection_bracket("x", 1, TWO, 1, ONES)),
    ("collapse_scale noise", lambda: check.collapse_scale("x", TWO, 1, 0.1)),
    ("collapse_scale eta", lambda: check.collapse_scale("x", TWO, QUIET, -0.1)),
    (
        "collapse_scale steps = 1",
        lambda: check.collapse_scale("x", TWO, QUIET, 0.1, steps=1),
    ),
    (
        "collapse_scale steps = 10**6 + 1",
        lambda: check.collapse_scale("x", TWO, QUIET, 0.1, steps=10**6 + 1),
    ),
    (
        "collapse_scale factor = 1",
        lambda: check.collapse_scale("x", TWO, QUIET, 0.1, factor=1.0),
    ),
    (
        "collapse_scale factor above 100",
        lambda: check.collapse_scale("x", TWO, QUIET, 0.1, factor=100.5),
    ),
    (
        "local_critical_step_size gradient",
        lambda: check.local_critical_step_size("x", 1.0, _hvp, 2),
    ),
    (
        "local_critical_step_size hvp",
        lambda: check.local_critical_step_size("x", G4, H4, 2),
    ),
    (
        "local_critical_step_size k",
        lambda: check.local_critical_step_size("x", G4, _hvp, 0),
    ),
    ("local_alignment gradient", lambda: check.local_alignment("x", 1.0, _hvp, 2)),
    ("local_alignment hvp", lambda: check.local_alignment("x", G4, H4, 2)),
    ("local_alignment k", lambda: check.local_alignment("x", G4, _hvp, 0)),
    (
        "expected_loss_change noise",
        lambda: check.expected_loss_change("x", SMALL, 1, [1.0, 1.0], 0.25),
    ),
    (
        "expected_loss_change theta",
        lambda: check.expected_loss_change("x", SMALL, QUIET, [1.0], 0.25),
    ),
    (
        "expected_loss_change eta",
        lambda: check.expected_loss_change("x", SMALL, QUIET, [1.0, 1.0], 0.0),
    ),
    (
        "expected_loss_change projection",
        lambda: check.expected_loss_change(
            "x", SMALL, QUIET, [1.0, 1.0], 0.25, projection="sideways"
        ),
    ),
    (
        "expected_loss_change samples 2-D",
        lambda: check.expected_loss_change(
            "x", SMALL, QUIET, [1.0, 1.0], 0.25, samples=np.ones((2, 2))
        ),
    ),
    (
        "expected_loss_change one sample",
        lambda: check.expected_loss_change(
            "x", SMALL, QUIET, [1.0, 1.0], 0.25, samples=[1.0]
        ),
    ),
    (
        "critical_step_size rtol = 1",
        lambda: check.critical_step_size("x", TWO, QUIET, ONES, rtol=1.0),
    ),
    (
        "noise_floor_plateau rtol < 0",
        lambda: check.noise_floor_plateau("x", TWO, QUIET, 0.1, rtol=-1e-9),
    ),
    (
        "stochastic_alignment rtol = 1",
        lambda: check.stochastic_alignment("x", TWO, QUIET, ONES, rtol=1.0),
    ),
    (
        "local_critical_step_size rtol = 1",
        lambda: check.local_critical_step_size("x", G4, _hvp, 2, rtol=1.0),
    ),
    (
        "local_alignment rtol NaN",
        lambda: check.local_alignment("x", G4, _hvp, 2, rtol=math.nan),
    ),
    (
        "simulated_plateau last beyond the run",
        lambda: check.simulated_plateau(
            "x", SMALL, SMALL_NOISE, 0.25, run=RUN, last=RUN.D.shape[1] + 1
        ),
    ),
]


@pytest.mark.parametrize("name,call", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_a_bad_exercise_input_raises_even_for_a_non_numeric_answer(name, call, capsys):
    """The exercise's own inputs are checked first: a bad one raises TypeError or
    ValueError instead of a verdict on the (here non-numeric) answer."""
    with pytest.raises((TypeError, ValueError)):
        call()
    assert capsys.readouterr().out == ""


GOOD_EDGES = [
    (
        "collapse_scale steps = 2",
        lambda: check.collapse_scale("x", TWO, QUIET, 0.1, steps=2),
    ),
    (
        "collapse_scale steps = 10**6",
        lambda: check.collapse_scale("x", TWO, QUIET, 0.1, steps=10**6),
    ),
    (
        "collapse_scale factor just above 1",
        lambda: check.collapse_scale("x", TWO, QUIET, 0.1, factor=1.0 + 1e-12),
    ),
    (
        "collapse_scale factor = 100",
        lambda: check.collapse_scale("x", TWO, QUIET, 0.1, factor=100.0),
    ),
    (
        "critical_step_size rtol = 0",
        lambda: check.critical_step_size("x", TWO, QUIET, ONES, rtol=0.0),
    ),
    (
        "stochastic_alignment rtol just below 1",
        lambda: check.stochastic_alignment("x", TWO, QUIET, ONES, rtol=1 - 2**-53),
    ),
    (
        "expected_loss_change two samples",
        lambda: check.expected_loss_change(
            "x", SMALL, QUIET, [1.0, 1.0], 0.25, samples=[1.0, 2.0]
        ),
    ),
    (
        "simulated_plateau last = 1",
        lambda: check.simulated_plateau("x", SMALL, SMALL_NOISE, 0.25, run=RUN, last=1),
    ),
    (
        "simulated_plateau last = the whole run",
        lambda: check.simulated_plateau(
            "x", SMALL, SMALL_NOISE, 0.25, run=RUN, last=RUN.D.shape[1]
        ),
    ),
]


@pytest.mark.parametrize("name,call", GOOD_EDGES, ids=[c[0] for c in GOOD_EDGES])
def test_an_exercise_input_on_its_bound_is_accepted(name, call, capsys):
    """On (or just inside) its documented bound an input is accepted: the check goes on
    to judge the answer, here a string, with a printed ✗."""
    assert call() is False
    assert "should be a single real number" in _line(capsys)


# --- each tolerance acts on its boundary ---------------------------------------------


def test_the_bracket_is_probed_one_pad_outside_its_ends(capsys):
    """The energy ratio is evaluated ``0.1 * rtol * hi`` outside the bracket: a bracket
    whose lower end misses eta* = 0.5 by half a pad still straddles it, one that misses
    it by two pads does not."""
    # tolerance: the check's pad (0.1 rtol hi): half a pad passes, two pads fail.
    rtol = 1e-6
    pad = 0.1 * rtol * 0.5  # about 5e-8, since hi is about 0.5
    width = 0.5 * rtol * 0.5
    lo = 0.5 + 0.5 * pad
    assert check.bisection_bracket(lo, lo + width, TWO, QUIET, ONES, rtol=rtol)
    lo = 0.5 + 2 * pad
    assert not check.bisection_bracket(lo, lo + width, TWO, QUIET, ONES, rtol=rtol)
    out = capsys.readouterr().out
    assert out.startswith("✓") and "fall at lo and rise at hi" in out


def _landing(end, pad, sign):
    """The float ``x`` near ``end`` with ``x + sign * pad == end`` exactly."""
    x = end - sign * pad
    for _ in range(64):
        s = x + sign * pad
        if s == end:
            return x
        x = np.nextafter(x, -np.inf if s > end else np.inf)
    raise AssertionError("no float lands the probe exactly on eta*")


def test_a_bracket_whose_probe_lands_exactly_on_eta_star_does_not_straddle_it(capsys):
    """At eta* itself the energy ratio equals the alignment (neither falls nor rises),
    so a bracket whose padded end is exactly eta* = 0.5 is refused: strict inequalities
    on both sides."""
    rtol = 1e-6
    chi = rv.alignment(TWO, ONES)
    # the premise: at eta* the one-step energy ratio is the alignment, to the last bit
    # tolerance: none; the boundary case needs the ratio at eta* to be bit-exact
    assert rv.energy_ratio_step(TWO, QUIET, ONES, 0.5) == chi
    # hi just below eta*, its probe hi + 0.1*rtol*hi exactly on 0.5
    hi = 0.5 / (1 + 0.1 * rtol)
    hi = _landing(0.5, 0.1 * rtol * hi, +1)
    assert hi + 0.1 * rtol * hi == 0.5
    assert not check.bisection_bracket(hi * (1 - rtol), hi, TWO, QUIET, ONES, rtol=rtol)
    # lo just above eta*, its probe lo - 0.1*rtol*hi exactly on 0.5
    hi = 0.5 * (1 + rtol / 2)
    lo = _landing(0.5, 0.1 * rtol * hi, -1)
    assert lo - 0.1 * rtol * hi == 0.5 and hi - lo <= rtol * hi
    assert not check.bisection_bracket(lo, hi, TWO, QUIET, ONES, rtol=rtol)
    out = capsys.readouterr().out
    assert out.count("fall at lo and rise at hi") == 2


def test_the_bracket_width_bound_is_inclusive_and_relative_to_hi(capsys):
    """A bracket exactly ``rtol * hi`` wide passes; one 1.5 times as wide fails (hi is
    about 0.5, so a bound of rtol/hi or rtol would let it through)."""
    rtol = 2.0**-20
    hi = 0.5 + 2.0**-22
    lo = hi - rtol * hi  # exact in binary: hi - lo == rtol * hi
    assert hi - lo == rtol * hi  # tolerance: none; powers of two make it exact
    assert check.bisection_bracket(lo, hi, TWO, QUIET, ONES, rtol=rtol)
    lo = hi - 1.5 * rtol * hi
    assert not check.bisection_bracket(lo, hi, TWO, QUIET, ONES, rtol=rtol)
    out = capsys.readouterr().out
    assert out.startswith("✓") and "still wide" in out


def _collapse_reference(lam, s, k, eta, steps, grid):
    """The smallest grid scale c whose expected gradient energies from c*(1, ..., 1)
    dip below half the floor, by the explicit recursion u' = (1-eta*lam)^2 u
    + eta^2 lam^2 s (u_i = E g_i^2) and its fixed point, the floor
    u_i = eta*lam_i*s_i/(2 - eta*lam_i)."""
    lam, s = np.asarray(lam, float), np.asarray(s, float)
    u = (grid[:, None] * lam) ** 2
    low = u[:, :k].sum(1) / u.sum(1)
    for _ in range(steps):
        u = (1 - eta * lam) ** 2 * u + eta**2 * lam**2 * s
        low = np.minimum(low, u[:, :k].sum(1) / u.sum(1))
    floor = eta * lam * s / (2 - eta * lam)
    chi_inf = floor[:k].sum() / floor.sum()
    dips = low < 0.5 * chi_inf
    return float(grid[np.argmax(dips)]) if dips.any() else math.inf


def test_collapse_scale_accepts_exactly_a_factor_either_way_of_the_grid_value(capsys):
    """On SMALL with eta = 0.25 the dominant energy drops to its floor in one step and
    the collapse needs c > 1.47; the answer is accepted on [c*/f, c*·f] inclusive
    (default f = 1.5) and refused one float outside, where c* is the first point of the
    grid geomspace(1e-3, 100, 201) that dips, from an explicit recursion."""
    grid = np.geomspace(1e-3, 100, 201)
    c = _collapse_reference([4.0, 1.0], [1.0, 1.0], 1, 0.25, 50, grid)
    # tolerance: the crossing is c > sqrt(2.175) = 1.475 (one step of the recursion by
    # hand); c* is the first grid point above it, so within one grid ratio (5.9 %)
    assert math.sqrt(2.175) < c <= math.sqrt(2.175) * grid[1] / grid[0]
    for answer, ok in [
        (c * 1.5, True),
        (np.nextafter(c * 1.5, np.inf), False),
        (c / 1.5, True),
        (np.nextafter(c / 1.5, 0), False),
        (2 * c, False),
    ]:
        got = check.collapse_scale(answer, SMALL, SMALL_NOISE, 0.25, steps=50)
        assert got is ok, (answer / c, ok)
    assert check.collapse_scale(2 * c, SMALL, SMALL_NOISE, 0.25, steps=50, factor=2.0)
    capsys.readouterr()


def test_collapse_scale_refuses_every_answer_when_nothing_collapses(capsys):
    """With lambda = (3, 1) and eta = 0.5 both blocks contract by the same factor 1/4,
    so the expected trajectory moves monotonically from its start to its floor and never
    dips below half the floor: no scale is right, not even the grid's first point."""
    grid = np.geomspace(1e-3, 100, 201)
    valley = rv.RiverValley([3.0, 1.0], k=1)
    assert _collapse_reference([3.0, 1.0], [1.0, 1.0], 1, 0.5, 50, grid) == math.inf
    assert not check.collapse_scale(1e-3, valley, SMALL_NOISE, 0.5, steps=50)
    assert "not yet" in _line(capsys)


def test_monte_carlo_loss_change_accepts_strictly_within_five_standard_errors(capsys):
    """With samples [m - 4, m + 4] the standard error is exactly 4 (sample std 4·√2
    over √2) and the exact expectation is -2: m = 18 lies exactly 5 se off and fails,
    m = 17.5 lies 4.875 se off and passes; two samples are enough."""
    kw = dict(samples=None, projection="dominant")
    # tolerance: none; the boundary |m - E| = 5 se = 20 is exact in binary
    for m, ok in [(18.0, False), (17.5, True), (-2.0 - 19.5, True), (-22.0, False)]:
        kw["samples"] = _mc(m, 4.0)
        assert check.expected_loss_change(m, SMALL, QUIET, [1.0, 1.0], 0.25, **kw) is ok
    capsys.readouterr()


def test_simulated_plateau_on_the_bounds_of_last(capsys):
    """``last`` may be 1 or the whole run: the run's own ratio is then judged against
    the theory (passing or with the 'off the theory' hint), never refused as a
    malformed run."""
    n = RUN.D.shape[1]
    for last in (1, n):
        check.simulated_plateau(
            _ratio(RUN, last), SMALL, SMALL_NOISE, 0.25, run=RUN, last=last
        )
        line = _line(capsys)
        assert line.startswith("✓ simulated plateau") or "off the theory" in line


MALFORMED = [
    ("1-D D and B", dataclasses.replace(RUN, D=RUN.D[0], B=RUN.B[0])),
    ("B shorter than D", dataclasses.replace(RUN, B=RUN.B[:, :100])),
]


@pytest.mark.parametrize("name,run", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_simulated_plateau_refuses_a_malformed_trace_with_a_line(name, run, capsys):
    """A hand-built Trace whose D and B are not two equal (seeds, steps) arrays fails
    with a printed ✗, neither passing nor crashing."""
    assert not check.simulated_plateau(0.8, SMALL, SMALL_NOISE, 0.25, run=run, last=10)
    assert "run should be a Trace from rv.simulate" in _line(capsys)


def test_simulated_plateau_averages_in_double_precision(capsys):
    """A float32 run is averaged in float64: the student's double-precision ratio of
    averages passes (a float32 mean differs from it by about 1e-9 to 1e-8, more than
    the check's 1e-9 identity tolerance)."""
    run = dataclasses.replace(
        RUN, D=RUN.D.astype(np.float32), B=RUN.B.astype(np.float32)
    )
    # tolerance: the check's own 1e-9 identity tolerance; float64 averaging agrees to
    # ~1e-15, float32 averaging misses by 1.2e-9 (B) to 8.9e-9 (D)
    assert check.simulated_plateau(
        _ratio(run, 2001), SMALL, SMALL_NOISE, 0.25, run=run, last=2001
    )
    assert _line(capsys) == "✓ simulated plateau: correct."


def test_collapse_scale_scans_3000_steps_by_default(capsys):
    """The default scan is 3000 steps. On lambda = (2, 1) with eta = 4e-4 the collapse
    is slow (the deepest dip of a barely collapsing start comes after ~3500 steps), so
    the smallest collapsing scale still shrinks from step to step near 3000. The noise
    is set so that the grid point c_j = 10**-0.5 first dips at step 3001: by the
    explicit recursion, 3000 steps give the next grid point and 3001 steps give c_j.
    With a factor just above 1, c_j then fails by default and passes with 3001 steps."""
    valley, eta = rv.RiverValley([2.0, 1.0], k=1), 4e-4
    grid = np.geomspace(1e-3, 100, 201)
    # c_N, the smallest scale dipping within N steps at sigma = 1 (found by bisection
    # with the same recursion): 0.1565268 for N = 3000 and 0.1564244 for N = 3001; the
    # alignment depends on c / sigma only, so sigma = c_j / sqrt(c_3000 c_3001) puts c_j
    # between the two thresholds, about 3e-4 (relative) from each.
    sigma = grid[100] / np.sqrt(0.15652682608261306 * 0.15642435651146855)
    s = np.array([sigma**2, sigma**2])
    ref = [_collapse_reference([2.0, 1.0], s, 1, eta, n, grid) for n in (3000, 3001)]
    # tolerance: none; c_j sits 3e-4 (relative) inside the window, far above rounding
    assert ref == [grid[101], grid[100]]  # the premise, by the explicit recursion
    noise = rv.IsotropicNoise(sigma)
    f = 1 + 1e-9  # tolerance: accepts c_j only, not a grid neighbour 6 % away
    assert not check.collapse_scale(grid[100], valley, noise, eta, factor=f)
    assert check.collapse_scale(grid[100], valley, noise, eta, steps=3001, factor=f)
    assert check.collapse_scale(grid[101], valley, noise, eta, factor=f)
    capsys.readouterr()
