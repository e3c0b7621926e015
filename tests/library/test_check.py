"""The exercise checks: right answers pass, wrong ones fail with a hint, nothing
leaks."""

from __future__ import annotations

import math

import numpy as np
import pytest

import rivervalley_lib as rv
from rivervalley_lib import check, scenarios

VALLEY = rv.RiverValley.spread(d=30, k=3, dominant=(5.0, 9.0), bulk=(0.05, 1.0))
NOISE = rv.IsotropicNoise(0.3)
THETA = np.concatenate([np.full(3, 0.05), np.ones(27)])
SMALL, SMALL_NOISE = rv.RiverValley([4.0, 1.0], k=1), rv.IsotropicNoise(1.0)
RUN = rv.simulate(SMALL, SMALL_NOISE, 0.25, 2000, [1.0, 1.0], seeds=200, rng=0)
_TH = np.broadcast_to(THETA, (20_000, 30))
MC = VALLEY.loss(
    _TH
    - 0.15
    * VALLEY.project(
        VALLEY.gradient(_TH) + NOISE.sample(VALLEY, _TH, np.random.default_rng(1)),
        "dominant",
    )
) - VALLEY.loss(THETA)


def _ratio(run, last):
    D, B = run.D[:, -last:].mean(), run.B[:, -last:].mean()
    return float(D / (D + B))


def _cases():
    eta_star = rv.critical_step_size(VALLEY, NOISE, THETA)
    chi_inf = rv.noise_floor(VALLEY, NOISE, 0.1).alignment
    eD, eB = rv.projection_thresholds(VALLEY, NOISE, THETA)
    dL = rv.expected_loss_change(VALLEY, NOISE, THETA, 0.15, projection="dominant")
    g, s = VALLEY.gradient(THETA), NOISE.diagonal(VALLEY)
    stoch = (g[:3] @ g[:3] + s[:3].sum()) / (g @ g + s.sum())
    H = np.diag(VALLEY.eigenvalues)
    local = rv.critical_step_size(VALLEY, rv.IsotropicNoise(0.0), THETA)
    chi_small = rv.noise_floor(SMALL, SMALL_NOISE, 0.25).alignment
    return [
        (
            "critical_step_size",
            lambda a: check.critical_step_size(a, VALLEY, NOISE, THETA),
            eta_star,
            1.2 * eta_star,
        ),
        (
            "noise_floor_plateau",
            lambda a: check.noise_floor_plateau(a, VALLEY, NOISE, 0.1),
            chi_inf,
            0.9 * chi_inf,
        ),
        (
            "simulated_plateau",
            lambda a: check.simulated_plateau(
                a, SMALL, SMALL_NOISE, 0.25, run=RUN, last=1000
            ),
            _ratio(RUN, 1000),
            chi_small,
        ),
        (
            "projection_thresholds",
            lambda a: check.projection_thresholds(a, VALLEY, NOISE, THETA),
            (eD, eB),
            (eD, 2 * eB),
        ),
        (
            "expected_loss_change",
            lambda a: check.expected_loss_change(
                a, VALLEY, NOISE, THETA, 0.15, projection="dominant"
            ),
            dL,
            -dL,
        ),
        (
            "stochastic_alignment",
            lambda a: check.stochastic_alignment(a, VALLEY, NOISE, THETA),
            stoch,
            stoch + 0.05,
        ),
        (
            "decreasing",
            lambda a: check.decreasing(
                a, "gap", reference=[0.3, 0.2, 0.1], tolerance=0.01
            ),
            [0.3, 0.2, 0.1],
            [0.3, 0.35, 0.1],
        ),
        (
            "decreasing, other numbers",
            lambda a: check.decreasing(
                a, "gap", reference=[0.3, 0.2, 0.1], tolerance=0.01
            ),
            [0.305, 0.2, 0.095],
            [3.0, 2.0, 1.0],
        ),
        (
            "expected_loss_change, Monte Carlo",
            lambda a: check.expected_loss_change(
                a, VALLEY, NOISE, THETA, 0.15, projection="dominant", samples=MC
            ),
            float(MC.mean()),
            dL,
        ),
        (
            "bisection_bracket",
            lambda a: check.bisection_bracket(*a, VALLEY, NOISE, THETA),
            (eta_star * (1 - 1e-8), eta_star * (1 + 1e-8)),
            (0.9 * eta_star, 1.1 * eta_star),
        ),
        (
            "local_critical_step_size",
            lambda a: check.local_critical_step_size(a, H @ THETA, lambda v: H @ v, 3),
            local,
            0.9 * local,
        ),
    ]


CASES = _cases()


@pytest.mark.parametrize("name,call,right,wrong", CASES, ids=[c[0] for c in CASES])
def test_right_answer_passes(name, call, right, wrong, capsys):
    assert call(right) is True
    out = capsys.readouterr().out
    assert out.startswith("✓") and "correct" in out


@pytest.mark.parametrize("name,call,right,wrong", CASES, ids=[c[0] for c in CASES])
def test_wrong_answer_fails_with_a_hint_and_no_leak(name, call, right, wrong, capsys):
    assert call(wrong) is False
    out = capsys.readouterr().out
    assert out.startswith("✗") and "Hint:" in out
    for value in np.atleast_1d(np.asarray(right, dtype=float)):
        for fmt in ("{:.2g}", "{:.3g}", "{:.4f}", "{:.6f}", "{!r}"):
            text = fmt.format(float(value))
            if len(text.strip("0.-")) >= 2:  # skip trivial strings such as "0.1"
                assert text not in out, f"{name} leaked {text}"


