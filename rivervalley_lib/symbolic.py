r"""The book's derivations, carried out in sympy.

Every formula the numerical modules use is derived here from the single-coordinate
update, so the book can display sympy's output instead of hand-typed LaTeX, and the tests
can compare the lambdified expressions with the numpy functions.

The derivation chain is:

1. :func:`per_coordinate_recursion`: :math:`\mathbb E[g_i'^2] = (1-\eta\lambda_i)^2 g_i^2 + \eta^2\lambda_i^2 s_i`
   from :math:`g_i' = (1-\eta\lambda_i)g_i - \eta\lambda_i\xi_i`, :math:`\mathbb E\xi_i = 0`,
   :math:`\mathbb E\xi_i^2 = s_i`.
2. :func:`block_recursion`: summing over a block by linearity gives
   :math:`\mathbb E X' = X - 2\eta a_X + \eta^2(b_X + n_X)`.
3. :func:`critical_step_size_expr`: solving :math:`\mathbb E D'/(\mathbb E D' + \mathbb E B') = D/(D+B)`
   for :math:`\eta \neq 0`.
4. :func:`two_level_critical_step_size`: the closed form for a two-level spectrum with
   isotropic noise, and its noise-free limit :math:`2/(\lambda+\mu)`.
5. :func:`projection_threshold_expr` and :func:`stationary_energy_expr`.

Examples
--------
>>> from rivervalley_lib import symbolic
>>> symbolic.per_coordinate_recursion()
eta**2*lambda_i**2*s_i + g_i**2*(-eta*lambda_i + 1)**2
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from types import SimpleNamespace

import sympy as sp

__all__ = [
    "symbols",
    "expectation",
    "per_coordinate_recursion",
    "block_recursion",
    "rayleigh_form",
    "critical_step_size_expr",
    "two_level_critical_step_size",
    "noise_free_limit",
    "projection_threshold_expr",
    "stationary_energy_expr",
    "alignment_change",
    "lambdified",
    "equation_latex",
    "show_eq",
]

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
    r"""Take :math:`\mathbb E` over a centred noise variable that enters polynomially, up to degree 2.

    Uses :math:`\mathbb E\xi = 0` and :math:`\mathbb E\xi^2 = s`; higher powers are rejected.

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
    poly = sp.Poly(sp.expand(expr), xi)
    if poly.degree() > 2:
        raise ValueError(f"expectation needs a polynomial of degree <= 2 in {xi}, got degree {poly.degree()}")
    moments = {0: sp.Integer(1), 1: sp.Integer(0), 2: variance}
    return sp.expand(sum(coeff * moments[m[0]] for m, coeff in zip(poly.monoms(), poly.coeffs())))


@cache
def per_coordinate_recursion() -> sp.Expr:
    r"""Derive :math:`\mathbb E[g_i'^2 \mid \theta] = (1-\eta\lambda_i)^2 g_i^2 + \eta^2\lambda_i^2 s_i`.

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
    # Display the expanded expectation in its factored, readable form, after checking equality.
    readable = S.g**2 * (1 - S.eta * S.lam) ** 2 + S.eta**2 * S.lam**2 * S.s
    _check_equal(derived, readable)
    return readable


def _check_equal(a: sp.Expr, b: sp.Expr) -> sp.Integer:
    """Return 0 if ``a == b`` symbolically; raise otherwise (guards the displayed form)."""
    if sp.simplify(a - b) != 0:
        raise ArithmeticError(f"derivation mismatch: {a} != {b}")
    return sp.Integer(0)


def _sum_over_block(expr: sp.Expr, block: str) -> sp.Expr:
    """Sum a per-coordinate expression over a block by linearity, naming the block sums."""
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
    for monom, coeff in zip(poly.monoms(), poly.coeffs()):
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
        :math:`D - 2\eta a_{\mathcal D} + \eta^2(b_{\mathcal D} + n_{\mathcal D})` and its bulk twin.

    Examples
    --------
    >>> ED, EB = block_recursion()
    >>> ED
    D - 2*a_D*eta + b_D*eta**2 + eta**2*n_D
    """
    e = per_coordinate_recursion()
    return _sum_over_block(e, "D"), _sum_over_block(e, "B")


