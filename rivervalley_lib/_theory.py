r"""Closed-form one-step theory of the alignment in the quadratic river valley.

Notation (the book's, see the Notation appendix): :math:`g = \nabla L(\theta) = H\theta`,
:math:`D = \|P_{\mathcal D} g\|^2`, :math:`B = \|P_{\mathcal B} g\|^2`,
:math:`\chi = D/(D+B)`, and for each block :math:`X \in \{\mathcal D, \mathcal B\}`

.. math::

    a_X = \sum_{i\in X}\lambda_i g_i^2,\quad b_X = \sum_{i\in X}\lambda_i^2 g_i^2,\quad
    n_X = \sum_{i\in X}\lambda_i^2 s_i,\quad t_X = \sum_{i\in X}\lambda_i s_i ,

with :math:`s_i = \Sigma_{ii}` the noise variance of coordinate :math:`i`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ._landscape import RiverValley
from ._noise import NoiseModel, _check_landscape, _check_noise
from ._validation import check_array, check_int, check_real, check_step_size

__all__ = [
    "alignment",
    "gradient_alignment",
    "expected_next",
    "expected_alignment_step",
    "critical_step_size",
    "alignment_regime",
    "projection_thresholds",
    "expected_loss_change",
    "noise_floor",
    "phase_lengths",
    "PhaseLengths",
    "expected_trajectory",
    "MeanFieldTrajectory",
    "state_with_alignment",
    "self_correction_alignment",
    "measured_phase_lengths",
]


@dataclass(frozen=True)
class _Moments:
    D: np.ndarray
    B: np.ndarray
    aD: np.ndarray
    aB: np.ndarray
    bD: np.ndarray
    bB: np.ndarray
    nD: np.ndarray
    nB: np.ndarray
    tD: np.ndarray
    tB: np.ndarray


def _moments(landscape: RiverValley, noise: NoiseModel, theta) -> _Moments:
    _check_landscape(landscape)
    _check_noise(noise)
    theta = landscape._state(theta)
    lam = landscape.eigenvalues
    k = landscape.k
    g2 = (lam * theta) ** 2
    s = noise.diagonal(landscape, theta)

    def split(w: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return v[..., :k] @ w[:k], v[..., k:] @ w[k:]

    ones = np.ones_like(lam)
    D, B = split(ones, g2)
    aD, aB = split(lam, g2)
    bD, bB = split(lam**2, g2)
    nD, nB = split(lam**2, s)
    tD, tB = split(lam, s)
    return _Moments(D, B, aD, aB, bD, bB, nD, nB, tD, tB)


def _scalarize(x):
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x


def gradient_alignment(landscape: RiverValley, g, *, squared: bool = True):
    r"""The alignment of any vector :math:`v` (a full or a stochastic gradient) with :math:`\mathcal D`.

    .. math::

        \chi(v) = \frac{\|P_{\mathcal D} v\|^2}{\|v\|^2}
        \quad\text{or, with ``squared=False``,}\quad
        \chi_k(v) = \frac{\|P_{\mathcal D} v\|}{\|v\|} .

    Parameters
    ----------
    landscape : RiverValley
    g : array_like, shape (..., d)
        Vectors in the eigenbasis; leading axes are batch axes. None may be zero.
    squared : bool
        Squared ratio (default, Gur-Ari et al.) or the norm ratio of Song et al.

    Returns
    -------
    float or ndarray, shape (...)
        Values in :math:`[0, 1]`.

    Raises
    ------
    ValueError
        If some vector is zero (the alignment is undefined there).

    References
    ----------
    - Gur-Ari, Roberts, Dyer, arXiv:1812.04754 (2018).
    - Song, Ahn, Yun, ICLR 2025, arXiv:2405.16002.

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, gradient_alignment
    >>> rv = RiverValley([4.0, 1.0], k=1)
    >>> gradient_alignment(rv, [3.0, 4.0]), gradient_alignment(rv, [3.0, 4.0], squared=False)
    (0.36, 0.6)
    """
    _check_landscape(landscape)
    g = check_array("g", g, ndim_min=1, last_dim=landscape.d)
    if not isinstance(squared, bool):
        raise TypeError(f"squared must be a bool, got {type(squared).__name__}")
    k = landscape.k
    dom = np.einsum("...i,...i->...", g[..., :k], g[..., :k])
    total = np.einsum("...i,...i->...", g, g)
    if np.any(total == 0):
        raise ValueError("g must be non-zero: the alignment of a zero gradient is undefined")
    chi = dom / total
    return _scalarize(chi if squared else np.sqrt(chi))


def alignment(landscape: RiverValley, theta, *, squared: bool = True):
    r"""The alignment of the full-batch gradient with the dominant subspace.

    .. math::

        \chi(\theta) = \frac{\|P_{\mathcal D}\nabla L(\theta)\|^2}{\|\nabla L(\theta)\|^2}
        = \frac{D}{D + B}, \qquad \nabla L(\theta) = H\theta .

    ``squared=False`` gives the norm ratio :math:`\chi_k = \sqrt{\chi}` of Song et al.; both
    are monotone in each other, so every rise or fall statement holds for both.

    Parameters
    ----------
    landscape : RiverValley
    theta : array_like, shape (..., d)
        States; leading axes are batch axes.
    squared : bool
        Squared (default) or unsquared ratio.

    Returns
    -------
    float or ndarray, shape (...)

    Raises
    ------
    ValueError
        If the gradient is zero somewhere.

    References
    ----------
    - Deng et al., "Suspicious Alignment of SGD", ALT 2026, arXiv:2601.11789.

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, alignment
    >>> rv = RiverValley([4.0, 1.0], k=1)
    >>> alignment(rv, [1.0, 4.0])
    0.5
    >>> alignment(rv, [[1.0, 4.0], [1.0, 0.0]])
    array([0.5, 1. ])
    """
    _check_landscape(landscape)
    return gradient_alignment(landscape, landscape.gradient(theta), squared=squared)


def expected_next(landscape: RiverValley, noise: NoiseModel, theta, eta):
    r"""The one-step recursion of the block gradient energies.

    With :math:`g' = (I-\eta H)g - \eta H\xi` and, per coordinate,
    :math:`\mathbb E[g_i'^2] = (1-\eta\lambda_i)^2 g_i^2 + \eta^2\lambda_i^2 s_i`, summing
    over each block gives

    .. math::

        \mathbb E[D_{t+1}\mid\theta_t] = D_t - 2\eta a_{\mathcal D} + \eta^2 (b_{\mathcal D} + n_{\mathcal D}),
        \qquad
        \mathbb E[B_{t+1}\mid\theta_t] = B_t - 2\eta a_{\mathcal B} + \eta^2 (b_{\mathcal B} + n_{\mathcal B}).

    Parameters
    ----------
    landscape : RiverValley
    noise : NoiseModel
    theta : array_like, shape (..., d)
        Current state(s).
    eta : float or array_like
        Step size(s) > 0, broadcast against the leading axes of ``theta``.

    Returns
    -------
    (ED, EB) : tuple of float or ndarray
        :math:`\mathbb E[D_{t+1}]` and :math:`\mathbb E[B_{t+1}]`.

    References
    ----------
    - Deng et al., ALT 2026, arXiv:2601.11789 (the phenomenon; this recursion is the
      book's own derivation in the stated model).

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, expected_next
    >>> rv = RiverValley([4.0, 1.0], k=1)
    >>> expected_next(rv, IsotropicNoise(0.0), [1.0, 1.0], eta=0.25)
    (0.0, 0.5625)
    """
    eta = check_step_size("eta", eta)
    m = _moments(landscape, noise, theta)
    ED = m.D - 2 * eta * m.aD + eta**2 * (m.bD + m.nD)
    EB = m.B - 2 * eta * m.aB + eta**2 * (m.bB + m.nB)
    return _scalarize(ED), _scalarize(EB)


def expected_alignment_step(landscape: RiverValley, noise: NoiseModel, theta, eta):
    r"""The predicted next alignment, as a ratio of expectations.

    .. math:: \bar\chi_{t+1} = \frac{\mathbb E D_{t+1}}{\mathbb E D_{t+1} + \mathbb E B_{t+1}} .

    In high dimension :math:`D_{t+1}` and :math:`B_{t+1}` concentrate, so this is the
    alignment SGD actually reaches after one step.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, expected_alignment_step
    >>> rv = RiverValley([4.0, 1.0], k=1)
    >>> round(expected_alignment_step(rv, IsotropicNoise(0.0), [1.0, 1.0], eta=0.1), 4)
    0.8767
    """
    ED, EB = expected_next(landscape, noise, theta, eta)
    total = np.asarray(ED) + np.asarray(EB)
    if np.any(total == 0):
        raise ValueError("the expected next gradient energy is zero; the alignment is undefined")
    return _scalarize(np.asarray(ED) / total)


def _threshold_terms(m: _Moments) -> tuple[np.ndarray, np.ndarray]:
    """A, C with sign(E[D']B - E[B']D) = sign(eta * C - 2A) (after dividing by eta > 0)."""
    A = m.aD * m.B - m.aB * m.D
    C = (m.bD + m.nD) * m.B - (m.bB + m.nB) * m.D
    if np.any((m.D + m.B) == 0):
        raise ValueError("theta has a zero gradient somewhere: the alignment is undefined there")
    return A, C


def critical_step_size(
    landscape: RiverValley, noise: NoiseModel, theta, *, exact: bool = False
):
    r"""The adaptive critical step size :math:`\eta^*_t`.

    The expected alignment rises iff :math:`\mathbb E D_{t+1} B_t > \mathbb E B_{t+1} D_t`,
    which after cancelling :math:`\eta D_t B_t > 0` reads
    :math:`\eta\,\Delta_t > 2(\rho^{\mathcal D}_1 - \rho^{\mathcal B}_1)`, with the Rayleigh
    quotients :math:`\rho_1^X = a_X/X`, :math:`\rho_2^X = b_X/X`, :math:`\nu_X = n_X/X` and
    :math:`\Delta_t = (\rho_2^{\mathcal D} + \nu_{\mathcal D}) - (\rho_2^{\mathcal B} + \nu_{\mathcal B})`:

    .. math::

        \eta^*_t = \frac{2(\rho^{\mathcal D}_1 - \rho^{\mathcal B}_1)}{\Delta_t}
        \quad\text{if } \Delta_t > 0, \qquad \eta^*_t = \infty \text{ otherwise.}

    For :math:`\eta < \eta^*_t` the alignment falls, for :math:`\eta > \eta^*_t` it rises; with
    :math:`\Delta_t \le 0` it falls for every step size (self-correction). The function uses the
    equivalent form :math:`\eta^* = 2(a_{\mathcal D}B - a_{\mathcal B}D)/((b_{\mathcal D}+n_{\mathcal D})B - (b_{\mathcal B}+n_{\mathcal B})D)`,
    which stays finite when :math:`D` or :math:`B` is zero.

    Parameters
    ----------
    landscape : RiverValley
    noise : NoiseModel
    theta : array_like, shape (..., d)
    exact : bool
        ``False`` (default): the book's :math:`\eta^*_t` above, defined by the ratio of
        expectations. ``True``: the smallest :math:`\eta \in (0, 2/\lambda_1)` at which the
        exact :math:`\mathbb E[\chi_{t+1}]` (:func:`expected_alignment`) crosses
        :math:`\chi_t` from below, ``math.inf`` if none; Gaussian diagonal noise only
        (``IsotropicNoise``, ``CurvatureNoise``).

    Returns
    -------
    float or ndarray
        :math:`\eta^*_t \ge 0`, with ``math.inf`` in the self-correcting regime.

    References
    ----------
    - Deng et al., ALT 2026, arXiv:2601.11789 (the adaptive critical step size; the
      formula here is the book's derivation in its stated model).

    Examples
    --------
    Without noise a two-level valley has :math:`\eta^* = 2/(\lambda + \mu)`:

    >>> from rivervalley_lib import RiverValley, IsotropicNoise, critical_step_size
    >>> rv = RiverValley.two_level(d=10, k=2, dominant=3.0, bulk=1.0)
    >>> critical_step_size(rv, IsotropicNoise(0.0), [1.0] * 10)
    0.5
    >>> round(critical_step_size(rv, IsotropicNoise(0.0), [1.0] * 10, exact=True), 9)
    0.5
    """
    if not isinstance(exact, bool):
        raise TypeError(f"exact must be a bool, got {type(exact).__name__}")
    if exact:
        from ._exact import exact_critical_step_size

        return exact_critical_step_size(landscape, noise, theta)
    return _eta_star_from_moments(_moments(landscape, noise, theta))


def _eta_star_from_moments(m: _Moments):
    """eta* from block sums (shared with :mod:`rivervalley_lib.diagnostics`)."""
    A, C = _threshold_terms(m)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta_star = np.where(C > 0, 2 * A / np.where(C > 0, C, 1.0), np.inf)
    out = _scalarize(eta_star)
    return math.inf if isinstance(out, float) and math.isinf(out) else out


def alignment_regime(landscape: RiverValley, noise: NoiseModel, theta):
    r"""Name the regime of the state: ``"low-alignment"`` or ``"self-correcting"``.

    ``"low-alignment"`` means :math:`\Delta_t > 0`: a finite :math:`\eta^*_t` separates falling
    from rising alignment. ``"self-correcting"`` means :math:`\Delta_t \le 0`: the expected
    alignment falls (or, without noise in the bulk, stays) for every step size.

    Returns
    -------
    str or ndarray of str

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, alignment_regime
    >>> rv = RiverValley.two_level(d=100, k=2, dominant=10.0, bulk=0.1)
    >>> alignment_regime(rv, IsotropicNoise(0.1), [1.0] * 100)
    'low-alignment'
    >>> alignment_regime(rv, IsotropicNoise(0.1), [1.0, 1.0] + [1e-3] * 98)
    'self-correcting'
    """
    m = _moments(landscape, noise, theta)
    _, C = _threshold_terms(m)
    out = np.where(C > 0, "low-alignment", "self-correcting")
    return str(out) if out.ndim == 0 else out


def projection_thresholds(landscape: RiverValley, noise: NoiseModel, theta):
    r"""The step-size thresholds :math:`(\eta_{\mathcal D}, \eta_{\mathcal B})` of the projected updates.

    A projected update changes only its own block loss, and

    .. math::

        \mathbb E[\Delta L_X] = -\eta X_t + \tfrac{\eta^2}{2}(a_X + t_X),
        \qquad
        \eta_X = \frac{2 X_t}{a_X + t_X}, \quad X \in \{\mathcal D, \mathcal B\}.

    A dominant-projected step (Dom-SGD) raises :math:`\mathbb E L` iff
    :math:`\eta > \eta_{\mathcal D}`; a bulk-projected step (Bulk-SGD) lowers it iff
    :math:`\eta < \eta_{\mathcal B}`. On :math:`(\eta_{\mathcal D}, \eta_{\mathcal B})` both happen.
    When a block has neither gradient nor noise, its step never changes the loss:
    :math:`\eta_{\mathcal D} = \infty` and :math:`\eta_{\mathcal B} = 0` there.

    Returns
    -------
    (eta_D, eta_B) : tuple of float or ndarray

    References
    ----------
    - Song, Ahn, Yun, ICLR 2025 (Dom-SGD and Bulk-SGD).
    - Deng et al., ALT 2026 (the step-size interval; formula derived by the book).

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, projection_thresholds
    >>> rv = RiverValley([4.0, 1.0], k=1)
    >>> projection_thresholds(rv, IsotropicNoise(0.0), [1.0, 1.0])
    (0.5, 2.0)
    """
    return _projection_thresholds_from_moments(_moments(landscape, noise, theta))


def _projection_thresholds_from_moments(m: _Moments):
    """(eta_D, eta_B) from block sums (shared with :mod:`rivervalley_lib.diagnostics`)."""
    den_D = m.aD + m.tD
    den_B = m.aB + m.tB
    with np.errstate(divide="ignore", invalid="ignore"):
        eta_D = np.where(den_D > 0, 2 * m.D / np.where(den_D > 0, den_D, 1.0), np.inf)
        eta_B = np.where(den_B > 0, 2 * m.B / np.where(den_B > 0, den_B, 1.0), 0.0)
    return _scalarize(eta_D), _scalarize(eta_B)


def expected_loss_change(
    landscape: RiverValley,
    noise: NoiseModel,
    theta,
    eta,
    *,
    projection: Literal["none", "dominant", "bulk"] = "none",
):
    r"""The expected one-step change of the loss under SGD or a projected update.

    .. math::

        \mathbb E[\Delta L] = \sum_{X} \Big(-\eta X_t + \tfrac{\eta^2}{2}(a_X + t_X)\Big),

    summed over both blocks (``"none"``) or only over the projected block.

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, expected_loss_change
    >>> rv = RiverValley([4.0, 1.0], k=1)
    >>> expected_loss_change(rv, IsotropicNoise(0.0), [1.0, 1.0], 0.25, projection="dominant")
    -2.0
    """
    eta = check_step_size("eta", eta)
    m = _moments(landscape, noise, theta)
    dom = -eta * m.D + 0.5 * eta**2 * (m.aD + m.tD)
    blk = -eta * m.B + 0.5 * eta**2 * (m.aB + m.tB)
    if projection == "none":
        return _scalarize(dom + blk)
    if projection == "dominant":
        return _scalarize(dom)
    if projection == "bulk":
        return _scalarize(blk)
    raise ValueError(f"projection must be 'none', 'dominant' or 'bulk', got {projection!r}")


def _check_stable(landscape: RiverValley, eta: float) -> None:
    if eta >= landscape.stability_limit:
        raise ValueError(
            f"eta = {eta:g} is not below the stability limit 2/lambda_1 = {landscape.stability_limit:g}: "
            "SGD diverges and has no noise floor"
        )


def noise_floor(landscape: RiverValley, noise: NoiseModel, eta: float) -> tuple[float, float, float]:
    r"""The stationary gradient energies :math:`D_\infty, B_\infty` and the plateau :math:`\chi_\infty`.

    For a state-independent diagonal covariance with entries :math:`s_i` and
    :math:`0 < \eta\lambda_i < 2`, the recursion
    :math:`u_i \mapsto (1-\eta\lambda_i)^2 u_i + \eta^2\lambda_i^2 s_i` has the fixed point

    .. math::

        u_i^\infty = \frac{\eta\lambda_i s_i}{2 - \eta\lambda_i},\qquad
        D_\infty = \sum_{i\le k} u_i^\infty,\quad B_\infty = \sum_{j>k} u_j^\infty,\quad
        \chi_\infty = \frac{D_\infty}{D_\infty + B_\infty}.

    For :class:`RegressionNoise` the fixed point is solved exactly including the
    multiplicative part (see :meth:`RegressionNoise.stationary_gradient_energy`).

    Parameters
    ----------
    landscape : RiverValley
    noise : NoiseModel
    eta : float
        Constant step size, ``0 < eta < 2/lambda_1``.

    Returns
    -------
    (D_inf, B_inf, chi_inf) : tuple of float

    Raises
    ------
    ValueError
        If ``eta`` is not stable, or the noise is zero (no floor: the gradient goes to 0).

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, noise_floor
    >>> rv = RiverValley([4.0, 1.0], k=1)
    >>> noise_floor(rv, IsotropicNoise(1.0), eta=0.25)
    (1.0, 0.14285714285714285, 0.875)
    """
    _check_landscape(landscape)
    _check_noise(noise)
    eta = check_real("eta", eta, low=0.0, low_inclusive=False)
    _check_stable(landscape, eta)
    u = noise.stationary_gradient_energy(landscape, eta)
    k = landscape.k
    D, B = float(u[:k].sum()), float(u[k:].sum())
    if D + B == 0:
        raise ValueError("the noise is zero: without noise the gradient decays to 0 and chi_inf is undefined")
    return D, B, D / (D + B)


@dataclass(frozen=True)
class PhaseLengths:
    """Closed-form estimates of the two phases of constant-step SGD (see :func:`phase_lengths`).

    Attributes
    ----------
    T1, T2 : float
        Estimated lengths (in steps) of the collapse and of the rise.
    chi_min, chi_inf : float
        Estimated minimum alignment and the plateau.

    Examples
    --------
    >>> PhaseLengths(T1=8.0, T2=500.0, chi_min=0.01, chi_inf=0.9).T2
    500.0
    """

    T1: float
    T2: float
    chi_min: float
    chi_inf: float


def phase_lengths(landscape: RiverValley, noise: NoiseModel, eta: float, theta0) -> PhaseLengths:
    r"""Estimate the lengths of the two phases from a large initialization.

    Phase 1 lasts until the dominant energy decays to its floor; phase 2 until the bulk does:

    .. math::

        T_1 = \frac{\ln(D_0/D_\infty)}{2\,|\ln \max_{i\le k}|1-\eta\lambda_i||}, \qquad
        T_2 = \frac{\ln(B_0/B_\infty)}{2\,|\ln|1-\eta\bar\mu||},

    with :math:`\bar\mu = \rho_1^{\mathcal B}(\theta_0) = a_{\mathcal B}/B_0` the energy-weighted
    bulk curvature (:math:`\mu` itself for a two-level spectrum). The alignment's minimum is
    about :math:`\chi_{\min} = D_\infty/(D_\infty + B_0)`. Both lengths are set to 0 when the
    block starts at or below its floor. These are estimates, not bounds: chapter 7 compares
    them with simulation.

    Parameters
    ----------
    landscape, noise : RiverValley, NoiseModel
    eta : float
        Constant step size below the stability limit.
    theta0 : array_like, shape (d,)
        Initial state.

    Returns
    -------
    PhaseLengths
        ``T1``, ``T2`` (in steps, ``T2`` counted from 0), ``chi_min`` and ``chi_inf``.

    Examples
    --------
    >>> import numpy as np
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, phase_lengths
    >>> rv = RiverValley.two_level(d=1000, k=10, dominant=1.0, bulk=0.01)
    >>> p = phase_lengths(rv, IsotropicNoise(0.01), eta=0.5, theta0=np.full(1000, 10.0))
    >>> round(p.T1, 1), round(p.T2)
    (10.8, 1057)
    """
    eta = check_real("eta", eta, low=0.0, low_inclusive=False)
    D_inf, B_inf, chi_inf = noise_floor(landscape, noise, eta)
    theta0 = landscape._state(theta0, "theta0")
    if theta0.ndim != 1:
        raise ValueError(f"theta0 must have shape (d,), got {theta0.shape}")
    m = _moments(landscape, noise, theta0)
    lam_D = landscape.eigenvalues[: landscape.k]
    slowest = float(np.max(np.abs(1 - eta * lam_D)))  # the dominant mode that contracts least
    if m.D > D_inf > 0:
        T1 = math.log(float(m.D) / D_inf) / (2 * abs(math.log(slowest))) if slowest > 0 else 1.0
    else:
        T1 = 0.0
    if m.B > 0 and B_inf > 0:
        mu = float(m.aB / m.B)
        rate_B = 2 * abs(math.log(abs(1 - eta * mu)))
        T2 = max(0.0, math.log(float(m.B) / B_inf) / rate_B) if rate_B > 0 else math.inf
    else:
        T2 = 0.0
    chi_min = D_inf / (D_inf + max(float(m.B), B_inf))
    return PhaseLengths(T1=T1, T2=T2, chi_min=chi_min, chi_inf=chi_inf)


@dataclass(frozen=True)
class MeanFieldTrajectory:
    r"""Exact expected block energies of SGD over time (see :func:`expected_trajectory`).

    Attributes
    ----------
    step : ndarray of int
    D, B : ndarray
        :math:`\mathbb E D_t` and :math:`\mathbb E B_t`.
    loss : ndarray
        :math:`\mathbb E L_t`.
    kept_steps, energies : ndarray or None
        The steps requested with ``keep`` and the per-coordinate :math:`u_{i,t}` there.

    Examples
    --------
    >>> import numpy as np
    >>> mf = MeanFieldTrajectory(step=np.arange(2), D=np.array([3.0, 1.0]), B=np.array([1.0, 1.0]), loss=np.ones(2))
    >>> mf.alignment.tolist()
    [0.75, 0.5]
    """

    step: np.ndarray
    D: np.ndarray
    B: np.ndarray
    loss: np.ndarray
    kept_steps: np.ndarray | None = None
    energies: np.ndarray | None = None

    @property
    def alignment(self) -> np.ndarray:
        r"""The ratio of expectations :math:`\mathbb E D_t / (\mathbb E D_t + \mathbb E B_t)`."""
        return self.D / (self.D + self.B)


def expected_trajectory(
    landscape: RiverValley,
    noise: NoiseModel,
    eta,
    steps: int,
    theta0,
    *,
    keep=None,
    projection: Literal["none", "dominant", "bulk"] = "none",
) -> MeanFieldTrajectory:
    r"""The exact expected gradient energies of SGD, by the second-moment recursion.

    Per coordinate, :math:`u_{i,t} = \mathbb E g_{i,t}^2` obeys

    .. math::

        u_{i,t+1} = (1-\eta_t\lambda_i)^2 u_{i,t} + \eta_t^2\lambda_i^2\,\mathbb E[s_i(\theta_t)],

    and for every noise model here :math:`\mathbb E[s_i]` is a linear function of the
    :math:`u_j`, so the recursion is closed and exact (no approximation). It returns
    :math:`\mathbb E D_t`, :math:`\mathbb E B_t` and :math:`\mathbb E L_t = \tfrac12\sum_i u_i/\lambda_i`
    (coordinates with :math:`\lambda_i = 0` carry no loss change and are left out).

    Parameters
    ----------
    landscape, noise : RiverValley, NoiseModel
    eta : float, array of shape (steps,), or callable t -> float
        Step size or schedule.
    steps : int
        Number of steps, ``>= 1``.
    theta0 : array_like, shape (d,) or (..., d)
        Deterministic initial state(s); leading axes give a batch of trajectories.
    keep : sequence of int, optional
        Steps at which to also return the per-coordinate energies :math:`u_{i,t}`.
    projection : {"none", "dominant", "bulk"}
        Run the recursion of SGD, Dom-SGD or Bulk-SGD: the coordinates outside the projection
        keep their energy (no contraction, no noise). With state-dependent noise the frozen
        coordinates still feed the noise of the moving ones.

    Returns
    -------
    MeanFieldTrajectory
        Arrays of shape ``(..., steps + 1)``; ``energies`` has shape ``(len(keep), ..., d)``.

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, expected_trajectory
    >>> rv = RiverValley([4.0, 1.0], k=1)
    >>> mf = expected_trajectory(rv, IsotropicNoise(0.0), 0.25, 2, [1.0, 1.0])
    >>> mf.D.tolist(), mf.B.tolist()
    ([16.0, 0.0, 0.0], [1.0, 0.5625, 0.31640625])
    """
    from ._simulate import _eta_schedule

    _check_landscape(landscape)
    _check_noise(noise)
    steps = check_int("steps", steps, low=1)
    etas = _eta_schedule(eta, steps)
    theta0 = landscape._state(theta0, "theta0")
    keep_steps = np.array([], dtype=int) if keep is None else np.unique(np.asarray(keep, dtype=int))
    if keep_steps.size and (keep_steps.min() < 0 or keep_steps.max() > steps):
        raise ValueError(f"keep must hold steps in [0, {steps}]")
    if projection not in ("none", "dominant", "bulk"):
        raise ValueError(f"projection must be 'none', 'dominant' or 'bulk', got {projection!r}")
    lam = landscape.eigenvalues
    k = landscape.k
    moving = {"none": np.ones_like(lam, dtype=bool), "dominant": landscape.dominant_mask, "bulk": ~landscape.dominant_mask}[projection]
    lam2 = lam * lam
    u = (lam * theta0) ** 2
    pos = lam > 0
    inv_lam = np.where(pos, 1.0 / np.where(pos, lam, 1.0), 0.0)
    constant_noise = noise.state_independent
    s = noise.mean_diagonal(landscape, u)  # the noise variances (constant unless regression noise)
    if constant_noise and keep_steps.size == 0:
        # Block-structured fast path: coordinates with equal (lambda_i, s_i) share their recursion,
        # so the block sums U_b = sum_(i in b) u_i evolve exactly as U_b' = c_b U_b + inject_b m_b s_b.
        # One step then costs O(number of blocks) instead of O(d).
        from ._blocks import block_partition

        s_coord = np.asarray(noise.diagonal(landscape), dtype=float)
        starts, ends = block_partition(lam, s_coord)
        if starts.size < lam.shape[0]:
            u = np.add.reduceat(u, starts, axis=-1)
            s = s_coord[starts] * (ends - starts)
            k = int(np.sum(starts < k))
            lam, moving, inv_lam = lam[starts], moving[starts], inv_lam[starts]
            lam2 = lam * lam
    batch = theta0.shape[:-1]
    D = np.empty(batch + (steps + 1,))
    B = np.empty(batch + (steps + 1,))
    loss = np.empty(batch + (steps + 1,))
    kept = np.empty((keep_steps.size,) + theta0.shape)
    prev_eta, contraction = None, None
    if constant_noise and keep_steps.size == 0 and np.all(etas == etas[0]):
        # Constant step and noise: the linear recursion u' = c u + q has the closed form
        # u_t = c^t u_0 + q (1 - c^t)/(1 - c)  (u_0 + q t where c = 1), evaluated in chunks of steps.
        e = etas[0]
        c = np.where(moving, (1 - e * lam) ** 2, 1.0)
        q = np.where(moving, e * e * lam2, 0.0) * s
        chunk = max(1, 2_000_000 // max(1, u.size))
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for t0 in range(0, steps + 1, chunk):
                t = np.arange(t0, min(steps + 1, t0 + chunk), dtype=float)
                ct = c ** t[:, None] if u.ndim == 1 else c ** t[:, None, None]
                geo = np.where(c == 1.0, t[:, None] if u.ndim == 1 else t[:, None, None], (1 - ct) / np.where(c == 1.0, 2.0, 1 - c))
                ut = ct * u + q * geo  # (chunk, [batch,] blocks)
                sl = slice(t0, t0 + t.size)
                D[..., sl] = np.moveaxis(ut[..., :k].sum(-1), 0, -1)
                B[..., sl] = np.moveaxis(ut[..., k:].sum(-1), 0, -1)
                loss[..., sl] = np.moveaxis(0.5 * (ut @ inv_lam), 0, -1)
        if not (np.all(np.isfinite(D)) and np.all(np.isfinite(B))):
            raise ValueError(
                f"the expected trajectory diverges: eta = {e:g} is too large "
                f"(stability limit 2/lambda_1 = {landscape.stability_limit:g})"
            )
        return MeanFieldTrajectory(step=np.arange(steps + 1), D=D, B=B, loss=loss, kept_steps=keep_steps, energies=kept)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps + 1):
            D[..., t] = u[..., :k].sum(-1)
            B[..., t] = u[..., k:].sum(-1)
            loss[..., t] = 0.5 * (u @ inv_lam)
            if keep_steps.size:
                kept[keep_steps == t] = u
            if t == steps:
                break
            e = etas[t]
            if e != prev_eta:
                contraction = np.where(moving, (1 - e * lam) ** 2, 1.0)
                inject = np.where(moving, e * e * lam2, 0.0)
                prev_eta = e
            if not constant_noise:
                s = noise.mean_diagonal(landscape, u)
            u = contraction * u + inject * s
    if not (np.all(np.isfinite(D)) and np.all(np.isfinite(B))):
        raise ValueError(
            f"the expected trajectory diverges: max eta = {etas.max():g} is too large "
            f"(stability limit 2/lambda_1 = {landscape.stability_limit:g})"
        )
    return MeanFieldTrajectory(step=np.arange(steps + 1), D=D, B=B, loss=loss, kept_steps=keep_steps, energies=kept)


def state_with_alignment(landscape: RiverValley, chi, energy: float = 1.0) -> np.ndarray:
    r"""A state with a prescribed alignment and gradient energy, spread evenly within each block.

    Returns :math:`\theta` with :math:`\|\nabla L(\theta)\|^2 = G^2` (``energy``) and
    :math:`\chi(\theta) = \chi` (``chi``): every dominant coordinate carries gradient energy
    :math:`\chi G^2/k` and every bulk coordinate with :math:`\lambda_j > 0` carries
    :math:`(1-\chi)G^2/m`, where :math:`m` counts them, so :math:`\theta_i = g_i/\lambda_i`.

    Parameters
    ----------
    landscape : RiverValley
    chi : float or array_like
        Target alignment(s) in :math:`[0, 1]`; an array gives a batch of states.
    energy : float
        Total gradient energy :math:`G^2 > 0`.

    Returns
    -------
    ndarray, shape (..., d)

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, alignment, state_with_alignment
    >>> rv = RiverValley.spread(d=8, k=2, dominant=(5.0, 9.0), bulk=(0.1, 1.0))
    >>> theta = state_with_alignment(rv, 0.3, energy=2.0)
    >>> round(alignment(rv, theta), 12), round(float((rv.gradient(theta) ** 2).sum()), 12)
    (0.3, 2.0)
    """
    _check_landscape(landscape)
    chi_arr = np.asarray(check_array("chi", chi, ndim_min=0), dtype=float)
    if np.any((chi_arr < 0) | (chi_arr > 1)):
        raise ValueError("chi must be in [0, 1]")
    energy = check_real("energy", energy, low=0.0, low_inclusive=False)
    lam = landscape.eigenvalues
    k = landscape.k
    bulk_active = (lam > 0) & ~landscape.dominant_mask
    m = int(bulk_active.sum())
    if m == 0 and np.any(chi_arr < 1):
        raise ValueError("the bulk has only zero eigenvalues, so no state has chi < 1")
    per = np.where(landscape.dominant_mask, chi_arr[..., None] * energy / k, 0.0)
    if m:
        per = per + np.where(bulk_active, (1 - chi_arr[..., None]) * energy / m, 0.0)
    safe = np.where(lam > 0, lam, 1.0)
    return np.sqrt(per) / safe


def self_correction_alignment(landscape: RiverValley, noise: NoiseModel, energy: float) -> float:
    r"""The alignment above which :math:`\eta^*_t = \infty` (self-correction), for block-even states.

    Along the family of states :func:`state_with_alignment` (gradient energy :math:`G^2`), the
    sign of :math:`\Delta_t` is the sign of

    .. math::

        C(\chi) = (b_{\mathcal D}+n_{\mathcal D})B - (b_{\mathcal B}+n_{\mathcal B})D,

    which is :math:`n_{\mathcal D}B > 0` at :math:`\chi = 0` and :math:`-n_{\mathcal B}D < 0` at
    :math:`\chi = 1` whenever the bulk is noisy. For state-independent noise
    :math:`C(\chi)/G^2 = G^2(\rho_2^{\mathcal D}-\rho_2^{\mathcal B})\chi(1-\chi) + n_{\mathcal D}(1-\chi) - n_{\mathcal B}\chi`
    is a concave quadratic, so the root :math:`\chi_{\rm sc}` is unique; the function finds it
    by bisection (which also covers the state-dependent regression noise). In the two-level
    isotropic case it solves
    :math:`\frac{\sigma^2}{G^2}\big(\frac{(d-k)\mu^2}{1-\chi}-\frac{k\lambda^2}{\chi}\big) = \lambda^2-\mu^2`.

    Returns
    -------
    float
        :math:`\chi_{\rm sc} \in (0, 1)`: for :math:`\chi_t > \chi_{\rm sc}` the alignment falls
        for every step size. ``1.0`` if the bulk has no noise (no self-correction).

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, self_correction_alignment
    >>> rv = RiverValley.two_level(d=1000, k=10, dominant=1.0, bulk=0.01)
    >>> round(self_correction_alignment(rv, IsotropicNoise(0.01), energy=1e-3), 4)
    0.9951
    """
    _check_landscape(landscape)
    _check_noise(noise)
    energy = check_real("energy", energy, low=0.0, low_inclusive=False)

    def C(chi: np.ndarray) -> np.ndarray:
        theta = state_with_alignment(landscape, chi, energy)
        return _threshold_terms(_moments(landscape, noise, theta))[1]

    if C(np.array(1.0)) >= 0:
        return 1.0
    lo, hi = np.array(0.0), np.array(1.0)
    if C(lo) <= 0:
        return 0.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if C(mid) > 0:
            lo = mid
        else:
            hi = mid
    return float(0.5 * (lo + hi))


def measured_phase_lengths(chi, chi_inf: float, *, rise: float = 0.9, window: int = 1) -> tuple[int, int]:
    r"""Measure the two phases on an alignment curve :math:`\chi_0, \chi_1, \dots` (one value per step).

    :math:`T_1` is the step of the minimum of the curve (after a centred running median of
    ``window`` steps, to tame SGD noise); :math:`T_2` is the first step after :math:`T_1` at which
    the curve has covered the fraction ``rise`` of the way from its minimum to the plateau,
    :math:`\chi_t \ge \chi_{\min} + \text{rise}\,(\chi_\infty - \chi_{\min})`.

    Parameters
    ----------
    chi : array_like, shape (steps + 1,)
        The alignment at every step.
    chi_inf : float
        The plateau, e.g. from :func:`noise_floor`.
    rise : float
        Fraction of the rise that ends phase 2, in (0, 1).
    window : int
        Odd running-median window, ``>= 1``.

    Returns
    -------
    (T1, T2) : tuple of int
        ``T2`` is ``-1`` if the curve never gets there.

    Examples
    --------
    >>> import numpy as np
    >>> chi = np.array([1.0, 0.5, 0.1, 0.3, 0.6, 0.85, 0.9, 0.9])
    >>> measured_phase_lengths(chi, 0.9)
    (2, 5)
    """
    chi = check_array("chi", chi, ndim_min=1)
    if chi.ndim != 1:
        raise ValueError(f"chi must be one-dimensional, got shape {chi.shape}")
    chi_inf = check_real("chi_inf", chi_inf, low=0.0, high=1.0)
    rise = check_real("rise", rise, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    window = check_int("window", window, low=1)
    if window % 2 == 0:
        raise ValueError(f"window must be odd, got {window}")
    smooth = chi
    if window > 1:
        from numpy.lib.stride_tricks import sliding_window_view

        pad = window // 2
        smooth = np.median(sliding_window_view(np.pad(chi, pad, mode="edge"), window), axis=-1)
    T1 = int(np.argmin(smooth))
    level = smooth[T1] + rise * (chi_inf - smooth[T1])
    above = np.nonzero(smooth[T1:] >= level)[0]
    T2 = int(T1 + above[0]) if above.size else -1
    return T1, T2
