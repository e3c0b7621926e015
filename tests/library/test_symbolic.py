"""The sympy derivations equal the numpy implementation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from rivervalley_lib import (
    IsotropicNoise,
    RiverValley,
    critical_step_size,
    expected_next,
    noise_floor,
    projection_thresholds,
    symbolic,
)

from .conftest import random_step

seeds = st.integers(0, 2**32 - 1)
F = symbolic.lambdified()


def test_per_coordinate_recursion_is_the_expectation():
    S = symbolic.symbols
    e = symbolic.per_coordinate_recursion()
    target = (1 - S.eta * S.lam) ** 2 * S.g**2 + S.eta**2 * S.lam**2 * S.s
    assert sp.simplify(e - target) == 0


def test_expectation_rejects_higher_moments():
    x = sp.Symbol("x")
    with pytest.raises(ValueError, match="degree <= 2"):
        symbolic.expectation(x**3, x, sp.Symbol("s"))


def test_noise_free_limit_is_two_over_sum():
    S = symbolic.symbols
    assert sp.simplify(symbolic.noise_free_limit() - 2 / (S.lam_dom + S.mu)) == 0


@settings(max_examples=40)
@given(seeds)
def test_lambdified_match_numpy(seed):
    rv, noise, theta, eta, m = random_step(np.random.default_rng(seed), 0.1)
    blocks = (m.D, m.B, m.aD, m.aB, m.bD, m.bB, m.nD, m.nB)
    ED, EB = F.expected_next(*blocks, eta)
    # tolerance: round-off of the sympy-generated and the hand-written closed forms
    # (1e-10 relative; 1e-9 for the root eta*).
    assert (ED, EB) == pytest.approx(expected_next(rv, noise, theta, eta), rel=1e-10)
    sym_star = float(F.critical_step_size(*blocks))
    num_star = critical_step_size(rv, noise, theta)
    if sym_star > 0:
        assert num_star == pytest.approx(sym_star, rel=1e-9)
    else:
        # Delta <= 0: the symbolic root is negative or undefined, the library says inf
        assert math.isinf(num_star)
    eD, eB = F.projection_thresholds(m.D, m.B, m.aD, m.aB, m.tD, m.tB)
    assert (float(eD), float(eB)) == pytest.approx(
        projection_thresholds(rv, noise, theta), rel=1e-10
    )


def test_two_level_lambdified_matches_library():
    rng = np.random.default_rng(0)
    for _ in range(20):
        d, k = int(rng.integers(5, 100)), int(rng.integers(1, 4))
        lam, mu, sigma = rng.uniform(2, 10), rng.uniform(0, 1), rng.uniform(0, 0.3)
        rv = RiverValley.two_level(d, k, lam, mu)
        theta = rng.normal(size=d)
        g = rv.gradient(theta)
        D, B = (g[:k] ** 2).sum(), (g[k:] ** 2).sum()
        sym = float(F.two_level_critical_step_size(lam, mu, sigma, k, d, D, B))
        num = critical_step_size(rv, IsotropicNoise(sigma), theta)
        # tolerance: round-off of two closed forms (1e-9 relative)
        assert num == pytest.approx(sym, rel=1e-9) if sym > 0 else math.isinf(num)


def test_stationary_energy_matches_noise_floor():
    rv = RiverValley.spread(d=10, k=2, dominant=(3.0, 5.0), bulk=(0.1, 1.0))
    eta, sigma = 0.2, 0.7
    u = F.stationary_energy(eta, rv.eigenvalues, sigma**2)
    D, B, chi = noise_floor(rv, IsotropicNoise(sigma), eta)
    # tolerance: round-off of two closed forms (1e-12 relative)
    assert D == pytest.approx(u[:2].sum(), rel=1e-12)
    assert B == pytest.approx(u[2:].sum(), rel=1e-12)


def test_alignment_change_factorises_and_signs():
    """E[D']B - E[B']D: eta*D*B*(eta*Delta - 2*gamma); < 0 for all eta if Delta <= 0."""
    S = symbolic.symbols
    a = symbolic.alignment_change()
    ED, EB = symbolic.rayleigh_form()
    Delta = S.rho2D + S.nuD - S.rho2B - S.nuB
    gamma = S.rho1D - S.rho1B
    back = a.factored.subs({a.Delta: Delta, a.gamma: gamma})
    assert sp.simplify(back - (ED * S.B - EB * S.D)) == 0
    assert a.denominator_positive and a.falls_for_every_eta
    # The assumption-based proof is not vacuous: with Delta > 0 the sign is undecided.
    pos = sp.Symbol("Delta_t", positive=True)
    assert a.bracket.subs(a.Delta, pos).is_negative is None
    assert sp.simplify(a.bracket_at_x - 2 * a.gamma * (a.x - 1)) == 0


def test_symbolic_results_are_named_tuples():
    """alignment_change() and lambdified() return NamedTuples: fields and unpacking."""
    a = symbolic.alignment_change()
    assert isinstance(a, symbolic.AlignmentChange) and isinstance(a, tuple)
    numerator, factored, bracket, *_ = a
    assert (numerator, factored, bracket) == (a.numerator, a.factored, a.bracket)
    assert a._fields[-3:] == ("Delta", "gamma", "x")
    assert isinstance(F, symbolic.Lambdified)
    assert F._fields == (
        "expected_next",
        "critical_step_size",
        "two_level_critical_step_size",
        "projection_thresholds",
        "stationary_energy",
    )


@settings(max_examples=40)
@given(seeds)
def test_alignment_change_sign_matches_numpy(seed):
    """The bracket's sign is the sign of the numerical E[D']B - E[B']D."""
    rv, noise, theta, eta, m = random_step(np.random.default_rng(seed), 0.5)
    ED, EB = expected_next(rv, noise, theta, eta)
    lhs = ED * m.B - EB * m.D
    Delta = (m.bD + m.nD) / m.D - (m.bB + m.nB) / m.B
    gamma = m.aD / m.D - m.aB / m.B
    rhs = eta * m.D * m.B * (eta * Delta - 2 * gamma)
    # tolerance: round-off of a difference of products (1e-8 relative, 1e-12 D B
    # absolute where the two terms cancel); a sign error in a term is off by 100 %.
    assert lhs == pytest.approx(rhs, rel=1e-8, abs=1e-12 * (m.D * m.B + 1e-300))
