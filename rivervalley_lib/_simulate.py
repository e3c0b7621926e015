"""Vectorised simulation of SGD, Dom-SGD and Bulk-SGD on the river valley."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Callable, Literal

import numpy as np

from ._landscape import RiverValley
from ._noise import NoiseModel, _AdditiveNoise, _check_landscape, _check_noise
from ._validation import check_array, check_int, check_real, check_rng

__all__ = ["simulate", "Trace", "DivergenceError"]

Projection = Literal["none", "dominant", "bulk"]


class DivergenceError(ArithmeticError):
    r"""Raised by :func:`simulate` when the iterates overflow (the step size is unstable).

    Examples
    --------
    >>> from rivervalley_lib import DivergenceError, RiverValley, IsotropicNoise, simulate
    >>> try:
    ...     simulate(RiverValley([4.0, 1.0], k=1), IsotropicNoise(0.0), 0.6, 2000, [1.0, 1.0])
    ... except DivergenceError as err:
    ...     print(str(err).split(":")[0])
    SGD diverged at step 1053
    """


@dataclass(frozen=True)
class Trace:
    r"""The recorded history of a simulation; every array field has shape ``(seeds, records)``.

    Attributes
    ----------
    step : ndarray of int
        The step index :math:`t` of each record (the same on every row).
    loss, loss_dominant, loss_bulk : ndarray
        :math:`L(\theta_t)`, :math:`L_{\mathcal D}(\theta_t)` and :math:`L_{\mathcal B}(\theta_t)`.
    D, B : ndarray
        :math:`\|P_{\mathcal D}\nabla L(\theta_t)\|^2` and :math:`\|P_{\mathcal B}\nabla L(\theta_t)\|^2`.
    alignment : ndarray
        :math:`\chi_t = D_t/(D_t+B_t)`; NaN only where the gradient is exactly zero.
    final_theta : ndarray, shape (seeds, d)
        The last iterate.
    eta : ndarray, shape (steps,)
        The step sizes used at steps :math:`0, \dots, T-1`.
    diverged : ndarray of bool, shape (seeds,)
        Which runs overflowed (only possible with ``on_divergence="mark"``).
    projection : str
        ``"none"`` (SGD), ``"dominant"`` (Dom-SGD) or ``"bulk"`` (Bulk-SGD).
    theta : ndarray, shape (seeds, records, d), or None
        The recorded iterates, with ``record_theta=True`` only.

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, simulate
    >>> tr = simulate(RiverValley([2.0, 1.0], k=1), IsotropicNoise(0.0), 0.25, 4, [1.0, 1.0], record_every=2)
    >>> tr.steps.tolist(), tr.seeds
    ([0, 2, 4], 1)
    >>> tr.D.round(4).tolist()
    [[4.0, 0.25, 0.0156]]
    """

    step: np.ndarray
    loss: np.ndarray
    loss_dominant: np.ndarray
    loss_bulk: np.ndarray
    D: np.ndarray
    B: np.ndarray
    alignment: np.ndarray
    final_theta: np.ndarray
    eta: np.ndarray
    diverged: np.ndarray
    projection: str = field(default="none")
    theta: np.ndarray | None = None

    @property
    def seeds(self) -> int:
        """Number of independent runs."""
        return self.loss.shape[0]

    @property
    def steps(self) -> np.ndarray:
        """The recorded step indices as a 1-D array."""
        return self.step[0]


def _eta_schedule(eta, steps: int) -> np.ndarray:
    """Turn a float, an array or a callable into a validated array of ``steps`` step sizes."""
    if callable(eta):
        values = []
        for t in range(steps):
            v = eta(t)
            if isinstance(v, bool) or not isinstance(v, (numbers.Real, np.floating, np.integer)):
                raise TypeError(f"eta(t) must return a real number, got {type(v).__name__} at t = {t}")
            values.append(float(v))
        etas = np.array(values)
    elif isinstance(eta, (numbers.Real, np.number)) and not isinstance(eta, bool):
        etas = np.full(steps, check_real("eta", eta, low=0.0, low_inclusive=False))
    elif isinstance(eta, bool):
        raise TypeError("eta must be a positive real number, an array or a callable, got bool")
    else:
        etas = check_array("eta", eta, ndim_min=1)
        if etas.ndim != 1 or etas.shape[0] < steps:
            raise ValueError(f"eta as an array must have shape (steps,) = ({steps},), got {etas.shape}")
        etas = etas[:steps].copy()
    if not np.all(np.isfinite(etas)):
        raise ValueError("eta must be finite at every step (no NaN or inf)")
    if np.any(etas <= 0):
        bad = int(np.argmax(etas <= 0))
        raise ValueError(f"eta must be > 0 at every step, got {etas[bad]:g} at t = {bad}")
    return etas


def _record_steps(steps: int, record_every: int) -> np.ndarray:
    rec = np.arange(0, steps + 1, record_every)
    if rec[-1] != steps:
        rec = np.append(rec, steps)
    return rec


def simulate(
    landscape: RiverValley,
    noise: NoiseModel,
    eta: float | np.ndarray | Callable[[int], float],
    steps: int,
    theta0,
    *,
    projection: Projection = "none",
    seeds: int = 1,
    rng: np.random.Generator | int | None = None,
    record_every: int = 1,
    momentum: float = 0.0,
    on_divergence: Literal["raise", "mark"] = "raise",
    record_theta: bool = False,
) -> Trace:
    r"""Run SGD, Dom-SGD or Bulk-SGD on a river valley, vectorised over seeds and coordinates.

    .. math::

        \hat g_t = H\theta_t + \xi_t, \qquad
        v_{t+1} = \beta v_t + \hat g_t, \qquad
        \theta_{t+1} = \theta_t - \eta_t P\, v_{t+1},

    with :math:`P = I` (SGD), :math:`P_{\mathcal D}` (Dom-SGD) or :math:`P_{\mathcal B}`
    (Bulk-SGD), and heavy-ball momentum :math:`\beta` (0 gives plain SGD). The full noise
    vector is drawn at every step whatever the projection, so runs with the same ``rng``
    seed share their noise (common random numbers): SGD, Dom-SGD and Bulk-SGD can be
    compared on the same draws.

    Parameters
    ----------
    landscape : RiverValley
    noise : NoiseModel
    eta : float, array of shape (steps,), or callable ``t -> float``
        Constant step size or schedule, positive and finite at every step.
    steps : int
        Number of updates, ``>= 1``.
    theta0 : array_like, shape (d,) or (seeds, d)
        Initial state, shared by all seeds or one per seed.
    projection : {"none", "dominant", "bulk"}
        Which update to run.
    seeds : int
        Number of independent runs, ``>= 1``.
    rng : numpy.random.Generator, int or None
        Source of randomness; an int is a seed for ``np.random.default_rng``.
    record_every : int
        Record every this many steps (the last step is always recorded).
    momentum : float
        Heavy-ball coefficient :math:`\beta \in [0, 1)`.
    on_divergence : {"raise", "mark"}
        On overflow, raise :class:`DivergenceError` (default) or mark the runs in
        ``Trace.diverged`` and keep the non-finite values.
    record_theta : bool
        Also store the iterates at the recorded steps (memory ``seeds x records x d``).

    Returns
    -------
    Trace

    Raises
    ------
    DivergenceError
        If the iterates overflow and ``on_divergence="raise"``; the message compares
        :math:`\eta` with the stability limit :math:`2/\lambda_1`.

    References
    ----------
    - Song, Ahn, Yun, "Does SGD really happen in tiny subspaces?", ICLR 2025 (Dom-SGD, Bulk-SGD).
    - Deng et al., "Suspicious Alignment of SGD", ALT 2026.

    Examples
    --------
    >>> import numpy as np
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, simulate
    >>> rv = RiverValley.two_level(d=50, k=2, dominant=10.0, bulk=0.1)
    >>> tr = simulate(rv, IsotropicNoise(0.1), eta=0.15, steps=200, theta0=np.ones(50), seeds=4, rng=0)
    >>> tr.alignment.shape, tr.final_theta.shape
    ((4, 201), (4, 50))
    >>> bool(tr.alignment[:, 0].min() > 0.9 and tr.loss[:, -1].max() < tr.loss[:, 0].min())
    True
    """
    _check_landscape(landscape)
    _check_noise(noise)
    steps = check_int("steps", steps, low=1)
    seeds = check_int("seeds", seeds, low=1)
    record_every = check_int("record_every", record_every, low=1)
    beta = check_real("momentum", momentum, low=0.0, high=1.0, high_inclusive=False)
    if projection not in ("none", "dominant", "bulk"):
        raise ValueError(f"projection must be 'none', 'dominant' or 'bulk', got {projection!r}")
    if not isinstance(record_theta, bool):
        raise TypeError(f"record_theta must be a bool, got {type(record_theta).__name__}")
    if on_divergence not in ("raise", "mark"):
        raise ValueError(f"on_divergence must be 'raise' or 'mark', got {on_divergence!r}")
    etas = _eta_schedule(eta, steps)
    rng = check_rng(rng)
    theta0 = landscape._state(theta0, "theta0")
    if theta0.ndim == 1:
        theta = np.tile(theta0, (seeds, 1))
    elif theta0.ndim == 2 and theta0.shape[0] == seeds:
        theta = np.array(theta0, dtype=float, order="C")
    else:
        raise ValueError(f"theta0 must have shape (d,) or (seeds, d) = ({seeds}, {landscape.d}), got {theta0.shape}")

    lam = landscape.eigenvalues
    k = landscape.k
    d = landscape.d
    lam2 = lam * lam
    sel = {"none": slice(0, d), "dominant": slice(0, k), "bulk": slice(k, d)}[projection]
    lam_sel = lam[sel]

    rec_steps = _record_steps(steps, record_every)
    n_rec = rec_steps.shape[0]
    out = {name: np.empty((seeds, n_rec)) for name in ("loss_dominant", "loss_bulk", "D", "B")}
    sq = np.empty_like(theta)
    thetas = np.empty((seeds, n_rec, landscape.d)) if record_theta else None

    def record(j: int) -> None:
        if thetas is not None:
            thetas[:, j] = theta
        np.multiply(theta, theta, out=sq)
        out["loss_dominant"][:, j] = 0.5 * (sq[:, :k] @ lam[:k])
        out["loss_bulk"][:, j] = 0.5 * (sq[:, k:] @ lam[k:])
        out["D"][:, j] = sq[:, :k] @ lam2[:k]
        out["B"][:, j] = sq[:, k:] @ lam2[k:]

    additive = isinstance(noise, _AdditiveNoise)
    zero_noise = False
    if additive:
        scale = noise._scale(landscape)
        uniform_scale = bool(np.all(scale == scale[0]))
        zero_noise = not np.any(scale)
        z = np.empty_like(theta)
    vel = np.zeros((seeds, sel.stop - sel.start)) if beta > 0 else None
    th = theta[:, sel]

    diverged = np.zeros(seeds, dtype=bool)
    record(0)
    j = 1
    prev_eta = None
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps):
            e = etas[t]
            if additive:
                if zero_noise:
                    xi_sel = None
                else:
                    rng.standard_normal(out=z)
                    xi_sel = z[:, sel]
                    if uniform_scale:
                        xi_sel *= scale[0]
                    else:
                        xi_sel *= scale[sel]
            else:
                xi_sel = noise.sample(landscape, theta, rng)[:, sel]
            if beta > 0:
                vel *= beta
                vel += lam_sel * th
                if xi_sel is not None:
                    vel += xi_sel
                th -= e * vel
            else:
                if e != prev_eta:
                    contraction = 1.0 - e * lam_sel
                    prev_eta = e
                th *= contraction
                if xi_sel is not None:
                    xi_sel *= e
                    th -= xi_sel
            if j < n_rec and rec_steps[j] == t + 1:
                record(j)
                bad = ~np.isfinite(out["loss_dominant"][:, j] + out["loss_bulk"][:, j])
                if bad.any():
                    if on_divergence == "raise":
                        raise DivergenceError(
                            f"SGD diverged at step {t + 1}: eta = {e:g} against the stability limit "
                            f"2/lambda_1 = {landscape.stability_limit:g} (projection={projection!r})"
                        )
                    diverged |= bad
                j += 1
        D, B = out["D"], out["B"]
        total = D + B
        chi = np.where(total > 0, D / np.where(total > 0, total, 1.0), np.nan)
        chi = np.where(np.isfinite(total), chi, np.nan)
    loss = out["loss_dominant"] + out["loss_bulk"]
    return Trace(
        step=np.broadcast_to(rec_steps, (seeds, n_rec)).copy(),
        loss=loss,
        loss_dominant=out["loss_dominant"],
        loss_bulk=out["loss_bulk"],
        D=D,
        B=B,
        alignment=chi,
        final_theta=theta,
        eta=etas,
        diverged=diverged,
        projection=projection,
        theta=thetas,
    )
