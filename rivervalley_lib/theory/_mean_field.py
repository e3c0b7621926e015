r"""Mean-field results: the stationary noise floor, the two phase lengths and the exact
expected trajectory of SGD by the second-moment recursion."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np

from .._validation import (
    check_memory,
    check_work,
    eta_schedule,
    validate_array,
    validate_int,
    validate_projection,
    validate_real,
)
from ..model._blocks import block_partition
from ..model._landscape import RiverValley, as_state
from ..model._noise import NoiseModel, validate_noise
from ..model._state import moving_mask, validate_landscape
from ._moments import block_moments


class NoiseFloor(NamedTuple):
    r"""The stationary gradient energies of constant-step SGD and their ratio.

    Attributes
    ----------
    D, B : float
        :math:`D_\infty` and :math:`B_\infty`.
    alignment : float
        The plateau :math:`\chi_\infty = D_\infty/(D_\infty + B_\infty)`, a ratio of
        expected energies (the field keeps its historical name).

    Examples
    --------
    >>> NoiseFloor(D=1.0, B=0.25, alignment=0.8).alignment
    0.8
    """

    D: float
    B: float
    alignment: float


def _check_stable(valley: RiverValley, eta: float) -> None:
    if eta >= valley.stability_limit:
        raise ValueError(
            f"eta = {eta:g} is not below the stability limit "
            f"2/lambda_1 = {valley.stability_limit:g}: "
            "SGD diverges and has no noise floor"
        )


def noise_floor(valley: RiverValley, noise: NoiseModel, eta: float) -> NoiseFloor:
    r"""The noise floor: the stationary gradient energies and their energy ratio.

    They are :math:`D_\infty`, :math:`B_\infty` and :math:`\chi_\infty`.

    For a state-independent diagonal covariance with entries :math:`s_i` and
    :math:`0 < \eta\lambda_i < 2`, the recursion
    :math:`u_i \mapsto (1-\eta\lambda_i)^2 u_i + \eta^2\lambda_i^2 s_i` has the fixed
    point

    .. math::

        u_i^\infty = \frac{\eta\lambda_i s_i}{2 - \eta\lambda_i},\qquad
        D_\infty = \sum_{i\le k} u_i^\infty,\quad B_\infty = \sum_{j>k} u_j^\infty,\quad
        \chi_\infty = \frac{D_\infty}{D_\infty + B_\infty}.

    For :class:`RegressionNoise` the fixed point is solved exactly including the
    multiplicative part (see :meth:`RegressionNoise.stationary_gradient_energy`).

    Parameters
    ----------
    valley : RiverValley
        The valley whose eigenvalues set the per-coordinate floors :math:`u_i^\infty`.
    noise : NoiseModel
        The noise model whose variances :math:`s_i` feed the floors (zero: no floor).
    eta : float
        Constant step size, ``0 < eta < 2/lambda_1``.

    Returns
    -------
    NoiseFloor
        Named ``(D, B, alignment)``: :math:`D_\infty`, :math:`B_\infty`,
        :math:`\chi_\infty`.

    Raises
    ------
    ValueError
        If ``eta`` is not stable, or the noise is zero (no floor: the gradient goes to
        0).

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, noise_floor
    >>> valley = RiverValley([4.0, 1.0], k=1)
    >>> noise_floor(valley, IsotropicNoise(1.0), eta=0.25)
    NoiseFloor(D=1.0, B=0.14285714285714285, alignment=0.875)
    """
    validate_landscape(valley)
    validate_noise(noise)
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    _check_stable(valley, eta)
    u = noise.stationary_gradient_energy(valley, eta)
    k = valley.k
    D, B = float(u[:k].sum()), float(u[k:].sum())
    if D + B == 0:
        raise ValueError(
            "the noise is zero: without noise the gradient decays to 0 and chi_inf "
            "is undefined"
        )
    return NoiseFloor(D, B, D / (D + B))


@dataclass(frozen=True)
class PhaseLengths:
    """Closed-form estimates of the two phases of constant-step SGD.

    See :func:`phase_lengths`.

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


