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

import numpy as np

from .._validation import validate_step_size
from ..model._landscape import RiverValley, as_state, validate_landscape
from ..model._noise import AdditiveNoise, NoiseModel, validate_noise

# Quadrature tolerances (absolute, on values in [0, 1]); the threshold's step-size scan.
_EPSABS = 1e-12
_EPSREL = 1e-10
_GRID = 128
#: A change of the expected alignment smaller than this is within the quadrature error.
_DECIDED = 10 * _EPSABS
_GRID_NEAR_ZERO = 12


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
        uniq, self.count = np.unique(key, axis=1, return_counts=True)
        self.dom = uniq[0] > 0.5
        self.lam, self.s, self.g2 = uniq[1], uniq[2], uniq[3:]

    def moments(self, eta) -> tuple[np.ndarray, np.ndarray]:
        """m_i^2 and v_i of g'_i, shape (N, u), for one step size or one per state."""
        e = np.reshape(np.asarray(eta, dtype=float), (-1, 1))
        m2 = (1.0 - e * self.lam) ** 2 * self.g2
        v = np.broadcast_to((e * self.lam) ** 2 * self.s, m2.shape)
        return m2, v


def _ratio_expectation(
    m2: np.ndarray, v: np.ndarray, count: np.ndarray, dom: np.ndarray
) -> np.ndarray:
    r"""E[X/(X+Y)] for X, Y the weighted sums of Z_i^2 in and out of ``dom``.

    Z_i ~ N(m_i, v_i) independent; group i stands for ``count[i]`` identical
    coordinates.
    """
    from scipy.integrate import quad_vec

    total = (m2 + v) @ count
    if np.any(total == 0):
        raise ValueError(
            "the gradient after the step is zero with no noise (theta and eta give "
            "D' + B' = 0), so the alignment is undefined there"
        )
    c = 1.0 / total  # s = c x puts the decay of the integrand at x of order 1
    dom_count = np.where(dom, count, 0)

    def integrand(u: float) -> np.ndarray:
        # s = c (u / (1 - u))^2 maps (0, 1) onto (0, inf); the integrand stays bounded.
        r = u / (1.0 - u)
        s = c * r * r
        ds = c * 2.0 * u / (1.0 - u) ** 3
        two_sv = 2.0 * s[:, None] * v
        w = 1.0 + two_sv
        log_mgf = -0.5 * np.log1p(two_sv) @ count - s * ((m2 / w) @ count)
        kernel = (v / w + m2 / (w * w)) @ dom_count
        return np.exp(log_mgf) * kernel * ds

    value, _ = quad_vec(integrand, 0.0, 1.0, epsabs=_EPSABS, epsrel=_EPSREL, norm="max")
    return np.clip(value, 0.0, 1.0)


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
    costs :math:`O(d)`; it is evaluated by adaptive Gauss-Kronrod quadrature
    (``scipy.integrate.quad_vec``, absolute tolerance :math:`10^{-12}`) after the
    substitution :math:`u = x^2/((1-x)^2\,\mathbb E[D'+B'])`.

    It differs from the ratio of expectations :func:`expected_alignment_step` (Jensen's
    gap of :math:`x \mapsto x/(x+B)`); the two agree when :math:`D'` and :math:`B'`
    concentrate, i.e. when both blocks have many coordinates of comparable weight.

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
    expected_alignment_step : the ratio of expectations that defines the book's
        :math:`\eta^*_t`.
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

    With noise it differs from the ratio of expectations:

    >>> from rivervalley_lib import expected_alignment_step
    >>> valley = RiverValley.two_level(d=20, k=2, dominant=10.0, bulk=0.2)
    >>> theta, noise = [0.1] * 2 + [1.0] * 18, IsotropicNoise(0.5)
    >>> round(expected_alignment(valley, noise, theta, 0.15), 4)
    0.5789
    >>> round(expected_alignment_step(valley, noise, theta, 0.15), 4)
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
    theta = np.broadcast_to(theta, batch + (valley.d,))
    coords = _Coordinates(valley, noise, theta)
    m2, v = coords.moments(np.broadcast_to(eta, batch))
    out = _ratio_expectation(m2, v, coords.count, coords.dom).reshape(batch)
    return float(out) if out.ndim == 0 else out


