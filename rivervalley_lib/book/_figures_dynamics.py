"""Figure functions of the experiment chapters (6-9).

Re-exported by :mod:`rivervalley_lib.book.figures`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .._validation import validate_array, validate_int, validate_real
from ..model._landscape import RiverValley
from ..simulation._measure import measured_phase_lengths
from ..theory._mean_field import expected_trajectory, noise_floor, phase_lengths
from ..theory._projections import projection_thresholds
from . import plotting
from .controls import Control, controls
from .plotting import alt_text as _alt_text
from .scenarios import (
    HEADLINE_INIT,
    HEADLINE_NOISE,
    HEADLINE_VALLEY,
)

C = plotting.COLORS


# Parameter descriptions shared by the dynamics figures.
#: The most steps a figure simulates: its run time and memory grow with ``steps``
#: (10**6 steps take about ten seconds).
MAX_STEPS = 10**6


def _typical_state(valley: RiverValley, energies: np.ndarray) -> np.ndarray:
    """The deterministic state with the expected squared gradient coordinates."""
    lam = valley.eigenvalues
    return np.sqrt(energies) / np.where(lam > 0, lam, 1.0)


@controls(
    Control(
        "eta",
        "step size η after branching",
        0.05,
        1.6,
        0.05,
        0.9,
        frames=(0.5, 0.9, 1.0, 1.1, 1.3, 1.5),
    ),
    Control("eta_train", "step size η before branching", 0.1, 1.4, 0.05, 1.0),
)
@_alt_text(
    "SGD, Dom-SGD and Bulk-SGD branched from one high-alignment checkpoint: the "
    "step-size interval on a number line and the expected loss of each branch."
)
def paradox_figure(
    eta: float = 1.3, eta_train: float = 1.0, branch_step: int = 3000, steps: int = 3000
) -> Figure:
    r"""Branch SGD, Dom-SGD and Bulk-SGD from a high-alignment checkpoint.

    On ``HEADLINE_VALLEY`` with ``HEADLINE_NOISE``, SGD with step size ``eta_train``
    runs from :math:`\theta_0 = 7\cdot\mathbf 1` for ``branch_step`` steps; the
    checkpoint is the typical state of the exact second-moment recursion there
    (:math:`\theta_i = \sqrt{\mathbb E g_i^2}/\lambda_i`). The three branches then
    continue with step size ``eta``. Top: where ``eta`` falls relative to the
    checkpoint's :math:`\eta_{\mathcal D}` and :math:`\eta_{\mathcal B}` (``eta_train``
    moves them). Middle: the expected loss of the three branches relative to the
    checkpoint's. Bottom: Dom-SGD's change of the expected loss in percent, which is
    too small to see on the middle panel's log axis. The axes do not depend on
    ``eta``.

    Parameters
    ----------
    eta : float
        Step size :math:`\eta > 0` after branching.
    eta_train : float
        Step size :math:`> 0` before branching.
    branch_step : int
        Step :math:`\ge 1` of the checkpoint.
    steps : int
        Number of steps :math:`\ge 1` after branching.

    Returns
    -------
    Figure
        Three stacked axes, or a divergence message if a step size is
        :math:`\ge 2/\lambda_1`.

    References
    ----------
    - Song, Ahn, Yun, ICLR 2025, arXiv:2405.16002 (Dom-SGD and Bulk-SGD).
    - Deng et al., "Suspicious Alignment of SGD", ALT 2026, arXiv:2601.11789.

    Examples
    --------
    >>> fig = paradox_figure(eta=1.3, branch_step=500, steps=500)
    >>> fig.axes[0].get_title()
    'Dom-SGD raises the loss, Bulk-SGD lowers it'
    """
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    eta_train = validate_real("eta_train", eta_train, low=0.0, low_inclusive=False)
    steps = validate_int("steps", steps, low=1, high=MAX_STEPS)
    branch_step = validate_int("branch_step", branch_step, low=1, high=MAX_STEPS)
    valley, noise = HEADLINE_VALLEY, HEADLINE_NOISE
    fig, axes = plotting.new_figure(
        1, 3, width=5.2, height=2.0, gridspec_kw={"height_ratios": [1, 2, 2]}
    )
    if max(eta, eta_train) >= valley.stability_limit:
        for ax in axes[::2]:
            ax.set_axis_off()
        plotting.diverged_message(axes[1], max(eta, eta_train), valley.stability_limit)
        return fig
    theta0 = np.full(valley.d, HEADLINE_INIT)
    pre = expected_trajectory(
        valley, noise, eta_train, branch_step, theta0, record_energies=[branch_step]
    )
    ckpt = _typical_state(valley, pre.energies[0])
    eta_D, eta_B = projection_thresholds(valley, noise, ckpt)
    ax = axes[0]
    top = 1.6 * valley.stability_limit
    ax.axvspan(eta_D, min(eta_B, top), color=C["theory"], alpha=0.2)
    ax.axvline(eta_D, color=C["dominant"], lw=2)
    ax.annotate(
        rf"$\eta_{{\mathcal{{D}}}} = {eta_D:.3g}$",
        (eta_D, 1.0),
        xytext=(-3, -2),
        textcoords="offset points",
        ha="right",
        va="top",
        color=C["dominant"],
        fontsize=10,
    )
    if eta_B < top:
        ax.axvline(eta_B, color=C["bulk"], lw=2)
        ax.annotate(
            rf"$\eta_{{\mathcal{{B}}}} = {eta_B:.3g}$",
            (eta_B, 1.0),
            xytext=(3, -2),
            textcoords="offset points",
            va="top",
            color=C["bulk"],
            fontsize=10,
        )
    else:
        ax.text(
            0.98 * top,
            0.15,
            rf"$\eta_{{\mathcal{{B}}}} = {eta_B:.3g} \rightarrow$",
            ha="right",
            color=C["bulk"],
            fontsize=10,
        )
    plotting.hatch_divergent(ax, valley.stability_limit, top)
    ax.text(
        (valley.stability_limit + top) / 2, 0.6, "diverges", ha="center", fontsize=10
    )
    plotting.mark_value(ax, (eta, 0.3), rf"$\eta = {eta:.3g}$")
    ax.set(xlim=(0, top), ylim=(0, 1), yticks=[], xlabel=r"step size $\eta$")
    ax.grid(False)
    dom = (
        "raises the loss"
        if eta > eta_D * (1 + 1e-9)
        else ("lowers the loss" if eta < eta_D * (1 - 1e-9) else "stalls")
    )
    blk = "lowers it" if eta < eta_B else "raises it"
    ax.set_title(f"Dom-SGD {dom}, Bulk-SGD {blk}")
    t = np.arange(steps + 1)
    rel = {}
    for proj in ("none", "dominant", "bulk"):
        mf = expected_trajectory(valley, noise, eta, steps, ckpt, projection=proj)
        rel[proj] = mf.loss / mf.loss[0]
    styles = (
        ("none", C["sgd"], "SGD", "-", 6),
        ("dominant", C["dominant"], "Dom-SGD", "-", 0),
        ("bulk", C["bulk"], "Bulk-SGD", "--", -6),
    )
    for proj, col, lab, ls, dy in styles:
        (ln,) = axes[1].semilogy(t, rel[proj], color=col, ls=ls)
        plotting.label_line_end(axes[1], ln, lab, dy=dy)
    axes[1].set(
        xlim=(0, steps),
        ylim=(0.05, 2.0),
        ylabel=r"$\mathbb{E}L_t / \mathbb{E}L_0$",
    )
    axes[1].set_title("expected loss after branching, relative to the checkpoint")
    # Dom-SGD moves the loss by well under 1 %: its own panel, in percent
    (ln,) = axes[2].plot(t, 100 * (rel["dominant"] - 1), color=C["dominant"])
    plotting.label_line_end(axes[2], ln, "Dom-SGD")
    axes[2].axhline(0, color=C["muted"], lw=1)
    # fixed +-1 % (unless this branch moves further, at another eta_train), symlog so
    # that changes of a tenth of a percent stand out from the zero line
    span = max(1.0, 110 * float(np.max(np.abs(rel["dominant"] - 1))))
    axes[2].set_yscale("symlog", linthresh=0.1)
    axes[2].set(
        xlim=(0, steps),
        ylim=(-span, span),
        xlabel="steps after branching",
        ylabel=r"change of $\mathbb{E}L$ (%)",
    )
    axes[2].set_title("Dom-SGD alone, zoomed in")
    return fig


@controls(
    Control(
        "eta", "step size η", 0.1, 1.6, 0.05, 0.5, frames=(0.2, 0.5, 0.7, 1.0, 1.4, 1.5)
    ),
    Control(
        "init_scale", "initial scale", 10**-0.5, 100.0, 0.1, HEADLINE_INIT, log=True
    ),
)
@_alt_text(
    "Expected trajectory (the ratio of the expected block energies) of constant-step "
    "SGD from a large initialization over time, "
    "with the ends of the collapse and rise phases marked."
)
def two_phase_figure(
    init_scale: float = HEADLINE_INIT, eta: float = 1.0, steps: int = 20000
) -> Figure:
    r"""The expected trajectory of constant-step SGD from a large start, and its phases.

    The start is :math:`\theta_0 = c\,\mathbf 1`.

    On ``HEADLINE_VALLEY`` with ``HEADLINE_NOISE``: the ratio of expected energies
    :math:`\mathbb E D_t/(\mathbb E D_t + \mathbb E B_t)` from the exact recursion, the
    plateau :math:`\chi_\infty`, the measured phase ends :math:`T_1`, :math:`T_2`
    (solid) and the closed-form estimates of :func:`rivervalley_lib.phase_lengths`
    (dotted).

    Parameters
    ----------
    init_scale : float
        Initial scale :math:`c > 0`.
    eta : float
        The constant step size :math:`\eta > 0` of the run; the phase lengths
        shrink as it grows.
    steps : int
        Number of steps, from 2 to :math:`10^6` (a cap: the run time grows with it).

    Returns
    -------
    Figure
        Two stacked axes: the energy ratio on a symlog step axis, and the two
        phases as bars on a linear step axis from 0 to ``steps`` (their lengths
        compare across step sizes); or a divergence message if
        :math:`\eta \ge 2/\lambda_1`.

    References
    ----------
    - Deng et al., "Suspicious Alignment of SGD", ALT 2026, arXiv:2601.11789 (the two
      phases; the estimates are the book's derivation).

    Examples
    --------
    >>> print(two_phase_figure(eta=1.0, steps=2000).axes[0].get_title())
    $\eta = 1$, $c = 7$
    """
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    init_scale = validate_real("init_scale", init_scale, low=0.0, low_inclusive=False)
    steps = validate_int("steps", steps, low=2, high=MAX_STEPS)
    valley, noise = HEADLINE_VALLEY, HEADLINE_NOISE
    fig, (ax, bars) = plotting.new_figure(
        1, 2, width=5.2, height=2.2, gridspec_kw={"height_ratios": [2.2, 1]}
    )
    ax.set_title(rf"$\eta = {eta:g}$, $c = {init_scale:g}$")
    if eta >= valley.stability_limit:
        bars.set_axis_off()
        plotting.diverged_message(ax, eta, valley.stability_limit)
        return fig
    theta0 = np.full(valley.d, init_scale)
    mf = expected_trajectory(valley, noise, eta, steps, theta0)
    chi_inf = noise_floor(valley, noise, eta).alignment
    T1, T2 = measured_phase_lengths(mf.alignment, chi_inf)
    est = phase_lengths(valley, noise, eta, theta0)
    ax.plot(
        mf.step,
        mf.alignment,
        color=C["sgd"],
        label=r"energy ratio $\mathbb{E}D_t/(\mathbb{E}D_t + \mathbb{E}B_t)$",
    )
    ax.axhline(
        chi_inf, color=C["muted"], ls=":", label=rf"$\chi_\infty = {chi_inf:.3f}$"
    )
    ax.axvline(max(T1, 1), color=C["dominant"], label=r"$T_1$ measured")
    ax.axvline(max(est.T1, 1), color=C["dominant"], ls=":", label=r"$T_1$ estimate")
    if T2 > 0:
        ax.axvline(T2, color=C["bulk"], label=r"$T_2$ measured")
    if np.isfinite(est.T2) and est.T2 < steps:
        ax.axvline(max(est.T2, 1), color=C["bulk"], ls=":", label=r"$T_2$ estimate")
    ax.set_xscale("symlog", linthresh=10)
    ax.set(
        xlabel="step $t$ (linear to 10, then log)",
        ylabel="energy ratio",
        ylim=(0, 1.02),
        xlim=(0, steps),
    )
    plotting.legend_outside(ax)
    # the phases as bars on a linear axis of fixed length: their lengths compare
    end2 = T2 if T2 > 0 else steps
    bars.barh(1, max(T1, 1), color=C["dominant"], height=0.6)
    bars.barh(0, end2 - T1, left=T1, color=C["bulk"], height=0.6)
    bars.text(max(T1, 1) + steps * 0.01, 1, rf"$T_1 = {T1}$", va="center", fontsize=10)
    label2 = rf"$T_2 = {T2}$" if T2 > 0 else rf"not over by step {steps}"
    bars.text(
        min(end2 + steps * 0.01, 0.7 * steps), 0, label2, va="center", fontsize=10
    )
    bars.set(
        xlim=(0, steps),
        ylim=(-0.6, 1.6),
        xlabel="step $t$ (linear)",
    )
    bars.set_yticks([0, 1], ["phase 2", "phase 1"])
    # three ticks: five-digit step labels side by side would run into each other
    bars.xaxis.set_major_locator(MaxNLocator(nbins=2))
    bars.grid(axis="y", visible=False)
    return fig


@controls(
    Control(
        "index",
        "checkpoint",
        0,
        lambda fixed: len(fixed["steps"]) - 1,
        1,
        0,
        frames="all",
    ),
)
@_alt_text(
    "Top Hessian eigenvalues of the network at one training checkpoint, and the "
    "alignment of its gradient with the top eigenspace up to that checkpoint."
)
def spectrum_history_figure(
    steps, eigenvalues, alignment, k: int, index: int = -1
) -> Figure:
    r"""A network's top Hessian eigenvalues at one checkpoint, and the alignment so far.

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
        Two stacked axes: the eigenvalues at checkpoint ``index``, all bars in one
        colour (the figure does not say which ones are outliers), on axes fixed over
        all checkpoints; and the alignment up to that checkpoint.

    Examples
    --------
    >>> fig = spectrum_history_figure(
    ...     [0, 10], [[5, 4, 1, 0.5], [9, 8, 1, 0.4]], [0.5, 0.9], k=2, index=1
    ... )
    >>> print(fig.axes[0].get_title())
    step 10: $\lambda_{2}/\lambda_{3} = 8$
    """
    steps = validate_array("steps", steps, ndim_min=1)
    eig = validate_array("eigenvalues", eigenvalues, ndim_min=2)
    chi = validate_array("alignment", alignment, ndim_min=1)
    m = steps.shape[0]
    if eig.shape[0] != m or chi.shape[0] != m:
        raise ValueError(
            f"steps, eigenvalues and alignment must have {m} rows, "
            f"got {eig.shape[0]} and {chi.shape[0]}"
        )
    k = validate_int("k", k, low=1, high=eig.shape[1] - 1)
    index = validate_int("index", index, low=-m, high=m - 1) % m
    fig, axes = plotting.new_figure(1, 2, width=5.2, height=2.6)
    vals = eig[index]
    i = np.arange(1, vals.size + 1)
    # one colour for every bar: which eigenvalues stand out is the reader's question
    axes[0].bar(i, vals, color=C["sky"], edgecolor=C["sgd"], lw=0.6)
    gap = vals[k - 1] / vals[k] if vals[k] > 0 else np.inf
    top = float(np.nanmax(eig)) * 1.08 if np.nanmax(eig) > 0 else 1.0
    axes[0].set(
        xlabel="eigenvalue index $i$",
        ylabel=r"Hessian eigenvalue $\lambda_i$",
        xlim=(0.4, vals.size + 0.6),
        ylim=(min(0.0, float(np.nanmin(eig)) * 1.08), top),
    )
    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_title(
        rf"step {steps[index]:g}: $\lambda_{{{k}}}/\lambda_{{{k + 1}}} = {gap:.3g}$"
    )
    axes[1].plot(steps[: index + 1], chi[: index + 1], "o-", color=C["sgd"], ms=3)
    axes[1].set(
        xlim=(steps[0], steps[-1]),
        ylim=(0, 1.02),
        xlabel="training step",
        ylabel=rf"alignment $\chi_{{{k}}}$",
    )
    axes[1].set_title(rf"alignment with the top-{k} eigenspace so far")
    return fig


@controls(
    Control(
        "eta",
        "step size η",
        0.05,
        1.6,
        0.05,
        0.3,
        frames=(0.1, 0.3, 0.8, 1.0, 1.3, 1.5),
    ),
)
@_alt_text(
    "Expected trajectory (the ratio of the expected block energies) and expected loss "
    "over time on the headline valley for one "
    "constant step size."
)
def step_size_choice_figure(eta: float = 1.0, steps: int = 20000) -> Figure:
    r"""What a constant step size does on the headline valley: energy ratio and loss.

    Uses the exact second-moment recursion from :math:`\theta_0 = 7\cdot\mathbf 1`. Top:
    the energy ratio of the expected energies with its plateau. Bottom: the expected
    loss, with the loss floor :math:`\tfrac12\sum_i u_i^\infty/\lambda_i`. The axes do
    not depend on ``eta``, so the floors of two step sizes compare.

    Parameters
    ----------
    eta : float
        The constant step size :math:`\eta > 0` whose plateau and loss floor are drawn.
    steps : int
        Length of both panels' runs, from 2 to :math:`10^6` (the run time grows with
        it).

    Returns
    -------
    Figure
        Two stacked axes, or a divergence message if :math:`\eta \ge 2/\lambda_1`.

    Examples
    --------
    >>> print(step_size_choice_figure(eta=1.0, steps=500).axes[1].get_title())
    expected loss, $\eta = 1$
    """
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    steps = validate_int("steps", steps, low=2, high=MAX_STEPS)
    valley, noise = HEADLINE_VALLEY, HEADLINE_NOISE
    fig, axes = plotting.new_figure(1, 2, width=5.2, height=2.6)
    axes[0].set_title(rf"energy ratio, $\eta = {eta:g}$")
    if eta >= valley.stability_limit:
        axes[1].set_axis_off()
        plotting.diverged_message(axes[0], eta, valley.stability_limit)
        return fig
    theta0 = np.full(valley.d, HEADLINE_INIT)
    mf = expected_trajectory(valley, noise, eta, steps, theta0)
    chi_inf = noise_floor(valley, noise, eta).alignment
    u_inf = noise.stationary_gradient_energy(valley, eta)
    floor = 0.5 * float(np.sum(u_inf / valley.eigenvalues))
    axes[0].plot(
        mf.step,
        mf.alignment,
        color=C["sgd"],
        label=r"$\mathbb{E}D_t/(\mathbb{E}D_t+\mathbb{E}B_t)$",
    )
    axes[0].axhline(
        chi_inf, color=C["muted"], ls=":", label=rf"$\chi_\infty = {chi_inf:.3f}$"
    )
    axes[0].set(
        xlabel="step $t$",
        ylabel="energy ratio",
        xlim=(0, steps),
        ylim=(0, 1.02),
    )
    plotting.legend_outside(axes[0], where="below", ncol=2)
    axes[1].semilogy(mf.step, mf.loss, color=C["sgd"], label=r"$\mathbb{E}L_t$")
    axes[1].axhline(floor, color=C["muted"], ls=":", label=f"floor {floor:.2g}")
    # fixed limits: the start's loss (the same for every eta) down to well below the
    # floor of the smallest step size
    loss0 = float(valley.loss(theta0))
    axes[1].set(
        xlabel="step $t$",
        ylabel="expected loss",
        xlim=(0, steps),
        ylim=(loss0 * 1e-5, loss0 * 2),
    )
    axes[1].set_title(rf"expected loss, $\eta = {eta:g}$")
    plotting.legend_outside(axes[1], where="below", ncol=2)
    return fig
