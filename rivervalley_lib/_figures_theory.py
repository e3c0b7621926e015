"""Figure functions of the theory chapters (1-5); re-exported by :mod:`rivervalley_lib.figures`."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from . import plotting
from ._landscape import RiverValley
from ._noise import CurvatureNoise, IsotropicNoise, RegressionNoise
from ._one_step import (
    alignment,
    critical_step_size,
    expected_alignment_step,
    expected_next,
)
from ._simulate import simulate
from ._states import self_correction_threshold, state_with_alignment
from ._validation import validate_int, validate_real
from .plotting import alt_text as _alt_text
from .scenarios import (
    NOISE_VALLEY,
    ONE_STEP_VALLEY,
    two_d_valley,
)

C = plotting.COLORS


@_alt_text(
    "GD and SGD on a two-dimensional river valley: the paths over the loss contours, the alignment of each gradient with the steep direction, and the loss across and along the river."
)
def valley_2d_figure(
    eta: float = 0.12,
    condition: float = 20.0,
    sigma: float = 0.3,
    steps: int = 60,
    seed: int = 0,
) -> Figure:
    r"""GD and SGD on a 2-D river valley :math:`L = \tfrac12(\lambda\theta_1^2 + \mu\theta_2^2)`.

    :math:`\theta_1` runs across the river (steep, :math:`\lambda = 10`) and
    :math:`\theta_2` along it (flat, :math:`\mu = \lambda/\kappa`). Left: both
    trajectories on the contours. Middle: the alignment :math:`\chi_t`. Right: SGD's
    block losses :math:`L_{\mathcal D}` and :math:`L_{\mathcal B}`.

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
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    condition = validate_real("condition", condition, low=1.0, low_inclusive=False)
    sigma = validate_real("sigma", sigma, low=0.0)
    steps = validate_int("steps", steps, low=1)
    rv = two_d_valley(condition)
    fig, axes = plotting.new_figure(3, width=3.6, height=3.3)
    if eta >= rv.stability_limit:
        for ax in axes[1:]:
            ax.set_axis_off()
        plotting.diverged_message(axes[0], eta, rv.stability_limit)
        return fig
    theta0 = np.array([1.0, 8.0])
    runs = {
        name: simulate(
            rv, IsotropicNoise(s), eta, steps, theta0, rng=seed, record_theta=True
        )
        for name, s in (("GD", 0.0), ("SGD", sigma))
    }
    gd, sgd = runs["GD"].theta[0], runs["SGD"].theta[0]
    ax = axes[0]
    x = np.linspace(-2.2, 2.2, 161)
    y = np.linspace(-1.5, 9.0, 161)
    X, Y = np.meshgrid(x, y)
    Z = 0.5 * (rv.eigenvalues[0] * X**2 + rv.eigenvalues[1] * Y**2)
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
    ax.plot(0, 0, "*", color=C["accent"], ms=10)
    ax.set(
        xlabel=r"$\theta_1$ (across the river, $\mathcal{D}$)",
        ylabel=r"$\theta_2$ (along it, $\mathcal{B}$)",
        xlim=(-2.2, 2.2),
        ylim=(-1.5, 9.0),
        title=f"eta = {eta:.3g}, kappa = {condition:.3g}",
    )
    ax.legend(loc="upper right", fontsize=9)
    t = np.arange(steps + 1)
    for lab, col in (("GD", C["theory"]), ("SGD", C["sgd"])):
        axes[1].plot(t, runs[lab].alignment[0], color=col, label=lab)
    axes[1].set(
        xlabel="step $t$",
        ylabel=r"alignment $\chi_t$",
        ylim=(-0.02, 1.02),
        title="where the gradient points",
    )
    axes[1].legend(fontsize=9)
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
    axes[2].set(xlabel="step $t$", ylabel="block loss (SGD)", title="where the loss is")
    axes[2].legend(fontsize=9)
    return fig