def phase_lengths(
    valley: RiverValley, noise: NoiseModel, eta: float, theta0
) -> PhaseLengths:
    r"""Estimate the lengths of the two phases from a large initialization.

    Phase 1 lasts until the dominant energy decays to its floor; phase 2 until the bulk
    does:

    .. math::

        T_1 = \frac{\ln(D_0/D_\infty)}{2\,|\ln \max_{i\le k}|1-\eta\lambda_i||}, \qquad
        T_2 = \frac{\ln(B_0/B_\infty)}{2\,|\ln|1-\eta\bar\mu||},

    with :math:`\bar\mu = \rho_1^{\mathcal B}(\theta_0) = a_{\mathcal B}/B_0` the
    energy-weighted bulk curvature (:math:`\mu` itself for a two-level spectrum). The
    alignment's minimum is about :math:`\chi_{\min} = D_\infty/(D_\infty + B_0)`. Both
    lengths are set to 0 when the block starts at or below its floor. These are
    estimates, not bounds: chapter 7 compares them with simulation.

    Parameters
    ----------
    valley : RiverValley
        The valley whose dominant and mean bulk contractions set :math:`T_1, T_2`.
    noise : NoiseModel
        The noise model that sets the floors :math:`D_\infty, B_\infty` (phase ends).
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
    >>> valley = RiverValley.two_level(d=1000, k=10, dominant=1.0, bulk=0.01)
    >>> theta0 = np.full(1000, 10.0)
    >>> p = phase_lengths(valley, IsotropicNoise(0.01), eta=0.5, theta0=theta0)
    >>> round(p.T1, 1), round(p.T2)
    (10.8, 1057)
    """
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    D_inf, B_inf, chi_inf = noise_floor(valley, noise, eta)
    theta0 = as_state(valley, theta0, "theta0")
    if theta0.ndim != 1:
        raise ValueError(f"theta0 must have shape (d,), got {theta0.shape}")
    m = block_moments(valley, noise, theta0)
    lam_D = valley.eigenvalues[: valley.k]
    # -log|1 - eta lambda| per mode, with log1p so that a tiny eta keeps its rate
    rate_D = float(np.min(_log_contraction(eta * lam_D)))  # the slowest dominant mode
    if m.D > D_inf > 0:
        T1 = math.log(float(m.D) / D_inf) / (2 * rate_D) if rate_D > 0 else math.inf
        T1 = 1.0 if math.isinf(rate_D) else T1
    else:
        T1 = 0.0
    if m.B > 0 and B_inf > 0:
        mu = float(m.aB / m.B)
        rate_B = float(_log_contraction(np.array(eta * mu)))
        if math.isinf(rate_B):  # eta mu = 1: the bulk reaches its floor in one step
            T2 = 1.0 if m.B > B_inf else 0.0
        elif rate_B > 0:
            T2 = max(0.0, math.log(float(m.B) / B_inf) / (2 * rate_B))
        else:
            T2 = math.inf
    else:
        T2 = 0.0
    chi_min = D_inf / (D_inf + max(float(m.B), B_inf))
    return PhaseLengths(T1=T1, T2=T2, chi_min=chi_min, chi_inf=chi_inf)


