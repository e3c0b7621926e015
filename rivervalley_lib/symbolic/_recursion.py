r"""The one-step recursion derived in sympy: from one coordinate's update to the block
energies in Rayleigh-quotient form (re-exported by :mod:`rivervalley_lib.symbolic`)."""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace

import sympy as sp

_pos = dict(positive=True)
#: The symbols of the derivation, by name.
symbols = SimpleNamespace(
    eta=sp.Symbol("eta", **_pos),
    lam=sp.Symbol("lambda_i", nonnegative=True),
    g=sp.Symbol("g_i", real=True),
    xi=sp.Symbol("xi_i", real=True),
    s=sp.Symbol("s_i", nonnegative=True),
    D=sp.Symbol("D", **_pos),
    B=sp.Symbol("B", **_pos),
    aD=sp.Symbol("a_D", **_pos),
    aB=sp.Symbol("a_B", nonnegative=True),
    bD=sp.Symbol("b_D", **_pos),
    bB=sp.Symbol("b_B", nonnegative=True),
    nD=sp.Symbol("n_D", nonnegative=True),
    nB=sp.Symbol("n_B", nonnegative=True),
    tD=sp.Symbol("t_D", nonnegative=True),
    tB=sp.Symbol("t_B", nonnegative=True),
    rho1D=sp.Symbol(r"\rho^{\mathcal{D}}_1", **_pos),
    rho1B=sp.Symbol(r"\rho^{\mathcal{B}}_1", nonnegative=True),
    rho2D=sp.Symbol(r"\rho^{\mathcal{D}}_2", **_pos),
    rho2B=sp.Symbol(r"\rho^{\mathcal{B}}_2", nonnegative=True),
    nuD=sp.Symbol(r"\nu_{\mathcal{D}}", nonnegative=True),
    nuB=sp.Symbol(r"\nu_{\mathcal{B}}", nonnegative=True),
    lam_dom=sp.Symbol("lambda", **_pos),
    mu=sp.Symbol("mu", nonnegative=True),
    sigma=sp.Symbol("sigma", nonnegative=True),
    k=sp.Symbol("k", positive=True, integer=True),
    d=sp.Symbol("d", positive=True, integer=True),
    u=sp.Symbol("u_i", nonnegative=True),
)


def expectation(expr: sp.Expr, xi: sp.Symbol, variance: sp.Expr) -> sp.Expr:
    r"""Take :math:`\mathbb E` over a centred noise variable that enters polynomially,
    up to degree 2.

    Uses :math:`\mathbb E\xi = 0` and :math:`\mathbb E\xi^2 = s`; higher powers are
    rejected.

    Parameters
    ----------
    expr : sympy.Expr
        A polynomial of degree at most 2 in ``xi``.
    xi : sympy.Symbol
        The centred noise variable :math:`\xi` (:math:`\mathbb E\xi = 0`).
    variance : sympy.Expr
        Its variance :math:`s = \mathbb E\xi^2 \ge 0`.

    Returns
    -------
    sympy.Expr
        :math:`\mathbb E_\xi[\text{expr}]`, expanded.

    Raises
    ------
    ValueError
        If ``expr`` has degree above 2 in ``xi``.

    Examples
    --------
    >>> import sympy as sp
    >>> x, xi, s = sp.symbols("x xi s")
    >>> expectation((x + xi) ** 2, xi, s)
    s + x**2
    """
    if not isinstance(expr, sp.Expr):
        raise TypeError(f"expr must be a sympy expression, got {type(expr).__name__}")
    if not isinstance(xi, sp.Symbol):
        raise TypeError(f"xi must be a sympy Symbol, got {type(xi).__name__}")
    if not isinstance(variance, sp.Expr):
        raise TypeError(
            f"variance must be a sympy expression, got {type(variance).__name__}"
        )
    poly = sp.Poly(sp.expand(expr), xi)
    if poly.degree() > 2:
        raise ValueError(
            f"expectation needs a polynomial of degree <= 2 in {xi}, got degree "
            f"{poly.degree()}"
        )
    moments = {0: sp.Integer(1), 1: sp.Integer(0), 2: variance}
    return sp.expand(
        sum(
            coeff * moments[m[0]]
            for m, coeff in zip(poly.monoms(), poly.coeffs(), strict=True)
        )
    )


