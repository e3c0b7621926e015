r"""The book's derivations, carried out in sympy.

Every formula the numerical modules use is derived here from the single-coordinate
update, so the book can display sympy's output instead of hand-typed LaTeX, and the
tests can compare the lambdified expressions with the numpy functions.

The derivation chain is:

1. :func:`per_coordinate_recursion`:
   :math:`\mathbb E[g_i'^2] = (1-\eta\lambda_i)^2 g_i^2 + \eta^2\lambda_i^2 s_i`
   from :math:`g_i' = (1-\eta\lambda_i)g_i - \eta\lambda_i\xi_i`,
   :math:`\mathbb E\xi_i = 0`, :math:`\mathbb E\xi_i^2 = s_i`.
2. :func:`block_recursion`: summing over a block by linearity gives
   :math:`\mathbb E X' = X - 2\eta a_X + \eta^2(b_X + n_X)`.
3. :func:`critical_step_size_expr`: solving
   :math:`\mathbb E D'/(\mathbb E D' + \mathbb E B') = D/(D+B)`
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

from ._derivations import (
    AlignmentChange,
    Lambdified,
    alignment_change,
    critical_step_size_expr,
    lambdified,
    noise_free_limit,
    projection_threshold_expr,
    stationary_energy_expr,
    two_level_critical_step_size,
)
from ._recursion import (
    block_recursion,
    expectation,
    per_coordinate_recursion,
    rayleigh_form,
    symbols,
)

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
    "AlignmentChange",
    "lambdified",
    "Lambdified",
]
