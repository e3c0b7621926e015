"""Implementation of :mod:`rivervalley_lib.diagnostics` (public names there)."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .._validation import (
    validate_array,
    validate_int,
    validate_real,
    validate_step_size,
)
from ..theory._moments import BlockMoments
from ..theory._one_step import eta_star_from_moments
from ..theory._projections import (
    ProjectionThresholds,
    projection_thresholds_from_moments,
)
from ._linalg import flat_result, top_eigenspace
from ._sampled_step import SampledStep, sample_model_step


class OneStepPrediction(NamedTuple):
    r"""The predicted expected changes after one step of size :math:`\eta`.

    Attributes
    ----------
    alignment_change : float
        :math:`\bar\chi_{t+1} - \chi_t`, with :math:`\bar\chi_{t+1}` the ratio of
        expectations :math:`\mathbb E D_{t+1}/(\mathbb E D_{t+1} + \mathbb E B_{t+1})`.
    loss_change_sgd, loss_change_dominant, loss_change_bulk : float
        :math:`\mathbb E[\Delta L]` of SGD, Dom-SGD and Bulk-SGD in the local quadratic
        model.

    Examples
    --------
    >>> OneStepPrediction(0.01, -1.0, 0.5, -1.5).loss_change_bulk
    -1.5
    """

    alignment_change: float
    loss_change_sgd: float
    loss_change_dominant: float
    loss_change_bulk: float


# Shared by the report's prediction methods: the step size and an example report.
@dataclass(frozen=True)
class AlignmentReport:
    r"""What :func:`measure_alignment` found at one point.

    Attributes
    ----------
    eigenvalues : ndarray, shape (k,)
        Top-:math:`k` Hessian eigenvalues, descending.
    eigenvectors : ndarray, shape (dim, k)
        Orthonormal basis of the dominant subspace :math:`\mathcal D`.
    D, B : float
        :math:`\lVert P_{\mathcal D}g\rVert^2` and
        :math:`\lVert P_{\mathcal B}g\rVert^2`.
    alignment : float
        :math:`\chi = D/(D+B)` (squared).
    eta_star : float
        Estimated :math:`\eta^*_t` (``inf`` when :math:`\Delta_t \le 0`).
    eta_D, eta_B : float
        Estimated thresholds of Dom-SGD (raises the loss above
        :math:`\eta_{\mathcal D}`) and Bulk-SGD (lowers it below
        :math:`\eta_{\mathcal B}`).
    regime : str
        ``"threshold"`` (finite :math:`\eta^*_t`) or ``"always-falls"``.
    noise_samples : int
        How many stochastic gradients the noise terms were estimated from (0: none).
    moments : BlockMoments
        The ten block sums the estimates come from (see :meth:`predict`).

    Examples
    --------
    >>> import numpy as np
    >>> H = np.diag([4.0, 1.0])
    >>> rep = measure_alignment(H @ np.ones(2), lambda v: H @ v, k=1)
    >>> rep.alignment, rep.eta_star, (rep.eta_D, rep.eta_B)
    (0.9411764705882353, 0.4, (0.5, 2.0))
    """

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    D: float
    B: float
    alignment: float
    eta_star: float
    eta_D: float
    eta_B: float
    regime: str
    noise_samples: int
    moments: BlockMoments = field(repr=False, compare=False)

    def predicts_rise(self, eta: float) -> bool:
        r"""Whether the energy ratio rises above the alignment after one step ``eta``.

        The energy ratio is :math:`\mathbb E D'/(\mathbb E D' + \mathbb E B')`; the mean
        alignment :math:`\mathbb E[\chi']` follows it only when both blocks have many
        comparable directions (chapter 9 measures a case where it does not).

        Parameters
        ----------
        eta : float
            Step size, ``> 0``.

        Returns
        -------
        bool
            ``eta > eta_star``.

        Examples
        --------
        >>> import numpy as np
        >>> H = np.diag([4.0, 1.0])
        >>> rep = measure_alignment(H @ np.ones(2), lambda v: H @ v, k=1)
        >>> rep.predicts_rise(0.3), rep.predicts_rise(0.45)
        (False, True)
        """
        eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
        return eta > self.eta_star

    def predict(self, eta: float) -> OneStepPrediction:
        r"""Predicted one-step change of the energy ratio and of the loss at ``eta``.

        ``alignment_change`` is :math:`\bar\chi_{t+1} - \chi_t` for the energy ratio
        :math:`\bar\chi_{t+1}
        = \mathbb E D_{t+1}/(\mathbb E D_{t+1} + \mathbb E B_{t+1})`, not the mean
        change of the alignment :math:`\mathbb E[\chi_{t+1}] - \chi_t` (compare
        :meth:`sample_step`).

        In the local quadratic model, per block :math:`X`,
        :math:`\mathbb E X_{t+1} = X - 2\eta a_X + \eta^2(b_X + n_X)` and
        :math:`\mathbb E[\Delta L_X] = -\eta X + \tfrac{\eta^2}{2}(a_X + t_X)`; SGD
        changes the loss by the sum over both blocks, Dom-SGD and Bulk-SGD by their
        own block's term.

        Parameters
        ----------
        eta : float
            Step size, ``> 0``.

        Returns
        -------
        OneStepPrediction

        Examples
        --------
        >>> import numpy as np
        >>> H = np.diag([4.0, 1.0])
        >>> rep = measure_alignment(H @ np.ones(2), lambda v: H @ v, k=1)
        >>> p = rep.predict(0.25)
        >>> p.loss_change_dominant, p.loss_change_bulk, p.loss_change_sgd
        (-2.0, -0.21875, -2.21875)
        """
        eta = float(validate_step_size("eta", eta))
        m = self.moments
        ED = float(m.D - 2 * eta * m.aD + eta**2 * (m.bD + m.nD))
        EB = float(m.B - 2 * eta * m.aB + eta**2 * (m.bB + m.nB))
        dom = float(-eta * m.D + 0.5 * eta**2 * (m.aD + m.tD))
        blk = float(-eta * m.B + 0.5 * eta**2 * (m.aB + m.tB))
        total = ED + EB
        if not total > 0:
            raise ValueError(
                f"the predicted next gradient energy is {total:g} at eta = {eta:g}: "
                "the alignment is undefined there"
            )
        return OneStepPrediction(ED / total - self.alignment, dom + blk, dom, blk)

    def sample_step(
        self,
        theta,
        eta: float,
        gradient: Callable[[np.ndarray], np.ndarray],
        stochastic_gradient: Callable[[np.ndarray], np.ndarray],
        *,
        samples: int = 300,
        projection: str = "none",
        loss: Callable[[np.ndarray], float] | None = None,
    ) -> SampledStep:
        r"""Take one SGD step ``samples`` times from ``theta``, to test :meth:`predict`.

        .. math::

            \theta'^{(j)} = \theta - \eta\,P\,\hat g^{(j)}, \qquad
            g'^{(j)} = \nabla L(\theta'^{(j)}),

        with independent stochastic gradients :math:`\hat g^{(j)}` and
        :math:`P = I`, :math:`UU^\top` or :math:`I - UU^\top` (``projection``), where
        :math:`U` is :attr:`eigenvectors`. The real model is stepped, not its quadratic
        model, so the draws test :meth:`predict`: its ``alignment_change`` is a ratio of
        expectations, to compare with ``D.mean() / (D.mean() + B.mean())`` minus
        :attr:`alignment` (or the sign of the mean of :math:`D'B - B'D`), not with the
        mean of ``alignment``; its loss changes with the mean of ``loss_change``.

        Parameters
        ----------
        theta : array_like, shape (dim,)
            The parameters the report was measured at.
        eta : float
            Step size, ``> 0``.
        gradient : callable
            ``gradient(theta)``: the full-batch gradient, shape ``(dim,)``.
        stochastic_gradient : callable
            ``stochastic_gradient(theta)``: one minibatch gradient; called ``samples``
            times in a row.
        samples : int
            Number of draws, ``>= 2``.
        projection : {"none", "dominant", "bulk"}
            SGD, Dom-SGD or Bulk-SGD.
        loss : callable, optional
            ``loss(theta)``; with it the loss change of every draw is recorded.

        Returns
        -------
        SampledStep
            Per draw: :math:`D'`, :math:`B'`, :math:`\chi'` and the loss change.

        Examples
        --------
        >>> import numpy as np
        >>> H = np.diag([4.0, 1.0])
        >>> rep = measure_alignment(H @ np.ones(2), lambda v: H @ v, k=1)
        >>> s = rep.sample_step(np.ones(2), 0.25, lambda w: H @ w, lambda w: H @ w,
        ...                     samples=2, loss=lambda w: 0.5 * w @ H @ w)
        >>> float(s.loss_change[0]), rep.predict(0.25).loss_change_sgd
        (-2.21875, -2.21875)
        """
        return sample_model_step(
            self.eigenvectors,
            theta,
            eta,
            gradient,
            stochastic_gradient,
            samples,
            projection,
            loss,
        )


def measure_alignment(
    gradient,
    hvp: Callable[[np.ndarray], np.ndarray],
    k: int,
    *,
    noise_samples=None,
    eigen: tuple[np.ndarray, np.ndarray] | None = None,
    lanczos_tol: float = 1e-8,
    lanczos_maxiter: int | None = None,
    rng=0,
) -> AlignmentReport:
    r"""Top-:math:`k` eigenspace, alignment and step-size thresholds at one point.

    With :math:`g = \nabla L(\theta)`, the Hessian :math:`H` at :math:`\theta` and its
    top-:math:`k` eigenpairs :math:`(\lambda_i, u_i)` (Lanczos on ``hvp``), and noise
    samples :math:`\xi_j = \hat g_j - g`, the block sums of the river-valley theory are
    estimated as

    .. math::

        a_{\mathcal D} = \sum_{i\le k}\lambda_i(u_i^\top g)^2,\quad
        a_{\mathcal B} = g^\top Hg - a_{\mathcal D},\quad
        b_{\mathcal D} = \sum_{i\le k}\lambda_i^2(u_i^\top g)^2,\quad
        b_{\mathcal B} = \lVert Hg\rVert^2 - b_{\mathcal D},

    .. math::

        n_{\mathcal D} = \tfrac1m\sum_j\sum_{i\le k}\lambda_i^2(u_i^\top\xi_j)^2,\quad
        n_{\mathcal B} = \tfrac1m\sum_j\lVert H\xi_j\rVert^2 - n_{\mathcal D},

    .. math::

        t_{\mathcal D} = \tfrac1m\sum_j\sum_{i\le k}\lambda_i(u_i^\top\xi_j)^2,\quad
        t_{\mathcal B} = \tfrac1m\sum_j\xi_j^\top H\xi_j - t_{\mathcal D},

    and plugged into :math:`\eta^*_t = 2(a_{\mathcal D}B - a_{\mathcal B}D)
    /((b_{\mathcal D}+n_{\mathcal D})B - (b_{\mathcal B}+n_{\mathcal B})D)` and
    :math:`\eta_X = 2X/(a_X + t_X)`.

    Nothing is clipped: :math:`a_{\mathcal B}` and :math:`t_{\mathcal B}` are curvature
    averages over the bulk and are negative where the bulk curvature is negative (if
    :math:`a_{\mathcal B} + t_{\mathcal B} < 0`, Bulk-SGD lowers the expected loss at
    every step size in the local model, and :math:`\eta_{\mathcal B} = \infty`).
    :math:`B`, :math:`b_{\mathcal B}`, :math:`n_{\mathcal B}` are squared norms; a
    negative value can only be round-off and raises ``ValueError`` if it is larger than
    it. Cost: one HVP per Lanczos iteration, one for :math:`Hg`, and one per noise
    sample.

    Parameters
    ----------
    gradient : array_like, shape (dim,)
        The full-batch gradient :math:`g` at the point.
    hvp : callable
        ``v -> H v`` at the same point, for flat vectors of length ``dim`` (the same
        convention as :func:`rivervalley_lib.network.top_eigenspace`); it must
        return shape ``(dim,)``.
    k : int
        Dimension of the dominant subspace (e.g. the number of classes),
        ``1 <= k < dim``.
    noise_samples : array_like, shape (m, dim), optional
        Stochastic (minibatch) gradients at the point, ``m >= 2``. Without them the
        noise terms are zero (the GD values).
    eigen : (eigenvalues, eigenvectors), optional
        A precomputed top-:math:`k` eigenspace to reuse instead of running Lanczos.
    lanczos_tol : float
        Relative tolerance of Lanczos, ``>= 0`` (0: machine precision).
    lanczos_maxiter : int, optional
        Iteration cap of Lanczos, ``>= 1``.
    rng : int or Generator
        Seed of the Lanczos start vector.

    Returns
    -------
    AlignmentReport
        With :meth:`AlignmentReport.predict` for the one-step changes at any step size.

    Raises
    ------
    TypeError
        If ``hvp`` is not callable as ``hvp(v)`` (for example ``hvp(theta, v)``), or an
        argument has the wrong type.
    ValueError
        If the gradient is zero or non-finite, or a shape does not match (naming the
        argument or the callable).
    scipy.sparse.linalg.ArpackNoConvergence
        If Lanczos does not converge within ``lanczos_maxiter`` iterations (raise it,
        or ``lanczos_tol``).

    References
    ----------
    - S. Deng et al., "Suspicious Alignment of SGD", ALT 2026 (the thresholds; the
      formulas are this book's derivation in the quadratic model).
    - M. Song, K. Ahn, C. Yun, "Does SGD really happen in tiny subspaces?", ICLR 2025
      (the top-k Hessian eigenspace by Lanczos and the alignment protocol).

    Examples
    --------
    On a quadratic the estimate is the library's exact :math:`\eta^*` (noise-free here):

    >>> import numpy as np
    >>> import rivervalley_lib as rv
    >>> valley = rv.RiverValley.two_level(d=20, k=2, dominant=3.0, bulk=1.0)
    >>> theta = np.ones(20)
    >>> def hvp(v):
    ...     return valley.eigenvalues * v
    >>> rep = measure_alignment(valley.gradient(theta), hvp, k=2)
    >>> exact = rv.critical_step_size(valley, rv.IsotropicNoise(0.0), theta)
    >>> round(rep.eta_star, 6), exact
    (0.5, 0.5)
    """
    if not callable(hvp):
        raise TypeError(f"hvp must be a callable v -> H v, got {type(hvp).__name__}")
    try:
        signature = inspect.signature(hvp)
    except (TypeError, ValueError):  # no signature to inspect: call it as it is
        signature = None
    if signature is not None:
        try:
            signature.bind(None)
        except TypeError:
            raise TypeError(
                "hvp must be callable as hvp(v) -> H v at the point of the gradient "
                "(one argument); bind the parameters first, e.g. "
                "lambda v: hvp(theta, v)"
            ) from None
    g = validate_array("gradient", gradient, ndim_min=1)
    if g.ndim != 1:
        raise ValueError(f"gradient must be a flat vector (dim,), got shape {g.shape}")
    dim = g.shape[0]
    if dim < 2:
        raise ValueError(f"gradient must have at least 2 entries, got {dim}")
    k = validate_int("k", k, low=1, high=dim - 1)
    gg = float(g @ g)
    if gg == 0:
        raise ValueError("gradient is zero: the alignment is undefined there")

    def H(v: np.ndarray) -> np.ndarray:
        return flat_result("hvp", hvp(v), dim)

    lanczos_tol = validate_real("lanczos_tol", lanczos_tol, low=0.0)
    if lanczos_maxiter is not None:
        lanczos_maxiter = validate_int("lanczos_maxiter", lanczos_maxiter, low=1)
    if eigen is None:
        lam, U = top_eigenspace(
            H, dim, k, tol=lanczos_tol, maxiter=lanczos_maxiter, rng=rng
        )
    else:
        if isinstance(eigen, (str, bytes)) or not (
            hasattr(eigen, "__len__") and len(eigen) == 2
        ):
            raise TypeError(
                "eigen must be a pair (eigenvalues, eigenvectors), "
                f"got {type(eigen).__name__}"
            )
        # copies: the report keeps them after the call
        lam = validate_array("eigen[0]", eigen[0], ndim_min=1, last_dim=k, copy=True)
        U = validate_array("eigen[1]", eigen[1], ndim_min=2, last_dim=k, copy=True)
        if U.shape != (dim, k):
            raise ValueError(
                f"eigen[1] must have shape (dim, k) = ({dim}, {k}), got {U.shape}"
            )
    c = U.T @ g
    D = float(c @ c)
    Hg = H(g)
    aD = float(lam @ c**2)
    bD = float(lam**2 @ c**2)
    B = _squared_norm("B", gg - D, gg)
    aB = float(g @ Hg) - aD
    bB = _squared_norm("b_B", float(Hg @ Hg) - bD, float(Hg @ Hg))
    m = 0
    nD = nB = tD = tB = 0.0
    if noise_samples is not None:
        samples = validate_array(
            "noise_samples", noise_samples, ndim_min=2, last_dim=dim
        )
        if samples.ndim != 2 or samples.shape[0] < 2:
            raise ValueError(
                "noise_samples must have shape (m, dim) with m >= 2, "
                f"got {samples.shape}"
            )
        m = samples.shape[0]
        xi = samples - g
        proj = xi @ U  # (m, k)
        nD = float(np.mean(proj**2 @ lam**2))
        tD = float(np.mean(proj**2 @ lam))
        Hxi = np.stack([H(x) for x in xi])
        HxiHxi = float(np.mean(np.sum(Hxi * Hxi, axis=1)))
        nB = _squared_norm("n_B", HxiHxi - nD, HxiHxi)
        tB = float(np.mean(np.sum(xi * Hxi, axis=1))) - tD
    mom = BlockMoments(*(np.asarray(x) for x in (D, B, aD, aB, bD, bB, nD, nB, tD, tB)))
    eta_star = eta_star_from_moments(mom)
    thresholds: ProjectionThresholds = projection_thresholds_from_moments(mom)
    return AlignmentReport(
        eigenvalues=lam,
        eigenvectors=U,
        D=D,
        B=B,
        alignment=D / gg,
        eta_star=float(eta_star),
        eta_D=float(thresholds.dominant),
        eta_B=float(thresholds.bulk),
        regime="always-falls" if math.isinf(eta_star) else "threshold",
        noise_samples=m,
        moments=mom,
    )


def _squared_norm(name: str, value: float, scale: float) -> float:
    """A difference of squared norms, >= 0 in exact arithmetic: round-off to 0."""
    if value >= 0:
        return value
    if value < -1e-10 * max(scale, 1.0):
        raise ValueError(
            f"{name} came out {value:g} < 0: hvp is not symmetric or the eigenvectors "
            "are not orthonormal"
        )
    return 0.0