def _rayleigh_subs() -> dict:
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
    r"""The block recursion with Rayleigh quotients: :math:`\mathbb E D' = D(1 - 2\eta\rho_1^{\mathcal D} + \eta^2(\rho_2^{\mathcal D} + \nu_{\mathcal D}))`.

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
    ['D', '\\nu_{\\mathcal{D}}', '\\rho^{\\mathcal{D}}_1', '\\rho^{\\mathcal{D}}_2', 'eta']
    """
    S = symbols
    ED, EB = block_recursion()
    sub = _rayleigh_subs()
    return (
        S.D * sp.collect(sp.expand(ED.subs(sub) / S.D), S.eta),
        S.B * sp.collect(sp.expand(EB.subs(sub) / S.B), S.eta),
    )


@cache
def critical_step_size_expr() -> sp.Expr:
    r"""Solve :math:`\mathbb E D'/(\mathbb E D' + \mathbb E B') = D/(D+B)` for :math:`\eta > 0`.

    Returns
    -------
    sympy expression
        :math:`2(\rho_1^{\mathcal D} - \rho_1^{\mathcal B}) / ((\rho_2^{\mathcal D} + \nu_{\mathcal D}) - (\rho_2^{\mathcal B} + \nu_{\mathcal B}))`.

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
    _check_equal(roots[0], readable)
    return readable


@cache
def two_level_critical_step_size() -> sp.Expr:
    r""":math:`\eta^*` for a two-level spectrum (:math:`\lambda`, :math:`\mu`) with isotropic noise :math:`\sigma^2 I`.

    Substitutes :math:`\rho_1^{\mathcal D} = \lambda`, :math:`\rho_2^{\mathcal D} = \lambda^2`,
    :math:`\nu_{\mathcal D} = k\lambda^2\sigma^2/D` and the bulk twins with :math:`\mu` and
    :math:`d-k`.

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
    r"""The noise-free two-level limit of :math:`\eta^*`, simplified: :math:`2/(\lambda+\mu)`.

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
    r"""Derive :math:`\eta_{\mathcal D} = 2D/(a_{\mathcal D}+t_{\mathcal D})` and :math:`\eta_{\mathcal B}`.

    Per coordinate :math:`L_i = g_i^2/(2\lambda_i)`, so the expected change of the block loss
    is the block sum of :math:`(\mathbb E g_i'^2 - g_i^2)/(2\lambda_i)`; its non-zero root in
    :math:`\eta` is the threshold.

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
        change = _sum_over_block(dL, block)
        roots = [r for r in sp.solve(sp.Eq(change, 0), S.eta) if r != 0]
        if len(roots) != 1:
            raise ArithmeticError(f"expected one non-zero root, got {roots}")
        _check_equal(roots[0], 2 * X / (a + t))
        out.append(2 * X / (a + t))
    return tuple(out)


@cache
def stationary_energy_expr() -> sp.Expr:
    r"""Solve :math:`u = (1-\eta\lambda)^2u + \eta^2\lambda^2 s` for the noise floor of one coordinate.

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
    _check_equal(root, target)
    return target


@cache
def alignment_change() -> SimpleNamespace:
    r"""Derive which way the expected alignment moves, and when it falls for every step.

    Three facts are derived, each from :func:`rayleigh_form`, not typed in:

    1. *Direction.* With :math:`\bar\chi' = \mathbb E D'/(\mathbb E D' + \mathbb E B')`,

       .. math::

           \bar\chi' - \frac{D}{D+B}
           = \frac{\mathbb E D'\,B - \mathbb E B'\,D}
                   {(\mathbb E D' + \mathbb E B')(D+B)},

       and the denominator is positive, so the alignment rises iff
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
    SimpleNamespace
        ``numerator`` (the numerator of :math:`\bar\chi' - \chi` as sympy finds it),
        ``factored`` (``sp.factor`` of it after substituting :math:`\Delta` and
        :math:`\gamma`),
        ``bracket`` (:math:`\eta\Delta - 2\gamma`), ``Delta``, ``gamma`` and ``x``
        (the symbols), ``denominator_positive`` (bool), ``falls_for_every_eta``
        (bool: the bracket is negative when :math:`\Delta \le 0`), and ``bracket_at_x``
        (the bracket at :math:`\eta = x\eta^*` when :math:`\Delta > 0`).

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
    _check_equal(num, target)
    # The denominator is (E D' + E B')(D + B); both factors are positive expectations.
    den_ok = sp.expand(den - (ED + EB) * (S.D + S.B)) == 0
    Delta = sp.Symbol("Delta_t", real=True)
    gamma = sp.Symbol("gamma_t", positive=True)
    sub = {S.rho2D: Delta + S.rho2B + S.nuB - S.nuD, S.rho1D: gamma + S.rho1B}
    factored = sp.factor(sp.expand(num.subs(sub)))
    bracket = sp.expand(factored / (S.eta * S.D * S.B))
    _check_equal(bracket, S.eta * Delta - 2 * gamma)
    nonpos = sp.Symbol("Delta_t", nonpositive=True)
    falls = bool(bracket.subs(Delta, nonpos).is_negative)
    x = sp.Symbol("x", positive=True)
    (eta_star,) = sp.solve(sp.Eq(bracket, 0), S.eta)
    at_x = sp.factor(bracket.subs(S.eta, x * eta_star))
    return SimpleNamespace(
        numerator=num,
        factored=factored,
        bracket=bracket,
        Delta=Delta,
        gamma=gamma,
        x=x,
        denominator_positive=bool(den_ok),
        falls_for_every_eta=falls,
        bracket_at_x=at_x,
    )


