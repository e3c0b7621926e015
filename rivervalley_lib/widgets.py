r"""Figures behind the book's widgets, as plain functions, and thin ipywidgets wrappers.

Every ``*_figure`` function is pure: it takes numbers, calls the tested library, and returns
a :class:`matplotlib.figure.Figure` (no pyplot state, no display). The chapters call them once
at a few settings for the static figures and wrap them with :func:`interact` for the live
widget, so the widget and the static fallback always show the same computation. A step size
past the stability limit is reported in words on the figure instead of being plotted.

Examples
--------
>>> from rivervalley_lib import widgets
>>> fig = widgets.valley_2d_figure(eta=0.25, condition=20.0, sigma=0.3)
>>> fig.axes[0].texts[0].get_text().splitlines()[0]
'diverges: eta = 0.25 > 2/lambda_max = 0.2'
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from . import plotting
from ._landscape import RiverValley
from ._noise import CurvatureNoise, IsotropicNoise, RegressionNoise
from ._simulate import simulate
from ._theory import (
    alignment,
    critical_step_size,
    expected_trajectory,
    measured_phase_lengths,
    noise_floor,
    phase_lengths,
    projection_thresholds,
    expected_alignment_step,
    expected_next,
    self_correction_alignment,
    state_with_alignment,
)
from ._validation import check_array, check_int, check_real

__all__ = [
    "valley_2d_figure",
    "noise_figure",
    "one_step_figure",
    "regime_map_figure",
    "self_correction_figure",
    "paradox_figure",
    "two_phase_figure",
    "spectrum_history_figure",
    "step_size_choice_figure",
    "HEADLINE_VALLEY",
    "HEADLINE_NOISE",
    "HEADLINE_INIT",
    "interact",
    "describe",
    "DESCRIPTIONS",
    "STEEP",
]

C = plotting.COLORS
#: The steep eigenvalue of the book's 2-D valley.
STEEP = 10.0


def _two_d(condition: float) -> RiverValley:
    return RiverValley([STEEP, STEEP / condition], k=1)


def valley_2d_figure(eta: float = 0.12, condition: float = 20.0, sigma: float = 0.3, steps: int = 60, seed: int = 0) -> Figure:
    r"""GD and SGD on a 2-D river valley :math:`L = \tfrac12(\lambda\theta_1^2 + \mu\theta_2^2)`.

    :math:`\theta_1` runs across the river (steep, :math:`\lambda = 10`) and :math:`\theta_2`
    along it (flat, :math:`\mu = \lambda/\kappa`). Left: both trajectories on the contours.
    Middle: the alignment :math:`\chi_t`. Right: SGD's block losses :math:`L_{\mathcal D}` and
    :math:`L_{\mathcal B}`.

    Parameters
    ----------
    eta : float
        Step size; above :math:`2/\lambda = 0.2` the figure says that GD diverges.
    condition : float
        Condition number :math:`\kappa = \lambda/\mu > 1`.
    sigma : float
        Isotropic noise level of SGD (:math:`\ge 0`).
    steps : int
        Number of steps.
    seed : int
        Seed of the noise.

    Returns
    -------
    Figure

    Examples
    --------
    >>> fig = valley_2d_figure(eta=0.12, condition=20.0, sigma=0.3)
    >>> [ax.get_title() for ax in fig.axes]
    ['eta = 0.12, kappa = 20', 'where the gradient points', 'where the loss is']
    """
    eta = check_real("eta", eta, low=0.0, low_inclusive=False)
    condition = check_real("condition", condition, low=1.0, low_inclusive=False)
    sigma = check_real("sigma", sigma, low=0.0)
    steps = check_int("steps", steps, low=1)
    rv = _two_d(condition)
    fig, axes = plotting.new_figure(3, width=3.6, height=3.3)
    if eta >= rv.stability_limit:
        for ax in axes[1:]:
            ax.set_axis_off()
        plotting.diverged_message(axes[0], eta, rv.stability_limit)
        return fig
    theta0 = np.array([1.0, 8.0])
    runs = {
        name: simulate(rv, IsotropicNoise(s), eta, steps, theta0, rng=seed, record_theta=True)
        for name, s in (("GD", 0.0), ("SGD", sigma))
    }
    gd, sgd = runs["GD"].theta[0], runs["SGD"].theta[0]
    ax = axes[0]
    x = np.linspace(-2.2, 2.2, 161)
    y = np.linspace(-1.5, 9.0, 161)
    X, Y = np.meshgrid(x, y)
    Z = 0.5 * (rv.eigenvalues[0] * X**2 + rv.eigenvalues[1] * Y**2)
    ax.contour(X, Y, Z, levels=np.geomspace(Z.max() / 3000, Z.max(), 12), colors=C["muted"], linewidths=0.6)
    ax.plot(gd[:, 0], gd[:, 1], "-o", ms=2.5, color=C["theory"], label="GD", lw=1.2)
    ax.plot(sgd[:, 0], sgd[:, 1], "-", color=C["sgd"], label="SGD", lw=0.9)
    ax.plot(0, 0, "*", color=C["accent"], ms=10)
    ax.set(xlabel=r"$\theta_1$ (across the river, $\mathcal{D}$)", ylabel=r"$\theta_2$ (along it, $\mathcal{B}$)",
           xlim=(-2.2, 2.2), ylim=(-1.5, 9.0), title=f"eta = {eta:.3g}, kappa = {condition:.3g}")
    ax.legend(loc="upper right", fontsize=9)
    t = np.arange(steps + 1)
    for lab, col in (("GD", C["theory"]), ("SGD", C["sgd"])):
        axes[1].plot(t, runs[lab].alignment[0], color=col, label=lab)
    axes[1].set(xlabel="step $t$", ylabel=r"alignment $\chi_t$", ylim=(-0.02, 1.02), title="where the gradient points")
    axes[1].legend(fontsize=9)
    axes[2].semilogy(t, np.maximum(runs["SGD"].loss_dominant[0], 1e-12), color=C["dominant"], label=r"$L_{\mathcal{D}}$ (across)")
    axes[2].semilogy(t, np.maximum(runs["SGD"].loss_bulk[0], 1e-12), color=C["bulk"], label=r"$L_{\mathcal{B}}$ (along)")
    axes[2].set(xlabel="step $t$", ylabel="block loss (SGD)", title="where the loss is")
    axes[2].legend(fontsize=9)
    return fig


_NOISE_VALLEY = RiverValley.spread(d=40, k=3, dominant=(6.0, 12.0), bulk=(0.05, 1.0))


def noise_figure(model: str = "regression", sigma: float = 0.5, batch_size: int = 8, samples: int = 4000, seed: int = 0) -> Figure:
    r"""The noise variance :math:`s_i` per eigendirection: exact against sampled, for one noise model.

    The valley has :math:`d = 40`, :math:`k = 3`; the state has equal coordinates
    :math:`\theta_i = 1`. For regression noise ``sigma`` is the label-noise level.

    Returns
    -------
    Figure

    Examples
    --------
    >>> noise_figure(model="curvature", sigma=0.5).axes[0].get_title()
    'CurvatureNoise(sigma=0.5)'
    """
    sigma = check_real("sigma", sigma, low=0.0)
    batch_size = check_int("batch_size", batch_size, low=1)
    samples = check_int("samples", samples, low=2)
    rv = _NOISE_VALLEY
    noise = {
        "isotropic": lambda: IsotropicNoise(sigma),
        "curvature": lambda: CurvatureNoise(sigma),
        "regression": lambda: RegressionNoise(batch_size, sigma),
    }.get(model)
    if noise is None:
        raise ValueError(f"model must be 'isotropic', 'curvature' or 'regression', got {model!r}")
    noise = noise()
    theta = np.ones(rv.d)
    xi = noise.sample(rv, np.broadcast_to(theta, (samples, rv.d)), np.random.default_rng(seed))
    emp = xi.var(axis=0, ddof=1)
    exact = noise.diagonal(rv, theta)
    fig, ax = plotting.new_figure(width=6.0, height=3.2)
    i = np.arange(1, rv.d + 1)
    ax.bar(i, exact, color=np.where(rv.dominant_mask, C["dominant"], C["bulk"]), alpha=0.45, label=r"exact $s_i = \Sigma_{ii}$")
    ax.plot(i, emp, "o", color=C["sgd"], ms=3.5, label=f"sampled ({samples} draws)")
    ax.set(xlabel=r"eigendirection $i$ (dominant first)", ylabel="noise variance", title=repr(noise))
    if exact.max() > 0 and exact.max() > 20 * max(exact.min(), 1e-300):
        ax.set_yscale("log")
    ax.legend(fontsize=9)
    return fig


#: The two-level valley of chapters 3 and 5.
ONE_STEP_VALLEY = RiverValley.two_level(d=400, k=4, dominant=10.0, bulk=0.2)


def one_step_figure(eta: float = 0.1, chi: float = 0.3, energy: float = 1.0, sigma: float = 0.05, samples: int = 2000, seed: int = 0) -> Figure:
    r"""One SGD step from a chosen state: the sampled next alignment against the prediction.

    The state has alignment ``chi`` and gradient energy ``energy`` on the two-level valley
    ``ONE_STEP_VALLEY`` (:math:`d=400`, :math:`k=4`, :math:`\lambda=10`, :math:`\mu=0.2`) with
    isotropic noise. The histogram shows :math:`\chi_{t+1}` over ``samples`` draws; the
    vertical lines mark :math:`\chi_t` and the prediction
    :math:`\mathbb E D_{t+1}/(\mathbb E D_{t+1} + \mathbb E B_{t+1})`.

    Returns
    -------
    Figure

    Examples
    --------
    >>> one_step_figure(eta=0.05, chi=0.3).axes[0].get_title()
    'eta = 0.05, eta* = 0.19: alignment falls'
    """
    eta = check_real("eta", eta, low=0.0, low_inclusive=False)
    chi = check_real("chi", chi, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False)
    energy = check_real("energy", energy, low=0.0, low_inclusive=False)
    sigma = check_real("sigma", sigma, low=0.0)
    rv, noise = ONE_STEP_VALLEY, IsotropicNoise(sigma)
    theta = state_with_alignment(rv, chi, energy)
    rng = np.random.default_rng(seed)
    th = np.broadcast_to(theta, (samples, rv.d))
    nxt = th - eta * (rv.gradient(th) + noise.sample(rv, th, rng))
    chi_next = alignment(rv, nxt)
    pred = expected_alignment_step(rv, noise, theta, eta)
    eta_star = critical_step_size(rv, noise, theta)
    fig, ax = plotting.new_figure(width=6.0, height=3.2)
    ax.hist(chi_next, bins=50, color=C["sky"], alpha=0.8, label=r"sampled $\chi_{t+1}$")
    ax.axvline(chi, color=C["muted"], ls=":", lw=2, label=rf"now: $\chi_t$ = {chi:.3f}")
    ax.axvline(pred, color=C["theory"], lw=2, label=f"predicted: {pred:.3f}")
    ax.axvline(chi_next.mean(), color=C["sgd"], ls="--", lw=1.5, label=f"sample mean: {chi_next.mean():.3f}")
    verdict = "rises" if pred > chi else "falls"
    star = "inf (self-correcting)" if np.isinf(eta_star) else f"{eta_star:.3g}"
    title = f"eta = {eta:.3g}, eta* = {star}: alignment {verdict}"
    if eta >= rv.stability_limit:
        title += f"\n(eta > 2/lambda_max = {rv.stability_limit:.3g}: one step is defined, repeated steps diverge)"
    ax.set(xlabel=r"next alignment $\chi_{t+1}$", ylabel="count", title=title)
    ax.title.set_fontsize(10)
    ax.legend(fontsize=8, loc="best")
    return fig


_SIGN_CMAP = ListedColormap([C["bulk"], C["dominant"]])


def regime_map_figure(
    lam: float = 10.0,
    mu: float = 0.2,
    k: int = 4,
    d: int = 400,
    sigma: float = 0.05,
    energy: float = 1.0,
    dots: np.ndarray | None = None,
) -> Figure:
    r"""The sign of the expected alignment change in the :math:`(\chi_t, \eta)` plane, with :math:`\eta^*_t`.

    Red: the alignment rises (:math:`\eta > \eta^*_t`); blue: it falls. The dashed line is the
    noise-free :math:`2/(\lambda+\mu)` and the dotted one the stability limit :math:`2/\lambda`;
    the region above it is hatched ("diverges"). ``dots``, an array of rows
    :math:`(\chi_t, \eta, \text{sign})`, draws simulated steps on top.

    Returns
    -------
    Figure

    Examples
    --------
    >>> fig = regime_map_figure(sigma=0.0)
    >>> fig.axes[0].get_lines()[0].get_ydata()[:3].round(4).tolist()
    [0.1961, 0.1961, 0.1961]
    """
    lam = check_real("lam", lam, low=0.0, low_inclusive=False)
    mu = check_real("mu", mu, low=0.0, high=lam, low_inclusive=False, high_inclusive=False)
    d = check_int("d", d, low=2)
    k = check_int("k", k, low=1, high=d - 1)
    sigma = check_real("sigma", sigma, low=0.0)
    energy = check_real("energy", energy, low=0.0, low_inclusive=False)
    rv, noise = RiverValley.two_level(d, k, lam, mu), IsotropicNoise(sigma)
    chis = np.linspace(0.005, 0.995, 150)
    etas = np.linspace(0.002, 1.25 * rv.stability_limit, 160)
    thetas = state_with_alignment(rv, chis, energy)
    ED, EB = expected_next(rv, noise, thetas[None, :, :], etas[:, None])
    rises = ED / (ED + EB) > chis[None, :]
    star = np.asarray(critical_step_size(rv, noise, thetas), dtype=float)
    fig, ax = plotting.new_figure(width=5.6, height=3.8)
    ax.pcolormesh(chis, etas, rises.astype(float), cmap=_SIGN_CMAP, vmin=0, vmax=1, alpha=0.35, shading="auto")
    ax.plot(chis, np.where(np.isfinite(star), star, np.nan), color=C["sgd"], lw=2, label=r"$\eta^*_t$")
    ax.axhline(2 / (lam + mu), color=C["threshold"], ls="--", lw=1.3, label=r"$2/(\lambda+\mu)$ (no noise)")
    ax.axhline(rv.stability_limit, color=C["sgd"], ls=":", lw=1.3, label=r"$2/\lambda$ (stability)")
    ax.fill_between(chis, rv.stability_limit, etas[-1], facecolor="none", hatch="//", edgecolor=C["muted"], lw=0)
    ax.text(0.5, (rv.stability_limit + etas[-1]) / 2, "diverges", ha="center", va="center", fontsize=10)
    if dots is not None:
        dots = np.asarray(dots, dtype=float)
        up = dots[:, 2] > 0
        ax.scatter(dots[up, 0], dots[up, 1], marker="^", color=C["dominant"], edgecolor="k", s=36, zorder=3, label="simulated: rose")
        ax.scatter(dots[~up, 0], dots[~up, 1], marker="v", color=C["bulk"], edgecolor="k", s=36, zorder=3, label="simulated: fell")
    ax.set(xlabel=r"alignment $\chi_t$", ylabel=r"step size $\eta$", ylim=(0, etas[-1]), xlim=(0, 1))
    ax.set_title("red: alignment rises, blue: it falls", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def self_correction_figure(sigma: float = 0.05, energy: float = 0.05, chis: tuple[float, ...] = (0.9, 0.97, 0.99, 0.999)) -> Figure:
    r"""Expected next alignment against :math:`\eta` for states near :math:`\chi = 1`.

    On ``ONE_STEP_VALLEY`` with isotropic noise ``sigma`` and gradient energy ``energy``. Each
    curve starts at its :math:`\chi_t` (dotted line); below :math:`\chi_{\rm sc}` a curve can
    cross its dotted line (a finite :math:`\eta^*_t`), above it every step size lowers the
    alignment. Step sizes beyond :math:`2/\lambda` are hatched ("diverges").

    Returns
    -------
    Figure

    Examples
    --------
    >>> len(self_correction_figure(sigma=0.05, energy=0.05).axes[0].get_lines())
    5
    """
    sigma = check_real("sigma", sigma, low=0.0)
    energy = check_real("energy", energy, low=0.0, low_inclusive=False)
    rv, noise = ONE_STEP_VALLEY, IsotropicNoise(sigma)
    chi_sc = self_correction_alignment(rv, noise, energy)
    etas = np.linspace(1e-3, 1.2 * rv.stability_limit, 200)
    fig, ax = plotting.new_figure(width=6.0, height=3.6)
    colors = [C["bulk"], C["theory"], C["accent"], C["dominant"], C["threshold"], C["sky"]]
    for chi, col in zip(chis, colors):
        theta = state_with_alignment(rv, chi, energy)
        nxt = expected_alignment_step(rv, noise, np.broadcast_to(theta, (etas.size, rv.d)), etas)
        ax.plot(etas, nxt - chi, color=col, label=rf"$\chi_t$ = {chi:g}")
    ax.axhline(0, color=C["sgd"], lw=0.8)
    ax.axvspan(rv.stability_limit, etas[-1], facecolor="none", hatch="//", edgecolor=C["muted"], lw=0)
    ax.text(rv.stability_limit * 1.1, ax.get_ylim()[0] * 0.5, "diverges", rotation=90, va="center", fontsize=9)
    ax.set(xlabel=r"step size $\eta$", ylabel=r"expected change $\bar\chi_{t+1} - \chi_t$")
    ax.set_title(rf"$\sigma$ = {sigma:g}, $G^2$ = {energy:g}: self-correcting above $\chi_{{sc}}$ = {chi_sc:.4f}", fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    return fig


#: The valley of chapters 6, 7 and 9: d = 1000, k = 10, dominant eigenvalues on 5 levels in
#: [1, 1.4], bulk eigenvalues on 22 levels in [5e-4, 3e-3] (27 blocks: simulations and exact
#: expectations run in O(27) per step).
HEADLINE_VALLEY = RiverValley.spread(d=1000, k=10, dominant=(1.0, 1.4), bulk=(5e-4, 3e-3), levels=(5, 22))
#: Its noise: isotropic, sigma = 0.01.
HEADLINE_NOISE = IsotropicNoise(0.01)
#: Its large initialization scale: theta_0 = 7 (1, ..., 1).
HEADLINE_INIT = 7.0


def _typical_state(landscape: RiverValley, energies: np.ndarray) -> np.ndarray:
    """The deterministic state whose squared gradient coordinates are the expected ones."""
    lam = landscape.eigenvalues
    return np.sqrt(energies) / np.where(lam > 0, lam, 1.0)


def paradox_figure(eta: float = 1.3, eta_train: float = 1.0, branch_step: int = 3000, steps: int = 3000) -> Figure:
    r"""Branch SGD, Dom-SGD and Bulk-SGD from a high-alignment checkpoint.

    On ``HEADLINE_VALLEY`` with ``HEADLINE_NOISE``, SGD with step size ``eta_train`` runs from
    :math:`\theta_0 = 7\cdot\mathbf 1` for ``branch_step`` steps; the checkpoint is the typical
    state of the exact second-moment recursion there (:math:`\theta_i = \sqrt{\mathbb E g_i^2}/\lambda_i`).
    The three branches then continue with step size ``eta``. Left: where ``eta`` falls relative to
    the checkpoint's :math:`\eta_{\mathcal D}` and :math:`\eta_{\mathcal B}` (``eta_train`` moves
    them). Right: the expected loss of the three branches.

    Returns
    -------
    Figure

    Examples
    --------
    >>> fig = paradox_figure(eta=1.3, branch_step=500, steps=500)
    >>> fig.axes[0].get_title()
    'Dom-SGD raises the loss, Bulk-SGD lowers it'
    """
    eta = check_real("eta", eta, low=0.0, low_inclusive=False)
    eta_train = check_real("eta_train", eta_train, low=0.0, low_inclusive=False)
    branch_step = check_int("branch_step", branch_step, low=1)
    steps = check_int("steps", steps, low=1)
    rv, noise = HEADLINE_VALLEY, HEADLINE_NOISE
    fig, axes = plotting.new_figure(2, width=4.2, height=3.3)
    if max(eta, eta_train) >= rv.stability_limit:
        axes[1].set_axis_off()
        plotting.diverged_message(axes[0], max(eta, eta_train), rv.stability_limit)
        return fig
    theta0 = np.full(rv.d, HEADLINE_INIT)
    pre = expected_trajectory(rv, noise, eta_train, branch_step, theta0, keep=[branch_step])
    ckpt = _typical_state(rv, pre.energies[0])
    eta_D, eta_B = projection_thresholds(rv, noise, ckpt)
    ax = axes[0]
    top = 1.6 * rv.stability_limit
    ax.axvspan(eta_D, min(eta_B, top), color=C["theory"], alpha=0.2, label=r"$(\eta_{\mathcal{D}}, \eta_{\mathcal{B}})$")
    ax.axvline(eta_D, color=C["dominant"], lw=2, label=rf"$\eta_{{\mathcal{{D}}}}$ = {eta_D:.3g}")
    if eta_B < top:
        ax.axvline(eta_B, color=C["bulk"], lw=2, label=rf"$\eta_{{\mathcal{{B}}}}$ = {eta_B:.3g}")
    else:
        ax.text(0.98 * top, 0.1, rf"$\eta_{{\mathcal{{B}}}}$ = {eta_B:.3g} $\rightarrow$", ha="right", color=C["bulk"])
    ax.axvspan(rv.stability_limit, top, facecolor="none", hatch="//", edgecolor=C["muted"], lw=0)
    ax.text((rv.stability_limit + top) / 2, 0.8, "diverges", ha="center", fontsize=9)
    ax.plot([eta], [0.5], "v", color=C["sgd"], ms=12, label=f"eta = {eta:.3g}")
    ax.set(xlim=(0, top), ylim=(0, 1), xlabel=r"step size $\eta$ after branching", yticks=[])
    dom = "raises the loss" if eta > eta_D * (1 + 1e-9) else ("lowers the loss" if eta < eta_D * (1 - 1e-9) else "stalls")
    blk = "lowers it" if eta < eta_B else "raises it"
    ax.set_title(f"Dom-SGD {dom}, Bulk-SGD {blk}", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    t = np.arange(steps + 1)
    for proj, col, lab in (("none", C["sgd"], "SGD"), ("dominant", C["dominant"], "Dom-SGD"), ("bulk", C["bulk"], "Bulk-SGD")):
        mf = expected_trajectory(rv, noise, eta, steps, ckpt, projection=proj)
        axes[1].semilogy(t, mf.loss, color=col, label=lab, ls="--" if proj == "bulk" else "-")
    axes[1].set(xlabel="steps after branching", ylabel=r"expected loss $\mathbb{E}L$")
    axes[1].set_title(f"expected loss after branching at step {branch_step}", fontsize=10)
    axes[1].legend(fontsize=8)
    return fig


def two_phase_figure(eta: float = 1.0, init_scale: float = HEADLINE_INIT, steps: int = 20000) -> Figure:
    r"""The expected alignment of constant-step SGD from :math:`\theta_0 = c\,\mathbf 1`, with its phases.

    On ``HEADLINE_VALLEY`` with ``HEADLINE_NOISE``: the ratio of expected energies
    :math:`\mathbb E D_t/(\mathbb E D_t + \mathbb E B_t)` from the exact recursion, the plateau
    :math:`\chi_\infty`, the measured phase ends :math:`T_1`, :math:`T_2` (solid) and the
    closed-form estimates of :func:`rivervalley_lib.phase_lengths` (dotted).

    Returns
    -------
    Figure

    Examples
    --------
    >>> two_phase_figure(eta=1.0, steps=2000).axes[0].get_title()
    'eta = 1, c = 7'
    """
    eta = check_real("eta", eta, low=0.0, low_inclusive=False)
    init_scale = check_real("init_scale", init_scale, low=0.0, low_inclusive=False)
    steps = check_int("steps", steps, low=2)
    rv, noise = HEADLINE_VALLEY, HEADLINE_NOISE
    fig, ax = plotting.new_figure(width=6.4, height=3.3)
    if eta >= rv.stability_limit:
        plotting.diverged_message(ax, eta, rv.stability_limit)
        return fig
    theta0 = np.full(rv.d, init_scale)
    mf = expected_trajectory(rv, noise, eta, steps, theta0)
    chi_inf = noise_floor(rv, noise, eta)[2]
    T1, T2 = measured_phase_lengths(mf.alignment, chi_inf)
    est = phase_lengths(rv, noise, eta, theta0)
    ax.plot(mf.step, mf.alignment, color=C["sgd"], label="expected alignment")
    ax.axhline(chi_inf, color=C["muted"], ls=":", label=rf"$\chi_\infty$ = {chi_inf:.3f}")
    ax.axvline(max(T1, 1), color=C["dominant"], label=f"T1 = {T1} (measured)")
    ax.axvline(max(est.T1, 1), color=C["dominant"], ls=":", label=f"T1 ~ {est.T1:.0f} (estimate)")
    if T2 > 0:
        ax.axvline(T2, color=C["bulk"], label=f"T2 = {T2} (measured)")
    if np.isfinite(est.T2) and est.T2 < steps:
        ax.axvline(max(est.T2, 1), color=C["bulk"], ls=":", label=f"T2 ~ {est.T2:.0f} (estimate)")
    ax.set_xscale("symlog", linthresh=10)
    ax.set(xlabel="step $t$ (linear to 10, then log)", ylabel=r"alignment", ylim=(0, 1.02), xlim=(0, steps))
    ax.set_title(f"eta = {eta:g}, c = {init_scale:g}", fontsize=10)
    ax.legend(fontsize=7, loc="center left")
    return fig


def spectrum_history_figure(steps, eigenvalues, alignment, k: int, index: int = -1) -> Figure:
    r"""The top Hessian eigenvalues of a network at one recorded checkpoint, and the alignment so far.

    Parameters
    ----------
    steps : array_like, shape (m,)
        Training steps of the checkpoints.
    eigenvalues : array_like, shape (m, q)
        Top-:math:`q` Hessian eigenvalues at each checkpoint, descending, :math:`q > k`.
    alignment : array_like, shape (m,)
        The alignment :math:`\chi_k` at each checkpoint.
    k : int
        Number of classes (the expected number of outliers).
    index : int
        Which checkpoint to show (negative counts from the end).

    Returns
    -------
    Figure

    Examples
    --------
    >>> fig = spectrum_history_figure([0, 10], [[5, 4, 1, 0.5], [9, 8, 1, 0.4]], [0.5, 0.9], k=2, index=1)
    >>> fig.axes[0].get_title()
    'step 10: gap ratio 8'
    """
    steps = check_array("steps", steps, ndim_min=1)
    eig = check_array("eigenvalues", eigenvalues, ndim_min=2)
    chi = check_array("alignment", alignment, ndim_min=1)
    m = steps.shape[0]
    if eig.shape[0] != m or chi.shape[0] != m:
        raise ValueError(f"steps, eigenvalues and alignment must have {m} rows, got {eig.shape[0]} and {chi.shape[0]}")
    k = check_int("k", k, low=1, high=eig.shape[1] - 1)
    index = check_int("index", index, low=-m, high=m - 1) % m
    fig, axes = plotting.new_figure(2, width=3.9, height=3.1)
    vals = eig[index]
    i = np.arange(1, vals.size + 1)
    axes[0].bar(i[:k], vals[:k], color=C["dominant"], label=f"top {k}")
    axes[0].bar(i[k:], vals[k:], color=C["bulk"], label="next")
    gap = vals[k - 1] / vals[k] if vals[k] > 0 else np.inf
    axes[0].set(xlabel="eigenvalue index", ylabel="Hessian eigenvalue")
    axes[0].set_title(f"step {steps[index]:g}: gap ratio {gap:.3g}", fontsize=10)
    axes[0].legend(fontsize=8)
    axes[1].plot(steps[: index + 1], chi[: index + 1], "o-", color=C["sgd"], ms=3)
    axes[1].set(xlim=(steps[0], steps[-1]), ylim=(0, 1.02), xlabel="training step", ylabel=r"alignment $\chi_k$")
    axes[1].set_title("alignment so far", fontsize=10)
    return fig


def step_size_choice_figure(eta: float = 1.0, steps: int = 20000) -> Figure:
    r"""What a constant step size does on the headline valley: expected alignment and loss.

    Uses the exact second-moment recursion from :math:`\theta_0 = 7\cdot\mathbf 1`. Left: the
    expected alignment with its plateau. Right: the expected loss and its block parts, with the
    loss floor :math:`\tfrac12\sum_i u_i^\infty/\lambda_i`.

    Returns
    -------
    Figure

    Examples
    --------
    >>> step_size_choice_figure(eta=1.0, steps=500).axes[1].get_title()
    'expected loss, eta = 1'
    """
    eta = check_real("eta", eta, low=0.0, low_inclusive=False)
    steps = check_int("steps", steps, low=2)
    rv, noise = HEADLINE_VALLEY, HEADLINE_NOISE
    fig, axes = plotting.new_figure(2, width=3.9, height=3.1)
    if eta >= rv.stability_limit:
        axes[1].set_axis_off()
        plotting.diverged_message(axes[0], eta, rv.stability_limit)
        return fig
    mf = expected_trajectory(rv, noise, eta, steps, np.full(rv.d, HEADLINE_INIT))
    chi_inf = noise_floor(rv, noise, eta)[2]
    u_inf = noise.stationary_gradient_energy(rv, eta)
    floor = 0.5 * float(np.sum(u_inf / rv.eigenvalues))
    axes[0].plot(mf.step, mf.alignment, color=C["sgd"])
    axes[0].axhline(chi_inf, color=C["muted"], ls=":", label=rf"$\chi_\infty$ = {chi_inf:.3f}")
    axes[0].set(xlabel="step $t$", ylabel="expected alignment", ylim=(0, 1.02))
    axes[0].set_title(f"alignment, eta = {eta:g}", fontsize=10)
    axes[0].legend(fontsize=8)
    axes[1].semilogy(mf.step, mf.loss, color=C["sgd"], label=r"$\mathbb{E}L$")
    axes[1].axhline(floor, color=C["muted"], ls=":", label=f"floor {floor:.2g}")
    axes[1].set(xlabel="step $t$", ylabel="expected loss")
    axes[1].set_title(f"expected loss, eta = {eta:g}", fontsize=10)
    axes[1].legend(fontsize=8)
    return fig


#: Plain-language description of what each figure shows: the alt text of the live widget figure
#: (the current settings are appended by :func:`describe`).
DESCRIPTIONS: dict[str, str] = {
    "valley_2d_figure": "GD and SGD on a two-dimensional river valley: the paths over the loss "
    "contours, the alignment of each gradient with the steep direction, and the loss across and "
    "along the river.",
    "noise_figure": "Bar chart of the exact gradient-noise variance per eigendirection of the "
    "valley, with the sampled variances as dots on top of the bars.",
    "one_step_figure": "Histogram of the alignment after one SGD step from a fixed state, with the "
    "predicted mean next alignment and the current alignment marked.",
    "regime_map_figure": "Regime map in the plane of alignment and step size: where one SGD step "
    "lowers the alignment, where it raises it, the critical step size curve between them, and "
    "the divergent step sizes hatched.",
    "self_correction_figure": "Expected one-step change of the alignment against the step size, "
    "for starting alignments close to one.",
    "paradox_figure": "SGD, Dom-SGD and Bulk-SGD branched from one high-alignment checkpoint: the "
    "step-size interval on a number line and the expected loss of each branch.",
    "two_phase_figure": "Expected alignment of constant-step SGD from a large initialization over "
    "time, with the ends of the collapse and rise phases marked.",
    "spectrum_history_figure": "Top Hessian eigenvalues of the network at one training checkpoint, "
    "and the alignment of its gradient with the top eigenspace up to that checkpoint.",
    "step_size_choice_figure": "Expected alignment and expected loss over time on the headline "
    "valley for one constant step size.",
}


def describe(update: Callable[..., Figure], settings: dict[str, Any]) -> str:
    """Alt text for a figure drawn by ``update`` at the given slider settings.

    Parameters
    ----------
    update : callable
        One of the ``*_figure`` functions (see :data:`DESCRIPTIONS`).
    settings : dict
        The current values of the widget's controls.

    Returns
    -------
    str
        The description of the figure followed by the settings, e.g. ``"... Settings: eta = 0.1."``.

    Examples
    --------
    >>> describe(one_step_figure, {"eta": 0.1, "chi": 0.3}).split("Settings: ")[1]
    'eta = 0.1, chi = 0.3.'
    """
    name = getattr(update, "__name__", "")
    if name not in DESCRIPTIONS:
        raise ValueError(f"update must be one of the widget figures {sorted(DESCRIPTIONS)}, got {name!r}")
    parts = []
    for key, value in settings.items():
        if isinstance(value, (float, np.floating)):
            parts.append(f"{key} = {value:.3g}")
        elif isinstance(value, (int, str, np.integer)):
            parts.append(f"{key} = {value}")
    tail = f" Settings: {', '.join(parts)}." if parts else ""
    return DESCRIPTIONS[name] + tail


def interact(update: Callable[..., Figure], **controls: Any):
    """Wrap a ``*_figure`` function in an ipywidgets UI built with ``interactive_output``.

    Each redraw is displayed with alt text from :func:`describe`, so the figure inside the widget
    is described to screen readers, in JupyterLab and in the book's embedded widgets alike.

    Parameters
    ----------
    update : callable
        One of the ``*_figure`` functions.
    **controls : ipywidgets.Widget or value
        A widget per argument; plain values are passed as fixed arguments.

    Returns
    -------
    ipywidgets.VBox
        The controls above the output area.

    Examples
    --------
    >>> import io, contextlib
    >>> import ipywidgets as w
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside Jupyter the first draw prints
    ...     box = interact(one_step_figure, eta=w.FloatSlider(value=0.1, min=0.01, max=0.2), samples=500)
    >>> type(box).__name__
    'VBox'
    """
    import ipywidgets as w

    from .plotting import show

    describe(update, {})  # fail early, before any widget exists, for an unknown figure
    live = {name: c for name, c in controls.items() if isinstance(c, w.ValueWidget)}
    fixed = {name: c for name, c in controls.items() if name not in live}

    def draw(**kwargs):
        show(update(**fixed, **kwargs), alt=describe(update, kwargs))

    out = w.interactive_output(draw, live)
    return w.VBox([w.HBox(list(live.values()), layout=w.Layout(flex_flow="row wrap")), out])
