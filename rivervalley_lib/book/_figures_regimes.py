r"""Figure functions of the regime chapters 4 and 5 (regime map, self-correction).

Re-exported by :mod:`rivervalley_lib.book.figures`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .._validation import check_memory, validate_array, validate_int, validate_real
from ..model._landscape import RiverValley
from ..model._noise import IsotropicNoise
from ..theory._exact import expected_alignment
from ..theory._one_step import (
    critical_step_size,
    energy_ratio_step,
    expected_next,
)
from ..theory._states import self_correction_threshold, state_with_alignment
from . import plotting
from .controls import Control, controls
from .plotting import alt_text as _alt_text
from .scenarios import ONE_STEP_VALLEY

C = plotting.COLORS


_SIGN_CMAP = ListedColormap([C["bulk"], C["dominant"]])


def _sigma_control(default: float, frames: tuple = ()) -> Control:
    """The noise level σ of the regime figures (chapters 4 and 5): one label, range."""
    return Control("sigma", "noise level σ", 0.0, 0.3, 0.01, default, frames=frames)


def _energy_control(default: float, frames: tuple) -> Control:
    """The gradient energy G² of the regime figures, on a log slider from 1e-3 to 10."""
    return Control(
        "energy",
        "gradient energy G²",
        1e-3,
        10.0,
        0.25,
        default,
        log=True,
        frames=frames,
    )


def _shade_regions(ax, x, y, codes, cmap, *, alpha: float, shading: str) -> None:
    """Shade a grid of region codes ``0 .. cmap.N - 1``, one colour of ``cmap`` each."""
    values = np.asarray(codes, dtype=float)
    ax.pcolormesh(
        x, y, values, cmap=cmap, vmin=0, vmax=cmap.N - 1, alpha=alpha, shading=shading
    )


@controls(
    Control("lam", "dominant curvature λ", 2.0, 20.0, 0.5, 10.0),
    Control("mu", "bulk curvature μ", 0.01, 1.5, 0.05, 0.2),
    Control("k", "dominant directions k", 1, 20, 1, 4),
    Control("d", "dimension d", 50, 2000, 50, 400),
    _sigma_control(0.0, frames=(0.0, 0.05, 0.1, 0.2)),
    _energy_control(0.05, frames=(0.0125, 0.05, 0.2)),
)
@_alt_text(
    "Regime map in the plane of alignment and step size: where the energy ratio after "
    "one SGD step (the ratio of the expected block energies) lies below the current "
    "alignment, where above it, the critical step size curve between them, and the "
    "divergent step sizes hatched."
)
def regime_map_figure(
    lam: float = 10.0,
    mu: float = 0.2,
    k: int = 4,
    d: int = 400,
    sigma: float = 0.05,
    energy: float = 1.0,
    dots: np.ndarray | None = None,
) -> Figure:
    r"""Regime map: sign of the energy ratio's change over :math:`(\chi_t, \eta)`.

    The solid curve is the critical step size :math:`\eta^*_t`. The legend's shades mark
    where the energy ratio :math:`\bar\chi_{t+1}`
    (:func:`~rivervalley_lib.energy_ratio_step`) ends above the current alignment
    (:math:`\eta > \eta^*_t`, vermillion) and where below (blue); the alignment itself
    follows in the high-dimensional limit (:func:`sign_agreement_figure`). The dashed
    line is the noise-free :math:`2/(\lambda+\mu)`, labelled by an arrow; the step sizes
    above the stability limit :math:`2/\lambda` are hatched and labelled "diverges", so
    the two stay apart when they nearly coincide.
    ``dots``, an array of rows :math:`(\chi_t, \eta, \text{sign})`, draws simulated
    steps on top.

    Parameters
    ----------
    lam, mu : float
        Dominant and bulk eigenvalues, :math:`\lambda > \mu > 0`.
    k, d : int
        Dominant dimension :math:`1 \le k < d` and dimension :math:`d \ge 2`.
    sigma : float
        Isotropic noise level :math:`\sigma \ge 0`.
    energy : float
        Gradient energy :math:`G^2 > 0` of the states.
    dots : array_like, shape (n, 3), optional
        Simulated steps :math:`(\chi_t, \eta, \text{sign})`; sign > 0 means it rose.

    Returns
    -------
    Figure
        One axes; its first line is :math:`\eta^*_t` against :math:`\chi_t`.

    Examples
    --------
    >>> fig = regime_map_figure(sigma=0.0)
    >>> fig.axes[0].get_lines()[0].get_ydata()[:3].round(4).tolist()
    [0.1961, 0.1961, 0.1961]
    """
    lam = validate_real("lam", lam, low=0.0, low_inclusive=False)
    mu = validate_real(
        "mu", mu, low=0.0, high=lam, low_inclusive=False, high_inclusive=False
    )
    d = validate_int("d", d, low=2)
    k = validate_int("k", k, low=1, high=d - 1)
    sigma = validate_real("sigma", sigma, low=0.0)
    energy = validate_real("energy", energy, low=0.0, low_inclusive=False)
    check_memory(8.0 * d * 150 * 4, f"d = {d} (four arrays of 150 states of size d)")
    if dots is not None:
        dots = validate_array("dots", dots, shape=(None, 3))
    valley, noise = RiverValley.two_level(d, k, lam, mu), IsotropicNoise(sigma)
    chis = np.linspace(0.005, 0.995, 150)
    etas = np.linspace(0.002, 1.25 * valley.stability_limit, 160)
    thetas = state_with_alignment(valley, chis, energy)
    ED, EB = expected_next(valley, noise, thetas[None, :, :], etas[:, None])
    rises = ED / (ED + EB) > chis[None, :]
    star = np.asarray(critical_step_size(valley, noise, thetas), dtype=float)
    fig, ax = plotting.new_figure(width=5.2, height=3.8)
    _shade_regions(ax, chis, etas, rises, _SIGN_CMAP, alpha=0.35, shading="auto")
    ax.plot(
        chis,
        np.where(np.isfinite(star), star, np.nan),
        color=C["sgd"],
        lw=2,
        label=r"$\eta^*_t$",
    )
    plain = 2 / (lam + mu)
    ax.axhline(plain, color=C["sgd"], ls="--", lw=1.2, label=r"$2/(\lambda+\mu)$")
    plotting.hatch_divergent(ax, valley.stability_limit, etas[-1], across=chis)
    ax.axhline(valley.stability_limit, color=C["muted"], lw=1.2)
    # the two lines can be a few pixels apart (0.196 and 0.2 in chapter 4): each gets
    # its own label, one below and one above, with an arrow
    arrow = dict(arrowstyle="->", color=C["sgd"], lw=0.8)
    ax.annotate(
        rf"$2/(\lambda+\mu) = {plain:.3g}$",
        (0.86, plain),
        xytext=(0.86, 0.62 * plain),
        ha="center",
        fontsize=10,
        arrowprops=arrow,
        bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.85),
    )
    ax.text(
        0.5,
        (valley.stability_limit + etas[-1]) / 2,
        rf"diverges: $\eta > 2/\lambda = {valley.stability_limit:.3g}$",
        ha="center",
        va="center",
        fontsize=10,
        bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.85),
    )
    handles = [
        Patch(color=C["dominant"], alpha=0.35, label="energy ratio rises"),
        Patch(color=C["bulk"], alpha=0.35, label="energy ratio falls"),
    ]
    if dots is not None:
        up = dots[:, 2] > 0
        for sel, marker, color, label in (
            (up, "^", C["dominant"], "simulated: rose"),
            (~up, "v", C["bulk"], "simulated: fell"),
        ):
            ax.scatter(
                *dots[sel, :2].T,
                marker=marker,
                color=color,
                edgecolor="k",
                s=36,
                zorder=3,
                label=label,
            )
    ax.set(
        xlabel=r"alignment $\chi_t$",
        ylabel=r"step size $\eta$",
        ylim=(0, etas[-1]),
        xlim=(0, 1),
    )
    ax.set_title(rf"$\sigma = {sigma:g}$, $G^2 = {energy:g}$")
    lines, _ = ax.get_legend_handles_labels()
    plotting.legend_outside(ax, where="below", ncol=2, handles=handles + lines)
    return fig


@controls(
    _sigma_control(0.05),
    _energy_control(0.001, frames=(0.001, 0.01, 0.1, 1.0, 10.0)),
)
@_alt_text(
    "One-step change of the energy ratio (the ratio of the expected block energies) "
    "from the current alignment against the step size, for starting alignments close "
    "to one."
)
def self_correction_figure(
    sigma: float = 0.05,
    energy: float = 0.05,
    chis: tuple[float, ...] = (0.9, 0.97, 0.99, 0.999),
) -> Figure:
    r"""The energy ratio's change against :math:`\eta` for states near :math:`\chi = 1`.

    On ``ONE_STEP_VALLEY`` with isotropic noise ``sigma`` and gradient energy
    ``energy``. Each curve starts at its :math:`\chi_t` (dotted line); below
    :math:`\chi_{\rm sc}` a curve can cross its dotted line (a finite :math:`\eta^*_t`),
    above it every step size gives :math:`\bar\chi_{t+1} < \chi_t`. The curves are
    the energy ratio :math:`\bar\chi_{t+1} - \chi_t`
    (:func:`~rivervalley_lib.energy_ratio_step`), not the expected alignment. Step
    sizes beyond :math:`2/\lambda`
    are hatched ("diverges").

    Parameters
    ----------
    sigma : float
        Isotropic noise level :math:`\sigma \ge 0`.
    energy : float
        Gradient energy :math:`G^2 > 0` of the states.
    chis : tuple of float
        Starting alignments :math:`\chi_t \in [0, 1]`; the first six are drawn.

    Returns
    -------
    Figure
        Two stacked axes: a curve per :math:`\chi_t` with the zero line (fixed symlog
        axis), and a number line of :math:`\chi` (log scale of :math:`1-\chi`) that
        marks each :math:`\chi_t` and :math:`\chi_{\rm sc}`.

    Examples
    --------
    >>> fig = self_correction_figure(sigma=0.05, energy=0.05)
    >>> len(fig.axes[0].get_lines()), len(fig.axes[1].get_lines())
    (5, 5)
    """
    sigma = validate_real("sigma", sigma, low=0.0)
    energy = validate_real("energy", energy, low=0.0, low_inclusive=False)
    chis = validate_array("chis", chis, ndim_min=1, ndim_max=1, low=0.0, high=1.0)
    if chis.size == 0:
        raise ValueError("chis must hold at least one alignment in [0, 1]")
    valley, noise = ONE_STEP_VALLEY, IsotropicNoise(sigma)
    chi_sc = self_correction_threshold(valley, noise, energy)
    etas = np.linspace(1e-3, 1.2 * valley.stability_limit, 200)
    fig, (ax, line) = plotting.new_figure(
        1, 2, width=5.2, height=2.4, gridspec_kw={"height_ratios": [2.6, 1]}
    )
    colors = [
        C["bulk"],
        C["theory"],
        C["accent"],
        C["dominant"],
        C["threshold"],
        C["sky"],
    ]
    for chi, col in zip(chis, colors, strict=False):
        theta = state_with_alignment(valley, chi, energy)
        nxt = energy_ratio_step(
            valley, noise, np.broadcast_to(theta, (etas.size, valley.d)), etas
        )
        ax.plot(etas, nxt - chi, color=col, label=rf"$\chi_t = {chi:g}$")
        line.plot(1 - chi, 0, "|", color=col, ms=14, mew=2.5)
    ax.axhline(0, color=C["sgd"], lw=0.8)
    plotting.hatch_divergent(ax, valley.stability_limit, etas[-1])
    # fixed limits: the axes stay put when sigma or G^2 changes
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.set(
        xlim=(0, etas[-1]),
        ylim=(-1.0, 0.1),
        xlabel=r"step size $\eta$",
        ylabel=r"$\bar\chi_{t+1} - \chi_t$",
    )
    # in the hatched band, from the bottom of the axes up (clear of the tick labels)
    ax.text(
        valley.stability_limit * 1.04,
        0.03,
        "diverges",
        rotation=90,
        va="bottom",
        transform=ax.get_xaxis_transform(),
        fontsize=10,
        bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none"),
    )
    ax.set_title(rf"$\sigma = {sigma:g}$, $G^2 = {energy:g}$")
    plotting.legend_outside(ax)
    # chi_sc on a number line of 1 - chi (log), chi growing to the right
    tiny = 1.5e-5
    line.set_xscale("log")
    line.set_xlim(0.3, tiny)
    line.set_ylim(-1, 2.2)
    line.set_yticks([])
    ticks = [1e-1, 1e-2, 1e-3, 1e-4]
    line.set_xticks(ticks, [f"{1 - t:.{i + 1}f}" for i, t in enumerate(ticks)])
    line.minorticks_off()
    line.grid(False)
    line.spines["left"].set_visible(False)
    gap = max(1 - chi_sc, tiny)
    line.axvspan(gap, tiny, color=C["muted"], alpha=0.25, lw=0)
    plotting.mark_value(
        line, (gap, 0.8), rf"$\chi_{{\rm sc}} = {chi_sc:.5f}$", offset=(0, 8)
    )
    line.set_xlabel(r"alignment $\chi$ (shaded: energy ratio falls at every $\eta$)")
    return fig


_AGREE_CMAP = ListedColormap([C["bulk"], C["dominant"], C["threshold"], C["muted"]])


@_alt_text(
    "Map over the step size relative to the critical step size (horizontal) and the "
    "number k of dominant directions (vertical, logarithmic): where the energy ratio "
    "and the expected alignment both fall, both rise, or disagree. The disagreement is "
    "a band just above the critical step size, where the energy ratio rises while the "
    "expected alignment still falls; it narrows in proportion to 1/k."
)
def sign_agreement_figure(
    lam: float = 10.0,
    mu: float = 0.2,
    ks: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
    sigma: float = 0.05,
    chi: float = 0.3,
    energy: float = 0.05,
    ratios: np.ndarray | None = None,
) -> Figure:
    r"""Where the energy ratio and the expected alignment move the same way.

    For each dominant dimension :math:`k` in ``ks`` the valley is two-level with
    :math:`k` dominant directions (:math:`\lambda`) and :math:`99k` bulk ones
    (:math:`\mu`), and the state has alignment ``chi`` and gradient energy
    ``energy`` :math:`\cdot k/4`: at :math:`k = 4` it is chapter 4's state, and the
    per-coordinate energies, hence :math:`\eta^*_t`, are the same for every :math:`k`.
    At each step size :math:`\eta = r\,\eta^*_t` (:math:`r` in ``ratios``) the cell is
    coloured by the pair of signs of :math:`\bar\chi_{t+1} - \chi_t`
    (:func:`~rivervalley_lib.energy_ratio_step`) and
    :math:`\mathbb E[\chi_{t+1}] - \chi_t`
    (:func:`~rivervalley_lib.expected_alignment`): both fall, both rise, ratio rises
    while the alignment falls, or the reverse. The line marks the exact threshold over
    :math:`\eta^*_t`. Deng et al.'s one-step statements hold where the two agree;
    the band of disagreement shrinks as :math:`1/k`, which is the high-dimensional
    limit.

    Parameters
    ----------
    lam, mu : float
        Dominant and bulk eigenvalues, :math:`\lambda > \mu > 0`.
    ks : sequence of int
        Dominant dimensions :math:`k \ge 1`, increasing.
    sigma : float
        Isotropic noise level :math:`\sigma > 0`.
    chi : float
        Alignment of the state, in :math:`(0, 1)`.
    energy : float
        Gradient energy :math:`G^2 > 0` of the state at :math:`k = 4`.
    ratios : array_like, optional
        Step sizes over :math:`\eta^*_t`, increasing and positive; by default 111
        points from 0.5 to 1.6, cut below the stability limit.

    Returns
    -------
    Figure
        One axes; its mesh holds the category codes (0 both fall, 1 both rise, 2 ratio
        rises and alignment falls, 3 the reverse), rows over ``ks``, columns over
        ``ratios``; its first line is the exact threshold over :math:`\eta^*_t` (NaN
        where there is none below the stability limit).

    References
    ----------
    - Deng et al., "Suspicious Alignment of SGD", ALT 2026, arXiv:2601.11789 (the
      high-dimensional quadratic setting).

    Examples
    --------
    >>> fig = sign_agreement_figure(ks=(4, 64))
    >>> fig.axes[0].get_lines()[0].get_xdata().round(3).tolist()
    [1.062, 1.004]
    """
    lam = validate_real("lam", lam, low=0.0, low_inclusive=False)
    mu = validate_real(
        "mu", mu, low=0.0, high=lam, low_inclusive=False, high_inclusive=False
    )
    ks = [validate_int("ks", k, low=1) for k in np.atleast_1d(ks).tolist()]
    if len(ks) == 0 or np.any(np.diff(ks) <= 0):
        raise ValueError(f"ks must be a non-empty increasing sequence, got {ks}")
    sigma = validate_real("sigma", sigma, low=0.0, low_inclusive=False)
    chi = validate_real(
        "chi", chi, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
    )
    energy = validate_real("energy", energy, low=0.0, low_inclusive=False)
    noise = IsotropicNoise(sigma)
    codes, exact_over_star, star = [], [], None
    for k in ks:
        valley = RiverValley.two_level(100 * k, k, lam, mu)
        theta = state_with_alignment(valley, chi, energy * k / 4)
        star = float(critical_step_size(valley, noise, theta))
        if not np.isfinite(star):
            raise ValueError(
                "the state is self-correcting (eta* = inf): choose a lower chi or more "
                "noise"
            )
        if ratios is None:
            top = min(1.6, 0.999 * valley.stability_limit / star)
            r = np.linspace(0.5, top, 111)
        else:
            r = validate_array("ratios", ratios, ndim_min=1)
            if r.ndim != 1 or np.any(r <= 0) or np.any(np.diff(r) <= 0):
                raise ValueError("ratios must be a 1-d increasing array of values > 0")
        ratio_up = energy_ratio_step(valley, noise, theta, r * star) > chi
        mean_up = expected_alignment(valley, noise, theta, r * star) > chi
        codes.append(
            np.select(
                [~ratio_up & ~mean_up, ratio_up & mean_up, ratio_up & ~mean_up],
                [0, 1, 2],
                3,
            )
        )
        exact = critical_step_size(valley, noise, theta, exact=True)
        exact_over_star.append(exact / star if np.isfinite(exact) else np.nan)
    fig, ax = plotting.new_figure(width=5.6, height=3.6)
    y = np.arange(len(ks))
    _shade_regions(ax, r, y, codes, _AGREE_CMAP, alpha=0.55, shading="nearest")
    ax.plot(
        exact_over_star,
        y,
        "o-",
        color=C["sgd"],
        lw=1.5,
        ms=4,
        label=r"exact threshold / $\eta^*_t$",
    )
    ax.axvline(1.0, color=C["theory"], ls="--", lw=1.2, label=r"$\eta = \eta^*_t$")
    for code, name in enumerate(
        ("both fall", "both rise", "energy ratio rises, E[chi'] falls")
    ):
        ax.fill_between([], [], color=_AGREE_CMAP(code), alpha=0.55, label=name)
    ax.set_yticks(y, [str(k) for k in ks])
    ax.set(
        xlabel=r"step size over the critical step size, $\eta/\eta^*_t$",
        ylabel=r"dominant directions $k$ (bulk $99k$)",
    )
    ax.set_title(
        rf"$\eta^*_t$ = {star:.4f} for every k: where do the two signs agree?",
        fontsize=10,
    )
    ax.legend(fontsize=7, loc="upper left", framealpha=0.9)
    return fig
