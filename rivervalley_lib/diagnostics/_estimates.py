"""The estimates a report returns, with their standard errors (the delta method)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..theory._moments import BlockMoments, ProjectionThresholds

# The noise moments, in the order of the report's covariance matrix.
NOISE_MOMENTS = ("nD", "nB", "tD", "tB")


class OneStepPrediction(NamedTuple):
    r"""The predicted expected changes after one step of size :math:`\eta`.

    Attributes
    ----------
    ratio_change : float
        :math:`\bar\chi_{t+1} - \chi_t`, with :math:`\bar\chi_{t+1}` the **ratio of
        expectations** :math:`\mathbb E D_{t+1}/(\mathbb E D_{t+1} + \mathbb E
        B_{t+1})`, not the expected alignment.
    mean_alignment_change : float
        :math:`\mathbb E[\chi_{t+1}] - \chi_t`, the expected change of the alignment
        itself, averaged over the supplied noise samples (equal to ``ratio_change``
        without noise samples, when the step is deterministic).
    loss_change_sgd, loss_change_dominant, loss_change_bulk : float
        :math:`\mathbb E[\Delta L]` of SGD, Dom-SGD and Bulk-SGD in the local quadratic
        model.
    stderr : OneStepPrediction or None
        The standard errors of the fields above from the finite number of noise
        samples (its own ``stderr`` is None).

    Examples
    --------
    >>> p = OneStepPrediction(0.01, 0.02, -1.0, 0.5, -1.5)
    >>> p.loss_change_bulk, p.stderr is None
    (-1.5, True)
    """

    ratio_change: float
    mean_alignment_change: float
    loss_change_sgd: float
    loss_change_dominant: float
    loss_change_bulk: float
    stderr: OneStepPrediction | None = None


class ReportStderr(NamedTuple):
    r"""Standard errors of a report's estimates from the finite number of noise samples.

    :math:`D`, :math:`B`, :math:`\chi` and the curvature moments :math:`a_X, b_X`
    come from the exact gradient and HVPs and carry no sampling error (their error is
    Lanczos's, bounded by ``lanczos_tol``; see
    :attr:`AlignmentReport.lanczos_residuals`). The noise moments are means over the
    :math:`m` samples, and every threshold is a function of them.

    Attributes
    ----------
    eta_star : float
        Of :attr:`AlignmentReport.eta_star` (``inf`` when :math:`\eta^*_t = \infty`).
    thresholds : ProjectionThresholds
        Of :attr:`AlignmentReport.thresholds` (``inf`` where a threshold is infinite).
    nD, nB, tD, tB : float
        Of the noise moments :math:`n_{\mathcal D}, n_{\mathcal B}, t_{\mathcal D},
        t_{\mathcal B}`.

    Examples
    --------
    >>> ReportStderr(0.01, ProjectionThresholds(0.0, 0.1), 0, 0, 0, 0).thresholds.bulk
    0.1
    """

    eta_star: float
    thresholds: ProjectionThresholds
    nD: float
    nB: float
    tD: float
    tB: float


class QuadraticCheck(NamedTuple):
    r"""How well the local quadratic model describes one step (see
    :meth:`AlignmentReport.quadratic_check`).

    Attributes
    ----------
    third_order : float
        :math:`\lVert\nabla L(\theta - \eta g) - (g - \eta Hg)\rVert/(\eta\lVert
        Hg\rVert)`: the part of the gradient's change along the mean step that the
        quadratic model misses, relative to the change it predicts (0 on a
        quadratic).
    alignment_gap : float
        :math:`\chi(\nabla L(\theta-\eta g)) - \chi(g - \eta Hg)`: the alignment after
        the mean step, real minus quadratic model.
    reliable : bool
        ``third_order <= tolerance``.

    Examples
    --------
    >>> QuadraticCheck(0.01, 1e-4, True).reliable
    True
    """

    third_order: float
    alignment_gap: float
    reliable: bool


class NoiseProjections(NamedTuple):
    """Per-sample scalars from which the mean alignment after a step is evaluated
    (internal API of the report)."""

    Hg: np.ndarray  # H g, (dim,)
    c: np.ndarray  # U^T g, (k,)
    f: np.ndarray  # U^T H g, (k,)
    e: np.ndarray  # U^T H xi_j, (m, k)
    gHg: float
    HgHg: float
    gHxi: np.ndarray  # g . H xi_j, (m,)
    HgHxi: np.ndarray  # Hg . H xi_j, (m,)
    HxiHxi: np.ndarray  # |H xi_j|^2, (m,)


def delta_stderr(
    f: Callable[[BlockMoments], np.ndarray], m: BlockMoments, cov: np.ndarray
) -> list[float]:
    r"""Delta-method standard errors of ``f(m)`` (internal API of the report).

    For noise moments with covariance ``cov``:
    :math:`\sqrt{\nabla f^\top \Sigma \nabla f}`, the gradient by central differences
    of step :math:`10^{-3}` standard errors. ``inf`` where ``f`` is.
    """
    base = np.asarray(f(m), dtype=float)
    sd = np.sqrt(np.diag(cov))
    grad = np.zeros((base.size, 4))
    for i, name in enumerate(NOISE_MOMENTS):
        if sd[i] == 0:
            continue
        h = 1e-3 * sd[i]
        value = getattr(m, name)
        with np.errstate(invalid="ignore"):
            up = np.asarray(f(m.replace(**{name: value + h})), dtype=float)
            down = np.asarray(f(m.replace(**{name: value - h})), dtype=float)
            grad[:, i] = (up - down) / (2 * h)
    with np.errstate(invalid="ignore"):
        var = np.einsum("qi,ij,qj->q", grad, cov, grad)
    se = np.sqrt(np.maximum(var, 0.0))
    se[~np.isfinite(base) | ~np.isfinite(se)] = math.inf
    return [float(x) for x in se]