@cache
def lambdified() -> SimpleNamespace:
    """Numpy versions of the derived expressions, for comparison with the library.

    Returns
    -------
    SimpleNamespace
        ``expected_next(D, B, aD, aB, bD, bB, nD, nB, eta) -> (ED, EB)``,
        ``critical_step_size(D, B, aD, aB, bD, bB, nD, nB)``,
        ``two_level_critical_step_size(lam, mu, sigma, k, d, D, B)``,
        ``projection_thresholds(D, B, aD, aB, tD, tB) -> (eta_D, eta_B)`` and
        ``stationary_energy(eta, lam, s)``.

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
    return SimpleNamespace(
        expected_next=fn(blocks + (S.eta,), (ED, EB), "numpy"),
        critical_step_size=fn(blocks, eta_star, "numpy"),
        two_level_critical_step_size=fn(
            (S.lam_dom, S.mu, S.sigma, S.k, S.d, S.D, S.B), two_level_critical_step_size(), "numpy"
        ),
        projection_thresholds=fn((S.D, S.B, S.aD, S.aB, S.tD, S.tB), (eD, eB), "numpy"),
        stationary_energy=fn((S.eta, S.lam, S.s), stationary_energy_expr(), "numpy"),
    )


def equation_latex(lhs: str, expr: sp.Expr) -> str:
    r"""The LaTeX of the equation ``lhs = expr`` (what :func:`show_eq` displays).

    Parameters
    ----------
    lhs : str
        The left-hand side as LaTeX, e.g. ``r"\eta^*_t"``.
    expr : sympy.Expr
        The right-hand side.

    Returns
    -------
    str

    Examples
    --------
    >>> equation_latex(r"\eta^*", 2 / (symbols.lam_dom + symbols.mu))
    '\\eta^* = \\frac{2}{\\lambda + \\mu}'
    """
    if not isinstance(lhs, str):
        raise TypeError(f"lhs must be a str of LaTeX, got {type(lhs).__name__}")
    return lhs + " = " + sp.latex(expr)


def show_eq(lhs: str, expr: sp.Expr) -> None:
    r"""Display the equation ``lhs = expr`` in a notebook, typeset by MathJax.

    Uses ``IPython.display.Math`` on :func:`equation_latex`, so it does not change how
    later outputs print (unlike ``sympy.init_printing``, which also turns plain numbers in
    widget outputs into LaTeX).

    Parameters
    ----------
    lhs : str
        The left-hand side as LaTeX.
    expr : sympy.Expr
        The right-hand side.

    Returns
    -------
    None

    Examples
    --------
    >>> show_eq(r"\eta^*", 2 / (symbols.lam_dom + symbols.mu))  # doctest: +ELLIPSIS
    <IPython.core.display.Math object>
    """
    from IPython.display import Math, display

    display(Math(equation_latex(lhs, expr)))