def _log_contraction(x: np.ndarray) -> np.ndarray:
    """-log|1 - x| for x = eta * lambda >= 0: inf where x = 1, accurate for tiny x."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(x < 1, -np.log1p(-np.minimum(x, 1.0)), -np.log(np.abs(x - 1.0)))


@dataclass(frozen=True)
class MeanFieldTrajectory:
    r"""Exact expected block energies of SGD over time.

    See :func:`expected_trajectory`.

    Attributes
    ----------
    step : ndarray of int
    D, B : ndarray
        :math:`\mathbb E D_t` and :math:`\mathbb E B_t`.
    loss : ndarray
        :math:`\mathbb E L_t`.
    energy_steps, energies : ndarray or None
        The steps requested with ``record_energies`` and the per-coordinate
        :math:`u_{i,t}` there.

    Examples
    --------
    >>> import numpy as np
    >>> mf = MeanFieldTrajectory(
    ...     step=np.arange(2), D=np.array([3.0, 1.0]), B=np.array([1.0, 1.0]),
    ...     loss=np.ones(2),
    ... )
    >>> mf.alignment.tolist()
    [0.75, 0.5]
    """

    step: np.ndarray
    D: np.ndarray
    B: np.ndarray
    loss: np.ndarray
    energy_steps: np.ndarray | None = None
    energies: np.ndarray | None = None

    @property
    def alignment(self) -> np.ndarray:
        r"""The energy ratio: a ratio of expectations, not the mean alignment.

        .. math:: \mathbb E D_t / (\mathbb E D_t + \mathbb E B_t)

        The runs' mean alignment differs from it when the dominant block has few
        directions (chapter 7 measures about 0.02 during the rise at :math:`k = 10`).
        """
        return self.D / (self.D + self.B)


def expected_trajectory(
    valley: RiverValley,
    noise: NoiseModel,
    eta,
    steps: int,
    theta0,
    *,
    record_energies=None,
    projection: Literal["none", "dominant", "bulk"] = "none",
) -> MeanFieldTrajectory:
    r"""The exact expected gradient energies of SGD, by the second-moment recursion.

    Per coordinate, :math:`u_{i,t} = \mathbb E g_{i,t}^2` obeys

    .. math::

        u_{i,t+1} = (1-\eta_t\lambda_i)^2 u_{i,t}
        + \eta_t^2\lambda_i^2\,\mathbb E[s_i(\theta_t)],

    and for every noise model here :math:`\mathbb E[s_i]` is a linear function of the
    :math:`u_j`, so the recursion is closed and exact (no approximation). It returns
    :math:`\mathbb E D_t`, :math:`\mathbb E B_t` and
    :math:`\mathbb E L_t = \tfrac12\sum_i u_i/\lambda_i` (coordinates with
    :math:`\lambda_i = 0` carry no loss change and are left out).

    Parameters
    ----------
    valley : RiverValley
        The valley: each coordinate's energy contracts by :math:`(1-\eta\lambda_i)^2`.
    noise : NoiseModel
        The noise model whose variances add :math:`\eta^2\lambda_i^2 s_i` each step.
    eta : float, array of shape (steps,), or callable t -> float
        Step size or schedule.
    steps : int
        Number of steps, ``>= 1``.
    theta0 : array_like, shape (d,) or (..., d)
        Deterministic initial state(s); leading axes give a batch of trajectories.
    record_energies : sequence of int, optional
        Steps at which to also return the per-coordinate energies :math:`u_{i,t}`.
    projection : {"none", "dominant", "bulk"}
        Run the recursion of SGD, Dom-SGD or Bulk-SGD: the coordinates outside the
        projection keep their energy (no contraction, no noise). With state-dependent
        noise the frozen coordinates still feed the noise of the moving ones.

    Returns
    -------
    MeanFieldTrajectory
        Arrays of shape ``(..., steps + 1)``; ``energies`` has shape
        ``(len(record_energies), ..., d)``.

    Raises
    ------
    ValueError
        If an argument is out of range (naming it), if the trajectory diverges (an
        unstable step size), if its arrays would take more than 2 GiB, or if the
        per-coordinate recursion (taken with ``record_energies`` or state-dependent
        noise) would run more than :math:`2\cdot 10^9` coordinate updates
        (``steps`` times the size of ``theta0``), minutes of work.

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, expected_trajectory
    >>> valley = RiverValley([4.0, 1.0], k=1)
    >>> mf = expected_trajectory(valley, IsotropicNoise(0.0), 0.25, 2, [1.0, 1.0])
    >>> mf.D.tolist(), mf.B.tolist()
    ([16.0, 0.0, 0.0], [1.0, 0.5625, 0.31640625])
    """
    validate_landscape(valley)
    validate_noise(noise)
    steps = validate_int("steps", steps, low=1)
    etas = eta_schedule(eta, steps)
    theta0 = as_state(valley, theta0, "theta0")
    if record_energies is None:
        keep_steps = np.array([], dtype=int)
    else:
        keep = validate_array("record_energies", record_energies, ndim_min=1)
        if keep.ndim != 1 or keep.size == 0 or np.any(keep != np.round(keep)):
            raise ValueError(
                "record_energies must be None or a non-empty sequence of integer "
                "steps, got "
                f"{np.asarray(record_energies)!r}"
            )
        if keep.size and (keep.min() < 0 or keep.max() > steps):
            raise ValueError(f"record_energies must hold steps in [0, {steps}]")
        keep_steps = np.unique(keep.astype(int))
    batch_size = theta0.size // valley.d
    check_memory(
        8.0 * (3 * batch_size * (steps + 1) + keep_steps.size * theta0.size),
        f"steps = {steps}, theta0 of shape {theta0.shape} and record_energies "
        f"({keep_steps.size} steps)",
    )
    if keep_steps.size or not noise.state_independent:
        # the per-coordinate recursion: steps x d updates
        check_work(
            float(steps) * theta0.size,
            f"steps = {steps} with theta0 of shape {theta0.shape} (the "
            "per-coordinate recursion, taken with record_energies or state-dependent "
            "noise)",
        )
    validate_projection(projection)
    lam = valley.eigenvalues
    k = valley.k
    moving = moving_mask(valley, projection)
    lam2 = lam * lam
    u = (lam * theta0) ** 2
    pos = lam > 0
    inv_lam = np.where(pos, 1.0 / np.where(pos, lam, 1.0), 0.0)
    constant_noise = noise.state_independent
    # the noise variances (constant unless regression noise)
    s = noise.mean_diagonal(valley, u)
    if constant_noise and keep_steps.size == 0:
        # Block-structured fast path: coordinates with equal (lambda_i, s_i) share
        # their recursion, so the block sums U_b = sum_(i in b) u_i evolve exactly as
        # U_b' = c_b U_b + inject_b m_b s_b. One step then costs O(number of blocks)
        # instead of O(d).
        s_coord = np.asarray(noise.diagonal(valley), dtype=float)
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
        # Constant step and noise: the linear recursion u' = c u + q has the closed
        # form u_t = c^t u_0 + q (1 - c^t)/(1 - c)  (u_0 + q t where c = 1),
        # evaluated in chunks of steps.
        e = etas[0]
        c = np.where(moving, (1 - e * lam) ** 2, 1.0)
        q = np.where(moving, e * e * lam2, 0.0) * s
        chunk = max(1, 2_000_000 // max(1, u.size))
        with np.errstate(over="ignore", invalid="ignore"):
            for t0 in range(0, steps + 1, chunk):
                t = np.arange(t0, min(steps + 1, t0 + chunk), dtype=float)
                t = t.reshape((-1,) + (1,) * u.ndim)  # (chunk, 1, ..., 1)
                ct = c**t
                # c = 1 gives 0/0 (c^t = 1 exactly): invalid, ignored, replaced by t
                geo = np.where(c == 1.0, t, (1 - ct) / (1 - c))
                # a block with u = 0 (or q = 0) stays 0: 0 * inf would make a NaN
                # where c^t overflows, and a NaN reads as divergence
                ut = np.where(u == 0, 0.0, ct * u) + np.where(q == 0, 0.0, q * geo)
                sl = slice(t0, t0 + t.size)
                D[..., sl] = np.moveaxis(ut[..., :k].sum(-1), 0, -1)
                B[..., sl] = np.moveaxis(ut[..., k:].sum(-1), 0, -1)
                loss[..., sl] = np.moveaxis(0.5 * (ut @ inv_lam), 0, -1)
        return _finished(valley, f"eta = {e:g}", D, B, loss, keep_steps, kept)
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
                if not np.all(np.isfinite(u)):
                    break  # diverged: _finished refuses, naming the step size
                s = noise.mean_diagonal(valley, u)
            u = contraction * u + inject * s
    return _finished(valley, f"max eta = {etas.max():g}", D, B, loss, keep_steps, kept)


def _finished(valley, eta_text, D, B, loss, energy_steps, energies):
    """The trajectory, or ``ValueError`` if it overflowed (unstable step size)."""
    if not (np.all(np.isfinite(D)) and np.all(np.isfinite(B))):
        raise ValueError(
            f"the expected trajectory diverges: {eta_text} is too large "
            f"(stability limit 2/lambda_1 = {valley.stability_limit:g})"
        )
    return MeanFieldTrajectory(
        step=np.arange(D.shape[-1]),
        D=D,
        B=B,
        loss=loss,
        energy_steps=energy_steps,
        energies=energies,
    )
