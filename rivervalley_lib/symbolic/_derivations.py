"""Implementation of :mod:`rivervalley_lib.symbolic` (public names there)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import NamedTuple

import sympy as sp

from ._recursion import (
    block_recursion,
    check_equal,
    per_coordinate_recursion,
    rayleigh_form,
    sum_over_block,
    symbols,
)


@cache
def critical_step_size_expr() -> sp.Expr:
    r"""Solve :math:`\mathbb E D'/(\mathbb E D' + \mathbb E B') = D/(D+B)` for
    :math:`\eta > 0`.

    Returns
    -------
    sympy expression
        :math:`2(\rho_1^{\mathcal D} - \rho_1^{\mathcal B})
        / ((\rho_2^{\mathcal D} + \nu_{\mathcal D})
        - (\rho_2^{\mathcal B} + \nu_{\mathcal B}))`.

    Examples
    --------
    >>> e = critical_step_size_expr()
    >>> S = symbols
    >>> sp.simplify(e - 2*(S.rho1D - S.rho1B)/(S.rho2D + S.nuD - S.rho2B - S.nuB))
    0
    """
    S = symbols
    ED, EB = rayleigh_form()
    eq = sp.Eq(ED / (ED + EB), S.D / (S.D + S.B))
    roots = [r for r in sp.solve(eq, S.eta) if r != 0]
    if len(roots) != 1:
        raise ArithmeticError(f"expected one non-zero root, got {roots}")
    readable = 2 * (S.rho1D - S.rho1B) / ((S.rho2D + S.nuD) - (S.rho2B + S.nuB))
    check_equal(roots[0], readable)
    return readable


@cache
def two_level_critical_step_size() -> sp.Expr:
    r""":math:`\eta^*` for a two-level spectrum (:math:`\lambda`, :math:`\mu`) with
    isotropic noise :math:`\sigma^2 I`.

    Substitutes :math:`\rho_1^{\mathcal D} = \lambda`,
    :math:`\rho_2^{\mathcal D} = \lambda^2`,
    :math:`\nu_{\mathcal D} = k\lambda^2\sigma^2/D` and the bulk twins with :math:`\mu`
    and :math:`d-k`.

    Returns
    -------
    sympy.Expr
        :math:`\eta^*` in the symbols ``lambda``, ``mu``, ``sigma``, ``k``, ``d``, ``D``
        and ``B`` of ``symbols``.

    References
    ----------
    - Deng et al., "Suspicious Alignment of SGD", ALT 2026, arXiv:2601.11789 (the
      adaptive critical step size; this closed form is the book's derivation).

    Examples
    --------
    >>> S = symbols
    >>> e = two_level_critical_step_size()
    >>> sp.simplify(e.subs(S.sigma, 0))
    2/(lambda + mu)
    """
    S = symbols
    lam, mu = S.lam_dom, S.mu
    sub = {
        S.rho1D: lam,
        S.rho2D: lam**2,
        S.nuD: S.k * lam**2 * S.sigma**2 / S.D,
        S.rho1B: mu,
        S.rho2B: mu**2,
        S.nuB: (S.d - S.k) * mu**2 * S.sigma**2 / S.B,
    }
    return critical_step_size_expr().subs(sub)


def noise_free_limit() -> sp.Expr:
    r"""The noise-free two-level limit of :math:`\eta^*`, simplified:
    :math:`2/(\lambda+\mu)`.

    Returns
    -------
    sympy.Expr
        :func:`two_level_critical_step_size` at :math:`\sigma = 0`, simplified.

    Examples
    --------
    >>> noise_free_limit()
    2/(lambda + mu)
    """
    return sp.simplify(two_level_critical_step_size().subs(symbols.sigma, 0))


@cache
def projection_threshold_expr() -> tuple[sp.Expr, sp.Expr]:
    r"""Derive :math:`\eta_{\mathcal D} = 2D/(a_{\mathcal D}+t_{\mathcal D})` and
    :math:`\eta_{\mathcal B}`.

    Per coordinate :math:`L_i = g_i^2/(2\lambda_i)`, so the expected change of the block
    loss is the block sum of :math:`(\mathbb E g_i'^2 - g_i^2)/(2\lambda_i)`; its
    non-zero root in :math:`\eta` is the threshold.

    Returns
    -------
    (eta_D, eta_B) : tuple of sympy expressions
        :math:`2D/(a_{\mathcal D}+t_{\mathcal D})` and
        :math:`2B/(a_{\mathcal B}+t_{\mathcal B})`.

    References
    ----------
    - Song, Ahn, Yun, ICLR 2025, arXiv:2405.16002 (Dom-SGD and Bulk-SGD; the
      thresholds are the book's derivation).

    Examples
    --------
    >>> projection_threshold_expr()
    (2*D/(a_D + t_D), 2*B/(a_B + t_B))
    """
    S = symbols
    dL = sp.expand((per_coordinate_recursion() - S.g**2) / (2 * S.lam))
    out = []
    for block, X, a, t in (("D", S.D, S.aD, S.tD), ("B", S.B, S.aB, S.tB)):
        change = sum_over_block(dL, block)
        roots = [r for r in sp.solve(sp.Eq(change, 0), S.eta) if r != 0]
        if len(roots) != 1:
            raise ArithmeticError(f"expected one non-zero root, got {roots}")
        check_equal(roots[0], 2 * X / (a + t))
        out.append(2 * X / (a + t))
    return tuple(out)


@cache
def stationary_energy_expr() -> sp.Expr:
    r"""Solve :math:`u = (1-\eta\lambda)^2u + \eta^2\lambda^2 s` for the noise floor of
    one coordinate.

    Returns
    -------
    sympy.Expr
        The stationary gradient energy
        :math:`u_i^\infty = \eta\lambda_i s_i/(2-\eta\lambda_i)`, finite for
        :math:`0 < \eta\lambda_i < 2`.

    Examples
    --------
    >>> sp.simplify(stationary_energy_expr() * (2 - symbols.eta * symbols.lam))
    eta*lambda_i*s_i
    """
    S = symbols
    rec = per_coordinate_recursion().subs(S.g**2, S.u)
    (root,) = sp.solve(sp.Eq(S.u, rec), S.u)
    target = S.eta * S.lam * S.s / (2 - S.eta * S.lam)
    check_equal(root, target)
    return target


class AlignmentChange(NamedTuple):
    r"""The derivation of :func:`alignment_change`: expressions, verdicts and symbols.

    Attributes
    ----------
    numerator : sympy.Expr
        The numerator of :math:`\bar\chi' - \chi` as sympy finds it, oriented as
        :math:`\mathbb E D'\,B - \mathbb E B'\,D`.
    factored : sympy.Expr
        ``sp.factor`` of the numerator after substituting :math:`\Delta` and
        :math:`\gamma`: :math:`\eta D B(\eta\Delta - 2\gamma)`.
    bracket : sympy.Expr
        :math:`\eta\Delta - 2\gamma`.
    bracket_at_x : sympy.Expr
        The bracket at :math:`\eta = x\eta^*` when :math:`\Delta > 0`.
    denominator_positive : bool
        True if the denominator is :math:`(\mathbb E D' + \mathbb E B')(D + B)`, a
        product of two positive expectations.
    falls_for_every_eta : bool
        The bracket is negative for every :math:`\eta > 0` when :math:`\Delta \le 0`.
    Delta, gamma, x : sympy.Symbol
        The symbols :math:`\Delta_t`, :math:`\gamma_t` and :math:`x`.

    Examples
    --------
    >>> alignment_change().bracket
    Delta_t*eta - 2*gamma_t
    """

    numerator: sp.Expr
    factored: sp.Expr
    bracket: sp.Expr
    bracket_at_x: sp.Expr
    denominator_positive: bool
    falls_for_every_eta: bool
    Delta: sp.Symbol
    gamma: sp.Symbol
    x: sp.Symbol


@cache
def alignment_change() -> AlignmentChange:
    r"""Derive which way the energy ratio moves, and when it falls for every step.

    Three facts are derived, each from :func:`rayleigh_form`, not typed in:

    1. *Direction.* With :math:`\bar\chi' = \mathbb E D'/(\mathbb E D' + \mathbb E B')`,

       .. math::

           \bar\chi' - \frac{D}{D+B}
           = \frac{\mathbb E D'\,B - \mathbb E B'\,D}
                   {(\mathbb E D' + \mathbb E B')(D+B)},

       and the denominator is positive, so the energy ratio exceeds :math:`\chi`
       iff
       :math:`\mathbb E D'\,B - \mathbb E B'\,D > 0`.
    2. *Factorisation.* With :math:`\Delta = (\rho_2^{\mathcal D} + \nu_{\mathcal D})
       - (\rho_2^{\mathcal B} + \nu_{\mathcal B})` and
       :math:`\gamma = \rho_1^{\mathcal D} - \rho_1^{\mathcal B} > 0`,

       .. math::

           \mathbb E D'\,B - \mathbb E B'\,D = \eta D B\,(\eta\Delta - 2\gamma).

    3. *Sign of the bracket.* If :math:`\Delta \le 0`, sympy's assumption system proves
       :math:`\eta\Delta - 2\gamma < 0` for every :math:`\eta > 0`; if
       :math:`\Delta > 0`, the bracket at :math:`\eta = x\,\eta^*` equals
       :math:`2\gamma(x - 1)`: negative below :math:`\eta^* = 2\gamma/\Delta`, positive
       above.

    Returns
    -------
    AlignmentChange
        The numerator and its factored form, the bracket :math:`\eta\Delta - 2\gamma`
        and its value at :math:`\eta = x\eta^*`, the two verdicts
        (``denominator_positive``, ``falls_for_every_eta``) and the symbols.

    References
    ----------
    - Deng et al., ALT 2026 (the statement; the derivation is the book's, in its model).

    Examples
    --------
    >>> a = alignment_change()
    >>> a.factored
    B*D*eta*(Delta_t*eta - 2*gamma_t)
    >>> a.denominator_positive, a.falls_for_every_eta
    (True, True)
    >>> a.bracket_at_x
    2*gamma_t*(x - 1)
    """
    S = symbols
    ED, EB = rayleigh_form()
    num, den = sp.fraction(sp.together(ED / (ED + EB) - S.D / (S.D + S.B)))
    target = ED * S.B - EB * S.D
    # sympy may return the numerator with either sign; orient it and check.
    if sp.expand(num + target) == 0:
        num, den = -num, -den
    check_equal(num, target)
    # The denominator is (E D' + E B')(D + B); both factors are positive expectations.
    den_ok = sp.expand(den - (ED + EB) * (S.D + S.B)) == 0
    Delta = sp.Symbol("Delta_t", real=True)
    gamma = sp.Symbol("gamma_t", positive=True)
    sub = {S.rho2D: Delta + S.rho2B + S.nuB - S.nuD, S.rho1D: gamma + S.rho1B}
    factored = sp.factor(sp.expand(num.subs(sub)))
    bracket = sp.expand(factored / (S.eta * S.D * S.B))
    check_equal(bracket, S.eta * Delta - 2 * gamma)
    nonpos = sp.Symbol("Delta_t", nonpositive=True)
    falls = bool(bracket.subs(Delta, nonpos).is_negative)
    x = sp.Symbol("x", positive=True)
    (eta_star,) = sp.solve(sp.Eq(bracket, 0), S.eta)
    at_x = sp.factor(bracket.subs(S.eta, x * eta_star))
    return AlignmentChange(
        numerator=num,
        factored=factored,
        bracket=bracket,
        bracket_at_x=at_x,
        denominator_positive=bool(den_ok),
        falls_for_every_eta=falls,
        Delta=Delta,
        gamma=gamma,
        x=x,
    )


class Lambdified(NamedTuple):
    """Numpy functions lambdified from the derived expressions (:func:`lambdified`).

    Attributes
    ----------
    expected_next : callable
        ``expected_next(D, B, aD, aB, bD, bB, nD, nB, eta) -> (ED, EB)``.
    critical_step_size : callable
        ``critical_step_size(D, B, aD, aB, bD, bB, nD, nB)``.
    two_level_critical_step_size : callable
        ``two_level_critical_step_size(lam, mu, sigma, k, d, D, B)``.
    projection_thresholds : callable
        ``projection_thresholds(D, B, aD, aB, tD, tB) -> (eta_D, eta_B)``.
    stationary_energy : callable
        ``stationary_energy(eta, lam, s)``.

    Examples
    --------
    >>> float(lambdified().stationary_energy(0.5, 2.0, 1.0))  # eta lam s/(2 - eta lam)
    1.0
    """

    expected_next: Callable
    critical_step_size: Callable
    two_level_critical_step_size: Callable
    projection_thresholds: Callable
    stationary_energy: Callable


@cache
def lambdified() -> Lambdified:
    """Numpy versions of the derived expressions, for comparison with the library.

    Returns
    -------
    Lambdified
        The five functions, each taking the block sums or parameters its field names.

    Examples
    --------
    >>> f = lambdified()
    >>> float(f.two_level_critical_step_size(3.0, 1.0, 0.0, 2, 10, 1.0, 1.0))
    0.5
    """
    S = symbols
    ED, EB = block_recursion()
    # Back from Rayleigh quotients to block sums: rho1D = aD/D etc.
    back = {
        S.rho1D: S.aD / S.D,
        S.rho2D: S.bD / S.D,
        S.nuD: S.nD / S.D,
        S.rho1B: S.aB / S.B,
        S.rho2B: S.bB / S.B,
        S.nuB: S.nB / S.B,
    }
    eta_star = sp.simplify(critical_step_size_expr().subs(back))
    blocks = (S.D, S.B, S.aD, S.aB, S.bD, S.bB, S.nD, S.nB)
    eD, eB = projection_threshold_expr()
    fn: Callable = sp.lambdify
    return Lambdified(
        expected_next=fn(blocks + (S.eta,), (ED, EB), "numpy"),
        critical_step_size=fn(blocks, eta_star, "numpy"),
        two_level_critical_step_size=fn(
            (S.lam_dom, S.mu, S.sigma, S.k, S.d, S.D, S.B),
            two_level_critical_step_size(),
            "numpy",
        ),
        projection_thresholds=fn((S.D, S.B, S.aD, S.aB, S.tD, S.tB), (eD, eB), "numpy"),
        stationary_energy=fn((S.eta, S.lam, S.s), stationary_energy_expr(), "numpy"),
    )
