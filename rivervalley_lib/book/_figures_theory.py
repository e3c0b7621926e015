"""Figure functions of the theory chapters 1-3 (valley, noise, one step).

Re-exported by :mod:`rivervalley_lib.book.figures`; the regime figures of chapters 4
and 5 are in ``_figures_regimes``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .._validation import validate_int, validate_real, validate_rng
from ..model._landscape import RiverValley
from ..model._noise import CurvatureNoise, IsotropicNoise, RegressionNoise
from ..simulation._sampling import sample_step
from ..simulation._simulate import simulate
from ..theory._exact import expected_alignment
from ..theory._one_step import alignment, critical_step_size, energy_ratio_step
from ..theory._states import state_with_alignment
from . import plotting
from .controls import Control, controls
from .plotting import alt_text as _alt_text
from .scenarios import NOISE_VALLEY, ONE_STEP_VALLEY, two_d_valley

C = plotting.COLORS


@controls(
    Control(
        "eta",
        "step size η",
        0.01,
        0.25,
        0.01,
        0.18,
        frames=(0.04, 0.08, 0.12, 0.16, 0.18, 0.19, 0.195, 0.21),
    ),
    Control("condition", "condition number κ", 10**0.1, 1000.0, 0.1, 20.0, log=True),
    Control("sigma", "noise level σ", 0.0, 1.0, 0.05, 0.3),
)
@_alt_text(
    "GD and SGD on a two-dimensional river valley: the paths over the loss contours, "
    "the alignment of each gradient with the steep direction, and the loss across and "
    "along the river."
)
def valley_2d_figure(
    condition: float = 20.0,
    sigma: float = 0.3,
    rng: np.random.Generator | int = 0,
    eta: float = 0.12,
    steps: int = 60,
) -> Figure:
    r"""GD and SGD on the 2-D river valley of chapter 1.

    The loss is :math:`L = \tfrac12(\lambda\theta_1^2 + \mu\theta_2^2)`:
    :math:`\theta_1` runs across the river (steep, :math:`\lambda = 10`) and
    :math:`\theta_2` along it (flat, :math:`\mu = \lambda/\kappa`). Top: both
    trajectories on the contours. Middle: the alignment :math:`\chi_t`. Bottom: SGD's
    block losses :math:`L_{\mathcal D}` and :math:`L_{\mathcal B}`. The three panels are
    stacked, and their axes do not depend on ``eta``, ``condition`` or ``sigma``, so
    that two settings compare at a glance.

    Parameters
    ----------
    condition : float
        Condition number :math:`\kappa = \lambda/\mu > 1`.
    sigma : float
        Isotropic noise level of SGD (:math:`\ge 0`).
    rng : numpy.random.Generator or int
        Source of the SGD noise (a seed is turned into a generator); GD draws none.
    eta : float
        Step size; above :math:`2/\lambda = 0.2` the figure says that GD diverges.
    steps : int
        Number of steps, :math:`\ge 1`.

    Returns
    -------
    Figure

    Examples
    --------
    >>> fig = valley_2d_figure(eta=0.12, condition=20.0, sigma=0.3)
    >>> [ax.get_title() for ax in fig.axes][1:]
    ['where the gradient points', 'where the loss is']
    >>> print(fig.axes[0].get_title())
    $\eta = 0.12$, $\kappa = 20$
    """
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    condition = validate_real("condition", condition, low=1.0, low_inclusive=False)
    sigma = validate_real("sigma", sigma, low=0.0)
    steps = validate_int("steps", steps, low=1, high=10**5)
    rng = validate_rng(rng)
    valley = two_d_valley(condition)
    # stacked, so that on a phone each panel keeps the column's full width
    fig, axes = plotting.new_figure(1, 3, width=5.2, height=2.5)
    axes[0].set_title(rf"$\eta = {eta:.3g}$, $\kappa = {condition:.3g}$")
    if eta >= valley.stability_limit:
        for ax in axes[1:]:
            ax.set_axis_off()
        plotting.diverged_message(axes[0], eta, valley.stability_limit)
        return fig
    theta0 = np.array([1.0, 8.0])
    runs = {
        name: simulate(
            valley, IsotropicNoise(s), eta, steps, theta0, rng=rng, record_theta=True
        )
        for name, s in (("GD", 0.0), ("SGD", sigma))
    }
    gd, sgd = runs["GD"].theta[0], runs["SGD"].theta[0]
    ax = axes[0]
    x = np.linspace(-2.2, 2.2, 161)
    y = np.linspace(-1.5, 9.0, 161)
    X, Y = np.meshgrid(x, y)
    Z = 0.5 * (valley.eigenvalues[0] * X**2 + valley.eigenvalues[1] * Y**2)
    ax.contour(
        X,
        Y,
        Z,
        levels=np.geomspace(Z.max() / 3000, Z.max(), 12),
        colors=C["muted"],
        linewidths=0.6,
    )
    ax.plot(gd[:, 0], gd[:, 1], "-o", ms=2.5, color=C["theory"], label="GD", lw=1.2)
    ax.plot(sgd[:, 0], sgd[:, 1], "-", color=C["sgd"], label="SGD", lw=0.9)
    ax.plot(0, 0, "*", color=C["accent"], ms=10, label="minimum")
    ax.set(
        xlabel=r"$\theta_1$ (across the river, $\mathcal{D}$)",
        ylabel=r"$\theta_2$ (along it)",
        xlim=(-2.2, 2.2),
        ylim=(-1.5, 9.0),
    )
    plotting.legend_outside(ax)
    t = np.arange(steps + 1)
    for lab, col in (("GD", C["theory"]), ("SGD", C["sgd"])):
        axes[1].plot(t, runs[lab].alignment[0], color=col, label=lab)
    axes[1].set(
        xlabel="step $t$",
        ylabel=r"alignment $\chi_t$",
        xlim=(0, steps),
        ylim=(-0.02, 1.02),
        title="where the gradient points",
    )
    plotting.legend_outside(axes[1])
    axes[2].semilogy(
        t,
        np.maximum(runs["SGD"].loss_dominant[0], 1e-12),
        color=C["dominant"],
        label=r"$L_{\mathcal{D}}$ (across)",
    )
    axes[2].semilogy(
        t,
        np.maximum(runs["SGD"].loss_bulk[0], 1e-12),
        color=C["bulk"],
        label=r"$L_{\mathcal{B}}$ (along)",
    )
    # fixed limits: the start's losses (at most 5 and 16) down to a quiet floor
    axes[2].set(
        xlabel="step $t$",
        ylabel="block loss of SGD",
        xlim=(0, steps),
        ylim=(1e-6, 1e2),
        title="where the loss is",
    )
    plotting.legend_outside(axes[2])
    return fig


_NOISE_MODELS = {
    "isotropic": IsotropicNoise,
    "curvature": CurvatureNoise,
    "regression": RegressionNoise,
}


def _noise_model(model: type | str, sigma: float, batch_size: int):
    """The noise of class ``model`` at level ``sigma`` (batch size for regression)."""
    cls = _NOISE_MODELS.get(model) if isinstance(model, str) else model
    if cls not in _NOISE_MODELS.values():
        raise ValueError(
            "model must be IsotropicNoise, CurvatureNoise or RegressionNoise "
            f"(the class), got {model!r}"
        )
    if cls is RegressionNoise:
        return RegressionNoise(batch_size, sigma)
    return cls(sigma)


@controls(
    Control(
        "model",
        "noise model",
        default=RegressionNoise,
        options=(
            ("isotropic", IsotropicNoise),
            ("curvature", CurvatureNoise),
            ("regression", RegressionNoise),
        ),
    ),
    Control("sigma", "noise level σ", 0.0, 2.0, 0.1, 0.5),
    Control(
        "batch_size",
        "batch size b",
        1,
        128,
        1,
        8,
        frames=(1, 2, 8, 16, 128),
        units="examples",
    ),
)
@_alt_text(
    "Bar chart of the exact gradient-noise variance per eigendirection of the valley, "
    "with the sampled variances as dots on top of the bars."
)
def noise_figure(
    model: type = RegressionNoise,
    sigma: float = 0.5,
    batch_size: int = 8,
    rng: np.random.Generator | int = 0,
    samples: int = 4000,
) -> Figure:
    r"""The noise variance :math:`s_i` per eigendirection, exact and sampled, one model.

    The valley has :math:`d = 40`, :math:`k = 3`; the state has equal coordinates
    :math:`\theta_i = 1`. For regression noise ``sigma`` is the label-noise level.

    Parameters
    ----------
    model : type
        The noise model, a class: :class:`IsotropicNoise`, :class:`CurvatureNoise` or
        :class:`RegressionNoise` (its name as a string, ``"curvature"``, is also
        accepted).
    sigma : float
        Noise level :math:`\sigma \ge 0`.
    batch_size : int
        Batch size :math:`b \ge 1` (regression noise only).
    rng : numpy.random.Generator or int
        Source of the samples (a seed is turned into a generator).
    samples : int
        Number of sampled noise vectors, :math:`\ge 2`.

    Returns
    -------
    Figure
        One axes: bars of the exact :math:`s_i`, dots of the sampled variances. For
        regression noise the log axis spans the variances of batch sizes 1 to 512
        whatever ``batch_size`` is, so the bars of two batch sizes compare.

    Examples
    --------
    >>> print(noise_figure(model=CurvatureNoise, sigma=0.5).axes[0].get_title())
    curvature noise, $\sigma = 0.5$
    """
    sigma = validate_real("sigma", sigma, low=0.0)
    batch_size = validate_int("batch_size", batch_size, low=1)
    samples = validate_int("samples", samples, low=2, high=10**6)
    rng = validate_rng(rng)
    valley = NOISE_VALLEY
    noise = _noise_model(model, sigma, batch_size)
    theta = np.ones(valley.d)
    xi = noise.sample(valley, np.broadcast_to(theta, (samples, valley.d)), rng)
    emp = xi.var(axis=0, ddof=1)
    exact = noise.diagonal(valley, theta)
    fig, ax = plotting.new_figure(width=5.2, height=3.2)
    i = np.arange(1, valley.d + 1)
    ax.bar(
        i,
        exact,
        color=np.where(valley.dominant_mask, C["dominant"], C["bulk"]),
        alpha=0.45,
        label=r"exact $s_i = \Sigma_{ii}$",
    )
    ax.plot(i, emp, "o", color=C["sgd"], ms=3.5, label=f"sampled ({samples} draws)")
    if isinstance(noise, RegressionNoise):
        title = rf"regression noise, $b = {batch_size}$, $\sigma = {sigma:g}$"
        # the axis of batch size 1 down to 512: bars of two batch sizes compare
        s1 = RegressionNoise(1, sigma).diagonal(valley, theta)
        lo, hi = s1.min() / 512, s1.max()
        if hi > 0:
            ax.set_yscale("log")
            ax.set_ylim(lo / 1.5, hi * 3)
    else:
        name = "isotropic" if isinstance(noise, IsotropicNoise) else "curvature"
        title = rf"{name} noise, $\sigma = {sigma:g}$"
        if exact.max() > 0 and exact.max() > 20 * max(exact.min(), 1e-300):
            ax.set_yscale("log")
    ax.set(
        xlabel=r"eigendirection $i$ (dominant first)",
        ylabel=r"noise variance $s_i$",
        xlim=(0, valley.d + 1),
        title=title,
    )
    plotting.legend_outside(ax, where="below", ncol=2)
    return fig


@controls(
    Control(
        "eta",
        "step size η",
        0.005,
        0.25,
        0.005,
        0.18,
        frames=(0.02, 0.06, 0.1, 0.14, 0.18, 0.19, 0.2, 0.22),
    ),
    Control("chi", "alignment χₜ", 0.01, 0.99, 0.01, 0.3),
    Control("energy", "gradient energy G²", 1e-3, 100.0, 0.25, 1.0, log=True),
    Control("sigma", "noise level σ", 0.0, 0.3, 0.01, 0.05),
)
@_alt_text(
    "Histogram of the alignment after one SGD step from a fixed state, with its "
    "sample mean, the energy ratio (the ratio of the expected block energies) and the "
    "current alignment marked."
)
def one_step_figure(
    valley: RiverValley = ONE_STEP_VALLEY,
    sigma: float = 0.05,
    rng: np.random.Generator | int = 0,
    chi: float = 0.3,
    energy: float = 1.0,
    eta: float = 0.1,
    samples: int = 2000,
) -> Figure:
    r"""One SGD step from a chosen state: the sampled next alignment, the energy ratio.

    The state :math:`\theta_t` has alignment ``chi`` and gradient energy ``energy`` on
    ``valley`` (by default the book's two-level valley ``ONE_STEP_VALLEY``:
    :math:`d=400`, :math:`k=4`, :math:`\lambda=10`, :math:`\mu=0.2`), and the noise is
    isotropic with level ``sigma``. The histogram shows :math:`\chi_{t+1}` over
    ``samples`` draws of :func:`~rivervalley_lib.sample_step`; the vertical lines mark
    :math:`\chi_t`, the sample mean and the energy ratio
    :math:`\bar\chi_{t+1} = \mathbb E D_{t+1}/(\mathbb E D_{t+1} + \mathbb E B_{t+1})`.
    The title says separately whether the energy ratio and the exact expected
    alignment :math:`\mathbb E[\chi_{t+1}]`
    (:func:`~rivervalley_lib.expected_alignment`) end above :math:`\chi_t`: with few
    dominant directions they can disagree.

    Parameters
    ----------
    valley : RiverValley
        The valley the state lives on.
    sigma : float
        Isotropic noise level :math:`\sigma \ge 0`.
    rng : numpy.random.Generator or int
        Source of the noise (a seed is turned into a generator).
    chi : float
        Current alignment :math:`\chi_t \in (0, 1)`.
    energy : float
        Gradient energy :math:`G^2 = \|\nabla L(\theta_t)\|^2 > 0`.
    eta : float
        Step size :math:`\eta > 0`.
    samples : int
        Number of sampled steps, :math:`\ge 1`.

    Returns
    -------
    Figure
        One axes, titled with :math:`\eta`, :math:`\eta^*_t` and two verdicts: the ratio
        of expected energies :math:`\bar\chi_{t+1}` and the exact expected alignment
        :math:`\mathbb E[\chi_{t+1}]` against :math:`\chi_t` (they can differ). The
        histogram (share of draws per bin of width 0.01) and the axes are the same for
        every step size.

    Examples
    --------
    >>> title = one_step_figure(eta=0.05, chi=0.3).axes[0].get_title()
    >>> print(title.replace(", $", ",\n$"))
    $\eta = 0.05$,
    $\eta^*_t = 0.19$: $\bar\chi_{t+1} < \chi_t$,
    $\mathbb{E}[\chi_{t+1}] < \chi_t$
    """
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    chi = validate_real(
        "chi", chi, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
    )
    energy = validate_real("energy", energy, low=0.0, low_inclusive=False)
    sigma = validate_real("sigma", sigma, low=0.0)
    noise = IsotropicNoise(sigma)
    theta = state_with_alignment(valley, chi, energy)
    chi_next = alignment(
        valley, sample_step(valley, noise, theta, eta, samples, rng=rng)
    )
    pred = energy_ratio_step(valley, noise, theta, eta)
    eta_star = critical_step_size(valley, noise, theta)
    fig, ax = plotting.new_figure(width=5.2, height=4.2)
    # fixed bins and axes: the histograms of two step sizes compare
    ax.hist(
        chi_next,
        bins=np.linspace(0.0, 1.0, 101),
        weights=np.full(chi_next.size, 1.0 / chi_next.size),
        color=C["sky"],
        alpha=0.8,
        label=r"sampled $\chi_{t+1}$",
    )
    ax.axvline(chi, color=C["muted"], ls=":", lw=2, label=rf"now: $\chi_t = {chi:.3f}$")
    ax.axvline(
        pred,
        color=C["theory"],
        lw=2,
        label=r"$\bar\chi_{t+1} = \mathbb{E}D'/(\mathbb{E}D'+\mathbb{E}B')$"
        + f" = {pred:.3f}",
    )
    ax.axvline(
        chi_next.mean(),
        color=C["sgd"],
        ls="--",
        lw=1.5,
        label=rf"sample mean of $\chi_{{t+1}}$ = {chi_next.mean():.3f}",
    )
    mean = expected_alignment(valley, noise, theta, eta)
    verdict = ">" if pred > chi else "<"
    verdict_mean = ">" if mean > chi else "<"
    star = r"\infty" if np.isinf(eta_star) else f"{eta_star:.3g}"
    title = (
        rf"$\eta = {eta:.3g}$, $\eta^*_t = {star}$: "
        rf"$\bar\chi_{{t+1}} {verdict} \chi_t$, "
        rf"$\mathbb{{E}}[\chi_{{t+1}}] {verdict_mean} \chi_t$"
    )
    if eta >= valley.stability_limit:
        title += (
            "\n"
            + rf"($\eta > 2/\lambda_{{\max}} = {valley.stability_limit:.3g}$: "
            + "one step is defined, repeated steps diverge)"
        )
    ax.set(
        xlabel=r"next alignment $\chi_{t+1}$",
        ylabel="share of draws",
        xlim=(0, 1),
        ylim=(0, 0.5),
        title=title,
    )
    plotting.legend_outside(ax, where="below", fontsize=10)
    return fig
