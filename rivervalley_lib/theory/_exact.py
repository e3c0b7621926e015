r"""The exact expected alignment after one SGD step, and its exact threshold.

The book's :math:`\eta^*_t` compares a *ratio of expectations*,
:math:`\mathbb E D_{t+1}/(\mathbb E D_{t+1} + \mathbb E B_{t+1})`, with :math:`\chi_t`.
This module computes the *expectation of the ratio*,
:math:`\mathbb E[\chi_{t+1}\mid\theta_t]`, exactly for Gaussian noise with a diagonal
covariance (:class:`IsotropicNoise`, :class:`CurvatureNoise`), and the step size at
which it crosses :math:`\chi_t`.

Per coordinate, the gradient after one step is
:math:`g_i' = \lambda_i(\theta_i - \eta(\lambda_i\theta_i + \xi_i))
= (1-\eta\lambda_i)g_i - \eta\lambda_i\xi_i`,
a Gaussian :math:`\mathcal N(m_i, v_i)` with :math:`m_i = (1-\eta\lambda_i)g_i` and
:math:`v_i = \eta^2\lambda_i^2 s_i`, independent across coordinates. So
:math:`D' = \sum_{i\le k} g_i'^2` and :math:`B' = \sum_{i>k} g_i'^2` are independent
sums of non-central squared Gaussians, whose Laplace transforms are closed-form.
"""

from __future__ import annotations

import math
import sys

import numpy as np

from .._validation import validate_step_size
from ..model._landscape import RiverValley, as_state
from ..model._noise import (
    AdditiveNoise,
    CurvatureNoise,
    IsotropicNoise,
    NoiseModel,
    validate_noise,
)
from ..model._state import validate_landscape

# The trapezoidal rule in x = ln(tau): node spacing, margins (in units of x) left and
# right of the integrand's scale, the relative size of the last node's term below which
# the right tail is complete, and the chunk (nodes x coordinates) held in memory.
_H = 0.3
_LEFT = 34.0
_RIGHT = 36.0
_TAIL = 1e-16
_CHUNK = 1 << 17
# The threshold's scan: steps of 2/(_GRID lambda_1); below the first one, decades down
# to the smallest step size whose square (in every quadrature term) is a normal float.
_GRID = 128
_STEP_FLOOR = math.sqrt(sys.float_info.min)
_ORDINARY = 100  # noise scales beyond 2^(+-_ORDINARY) are balanced (_balance)


def _check_gaussian_diagonal(noise: NoiseModel) -> None:
    validate_noise(noise)
    if not isinstance(noise, AdditiveNoise):
        raise TypeError(
            "noise must be IsotropicNoise or CurvatureNoise (Gaussian with a diagonal "
            "covariance) for the exact expected alignment, got "
            f"{type(noise).__name__} (RegressionNoise, the minibatch noise, is neither "
            "Gaussian nor diagonal)"
        )


