"""Vectorised simulation of SGD, Dom-SGD and Bulk-SGD on the river valley."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from .._validation import (
    eta_schedule,
    validate_array,
    validate_bool,
    validate_choice,
    validate_int,
    validate_projection,
    validate_real,
    validate_rng,
)
from ..model._blocks import block_partition
from ..model._landscape import RiverValley
from ..model._noise import AdditiveNoise, NoiseModel, validate_noise
from ..model._state import moving_mask, validate_landscape
from ._blocks import sample_final, simulate_blocks
from ._checks import check_simulation_memory, check_start
from ._trace import DivergenceError, Trace, make_trace

Projection = Literal["none", "dominant", "bulk"]


def _record_steps(steps: int, record_every: int) -> np.ndarray:
    rec = np.arange(0, steps + 1, record_every)
    if rec[-1] != steps:
        rec = np.append(rec, steps)
    return rec


def simulate(
    valley: RiverValley,
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
) -> Trace:
    r"""Run SGD, Dom-SGD or Bulk-SGD on a river valley.

    Vectorised over seeds and coordinates, the update is

    .. math::

        \hat g_t = H\theta_t + \xi_t, \qquad
        v_{t+1} = \beta v_t + \hat g_t, \qquad
        \theta_{t+1} = \theta_t - \eta_t P\, v_{t+1},

    with :math:`P = I` (SGD), :math:`P_{\mathcal D}` (Dom-SGD) or :math:`P_{\mathcal B}`
    (Bulk-SGD), and heavy-ball momentum :math:`\beta` (``momentum``; 0 gives plain SGD).
    The full noise vector is drawn at every step whatever the projection, so runs with
    the same ``rng`` seed share their noise (common random numbers): SGD, Dom-SGD and
    Bulk-SGD can be compared on the same draws.

    Parameters
    ----------
    valley : RiverValley
        The valley whose Hessian :math:`H` drives every run.
    noise : NoiseModel
        The noise model of :math:`\xi_t`, drawn afresh at every step and seed.
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
        ``"coordinate"`` updates every coordinate. ``"block"`` runs the exact two-scalar
        chain of each block of equal eigenvalues (see below), in O(number of blocks) per
        step whatever :math:`d`; it needs isotropic or curvature noise, no momentum and
        ``record_theta=False``. ``"auto"`` (default) takes the block path when it
        applies and the spectrum has at most :math:`d/8` blocks.

    Notes
    -----
    **Block method.** On a block of :math:`m` equal eigenvalues :math:`\lambda_b` with
    noise :math:`\sigma_b` per coordinate, one step is
    :math:`\theta' = a\theta - c\zeta`, :math:`a = 1-\eta\lambda_b`,
    :math:`c = \eta\sigma_b`, :math:`\zeta\sim\mathcal N(0, I_m)`. By rotation
    invariance of :math:`\zeta`, the block energy :math:`S = \lVert\theta_b\rVert^2`
    evolves exactly as :math:`S' = (a\sqrt S + c z)^2 + c^2\chi^2_{m-1}`. The library
    tracks the component :math:`x` along the initial direction and the squared norm
    :math:`R` of the rest, :math:`x' = ax - c z_1`,
    :math:`R' = (a\sqrt R - c z_2)^2 + c^2\chi^2_{m-2}`, :math:`S = x^2 + R`, which also
    lets it sample the final iterate consistently.

    Returns
    -------
    Trace

    Raises
    ------
    DivergenceError
        If the iterates overflow and ``on_divergence="raise"``; the message compares
        :math:`\eta` with the stability limit :math:`2/\lambda_1`.
    TypeError, ValueError
        If an argument has the wrong type or range (naming it), if ``theta0`` has a
        gradient energy outside the float range (below about :math:`10^{-308}` or
        overflowing), or if the run would take more than 2 GiB of memory (the
        message names ``seeds``, ``d``, ``steps``, ``record_every`` and the estimate).

    References
    ----------
    - Song, Ahn, Yun, "Does SGD really happen in tiny subspaces?", ICLR 2025 (Dom-SGD,
      Bulk-SGD).
    - Deng et al., "Suspicious Alignment of SGD", ALT 2026.

    Examples
    --------
    >>> import numpy as np
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, simulate
    >>> valley = RiverValley.spread(d=50, k=2, dominant=(8.0, 10.0), bulk=(0.05, 0.1))
    >>> noise, theta0 = IsotropicNoise(0.1), np.ones(50)
    >>> tr = simulate(valley, noise, eta=0.15, steps=200, theta0=theta0, seeds=4, rng=0)
    >>> tr.alignment.shape, tr.final_theta.shape
    ((4, 201), (4, 50))
    >>> loss = tr.loss
    >>> bool(tr.alignment[:, 0].min() > 0.9 and loss[:, -1].max() < loss[:, 0].min())
    True

    A two-level valley in a million dimensions runs on the exact block path:

    >>> big = RiverValley.two_level(d=10**6, k=10, dominant=1.0, bulk=0.001)
    >>> theta0 = np.ones(10**6)
    >>> tr = simulate(big, IsotropicNoise(0.01), 0.5, 1000, theta0, seeds=8, rng=0)
    >>> tr.D.shape, tr.final_theta.shape
    ((8, 1001), (8, 1000000))
    """
    validate_landscape(valley)
    validate_noise(noise)
    steps = validate_int("steps", steps, low=1)
    seeds = validate_int("seeds", seeds, low=1)
    record_every = validate_int("record_every", record_every, low=1)
    beta = validate_real("momentum", momentum, low=0.0, high=1.0, high_inclusive=False)
    validate_projection(projection)
    record_theta = validate_bool("record_theta", record_theta)
    validate_choice("on_divergence", on_divergence, ("raise", "mark"))
    validate_choice("method", method, ("auto", "coordinate", "block"))
    # theta0 is copied: the block path draws the final state from it after the call
    theta0 = validate_array("theta0", theta0, ndim_min=1, last_dim=valley.d, copy=True)
    if not (theta0.ndim == 1 or (theta0.ndim == 2 and theta0.shape[0] == seeds)):
        raise ValueError(
            f"theta0 must have shape (d,) or (seeds, d) = ({seeds}, {valley.d}), "
            f"got {theta0.shape}"
        )
    check_start(valley, theta0)

    lam = valley.eigenvalues
    k = valley.k
    d = valley.d
    lam2 = lam * lam
    additive = isinstance(noise, AdditiveNoise)
    use_block, n_blocks = False, None
    if method != "coordinate":
        eligible = additive and beta == 0 and not record_theta
        if method == "block" and not eligible:
            raise ValueError(
                "method='block' needs isotropic or curvature noise, momentum=0 and "
                "record_theta=False"
            )
        if eligible:
            n_blocks = block_partition(lam, noise.scale(valley))[0].size
            use_block = method == "block" or n_blocks * 8 <= d
    check_simulation_memory(
        valley,
        noise,
        steps,
        seeds,
        record_every,
        record_theta,
        blocks=n_blocks if use_block else None,
    )
    # after the memory guard: a schedule of a refused length is never built
    etas = eta_schedule(eta, steps)
    rng = validate_rng(rng)
    if use_block:
        return _simulate_by_blocks(
            valley,
            noise,
            etas,
            theta0,
            seeds,
            projection,
            rng,
            record_every,
            on_divergence,
        )
    theta = (
        np.tile(theta0, (seeds, 1))
        if theta0.ndim == 1
        else np.array(theta0, dtype=float, order="C")
    )
    sel = {"none": slice(0, d), "dominant": slice(0, k), "bulk": slice(k, d)}[
        projection
    ]
    lam_sel = lam[sel]

    rec_steps = _record_steps(steps, record_every)
    n_rec = rec_steps.shape[0]
    out = {
        name: np.empty((seeds, n_rec))
        for name in ("loss_dominant", "loss_bulk", "D", "B")
    }
    sq = np.empty_like(theta)
    thetas = np.empty((seeds, n_rec, valley.d)) if record_theta else None

    dom = valley.dominant_mask
    weights = np.stack(
        [0.5 * lam * dom, 0.5 * lam * ~dom, lam2 * dom, lam2 * ~dom], axis=1
    )

    def record(j: int) -> None:
        if thetas is not None:
            thetas[:, j] = theta
        np.multiply(theta, theta, out=sq)
        vals = sq @ weights  # one pass: (seeds, d) @ (d, 4)
        (
            out["loss_dominant"][:, j],
            out["loss_bulk"][:, j],
            out["D"][:, j],
            out["B"][:, j],
        ) = vals.T

    zero_noise = False
    noise_scale: float | np.ndarray = (
        1.0  # regression noise is sampled at its actual scale
    )
    if additive:
        scale = noise.scale(valley)
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
                xi_sel = noise.sample(valley, theta, rng)[:, sel]
            if beta > 0:
                vel *= beta
                vel += lam_sel * th
                if xi_sel is not None:
                    vel += xi_sel * noise_scale
                th -= e * vel
            else:
                if e != prev_eta:
                    contraction = 1.0 - e * lam_sel
                    step_scale = (
                        e * noise_scale
                    )  # eta times the noise scale, in one multiply
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
                        raise DivergenceError(
                            _divergence_message(t + 1, e, valley, projection)
                        )
                    diverged |= bad
                j += 1
    return make_trace(out, rec_steps, etas, diverged, projection, theta, thetas)


def _divergence_message(
    step: int, eta: float, valley: RiverValley, projection: str
) -> str:
    return (
        f"SGD diverged at step {step}: eta = {eta:g} against the stability limit "
        f"2/lambda_1 = {valley.stability_limit:g} (projection={projection!r})"
    )


def _simulate_by_blocks(
    valley, noise, etas, theta0, seeds, projection, rng, record_every, on_divergence
) -> Trace:
    """The block path of :func:`simulate` (see its Notes)."""
    lam = valley.eigenvalues
    k = valley.k
    scale = noise.scale(valley)
    starts, _ = block_partition(lam, scale)
    lam_b = lam[starts]
    dom_b = starts < k
    moving = moving_mask(valley, projection)
    steps = etas.shape[0]
    rec_steps = _record_steps(steps, record_every)
    n_rec = rec_steps.shape[0]
    out = {
        name: np.empty((seeds, n_rec))
        for name in ("loss_dominant", "loss_bulk", "D", "B")
    }
    weights = np.stack(
        [
            0.5 * lam_b * dom_b,
            0.5 * lam_b * ~dom_b,
            lam_b**2 * dom_b,
            lam_b**2 * ~dom_b,
        ],
        axis=1,
    )

    def on_record(j: int, S: np.ndarray) -> None:
        vals = S @ weights
        (
            out["loss_dominant"][:, j],
            out["loss_bulk"][:, j],
            out["D"][:, j],
            out["B"][:, j],
        ) = vals.T

    chain = simulate_blocks(
        valley, scale, etas, theta0, seeds, moving, rec_steps, rng, on_record
    )
    final_rng = rng.spawn(1)[
        0
    ]  # draws nothing from rng: the trace does not depend on it
    with np.errstate(invalid="ignore", over="ignore"):
        total = out["loss_dominant"] + out["loss_bulk"]
        bad_rec = ~np.isfinite(total)
        diverged = bad_rec.any(axis=1)
        if diverged.any() and on_divergence == "raise":
            j = int(np.argmax(bad_rec.any(axis=0)))
            raise DivergenceError(
                _divergence_message(
                    int(rec_steps[j]),
                    float(etas[max(rec_steps[j] - 1, 0)]),
                    valley,
                    projection,
                )
            )
    return make_trace(
        out,
        rec_steps,
        etas,
        diverged,
        projection,
        lambda: sample_final(chain, final_rng),
    )