@_alt_text(
    "Bar chart of the exact gradient-noise variance per eigendirection of the valley, with the sampled variances as dots on top of the bars."
)
def noise_figure(
    model: str = "regression",
    sigma: float = 0.5,
    batch_size: int = 8,
    samples: int = 4000,
    seed: int = 0,
) -> Figure:
    r"""The noise variance :math:`s_i` per eigendirection: exact against sampled, for one noise model.

    The valley has :math:`d = 40`, :math:`k = 3`; the state has equal coordinates
    :math:`\theta_i = 1`. For regression noise ``sigma`` is the label-noise level.

    Parameters
    ----------
    model : {"isotropic", "curvature", "regression"}
        The noise model: :class:`IsotropicNoise`, :class:`CurvatureNoise` or
        :class:`RegressionNoise`.
    sigma : float
        Noise level :math:`\sigma \ge 0`.
    batch_size : int
        Batch size :math:`b \ge 1` (regression noise only).
    samples : int
        Number of sampled noise vectors, :math:`\ge 2`.
    seed : int
        Seed of the samples.

    Returns
    -------
    Figure
        One axes: bars of the exact :math:`s_i`, dots of the sampled variances.

    Examples
    --------
    >>> noise_figure(model="curvature", sigma=0.5).axes[0].get_title()
    'CurvatureNoise(sigma=0.5)'
    """
    sigma = validate_real("sigma", sigma, low=0.0)
    batch_size = validate_int("batch_size", batch_size, low=1)
    samples = validate_int("samples", samples, low=2)
    rv = NOISE_VALLEY
    noise = {
        "isotropic": lambda: IsotropicNoise(sigma),
        "curvature": lambda: CurvatureNoise(sigma),
        "regression": lambda: RegressionNoise(batch_size, sigma),
    }.get(model)
    if noise is None:
        raise ValueError(
            f"model must be 'isotropic', 'curvature' or 'regression', got {model!r}"
        )
    noise = noise()
    theta = np.ones(rv.d)
    xi = noise.sample(
        rv, np.broadcast_to(theta, (samples, rv.d)), np.random.default_rng(seed)
    )
    emp = xi.var(axis=0, ddof=1)
    exact = noise.diagonal(rv, theta)
    fig, ax = plotting.new_figure(width=6.0, height=3.2)
    i = np.arange(1, rv.d + 1)
    ax.bar(
        i,
        exact,
        color=np.where(rv.dominant_mask, C["dominant"], C["bulk"]),
        alpha=0.45,
        label=r"exact $s_i = \Sigma_{ii}$",
    )
    ax.plot(i, emp, "o", color=C["sgd"], ms=3.5, label=f"sampled ({samples} draws)")
    ax.set(
        xlabel=r"eigendirection $i$ (dominant first)",
        ylabel="noise variance",
        title=repr(noise),
    )
    if exact.max() > 0 and exact.max() > 20 * max(exact.min(), 1e-300):
        ax.set_yscale("log")
    ax.legend(fontsize=9)
    return fig


@_alt_text(
    "Histogram of the alignment after one SGD step from a fixed state, with the predicted mean next alignment and the current alignment marked."
)
def one_step_figure(
    eta: float = 0.1,
    chi: float = 0.3,
    energy: float = 1.0,
    sigma: float = 0.05,
    samples: int = 2000,
    seed: int = 0,
) -> Figure:
    r"""One SGD step from a chosen state: the sampled next alignment against the prediction.

    The state has alignment ``chi`` and gradient energy ``energy`` on the two-level
    valley ``ONE_STEP_VALLEY`` (:math:`d=400`, :math:`k=4`, :math:`\lambda=10`,
    :math:`\mu=0.2`) with isotropic noise. The histogram shows :math:`\chi_{t+1}` over
    ``samples`` draws; the vertical lines mark :math:`\chi_t` and the prediction
    :math:`\mathbb E D_{t+1}/(\mathbb E D_{t+1} + \mathbb E B_{t+1})`.

    Parameters
    ----------
    eta : float
        Step size :math:`\eta > 0`.
    chi : float
        Current alignment :math:`\chi_t \in (0, 1)`.
    energy : float
        Gradient energy :math:`G^2 = \|\nabla L(\theta_t)\|^2 > 0`.
    sigma : float
        Isotropic noise level :math:`\sigma \ge 0`.
    samples : int
        Number of sampled steps, :math:`\ge 1`.
    seed : int
        Seed of the noise.

    Returns
    -------
    Figure
        One axes, titled with :math:`\eta`, :math:`\eta^*_t` and the verdict.

    Examples
    --------
    >>> one_step_figure(eta=0.05, chi=0.3).axes[0].get_title()
    'eta = 0.05, eta* = 0.19: alignment falls'
    """
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    chi = validate_real(
        "chi", chi, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
    )
    energy = validate_real("energy", energy, low=0.0, low_inclusive=False)
    sigma = validate_real("sigma", sigma, low=0.0)
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
    ax.axvline(
        chi_next.mean(),
        color=C["sgd"],
        ls="--",
        lw=1.5,
        label=f"sample mean: {chi_next.mean():.3f}",
    )
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


