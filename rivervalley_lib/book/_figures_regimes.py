r"""Figure functions of the regime chapters 4 and 5 (regime map, self-correction).

Re-exported by :mod:`rivervalley_lib.book.figures`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from .._validation import check_memory, validate_array, validate_int, validate_real
from ..model._landscape import RiverValley
from ..model._noise import IsotropicNoise
from ..theory._one_step import (
    critical_step_size,
    expected_alignment_step,
    expected_next,
)
from ..theory._states import self_correction_threshold, state_with_alignment
from . import plotting
from .plotting import alt_text as _alt_text
from .scenarios import ONE_STEP_VALLEY

C = plotting.COLORS


_SIGN_CMAP = ListedColormap([C["bulk"], C["dominant"]])


@_alt_text(
    "Regime map in the plane of alignment and step size: where one SGD step lowers the "
    "alignment, where it raises it, the critical step size curve between them, and the "
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
    r"""Regime map: sign of the expected alignment change over :math:`(\chi_t, \eta)`.

    The solid curve is the critical step size :math:`\eta^*_t`. Red: the alignment rises
    (:math:`\eta > \eta^*_t`); blue: it falls. The dashed line is the noise-free
    :math:`2/(\lambda+\mu)` and the dotted one the stability limit :math:`2/\lambda`;
    the region above it is hatched ("diverges"). ``dots``, an array of rows
    :math:`(\chi_t, \eta, \text{sign})`, draws simulated steps on top.

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
    fig, ax = plotting.new_figure(width=5.6, height=3.8)
    ax.pcolormesh(
        chis,
        etas,
        rises.astype(float),
        cmap=_SIGN_CMAP,
        vmin=0,
        vmax=1,
        alpha=0.35,
        shading="auto",
    )
    ax.plot(
        chis,
        np.where(np.isfinite(star), star, np.nan),
        color=C["sgd"],
        lw=2,
        label=r"$\eta^*_t$",
    )
    ax.axhline(
        2 / (lam + mu),
        color=C["threshold"],
        ls="--",
        lw=1.3,
        label=r"$2/(\lambda+\mu)$ (no noise)",
    )
    ax.axhline(
        valley.stability_limit,
        color=C["sgd"],
        ls=":",
        lw=1.3,
        label=r"$2/\lambda$ (stability)",
    )
    plotting.hatch_divergent(ax, valley.stability_limit, etas[-1], across=chis)
    ax.text(
        0.5,
        (valley.stability_limit + etas[-1]) / 2,
        "diverges",
        ha="center",
        va="center",
        fontsize=10,
    )
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
    ax.set_title("red: alignment rises, blue: it falls", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return fig


@_alt_text(
    "Expected one-step change of the alignment against the step size, for starting "
    "alignments close to one."
)
def self_correction_figure(
    sigma: float = 0.05,
    energy: float = 0.05,
    chis: tuple[float, ...] = (0.9, 0.97, 0.99, 0.999),
) -> Figure:
    r"""Expected next alignment against :math:`\eta` for states near :math:`\chi = 1`.

    On ``ONE_STEP_VALLEY`` with isotropic noise ``sigma`` and gradient energy
    ``energy``. Each curve starts at its :math:`\chi_t` (dotted line); below
    :math:`\chi_{\rm sc}` a curve can cross its dotted line (a finite :math:`\eta^*_t`),
    above it every step size lowers the alignment. Step sizes beyond :math:`2/\lambda`
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
        One axes with a curve per :math:`\chi_t` and the zero line.

    Examples
    --------
    >>> len(self_correction_figure(sigma=0.05, energy=0.05).axes[0].get_lines())
    5
    """
    sigma = validate_real("sigma", sigma, low=0.0)
    energy = validate_real("energy", energy, low=0.0, low_inclusive=False)
    chis = validate_array("chis", chis, ndim_min=1, ndim_max=1, low=0.0, high=1.0)
    if chis.size == 0:
        raise ValueError("chis must hold at least one alignment in [0, 1]")
    valley, noise = ONE_STEP_VALLEY, IsotropicNoise(sigma)
    chi_sc = self_correction_threshold(valley, noise, energy)
    etas = np.linspace(1e-3, 1.2 * valley.stability_limit, 200)
    fig, ax = plotting.new_figure(width=6.0, height=3.6)
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
        nxt = expected_alignment_step(
            valley, noise, np.broadcast_to(theta, (etas.size, valley.d)), etas
        )
        ax.plot(etas, nxt - chi, color=col, label=rf"$\chi_t$ = {chi:g}")
    ax.axhline(0, color=C["sgd"], lw=0.8)
    plotting.hatch_divergent(ax, valley.stability_limit, etas[-1])
    ax.text(
        valley.stability_limit * 1.1,
        ax.get_ylim()[0] * 0.5,
        "diverges",
        rotation=90,
        va="center",
        fontsize=9,
    )
    ax.set(
        xlabel=r"step size $\eta$", ylabel=r"expected change $\bar\chi_{t+1} - \chi_t$"
    )
    ax.set_title(
        rf"$\sigma$ = {sigma:g}, $G^2$ = {energy:g}: "
        rf"self-correcting above $\chi_{{sc}}$ = {chi_sc:.4f}",
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="lower left")
    return fig
