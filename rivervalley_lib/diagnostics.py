r"""Measure alignment in your own training loop: framework-agnostic diagnostics.

Give a full-batch gradient callable and a Hessian-vector-product callable on flat numpy
vectors (from any framework: wrap PyTorch's or JAX's autodiff, or write them by hand), and
optionally a few stochastic gradients at the same point. :func:`measure_alignment` returns the
top-:math:`k` Hessian eigenspace, the alignment :math:`\chi`, and the book's local estimates of
the critical step size :math:`\eta^*_t` and of the projection thresholds
:math:`(\eta_{\mathcal D}, \eta_{\mathcal B})`.

The estimates apply the river-valley formulas to the **local quadratic model** at
:math:`\theta`: the Hessian there and the gradient-noise covariance estimated from the supplied
stochastic gradients. For a quadratic loss they are exact (up to the Monte Carlo error of the
noise estimate); for a network they are one-step predictions that ignore third-order effects.

Examples
--------
>>> import numpy as np
>>> from rivervalley_lib.diagnostics import measure_alignment
>>> H = np.diag([10.0, 9.0, 0.5, 0.2, 0.1])
>>> rep = measure_alignment(lambda th: H @ th, lambda th, v: H @ v, np.ones(5), k=2)
>>> round(rep.alignment, 4), rep.regime
(0.9983, 'low-alignment')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._theory import _eta_star_from_moments, _Moments, _projection_thresholds_from_moments
from ._validation import check_array, check_int
from .network import top_eigenspace

__all__ = ["AlignmentReport", "measure_alignment"]


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
        :math:`\lVert P_{\mathcal D}g\rVert^2` and :math:`\lVert P_{\mathcal B}g\rVert^2`.
    alignment : float
        :math:`\chi = D/(D+B)` (squared).
    eta_star : float
        Estimated :math:`\eta^*_t` (``inf`` in the self-correcting regime).
    eta_D, eta_B : float
        Estimated thresholds of Dom-SGD (raises the loss above :math:`\eta_{\mathcal D}`) and
        Bulk-SGD (lowers it below :math:`\eta_{\mathcal B}`).
    regime : str
        ``"low-alignment"`` or ``"self-correcting"``.
    noise_samples : int
        How many stochastic gradients the noise terms were estimated from (0: noise-free).

    Examples
    --------
    >>> rep = AlignmentReport(np.ones(1), np.ones((2, 1)), 1.0, 1.0, 0.5, 0.4, 0.1, 2.0, "low-alignment", 0)
    >>> rep.alignment
    0.5
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

    def predicts_rise(self, eta: float) -> bool:
        """Whether the expected alignment rises after one step of size ``eta``.

        Examples
        --------
        >>> AlignmentReport(np.ones(1), np.ones((2, 1)), 1.0, 1.0, 0.5, 0.4, 0.1, 2.0, "low-alignment", 0).predicts_rise(0.5)
        True
        """
        return eta > self.eta_star


def measure_alignment(
    grad: Callable[[np.ndarray], np.ndarray],
    hvp: Callable[[np.ndarray, np.ndarray], np.ndarray],
    theta,
    k: int,
    *,
    noise_samples=None,
    eigen: tuple[np.ndarray, np.ndarray] | None = None,
    rng=0,
) -> AlignmentReport:
    r"""Top-:math:`k` eigenspace, alignment and step-size thresholds at one point of training.

    With :math:`g = \nabla L(\theta)`, the Hessian :math:`H` and its top-:math:`k` eigenpairs
    :math:`(\lambda_i, u_i)` (Lanczos on ``hvp``), and noise samples
    :math:`\xi_j = \hat g_j - g`, the block sums of the river-valley theory are estimated as

    .. math::

        a_{\mathcal D} = \sum_{i\le k}\lambda_i(u_i^\top g)^2,\quad a_{\mathcal B} = g^\top Hg - a_{\mathcal D},\quad
        b_{\mathcal D} = \sum_{i\le k}\lambda_i^2(u_i^\top g)^2,\quad b_{\mathcal B} = \lVert Hg\rVert^2 - b_{\mathcal D},

    .. math::

        n_{\mathcal D} = \tfrac1m\sum_j\sum_{i\le k}\lambda_i^2(u_i^\top\xi_j)^2,\quad
        n_{\mathcal B} = \tfrac1m\sum_j\lVert H\xi_j\rVert^2 - n_{\mathcal D},\quad
        t_{\mathcal D} = \tfrac1m\sum_j\sum_{i\le k}\lambda_i(u_i^\top\xi_j)^2,\quad
        t_{\mathcal B} = \tfrac1m\sum_j\xi_j^\top H\xi_j - t_{\mathcal D},

    and plugged into :math:`\eta^*_t = 2(a_{\mathcal D}B - a_{\mathcal B}D)/((b_{\mathcal D}+n_{\mathcal D})B - (b_{\mathcal B}+n_{\mathcal B})D)`
    and :math:`\eta_X = 2X/(a_X + t_X)`. Cost: one gradient, one HVP per Lanczos iteration,
    and one HVP per noise sample.

    Parameters
    ----------
    grad : callable
        ``theta -> full-batch gradient`` (flat arrays).
    hvp : callable
        ``(theta, v) -> H(theta) v``.
    theta : array_like, shape (dim,)
        Where to measure.
    k : int
        Dimension of the dominant subspace (e.g. the number of classes), ``1 <= k < dim``.
    noise_samples : array_like, shape (m, dim), optional
        Stochastic (minibatch) gradients at ``theta``, ``m >= 2``. Without them the noise terms
        are zero (the GD values).
    eigen : (eigenvalues, eigenvectors), optional
        A precomputed top-:math:`k` eigenspace to reuse instead of running Lanczos.
    rng : int or Generator
        Seed of the Lanczos start vector.

    Returns
    -------
    AlignmentReport

    Raises
    ------
    ValueError
        If the gradient is zero or non-finite, or shapes do not match.

    References
    ----------
    - S. Deng et al., "Suspicious Alignment of SGD", ALT 2026 (the thresholds; the formulas are
      this book's derivation in the quadratic model).
    - M. Song, K. Ahn, C. Yun, "Does SGD really happen in tiny subspaces?", ICLR 2025 (the top-k
      Hessian eigenspace by Lanczos and the alignment protocol).

    Examples
    --------
    On a quadratic the estimate is the library's exact :math:`\eta^*` (noise-free here):

    >>> import numpy as np
    >>> import rivervalley_lib as rv
    >>> valley = rv.RiverValley.two_level(d=20, k=2, dominant=3.0, bulk=1.0)
    >>> rep = measure_alignment(valley.gradient, lambda th, v: valley.eigenvalues * v, np.ones(20), k=2)
    >>> round(rep.eta_star, 6), rv.critical_step_size(valley, rv.IsotropicNoise(0.0), np.ones(20))
    (0.5, 0.5)
    """
    if not callable(grad) or not callable(hvp):
        raise TypeError("grad and hvp must be callables: grad(theta) and hvp(theta, v)")
    theta = check_array("theta", theta, ndim_min=1)
    if theta.ndim != 1:
        raise ValueError(f"theta must be a flat vector, got shape {theta.shape}")
    dim = theta.shape[0]
    k = check_int("k", k, low=1, high=dim - 1)
    g = check_array("grad(theta)", grad(theta), ndim_min=1, last_dim=dim)
    gg = float(g @ g)
    if gg == 0:
        raise ValueError("the gradient is zero at theta: the alignment is undefined")

    def H(v: np.ndarray) -> np.ndarray:
        return check_array("hvp(theta, v)", hvp(theta, v), ndim_min=1, last_dim=dim)

    if eigen is None:
        lam, U = top_eigenspace(H, dim, k, rng=rng)
    else:
        lam = check_array("eigen[0]", eigen[0], ndim_min=1, last_dim=k)
        U = check_array("eigen[1]", eigen[1], ndim_min=2, last_dim=k)
        if U.shape != (dim, k):
            raise ValueError(f"eigen[1] must have shape (dim, k) = ({dim}, {k}), got {U.shape}")
    c = U.T @ g
    D = float(c @ c)
    B = max(gg - D, 0.0)
    Hg = H(g)
    aD = float(lam @ c**2)
    bD = float(lam**2 @ c**2)
    aB = max(float(g @ Hg) - aD, 0.0)
    bB = max(float(Hg @ Hg) - bD, 0.0)
    m = 0
    nD = nB = tD = tB = 0.0
    if noise_samples is not None:
        samples = check_array("noise_samples", noise_samples, ndim_min=2, last_dim=dim)
        if samples.ndim != 2 or samples.shape[0] < 2:
            raise ValueError(f"noise_samples must have shape (m, dim) with m >= 2, got {samples.shape}")
        m = samples.shape[0]
        xi = samples - g
        proj = xi @ U  # (m, k)
        nD = float(np.mean(proj**2 @ lam**2))
        tD = float(np.mean(proj**2 @ lam))
        Hxi = np.stack([H(x) for x in xi])
        nB = max(float(np.mean(np.sum(Hxi * Hxi, axis=1))) - nD, 0.0)
        tB = max(float(np.mean(np.sum(xi * Hxi, axis=1))) - tD, 0.0)
    mom = _Moments(*(np.asarray(x) for x in (D, B, aD, aB, bD, bB, nD, nB, tD, tB)))
    eta_star = _eta_star_from_moments(mom)
    eta_D, eta_B = _projection_thresholds_from_moments(mom)
    return AlignmentReport(
        eigenvalues=lam,
        eigenvectors=U,
        D=D,
        B=B,
        alignment=D / gg,
        eta_star=float(eta_star),
        eta_D=float(eta_D),
        eta_B=float(eta_B),
        regime="self-correcting" if math.isinf(eta_star) else "low-alignment",
        noise_samples=m,
    )