class _Coordinates:
    """Coordinates grouped by (block, lambda_i, s_i, g_i^2): identical ones share a law.

    ``lam``, ``s``, ``dom`` and ``count`` have shape (u,) for u distinct groups, ``g2``
    has shape (N, u) for N states. A two-level valley at a block-even state has u = 2,
    so the quadrature costs O(1) there instead of O(d).
    """

    def __init__(self, valley: RiverValley, noise: NoiseModel, theta: np.ndarray):
        lam = valley.eigenvalues
        g2 = ((lam * theta) ** 2).reshape(-1, valley.d)
        key = np.vstack(
            [valley.dominant_mask.astype(float), lam, noise.diagonal(valley), g2]
        )
        # Group equal columns: lexsort, then mark where a column differs from the last.
        key = key[:, np.lexsort(key[::-1])]
        new = np.concatenate([[True], np.any(key[:, 1:] != key[:, :-1], axis=0)])
        starts = np.flatnonzero(new)
        uniq = key[:, starts]
        self.count = np.diff(np.append(starts, key.shape[1])).astype(float)
        self.dom = uniq[0] > 0.5
        self.lam, self.s, self.g2 = uniq[1], uniq[2], uniq[3:]

    def total(self, eta: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """E[D' + B'] for step sizes ``eta`` at the states ``rows`` (same shape)."""
        lam, c = self.lam, self.count
        a = self.g2 @ (c[:, None] * np.stack([np.ones_like(lam), lam, lam * lam], 1))
        n = float((c * lam * lam * self.s).sum())
        a = a[rows]
        return a[..., 0] - 2 * eta * a[..., 1] + eta * eta * (a[..., 2] + n)


class _Laplace:
    r"""E[chi'] for many step sizes and states from sums computed once per node.

    With :math:`\tau = u\eta^2`, :math:`q_i = 2\lambda_i^2 s_i` and
    :math:`w_i = 1 + \tau q_i`, every factor of the integrand of
    :func:`expected_alignment` is a polynomial in :math:`\eta` whose coefficients are
    sums over coordinates that depend on :math:`\tau` alone:
    :math:`\ln\prod_i M_i = -\tfrac12\sum_i\ln w_i
    - \tfrac{\tau}{\eta^2}(A_0 - 2\eta A_1 + \eta^2A_2)`,
    :math:`A_p = \sum_i g_i^2\lambda_i^p/w_i`, and the dominant kernel is
    :math:`\eta^2\sum_{i\le k}\lambda_i^2s_i/w_i + K_0 - 2\eta K_1 + \eta^2K_2`,
    :math:`K_p = \sum_{i\le k}g_i^2\lambda_i^p/w_i^2`. In :math:`x = \ln\tau` the
    integrand is analytic and decays exponentially at both ends, so the trapezoidal
    rule on a uniform grid of :math:`x` converges geometrically; the sums are computed
    once on that grid (cost nodes x coordinates) and each step size then costs
    O(nodes).
    """

    def __init__(self, coords: _Coordinates, lo: float, hi: float):
        self.c = coords
        lam, cnt = coords.lam, coords.count
        self.q = 2.0 * lam * lam * coords.s
        self.lamp = np.stack([np.ones_like(lam), lam, lam * lam])  # (3, u)
        self.noise_dom = cnt * lam * lam * coords.s  # read at the dominant groups only
        self.i0 = math.floor((lo - _LEFT) / _H)
        n = self.c.g2.shape[0]
        self.L, self.Nd = np.empty(0), np.empty(0)
        self.A, self.K = np.empty((3, n, 0)), np.empty((3, n, 0))
        self.x = np.empty(0)
        self._extend(math.ceil((hi + _RIGHT) / _H) - self.i0 + 1)

    def _extend(self, m: int) -> None:
        x = (self.i0 + self.x.size + np.arange(m)) * _H
        tau = np.exp(x)
        c = self.c
        u, n = self.q.size, c.g2.shape[0]
        L, Nd = np.zeros(m), np.zeros(m)
        A, K = np.zeros((3, n, m)), np.zeros((3, n, m))
        step = max(1, _CHUNK // m)
        dom_idx = np.nonzero(c.dom)[0]
        for a in range(0, u, step):
            sl = slice(a, a + step)
            L += _sum_log1p(tau, self.q[sl], c.count[sl])
            inv = 1.0 / (1.0 + np.multiply.outer(tau, self.q[sl]))
            A += (c.g2[None, :, sl] * (self.lamp[:, None, sl] * c.count[sl])) @ inv.T
        for a in range(0, dom_idx.size, step):
            idx = dom_idx[a : a + step]
            inv = 1.0 / (1.0 + np.multiply.outer(tau, self.q[idx]))
            Nd += inv @ self.noise_dom[idx]
            K += (c.g2[None, :, idx] * (self.lamp[:, None, idx] * c.count[idx])) @ (
                inv * inv
            ).T
        self.x = np.concatenate([self.x, x])
        self.L, self.Nd = np.concatenate([self.L, L]), np.concatenate([self.Nd, Nd])
        self.A, self.K = np.concatenate([self.A, A], 2), np.concatenate([self.K, K], 2)

    def __call__(self, eta: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """E[chi'] at step sizes ``eta`` > 0 and state indices ``rows`` (1-d, equal
        length). Evaluations are sorted by scale, so each block sums only the nodes
        within its margins."""
        centre = 2 * np.log(eta) - np.log(self.c.total(eta, rows))
        order = np.argsort(centre)
        out = np.empty(eta.shape)
        block = max(64, _CHUNK // self.x.size)  # the grid is never empty
        for a in range(0, eta.size, block):
            idx = order[a : a + block]
            lo = max(0, math.floor((centre[idx[0]] - _LEFT) / _H) - self.i0)
            hi = math.ceil((centre[idx[-1]] + _RIGHT) / _H) - self.i0 + 1
            out[idx] = self._values(eta[idx], rows[idx], lo, hi)
        return out

    def _values(self, eta: np.ndarray, rows: np.ndarray, lo: int, hi: int):
        e = eta[:, None]
        while True:
            if hi > self.x.size:
                self._extend(hi - self.x.size)
            sl = slice(lo, hi)
            A, K = self.A[:, rows, sl], self.K[:, rows, sl]
            quad = A[0] - 2 * e * A[1] + e * e * A[2]
            kern = e * e * self.Nd[sl] + K[0] - 2 * e * K[1] + e * e * K[2]
            w = np.exp(self.x[sl]) / (e * e)
            # quad and kern are >= 0; the clip removes rounding where (1 - eta lam)^2
            # cancels in the expanded polynomial.
            f = np.exp(-0.5 * self.L[sl] - w * np.maximum(quad, 0.0))
            f *= np.maximum(kern, 0.0) * w
            value = _H * f.sum(1)
            if np.all(f[:, -1] <= _TAIL * value):
                return np.clip(value, 0.0, 1.0)
            hi += math.ceil(_RIGHT / _H)


def _sum_log1p(tau: np.ndarray, q: np.ndarray, count: np.ndarray) -> np.ndarray:
    """sum_i count_i log(1 + tau q_i) for every tau, with q >= 0; shape (len(tau),).

    With y = tau q and z = min(y, 1/y) in [0, 1],
    log(1 + y) = log(1 + z) + [y > 1] (log tau + log q); the factors 1 + z of 32
    coordinates of count 1 are multiplied (at most 2^32) before one logarithm, which is
    several times cheaper than one log1p per coordinate.
    """
    y = np.multiply.outer(tau, q)
    big = (y > 1.0).astype(float)
    log_q = np.log(np.where(q > 0, q, 1.0))
    out = (big @ count) * np.log(tau) + big @ (count * log_q)
    z = np.minimum(y, 1.0 / np.where(y > 0, y, 1.0))
    ones = count == 1
    if not ones.all():
        out += np.log1p(z[:, ~ones]) @ count[~ones]
    z1 = z[:, ones]
    pad = (-z1.shape[1]) % 32
    z1 = np.concatenate([z1, np.zeros((z1.shape[0], pad))], 1) + 1.0
    return out + np.log(z1.reshape(z1.shape[0], -1, 32).prod(2)).sum(1)


def _laplace_for(coords: _Coordinates, eta: np.ndarray, rows: np.ndarray) -> _Laplace:
    """The trapezoidal grid that covers the scale eta^2 / E[D' + B'] of every (step
    size, state) pair."""
    total = coords.total(eta, rows)
    if np.any(total <= 0):
        raise ValueError(
            "the gradient after the step is zero with no noise (theta and eta give "
            "D' + B' = 0), so the alignment is undefined there"
        )
    centre = 2 * np.log(eta) - np.log(total)
    return _Laplace(coords, float(centre.min()), float(centre.max()))


def expected_alignment(valley: RiverValley, noise: NoiseModel, theta, eta):
    r"""The exact expected alignment after one SGD step, :math:`\mathbb E[\chi_{t+1}]`.

    With :math:`g_i' = (1-\eta\lambda_i)g_i - \eta\lambda_i\xi_i
    \sim \mathcal N(m_i, v_i)`, :math:`m_i = (1-\eta\lambda_i)g_i`,
    :math:`v_i = \eta^2\lambda_i^2 s_i`, the next alignment is
    :math:`\chi_{t+1} = D'/(D'+B')` with independent :math:`D' = \sum_{i\le k}g_i'^2`
    and :math:`B' = \sum_{i>k}g_i'^2`. Writing :math:`1/x = \int_0^\infty e^{-ux}\,du`,

    .. math::

        \mathbb E[\chi_{t+1}] = \int_0^\infty \mathbb E\big[D'e^{-uD'}\big]\,
        \mathbb E\big[e^{-uB'}\big]\,du
        = \int_0^\infty \prod_{i=1}^d M_i(u) \sum_{i\le k}
        \Big(\frac{v_i}{1+2uv_i} + \frac{m_i^2}{(1+2uv_i)^2}\Big)\,du,

    with the Laplace transform of a non-central squared Gaussian
    :math:`M_i(u) = \mathbb E e^{-ug_i'^2}
    = (1+2uv_i)^{-1/2}\exp(-um_i^2/(1+2uv_i))`. This is one integral whose integrand
    costs :math:`O(d)`. In :math:`x = \ln(u\eta^2)` it is analytic and decays
    exponentially at both ends, so it is evaluated by the trapezoidal rule on a uniform
    grid of :math:`x` (spacing 0.3, error below :math:`10^{-12}`), which converges
    geometrically for such integrands (Trefethen and Weideman 2014). The sums over
    coordinates at each node are polynomials in :math:`\eta` with coefficients that
    depend on :math:`u\eta^2` alone, so many step sizes share one set of sums.

    It differs from the energy ratio :func:`energy_ratio_step` (a ratio of
    expectations; the gap is Jensen's, for :math:`x \mapsto x/(x+B)`); the two agree
    when :math:`D'` and :math:`B'` concentrate, i.e. when both blocks have many
    coordinates of comparable weight (the high-dimensional limit).

    Parameters
    ----------
    valley : RiverValley
        The valley: the eigenvalues of :math:`H`, dominant block first.
    noise : IsotropicNoise or CurvatureNoise
        Gaussian noise with a diagonal covariance.
    theta : array_like, shape (..., d)
        Current state(s); leading axes are batch axes.
    eta : float or array_like
        Step size(s) > 0, broadcast against the leading axes of ``theta``.

    Returns
    -------
    float or ndarray
        :math:`\mathbb E[\chi_{t+1}\mid\theta_t] \in [0, 1]`.

    Raises
    ------
    TypeError
        If ``noise`` is a :class:`RegressionNoise` (not Gaussian, not diagonal) or not a
        noise model, or ``valley`` is not a :class:`RiverValley`.
    ValueError
        If ``theta`` or ``eta`` is invalid, or if the gradient after the step is zero
        with no noise (the alignment is undefined).

    See Also
    --------
    energy_ratio_step : the energy ratio (a ratio of expectations) that defines the
        book's :math:`\eta^*_t`.
    critical_step_size : with ``exact=True``, the step size at which this function
        crosses :math:`\chi_t`.

    References
    ----------
    - N. Cressie, A. S. Davis, J. L. Folks, G. E. Policello, "The moment-generating
      function and negative integer moments", The American Statistician 35 (1981),
      148-150 (the integral of the Laplace transform).
    - N. L. Johnson, S. Kotz, N. Balakrishnan, Continuous Univariate Distributions,
      vol. 2, Wiley (1995), ch. 29 (the non-central chi-square law).
    - Deng et al., "Suspicious Alignment of SGD", ALT 2026, arXiv:2601.11789 (the
      phenomenon; the computation is the book's own).

    Examples
    --------
    Without noise the next alignment is deterministic, so the expectation is the ratio:

    >>> from rivervalley_lib import RiverValley, IsotropicNoise, expected_alignment
    >>> valley = RiverValley([4.0, 1.0], k=1)
    >>> round(expected_alignment(valley, IsotropicNoise(0.0), [1.0, 1.0], eta=0.1), 4)
    0.8767

    With noise it differs from the energy ratio, a ratio of expectations:

    >>> from rivervalley_lib import energy_ratio_step
    >>> valley = RiverValley.two_level(d=20, k=2, dominant=10.0, bulk=0.2)
    >>> theta, noise = [0.1] * 2 + [1.0] * 18, IsotropicNoise(0.5)
    >>> round(expected_alignment(valley, noise, theta, 0.15), 4)
    0.5789
    >>> round(energy_ratio_step(valley, noise, theta, 0.15), 4)
    0.7045
    """
    validate_landscape(valley)
    _check_gaussian_diagonal(noise)
    eta = validate_step_size("eta", eta)
    theta = as_state(valley, theta)
    try:
        batch = np.broadcast_shapes(theta.shape[:-1], np.shape(eta))
    except ValueError:
        raise ValueError(
            f"eta of shape {np.shape(eta)} does not broadcast against the leading axes "
            f"{theta.shape[:-1]} of theta"
        ) from None
    coords = _Coordinates(valley, noise, theta)
    state = np.arange(coords.g2.shape[0]).reshape(theta.shape[:-1])
    rows = np.broadcast_to(state, batch).reshape(-1)
    etas = np.broadcast_to(eta, batch).reshape(-1)  # validated: float64
    out = _laplace_for(coords, etas, rows)(etas, rows).reshape(batch)
    return float(out) if out.ndim == 0 else out


def exact_critical_step_size(valley: RiverValley, noise: NoiseModel, theta):
    r"""The exact critical step size, where :math:`\mathbb E[\chi_{t+1}] = \chi_t`.

    It is the smallest :math:`\eta \in (0, 2/\lambda_1)` at which
    :math:`\mathbb E[\chi_{t+1}]` crosses :math:`\chi_t` from below. The public entry
    point is ``critical_step_size(valley, noise, theta, exact=True)``.

    For :math:`0 < \chi_t < 1` the expected alignment falls for small steps:
    :math:`\mathbb E[\chi_{t+1}] - \chi_t = -2\eta\gamma_t D_tB_t/G_t^4 + O(\eta^2)`
    with :math:`\gamma_t = \rho_1^{\mathcal D} - \rho_1^{\mathcal B} > 0`, so the
    threshold is positive. The difference :math:`f(\eta)` (from
    :func:`expected_alignment`) is scanned at the steps :math:`j\,2/(128\lambda_1)`,
    :math:`j = 1, \dots, 128`; if it already rises at the first one, the scan goes
    down by decades until it falls, at most down to the smallest step size whose
    square is a normal float (about :math:`1.5\cdot 10^{-154}`). The first sign change
    from negative to positive is refined by regula falsi with a bisection every third
    step to a relative :math:`10^{-11}`, or until :math:`|f|` is below the
    quadrature's accuracy. All states are refined at once. Two crossings closer than
    one scan step can be missed. The threshold is homogeneous of degree 0 in
    :math:`(\theta, \sigma)`, so an extreme noise scale is first divided, with the
    state, by a power of two (the quadrature's nodes stay in the float range).

    Parameters
    ----------
    valley : RiverValley
        The valley: the eigenvalues of :math:`H`, dominant block first.
    noise : IsotropicNoise or CurvatureNoise
        The gradient-noise model (its diagonal :math:`s_i = \Sigma_{ii}`).
    theta : array_like, shape (..., d)
        State(s) in the eigenbasis; leading axes are batch axes.

    Returns
    -------
    float or ndarray
        The exact threshold in :math:`(0, 2/\lambda_1)`, or ``math.inf`` if
        :math:`\mathbb E[\chi_{t+1}]` never crosses :math:`\chi_t` from below in
        :math:`(0, 2/\lambda_1)` (for instance :math:`\chi_t = 1`). It is ``0.0``
        exactly when :math:`\chi_t = 0` and the dominant block is noisy: then
        :math:`\chi_{t+1} > 0 = \chi_t` for every step size.

    Raises
    ------
    ValueError
        If ``theta`` has a zero gradient.
    ArithmeticError
        If :math:`0 < \chi_t < 1` but the expected alignment rises at every step size
        down to about :math:`1.5\cdot 10^{-154}` (the threshold is below it: the
        gradient energy is below about :math:`10^{-307}` of the noise's).

    References
    ----------
    - Deng et al., ALT 2026, arXiv:2601.11789 (the adaptive critical step size, which
      this refines to the expectation of the alignment; the computation is the book's).
    - W. H. Press, S. A. Teukolsky, W. T. Vetterling, B. P. Flannery, Numerical
      Recipes, 3rd ed., Cambridge (2007), sec. 9.2 (regula falsi, and bisection as
      its safeguard).

    Examples
    --------
    Without noise the exact threshold is the book's :math:`\eta^* = 2/(\lambda+\mu)`:

    >>> from rivervalley_lib import RiverValley, IsotropicNoise, critical_step_size
    >>> valley = RiverValley.two_level(d=10, k=2, dominant=3.0, bulk=1.0)
    >>> eta = critical_step_size(valley, IsotropicNoise(0.0), [1.0] * 10, exact=True)
    >>> round(eta, 9)
    0.5
    """
    validate_landscape(valley)
    _check_gaussian_diagonal(noise)
    theta, noise = _balance(as_state(valley, theta), noise)
    g2 = valley.gradient(theta) ** 2
    total = g2.sum(-1)
    if np.any(total == 0):
        raise ValueError("theta has a zero gradient: the alignment is undefined there")
    chi = (g2[..., : valley.k].sum(-1) / total).reshape(-1)
    noisy_dom = bool(np.any(noise.diagonal(valley)[: valley.k] > 0))
    top = valley.stability_limit
    grid = top * np.arange(1, _GRID + 1) / _GRID
    coords = _Coordinates(valley, noise, theta)
    n = chi.size
    scan = np.tile(grid, n)
    rows = np.repeat(np.arange(n), grid.size)
    laplace = _laplace_for(coords, scan, rows)
    diff = (laplace(scan, rows) - np.repeat(chi, grid.size)).reshape(n, grid.size)
    out = np.full(n, math.inf)
    out[chi == 0.0] = 0.0 if noisy_dom else math.inf
    inside = (chi > 0.0) & (chi < 1.0)  # chi = 1: chi' <= 1 = chi never rises
    first_up = inside & (diff[:, 0] > 0)
    up = diff > 0
    scan = inside & ~first_up & up.any(1)
    rows = np.nonzero(scan)[0]
    p = np.argmax(up[rows], 1)
    out[rows] = _refine(
        laplace, rows, grid[p - 1], grid[p], diff[rows, p - 1], diff[rows, p], chi
    )
    # The threshold is below the grid: go down by decades to the largest step size
    # where E[chi'] falls (it must, for 0 < chi < 1), then refine that decade.
    rows, above = np.nonzero(first_up)[0], grid[0]
    while rows.size:
        etas = above * 10.0 ** -np.arange(0, 17, dtype=float)
        etas = etas[etas >= _STEP_FLOOR]
        if etas.size < 2:
            raise ArithmeticError(
                f"the expected alignment at state {int(rows[0])} "
                f"(chi = {float(chi[rows[0]]):g}) rises at every step size down to "
                f"{above:g}: its threshold is below the smallest step size whose "
                f"square is a normal float ({_STEP_FLOOR:g}), where the quadrature "
                "loses its digits"
            )
        ee, rr = np.tile(etas, rows.size), np.repeat(rows, etas.size)
        lap = _laplace_for(coords, ee, rr)
        f = (lap(ee, rr) - chi[rr]).reshape(rows.size, etas.size)
        falls = f <= 0
        found = falls.any(1)
        q = np.argmax(falls[found], 1)
        r = rows[found]
        out[r] = _refine(
            lap, r, etas[q], etas[q - 1], f[found, q], f[found, q - 1], chi
        )
        rows, above = rows[~found], etas[-1]
    out[out >= top] = math.inf
    res = out.reshape(theta.shape[:-1])
    return float(res) if res.ndim == 0 else res


def _balance(theta: np.ndarray, noise: NoiseModel) -> tuple[np.ndarray, NoiseModel]:
    """theta and sigma divided by c = 2^(e // 2), e the binary exponent of sigma, if
    sigma is beyond 2^(+-_ORDINARY) (c depends on sigma alone: a batch and its rows
    alike). E[chi'] is invariant; the quadrature's scale eta^2 / E[D' + B'] (about
    1/sigma^2 where the noise dominates) is not: at sigma = 1e147 (a scale-free state
    of gradient energy 1e-296) the nodes exp(x) underflowed."""
    if type(noise) not in (IsotropicNoise, CurvatureNoise):
        return theta, noise
    e = math.frexp(noise.sigma)[1]  # 0 for sigma = 0
    if abs(e) <= _ORDINARY:
        return theta, noise
    return np.ldexp(theta, -(e // 2)), type(noise)(math.ldexp(noise.sigma, -(e // 2)))


def _refine(laplace: _Laplace, rows, a, b, fa, fb, chi) -> np.ndarray:
    """Roots of E[chi'] - chi in the brackets [a, b] with f(a) <= 0 < f(b), all at once.

    Regula falsi with a bisection every third step, until the bracket is below 1e-11
    of the step size or |f| below the quadrature's relative accuracy (1e-13 of chi);
    f(a) = 0 returns a. It gives up after 200 evaluations and returns the bracket's
    upper end (a bisection every third step shrinks any bracket of the step-size grid
    to 1e-11 of itself well within that). The bisection also frees an end stalled on
    a convex f, which an Illinois halving would do (same counts on chapter 4's states).
    """
    a, b = np.array(a, dtype=float), np.array(b, dtype=float)
    fa, fb = np.array(fa, dtype=float), np.array(fb, dtype=float)
    done = fa == 0
    b[done] = a[done]
    for it in range(200):
        live = ~done & ((b - a) > 1e-11 * b)
        if not live.any():
            break
        r, aa, bb, ffa, ffb = rows[live], a[live], b[live], fa[live], fb[live]
        c = 0.5 * (aa + bb) if it % 3 == 2 else bb - ffb * (bb - aa) / (ffb - ffa)
        fc = laplace(c, r) - chi[r]
        up = fc > 0
        a[live] = np.where(up, aa, c)
        fa[live] = np.where(up, ffa, fc)
        b[live] = np.where(up, c, bb)
        fb[live] = np.where(up, fc, ffb)
        close = np.abs(fc) <= 1e-13 * chi[r]
        b[live] = np.where(close, c, b[live])
        done[live] = close
    return b