@pytest.mark.parametrize("bad", ["0.5", None, float("nan"), True])
def test_non_numeric_answers_are_refused_in_words(bad, capsys):
    assert check.critical_step_size(bad, VALLEY, NOISE, THETA) is False
    out = capsys.readouterr().out
    assert out.startswith("✗") and ("single real number" in out or "NaN" in out)


def test_infinite_threshold_and_its_hint(capsys):
    valley = rv.RiverValley.two_level(d=100, k=2, dominant=10.0, bulk=0.1)
    theta = np.concatenate([np.ones(2), np.full(98, 1e-3)])
    assert check.critical_step_size(math.inf, valley, rv.IsotropicNoise(0.1), theta)
    assert not check.critical_step_size(0.19, valley, rv.IsotropicNoise(0.1), theta)
    assert "Delta_t <= 0" in capsys.readouterr().out


def test_collapse_scale_accepts_the_grid_answer_within_a_factor(capsys):
    grid = np.geomspace(1e-3, 10, 41)
    mf = rv.expected_trajectory(
        scenarios.HEADLINE_VALLEY,
        scenarios.HEADLINE_NOISE,
        1.0,
        3000,
        grid[:, None] * np.ones(1000),
    )
    chi_inf = rv.noise_floor(
        scenarios.HEADLINE_VALLEY, scenarios.HEADLINE_NOISE, 1.0
    ).alignment
    c_star = grid[np.argmax(mf.alignment.min(axis=1) < 0.5 * chi_inf)]
    assert check.collapse_scale(
        c_star, scenarios.HEADLINE_VALLEY, scenarios.HEADLINE_NOISE, 1.0
    )
    assert not check.collapse_scale(
        20 * c_star, scenarios.HEADLINE_VALLEY, scenarios.HEADLINE_NOISE, 1.0
    )


def test_simulated_plateau_refuses_the_closed_form_and_a_short_run(capsys):
    """The closed-form plateau is not a simulation; a run that has not forgotten its
    start fails."""
    chi_inf = rv.noise_floor(SMALL, SMALL_NOISE, 0.25).alignment
    assert not check.simulated_plateau(
        chi_inf, SMALL, SMALL_NOISE, 0.25, run=RUN, last=1000
    )
    assert "ratio of the averages" in capsys.readouterr().out
    short = rv.simulate(SMALL, SMALL_NOISE, 0.25, 3, [30.0, 30.0], seeds=4, rng=0)
    assert not check.simulated_plateau(
        _ratio(short, 2), SMALL, SMALL_NOISE, 0.25, run=short, last=2
    )
    assert "long enough" in capsys.readouterr().out


def test_one_step_gaps_accepts_the_exercise_and_refuses_other_decreasing_lists(capsys):
    """The chapter 3 computation passes; a decreasing list of other numbers does not."""
    gaps = []
    for k in (1, 4, 16, 64):
        v = rv.RiverValley.two_level(d=25 * k, k=k, dominant=10.0, bulk=0.2)
        th0 = rv.state_with_alignment(v, 0.3, energy=k / 4)
        th = np.broadcast_to(th0, (10_000, v.d))
        nxt = th - 0.1 * (
            v.gradient(th)
            + rv.IsotropicNoise(0.3).sample(v, th, np.random.default_rng(k))
        )
        gaps.append(
            abs(
                rv.alignment(v, nxt).mean()
                - rv.energy_ratio_step(v, rv.IsotropicNoise(0.3), th0, 0.1)
            )
        )
    assert check.one_step_gaps(gaps)
    assert not check.one_step_gaps([3.0, 2.0, 1.0, 0.5])
    assert not check.one_step_gaps([2 * g for g in gaps])
    assert not check.one_step_gaps(gaps[::-1])
    out = capsys.readouterr().out
    assert out.count("✗") == 3 and "Hint:" in out
    # The check measures with its ``noise``: the same gaps do not pass for other noise.
    assert not check.one_step_gaps(gaps, noise=rv.IsotropicNoise(0.6))


def test_local_checks_take_the_gradient_and_hvp_of_measure_alignment(capsys):
    """``local_alignment(answer, gradient, hvp, k)``: the gradient at the point and
    ``hvp(v)`` there, the convention of ``measure_alignment``."""
    H = np.diag([3.0, 3.0, 1.0, 1.0])
    w = np.array([1.0, -0.5, 2.0, 0.5])
    g = H @ w
    chi = (g[:2] @ g[:2]) / (g @ g)
    assert check.local_alignment(chi, g, lambda v: H @ v, 2)
    assert not check.local_alignment(0.9 * chi, g, lambda v: H @ v, 2)
    assert capsys.readouterr().out.count("✗") == 1


def test_monte_carlo_loss_change_refuses_the_closed_form(capsys):
    """With samples, passing the library's expectation instead of the Monte Carlo mean
    fails."""
    dL = rv.expected_loss_change(VALLEY, NOISE, THETA, 0.15, projection="dominant")
    assert not check.expected_loss_change(
        dL, VALLEY, NOISE, THETA, 0.15, projection="dominant", samples=MC
    )
    assert "mean of the Monte Carlo" in capsys.readouterr().out


def test_local_checks_share_one_implementation():
    """local_alignment and local_critical_step_size are thin calls to the same body."""
    import inspect

    for fn in (check.local_alignment, check.local_critical_step_size):
        code = inspect.getsource(fn).split('"""')[-1]  # the body, after the docstring
        assert "_local(" in code and "measure_alignment" not in code