@_alt_text(
    "Regime map in the plane of alignment and step size: where one SGD step lowers the alignment, where it raises it, the critical step size curve between them, and the divergent step sizes hatched."
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
    r"""The sign of the expected alignment change in the :math:`(\chi_t, \eta)` plane, with :math:`\eta^*_t`.

    Red: the alignment rises (:math:`\eta > \eta^*_t`); blue: it falls. The dashed line
    is the noise-free :math:`2/(\lambda+\mu)` and the dotted one the stability limit
    :math:`2/\lambda`; the region above it is hatched ("diverges"). ``dots``, an array
    of rows :math:`(\chi_t, \eta, \text{sign})`, draws simulated steps on top.

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
    rv, noise = RiverValley.two_level(d, k, lam, mu), IsotropicNoise(sigma)
    chis = np.linspace(0.005, 0.995, 150)
    etas = np.linspace(0.002, 1.25 * rv.stability_limit, 160)
    thetas = state_with_alignment(rv, chis, energy)
    ED, EB = expected_next(rv, noise, thetas[None, :, :], etas[:, None])
    rises = ED / (ED + EB) > chis[None, :]
    star = np.asarray(critical_step_size(rv, noise, thetas), dtype=float)
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
        rv.stability_limit,
        color=C["sgd"],
        ls=":",
        lw=1.3,
        label=r"$2/\lambda$ (stability)",
    )
    ax.fill_between(
        chis,
        rv.stability_limit,
        etas[-1],
        facecolor="none",
        hatch="//",
        edgecolor=C["muted"],
        lw=0,
    )
    ax.text(
        0.5,
        (rv.stability_limit + etas[-1]) / 2,
        "diverges",
        ha="center",
        va="center",
        fontsize=10,
    )
    if dots is not None:
        dots = np.asarray(dots, dtype=float)
        up = dots[:, 2] > 0
        ax.scatter(
            dots[up, 0],
            dots[up, 1],
            marker="^",
            color=C["dominant"],
            edgecolor="k",
            s=36,
            zorder=3,
            label="simulated: rose",
        )
        ax.scatter(
            dots[~up, 0],
            dots[~up, 1],
            marker="v",
            color=C["bulk"],
            edgecolor="k",
            s=36,
            zorder=3,
            label="simulated: fell",
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
    "Expected one-step change of the alignment against the step size, for starting alignments close to one."
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
    rv, noise = ONE_STEP_VALLEY, IsotropicNoise(sigma)
    chi_sc = self_correction_threshold(rv, noise, energy)
    etas = np.linspace(1e-3, 1.2 * rv.stability_limit, 200)
    fig, ax = plotting.new_figure(width=6.0, height=3.6)
    colors = [
        C["bulk"],
        C["theory"],
        C["accent"],
        C["dominant"],
        C["threshold"],
        C["sky"],
    ]
    for chi, col in zip(chis, colors):
        theta = state_with_alignment(rv, chi, energy)
        nxt = expected_alignment_step(
            rv, noise, np.broadcast_to(theta, (etas.size, rv.d)), etas
        )
        ax.plot(etas, nxt - chi, color=col, label=rf"$\chi_t$ = {chi:g}")
    ax.axhline(0, color=C["sgd"], lw=0.8)
    ax.axvspan(
        rv.stability_limit,
        etas[-1],
        facecolor="none",
        hatch="//",
        edgecolor=C["muted"],
        lw=0,
    )
    ax.text(
        rv.stability_limit * 1.1,
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
        rf"$\sigma$ = {sigma:g}, $G^2$ = {energy:g}: self-correcting above $\chi_{{sc}}$ = {chi_sc:.4f}",
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="lower left")
    return fig