@cache
def per_coordinate_recursion() -> sp.Expr:
    r"""Derive the expected next squared gradient coordinate.

    :math:`\mathbb E[g_i'^2 \mid \theta]
    = (1-\eta\lambda_i)^2 g_i^2 + \eta^2\lambda_i^2 s_i`.

    Starts from one SGD step on coordinate :math:`i`,
    :math:`\theta_i' = \theta_i - \eta(\lambda_i\theta_i + \xi_i)`, so
    :math:`g_i' = \lambda_i\theta_i' = (1-\eta\lambda_i)g_i - \eta\lambda_i\xi_i`.

    Returns
    -------
    sympy.Expr
        :math:`(1-\eta\lambda_i)^2 g_i^2 + \eta^2\lambda_i^2 s_i` in the symbols
        ``eta``, ``lambda_i``, ``g_i`` and ``s_i`` of ``symbols``.

    Examples
    --------
    >>> S, e = symbols, per_coordinate_recursion()
    >>> sp.expand(e.subs(S.s, 0) - S.g**2 * (1 - S.eta * S.lam) ** 2)
    0
    """
    S = symbols
    g_next = (1 - S.eta * S.lam) * S.g - S.eta * S.lam * S.xi
    derived = expectation(g_next**2, S.xi, S.s)
    # Display the expanded expectation in its factored, readable form, after checking
    # equality.
    readable = S.g**2 * (1 - S.eta * S.lam) ** 2 + S.eta**2 * S.lam**2 * S.s
    check_equal(derived, readable)
    return readable


def check_equal(a: sp.Expr, b: sp.Expr) -> sp.Integer:
    """Return 0 if ``a == b`` symbolically; raise otherwise (guards the displayed
    form)."""
    if sp.simplify(a - b) != 0:
        raise ArithmeticError(f"derivation mismatch: {a} != {b}")
    return sp.Integer(0)


def sum_over_block(expr: sp.Expr, block: str) -> sp.Expr:
    """Sum a per-coordinate expression over a block by linearity, naming the block
    sums."""
    S = symbols
    X, a, b, n, t = {
        "D": (S.D, S.aD, S.bD, S.nD, S.tD),
        "B": (S.B, S.aB, S.bB, S.nB, S.tB),
    }[block]
    # Each monomial in (lambda_i, g_i, s_i) is one block sum.
    names = {
        S.g**2: X,
        S.lam * S.g**2: a,
        S.lam**2 * S.g**2: b,
        S.lam**2 * S.s: n,
        S.lam * S.s: t,
    }
    poly = sp.Poly(sp.expand(expr), S.lam, S.g, S.s)
    total = sp.Integer(0)
    for monom, coeff in zip(poly.monoms(), poly.coeffs(), strict=True):
        key = S.lam ** monom[0] * S.g ** monom[1] * S.s ** monom[2]
        if key not in names:
            raise ValueError(f"no block sum is defined for the monomial {key}")
        total += coeff * names[key]
    return sp.expand(total)


@cache
def block_recursion() -> tuple[sp.Expr, sp.Expr]:
    r"""Sum the per-coordinate recursion over :math:`\mathcal D` and :math:`\mathcal B`.

    Returns
    -------
    (ED, EB) : tuple of sympy expressions
        :math:`D - 2\eta a_{\mathcal D} + \eta^2(b_{\mathcal D} + n_{\mathcal D})` and
        its bulk twin.

    Examples
    --------
    >>> ED, EB = block_recursion()
    >>> ED
    D - 2*a_D*eta + b_D*eta**2 + eta**2*n_D
    """
    e = per_coordinate_recursion()
    return sum_over_block(e, "D"), sum_over_block(e, "B")


def rayleigh_subs() -> dict:
    S = symbols
    return {
        S.aD: S.rho1D * S.D,
        S.bD: S.rho2D * S.D,
        S.nD: S.nuD * S.D,
        S.aB: S.rho1B * S.B,
        S.bB: S.rho2B * S.B,
        S.nB: S.nuB * S.B,
    }


@cache
def rayleigh_form() -> tuple[sp.Expr, sp.Expr]:
    r"""The block recursion with Rayleigh quotients.

    :math:`\mathbb E D' = D(1 - 2\eta\rho_1^{\mathcal D}
    + \eta^2(\rho_2^{\mathcal D} + \nu_{\mathcal D}))`.

    Substitutes :math:`a_X = \rho_1^X X`, :math:`b_X = \rho_2^X X` and
    :math:`n_X = \nu_X X` into :func:`block_recursion`.

    Returns
    -------
    (ED, EB) : tuple of sympy expressions
        :math:`\mathbb E D'` and :math:`\mathbb E B'` as :math:`X` times a polynomial in
        :math:`\eta`.

    Examples
    --------
    >>> ED, EB = rayleigh_form()
    >>> sorted(map(str, ED.free_symbols))
    ['D', '\\nu_{\\mathcal{D}}', '\\rho^{\\mathcal{D}}_1', '\\rho^{\\mathcal{D}}_2',
    'eta']
    """
    S = symbols
    ED, EB = block_recursion()
    sub = rayleigh_subs()
    return (
        S.D * sp.collect(sp.expand(ED.subs(sub) / S.D), S.eta),
        S.B * sp.collect(sp.expand(EB.subs(sub) / S.B), S.eta),
    )
