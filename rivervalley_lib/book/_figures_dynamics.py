"""Figure functions of the experiment chapters (6-9).

Re-exported by :mod:`rivervalley_lib.book.figures`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .._validation import validate_array, validate_int, validate_real
from ..model._landscape import RiverValley
from ..simulation._measure import measured_phase_lengths
from ..theory._mean_field import expected_trajectory, noise_floor, phase_lengths
from ..theory._projections import projection_thresholds
from . import plotting
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
    continue with step size ``eta``. Left: where ``eta`` falls relative to the
    checkpoint's :math:`\eta_{\mathcal D}` and :math:`\eta_{\mathcal B}` (``eta_train``
    moves them). Right: the expected loss of the three branches.

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
        Two axes, or a divergence message if a step size is :math:`\ge 2/\lambda_1`.

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
    fig, axes = plotting.new_figure(2, width=4.2, height=3.3)
    if max(eta, eta_train) >= valley.stability_limit:
        axes[1].set_axis_off()
        plotting.diverged_message(axes[0], max(eta, eta_train), valley.stability_limit)
        return fig
    theta0 = np.full(valley.d, HEADLINE_INIT)
    pre = expected_trajectory(
        valley, noise, eta_train, branch_step, theta0, record_energies=[branch_step]
    )
    ckpt = _typical_state(valley, pre.energies[0])
    eta_D, eta_B = projection_thresholds(valley, noise, ckpt)
    ax = axes[0]
    top = 1.6 * valley.stability_limit
    ax.axvspan(
        eta_D,
        min(eta_B, top),
        color=C["theory"],
        alpha=0.2,
        label=r"$(\eta_{\mathcal{D}}, \eta_{\mathcal{B}})$",
    )
    ax.axvline(
        eta_D,
        color=C["dominant"],
        lw=2,
        label=rf"$\eta_{{\mathcal{{D}}}}$ = {eta_D:.3g}",
    )
    if eta_B < top:
        ax.axvline(
            eta_B,
            color=C["bulk"],
            lw=2,
            label=rf"$\eta_{{\mathcal{{B}}}}$ = {eta_B:.3g}",
        )
    else:
        ax.text(
            0.98 * top,
            0.1,
            rf"$\eta_{{\mathcal{{B}}}}$ = {eta_B:.3g} $\rightarrow$",
            ha="right",
            color=C["bulk"],
        )
    plotting.hatch_divergent(ax, valley.stability_limit, top)
    ax.text(
        (valley.stability_limit + top) / 2, 0.8, "diverges", ha="center", fontsize=9
    )
    ax.plot([eta], [0.5], "v", color=C["sgd"], ms=12, label=f"eta = {eta:.3g}")
    ax.set(
        xlim=(0, top),
        ylim=(0, 1),
        xlabel=r"step size $\eta$ after branching",
        yticks=[],
    )
    dom = (
        "raises the loss"
        if eta > eta_D * (1 + 1e-9)
        else ("lowers the loss" if eta < eta_D * (1 - 1e-9) else "stalls")
    )
    blk = "lowers it" if eta < eta_B else "raises it"
    ax.set_title(f"Dom-SGD {dom}, Bulk-SGD {blk}", fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    t = np.arange(steps + 1)
    for proj, col, lab in (
        ("none", C["sgd"], "SGD"),
        ("dominant", C["dominant"], "Dom-SGD"),
        ("bulk", C["bulk"], "Bulk-SGD"),
    ):
        mf = expected_trajectory(valley, noise, eta, steps, ckpt, projection=proj)
        axes[1].semilogy(
            t, mf.loss, color=col, label=lab, ls="--" if proj == "bulk" else "-"
        )
    axes[1].set(xlabel="steps after branching", ylabel=r"expected loss $\mathbb{E}L$")
    axes[1].set_title(
        f"expected loss after branching at step {branch_step}", fontsize=10
    )
    axes[1].legend(fontsize=8)
    return fig


@_alt_text(
    "Expected alignment of constant-step SGD from a large initialization over time, "
    "with the ends of the collapse and rise phases marked."
)
def two_phase_figure(
    init_scale: float = HEADLINE_INIT, eta: float = 1.0, steps: int = 20000
) -> Figure:
    r"""The expected alignment of constant-step SGD from a large start, with its phases.

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
        Step size :math:`\eta > 0`.
    steps : int
        Number of steps, from 2 to :math:`10^6` (a cap: the run time grows with it).

    Returns
    -------
    Figure
        One axes, or a divergence message if :math:`\eta \ge 2/\lambda_1`.

    References
    ----------
    - Deng et al., "Suspicious Alignment of SGD", ALT 2026, arXiv:2601.11789 (the two
      phases; the estimates are the book's derivation).

    Examples
    --------
    >>> two_phase_figure(eta=1.0, steps=2000).axes[0].get_title()
    'eta = 1, c = 7'
    """
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    init_scale = validate_real("init_scale", init_scale, low=0.0, low_inclusive=False)
    steps = validate_int("steps", steps, low=2, high=MAX_STEPS)
    valley, noise = HEADLINE_VALLEY, HEADLINE_NOISE
    fig, ax = plotting.new_figure(width=6.4, height=3.3)
    if eta >= valley.stability_limit:
        plotting.diverged_message(ax, eta, valley.stability_limit)
        return fig
    theta0 = np.full(valley.d, init_scale)
    mf = expected_trajectory(valley, noise, eta, steps, theta0)
    chi_inf = noise_floor(valley, noise, eta).alignment
    T1, T2 = measured_phase_lengths(mf.alignment, chi_inf)
    est = phase_lengths(valley, noise, eta, theta0)
    ax.plot(mf.step, mf.alignment, color=C["sgd"], label="expected alignment")
    ax.axhline(
        chi_inf, color=C["muted"], ls=":", label=rf"$\chi_\infty$ = {chi_inf:.3f}"
    )
    ax.axvline(max(T1, 1), color=C["dominant"], label=f"T1 = {T1} (measured)")
    ax.axvline(
        max(est.T1, 1),
        color=C["dominant"],
        ls=":",
        label=f"T1 ~ {est.T1:.0f} (estimate)",
    )
    if T2 > 0:
        ax.axvline(T2, color=C["bulk"], label=f"T2 = {T2} (measured)")
    if np.isfinite(est.T2) and est.T2 < steps:
        ax.axvline(
            max(est.T2, 1),
            color=C["bulk"],
            ls=":",
            label=f"T2 ~ {est.T2:.0f} (estimate)",
        )
    ax.set_xscale("symlog", linthresh=10)
    ax.set(
        xlabel="step $t$ (linear to 10, then log)",
        ylabel=r"alignment",
        ylim=(0, 1.02),
        xlim=(0, steps),
    )
    ax.set_title(f"eta = {eta:g}, c = {init_scale:g}", fontsize=10)
    ax.legend(fontsize=7, loc="center left")
    return fig


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

    Examples
    --------
    >>> fig = spectrum_history_figure(
    ...     [0, 10], [[5, 4, 1, 0.5], [9, 8, 1, 0.4]], [0.5, 0.9], k=2, index=1
    ... )
    >>> fig.axes[0].get_title()
    'step 10: gap ratio 8'
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
    axes[1].set(
        xlim=(steps[0], steps[-1]),
        ylim=(0, 1.02),
        xlabel="training step",
        ylabel=r"alignment $\chi_k$",
    )
    axes[1].set_title("alignment so far", fontsize=10)
    return fig


@_alt_text(
    "Expected alignment and expected loss over time on the headline valley for one "
    "constant step size."
)
def step_size_choice_figure(eta: float = 1.0, steps: int = 20000) -> Figure:
    r"""What a constant step size does on the headline valley: alignment and loss.

    Uses the exact second-moment recursion from :math:`\theta_0 = 7\cdot\mathbf 1`.
    Left: the expected alignment with its plateau. Right: the expected loss and its
    block parts, with the loss floor :math:`\tfrac12\sum_i u_i^\infty/\lambda_i`.

    Parameters
    ----------
    eta : float
        Step size :math:`\eta > 0`.
    steps : int
        Number of steps, from 2 to :math:`10^6` (a cap: the run time grows with it).

    Returns
    -------
    Figure
        Two axes, or a divergence message if :math:`\eta \ge 2/\lambda_1`.

    Examples
    --------
    >>> step_size_choice_figure(eta=1.0, steps=500).axes[1].get_title()
    'expected loss, eta = 1'
    """
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    steps = validate_int("steps", steps, low=2, high=MAX_STEPS)
    valley, noise = HEADLINE_VALLEY, HEADLINE_NOISE
    fig, axes = plotting.new_figure(2, width=3.9, height=3.1)
    if eta >= valley.stability_limit:
        axes[1].set_axis_off()
        plotting.diverged_message(axes[0], eta, valley.stability_limit)
        return fig
    mf = expected_trajectory(
        valley, noise, eta, steps, np.full(valley.d, HEADLINE_INIT)
    )
    chi_inf = noise_floor(valley, noise, eta).alignment
    u_inf = noise.stationary_gradient_energy(valley, eta)
    floor = 0.5 * float(np.sum(u_inf / valley.eigenvalues))
    axes[0].plot(mf.step, mf.alignment, color=C["sgd"])
    axes[0].axhline(
        chi_inf, color=C["muted"], ls=":", label=rf"$\chi_\infty$ = {chi_inf:.3f}"
    )
    axes[0].set(xlabel="step $t$", ylabel="expected alignment", ylim=(0, 1.02))
    axes[0].set_title(f"alignment, eta = {eta:g}", fontsize=10)
    axes[0].legend(fontsize=8)
    axes[1].semilogy(mf.step, mf.loss, color=C["sgd"], label=r"$\mathbb{E}L$")
    axes[1].axhline(floor, color=C["muted"], ls=":", label=f"floor {floor:.2g}")
    axes[1].set(xlabel="step $t$", ylabel="expected loss")
    axes[1].set_title(f"expected loss, eta = {eta:g}", fontsize=10)
    axes[1].legend(fontsize=8)
    return fig
