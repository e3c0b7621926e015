"""Vectorised simulation of SGD, Dom-SGD and Bulk-SGD on the river valley."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Callable, Literal

import numpy as np

from . import _blocks
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
    ...     print(str(err).split(": ")[1])
    eta = 0.6 against the stability limit 2/lambda_1 = 0.5 (projection='none')
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
    final_theta : ndarray, shape (seeds, d), or None
        The last iterate (on the block path only with ``keep_final=True``).
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
    method: Literal["auto", "coordinate", "block"] = "auto",
    keep_final: bool | None = None,
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
    method : {"auto", "coordinate", "block"}
        ``"coordinate"`` updates every coordinate. ``"block"`` runs the exact two-scalar chain of
        each block of equal eigenvalues (see below), in O(number of blocks) per step whatever
        :math:`d`; it needs isotropic or curvature noise, no momentum and ``record_theta=False``.
        ``"auto"`` (default) takes the block path when it applies and the spectrum has at most
        :math:`d/8` blocks.
    keep_final : bool, optional
        Return ``Trace.final_theta``. Default: yes on the coordinate path; on the block path only
        on request (it costs ``seeds x d`` memory and is sampled from the exact joint law).

    Notes
    -----
    **Block method.** On a block of :math:`m` equal eigenvalues :math:`\lambda_b` with noise
    :math:`\sigma_b` per coordinate, one step is :math:`\theta' = a\theta - \beta\zeta`,
    :math:`a = 1-\eta\lambda_b`, :math:`\beta = \eta\sigma_b`, :math:`\zeta\sim\mathcal N(0, I_m)`.
    By rotation invariance of :math:`\zeta`, the block energy :math:`S = \lVert\theta_b\rVert^2`
    evolves exactly as :math:`S' = (a\sqrt S + \beta z)^2 + \beta^2\chi^2_{m-1}`. The library
    tracks the component :math:`x` along the initial direction and the squared norm :math:`R`
    of the rest, :math:`x' = ax - \beta z_1`, :math:`R' = (a\sqrt R - \beta z_2)^2 + \beta^2\chi^2_{m-2}`,
    :math:`S = x^2 + R`, which also lets it sample the final iterate consistently.

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
    >>> rv = RiverValley.spread(d=50, k=2, dominant=(8.0, 10.0), bulk=(0.05, 0.1))
    >>> tr = simulate(rv, IsotropicNoise(0.1), eta=0.15, steps=200, theta0=np.ones(50), seeds=4, rng=0)
    >>> tr.alignment.shape, tr.final_theta.shape
    ((4, 201), (4, 50))
    >>> bool(tr.alignment[:, 0].min() > 0.9 and tr.loss[:, -1].max() < tr.loss[:, 0].min())
    True

    A two-level valley in a million dimensions runs on the exact block path:

    >>> big = RiverValley.two_level(d=10**6, k=10, dominant=1.0, bulk=0.001)
    >>> tr = simulate(big, IsotropicNoise(0.01), 0.5, 1000, np.ones(10**6), seeds=8, rng=0)
    >>> tr.D.shape, tr.final_theta is None
    ((8, 1001), True)
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
    if method not in ("auto", "coordinate", "block"):
        raise ValueError(f"method must be 'auto', 'coordinate' or 'block', got {method!r}")
    if keep_final is not None and not isinstance(keep_final, bool):
        raise TypeError(f"keep_final must be a bool or None, got {type(keep_final).__name__}")
    etas = _eta_schedule(eta, steps)
    rng = check_rng(rng)
    theta0 = landscape._state(theta0, "theta0")
    if not (theta0.ndim == 1 or (theta0.ndim == 2 and theta0.shape[0] == seeds)):
        raise ValueError(f"theta0 must have shape (d,) or (seeds, d) = ({seeds}, {landscape.d}), got {theta0.shape}")

    lam = landscape.eigenvalues
    k = landscape.k
    d = landscape.d
    lam2 = lam * lam
    additive = isinstance(noise, _AdditiveNoise)
    use_block = False
    if method != "coordinate":
        eligible = additive and beta == 0 and not record_theta
        if method == "block" and not eligible:
            raise ValueError("method='block' needs isotropic or curvature noise, momentum=0 and record_theta=False")
        if eligible:
            n_blocks = _blocks.block_partition(lam, noise._scale(landscape))[0].size
            use_block = method == "block" or n_blocks * 8 <= d
    if keep_final is None:
        keep_final = not use_block
    if use_block:
        return _simulate_by_blocks(landscape, noise, etas, theta0, seeds, projection, rng, record_every, on_divergence, keep_final)
    theta = np.tile(theta0, (seeds, 1)) if theta0.ndim == 1 else np.array(theta0, dtype=float, order="C")
    sel = {"none": slice(0, d), "dominant": slice(0, k), "bulk": slice(k, d)}[projection]
    lam_sel = lam[sel]

    rec_steps = _record_steps(steps, record_every)
    n_rec = rec_steps.shape[0]
    out = {name: np.empty((seeds, n_rec)) for name in ("loss_dominant", "loss_bulk", "D", "B")}
    sq = np.empty_like(theta)
    thetas = np.empty((seeds, n_rec, landscape.d)) if record_theta else None

    dom = landscape.dominant_mask
    weights = np.stack([0.5 * lam * dom, 0.5 * lam * ~dom, lam2 * dom, lam2 * ~dom], axis=1)

    def record(j: int) -> None:
        if thetas is not None:
            thetas[:, j] = theta
        np.multiply(theta, theta, out=sq)
        vals = sq @ weights  # one pass: (seeds, d) @ (d, 4)
        out["loss_dominant"][:, j], out["loss_bulk"][:, j], out["D"][:, j], out["B"][:, j] = vals.T

    zero_noise = False
    noise_scale: float | np.ndarray = 1.0  # regression noise is sampled at its actual scale
    if additive:
        scale = noise._scale(landscape)
        zero_noise = not np.any(scale)
        noise_scale = float(scale[0]) if np.all(scale == scale[0]) else scale[sel]
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
                    xi_sel = z[:, sel]  # standard normal; scaled in the update below
            else:
                xi_sel = noise.sample(landscape, theta, rng)[:, sel]
            if beta > 0:
                vel *= beta
                vel += lam_sel * th
                if xi_sel is not None:
                    vel += xi_sel * noise_scale
                th -= e * vel
            else:
                if e != prev_eta:
                    contraction = 1.0 - e * lam_sel
                    step_scale = e * noise_scale  # eta times the noise scale, in one multiply
                    prev_eta = e
                th *= contraction
                if xi_sel is not None:
                    xi_sel *= step_scale
                    th -= xi_sel
            if j < n_rec and rec_steps[j] == t + 1:
                record(j)
                bad = ~np.isfinite(out["loss_dominant"][:, j] + out["loss_bulk"][:, j])
                if bad.any():
                    if on_divergence == "raise":
                        raise DivergenceError(_divergence_message(t + 1, e, landscape, projection))
                    diverged |= bad
                j += 1
    return _make_trace(out, rec_steps, etas, diverged, projection, theta if keep_final else None, thetas)


def _divergence_message(step: int, eta: float, landscape: RiverValley, projection: str) -> str:
    return (
        f"SGD diverged at step {step}: eta = {eta:g} against the stability limit "
        f"2/lambda_1 = {landscape.stability_limit:g} (projection={projection!r})"
    )


def _simulate_by_blocks(landscape, noise, etas, theta0, seeds, projection, rng, record_every, on_divergence, keep_final) -> Trace:
    """The block path of :func:`simulate` (see its Notes)."""
    lam = landscape.eigenvalues
    k = landscape.k
    scale = noise._scale(landscape)
    starts, _ = _blocks.block_partition(lam, scale)
    lam_b = lam[starts]
    dom_b = starts < k
    moving = {"none": np.ones(landscape.d, dtype=bool), "dominant": landscape.dominant_mask, "bulk": ~landscape.dominant_mask}[projection]
    steps = etas.shape[0]
    rec_steps = _record_steps(steps, record_every)
    n_rec = rec_steps.shape[0]
    out = {name: np.empty((seeds, n_rec)) for name in ("loss_dominant", "loss_bulk", "D", "B")}
    weights = np.stack([0.5 * lam_b * dom_b, 0.5 * lam_b * ~dom_b, lam_b**2 * dom_b, lam_b**2 * ~dom_b], axis=1)

    def on_record(j: int, S: np.ndarray) -> None:
        vals = S @ weights
        out["loss_dominant"][:, j], out["loss_bulk"][:, j], out["D"][:, j], out["B"][:, j] = vals.T

    final = _blocks.simulate_blocks(landscape, scale, etas, theta0, seeds, moving, rec_steps, rng, keep_final, on_record)
    with np.errstate(invalid="ignore", over="ignore"):
        total = out["loss_dominant"] + out["loss_bulk"]
        bad_rec = ~np.isfinite(total)
        diverged = bad_rec.any(axis=1)
        if diverged.any() and on_divergence == "raise":
            j = int(np.argmax(bad_rec.any(axis=0)))
            raise DivergenceError(_divergence_message(int(rec_steps[j]), float(etas[max(rec_steps[j] - 1, 0)]), landscape, projection))
    return _make_trace(out, rec_steps, etas, diverged, projection, final)


def _make_trace(out, rec_steps, etas, diverged, projection, final_theta, thetas=None) -> Trace:
    """Assemble a :class:`Trace` from the recorded block quantities (shared by both paths)."""
    D, B = out["D"], out["B"]
    seeds, n_rec = D.shape
    with np.errstate(invalid="ignore", over="ignore"):
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
        final_theta=final_theta,
        eta=etas,
        diverged=diverged,
        projection=projection,
        theta=thetas,
    )