def exact_critical_step_size(valley: RiverValley, noise: NoiseModel, theta):
    r"""The exact critical step size, where :math:`\mathbb E[\chi_{t+1}] = \chi_t`.

    It is the smallest :math:`\eta \in (0, 2/\lambda_1)` at which
    :math:`\mathbb E[\chi_{t+1}]` crosses :math:`\chi_t` from below. The public entry
    point is ``critical_step_size(valley, noise, theta, exact=True)``.
    The difference :math:`f(\eta) = \mathbb E[\chi_{t+1}] - \chi_t` (from
    :func:`expected_alignment`) is scanned on a grid of the stable range (12 geometric
    points below :math:`2/(128\lambda_1)`, then steps of :math:`2/(128\lambda_1)` up to
    :math:`2/\lambda_1`), and the first sign change from negative to positive is refined
    by Brent's method to :math:`10^{-12}`. Two crossings closer than one grid step can
    be missed.

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
        The exact threshold; ``0.0`` if the expected alignment rises at every scanned
        step size (e.g. :math:`\chi_t = 0` with a noisy dominant block); ``math.inf``
        if it never crosses :math:`\chi_t` from below in :math:`(0, 2/\lambda_1)`.

    Raises
    ------
    ValueError
        If the exact change of the alignment is below the quadrature tolerance at
        every scanned step size (the sign is undecidable there).

    References
    ----------
    - Deng et al., ALT 2026, arXiv:2601.11789 (the adaptive critical step size, which
      this refines to the expectation of the alignment; the computation is the book's).

    Examples
    --------
    Without noise the exact threshold is the book's :math:`\eta^* = 2/(\lambda+\mu)`:

    >>> from rivervalley_lib import RiverValley, IsotropicNoise, critical_step_size
    >>> valley = RiverValley.two_level(d=10, k=2, dominant=3.0, bulk=1.0)
    >>> eta = critical_step_size(valley, IsotropicNoise(0.0), [1.0] * 10, exact=True)
    >>> round(eta, 9)
    0.5
    """
    from scipy.optimize import brentq

    validate_landscape(valley)
    _check_gaussian_diagonal(noise)
    theta = as_state(valley, theta)
    g2 = valley.gradient(theta) ** 2
    total = g2.sum(-1)
    if np.any(total == 0):
        raise ValueError("theta has a zero gradient: the alignment is undefined there")
    chi = g2[..., : valley.k].sum(-1) / total
    top = valley.stability_limit
    etas = top * np.concatenate(
        [
            np.geomspace(1e-6, 1.0 / _GRID, _GRID_NEAR_ZERO, endpoint=False),
            np.arange(1, _GRID + 1) / _GRID,
        ]
    )
    flat = theta.reshape(-1, valley.d)
    out = np.empty(flat.shape[0])
    for j, (th, c) in enumerate(zip(flat, chi.reshape(-1), strict=True)):
        coords = _Coordinates(valley, noise, th)

        def f(e: float, coords: _Coordinates = coords, c: float = float(c)) -> float:
            m2, v = coords.moments(e)
            return float(_ratio_expectation(m2, v, coords.count, coords.dom)[0]) - c

        m2, v = coords.moments(etas)
        diff = _ratio_expectation(m2, v, coords.count, coords.dom) - c
        if not np.any(np.abs(diff) > _DECIDED):
            raise ValueError(
                "theta gives an exact alignment change below the quadrature tolerance "
                f"{_DECIDED:g} at every step size scanned: the sign, hence the exact "
                "threshold, is undecidable there (use exact=False, the book's eta*)"
            )
        rising = np.nonzero(diff > 0)[0]
        if rising.size == 0:
            out[j] = math.inf
        elif rising[0] == 0:
            if c > 0 and diff[0] <= _DECIDED:  # chi_t = 0 rises at once for certain
                raise ValueError(
                    "theta gives an exact alignment change below the quadrature "
                    f"tolerance {_DECIDED:g} at the smallest step size scanned: "
                    "whether it rises at every step size is undecidable there (use "
                    "exact=False, the book's eta*)"
                )
            out[j] = 0.0
        else:
            p = rising[0]
            if diff[p - 1] == 0:
                out[j] = etas[p - 1]
            else:
                out[j] = brentq(f, etas[p - 1], etas[p], xtol=1e-12, rtol=1e-12)
            if out[j] >= top:
                out[j] = math.inf
    res = out.reshape(theta.shape[:-1])
    return float(res) if res.ndim == 0 else res
