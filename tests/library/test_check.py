"""The exercise checks: right answers pass, wrong ones fail with a hint, nothing leaks."""

from __future__ import annotations

import math

import numpy as np
import pytest

import rivervalley_lib as rv
from rivervalley_lib import check, scenarios

VALLEY = rv.RiverValley.spread(d=30, k=3, dominant=(5.0, 9.0), bulk=(0.05, 1.0))
NOISE = rv.IsotropicNoise(0.3)
THETA = np.concatenate([np.full(3, 0.05), np.ones(27)])


def _cases():
    eta_star = rv.critical_step_size(VALLEY, NOISE, THETA)
    chi_inf = rv.noise_floor(VALLEY, NOISE, 0.1).alignment
    eD, eB = rv.projection_thresholds(VALLEY, NOISE, THETA)
    dL = rv.expected_loss_change(VALLEY, NOISE, THETA, 0.15, projection="dominant")
    g, s = VALLEY.gradient(THETA), NOISE.diagonal(VALLEY)
    stoch = (g[:3] @ g[:3] + s[:3].sum()) / (g @ g + s.sum())
    H = np.diag(VALLEY.eigenvalues)
    local = rv.critical_step_size(VALLEY, rv.IsotropicNoise(0.0), THETA)
    return [
        ("critical_step_size", lambda a: check.critical_step_size(a, VALLEY, NOISE, THETA), eta_star, 1.2 * eta_star),
        ("noise_floor_plateau", lambda a: check.noise_floor_plateau(a, VALLEY, NOISE, 0.1), chi_inf, 0.9 * chi_inf),
        ("simulated_plateau", lambda a: check.simulated_plateau(a, VALLEY, NOISE, 0.1), 1.01 * chi_inf, 0.95 * chi_inf),
        ("projection_thresholds", lambda a: check.projection_thresholds(a, VALLEY, NOISE, THETA), (eD, eB), (eD, 2 * eB)),
        ("expected_loss_change", lambda a: check.expected_loss_change(a, VALLEY, NOISE, THETA, 0.15, projection="dominant"), dL, -dL),
        ("stochastic_alignment", lambda a: check.stochastic_alignment(a, VALLEY, NOISE, THETA), stoch, stoch + 0.05),
        ("decreasing", lambda a: check.decreasing(a, "gap"), [0.3, 0.2, 0.1], [0.3, 0.35, 0.1]),
        ("local_critical_step_size", lambda a: check.local_critical_step_size(a, lambda w: H @ w, lambda w, v: H @ v, THETA, 3), local, 0.9 * local),
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
    mf = rv.expected_trajectory(scenarios.HEADLINE_VALLEY, scenarios.HEADLINE_NOISE, 1.0, 3000, grid[:, None] * np.ones(1000))
    chi_inf = rv.noise_floor(scenarios.HEADLINE_VALLEY, scenarios.HEADLINE_NOISE, 1.0).alignment
    c_star = grid[np.argmax(mf.alignment.min(axis=1) < 0.5 * chi_inf)]
    assert check.collapse_scale(c_star, scenarios.HEADLINE_VALLEY, scenarios.HEADLINE_NOISE, 1.0)
    assert not check.collapse_scale(20 * c_star, scenarios.HEADLINE_VALLEY, scenarios.HEADLINE_NOISE, 1.0)
