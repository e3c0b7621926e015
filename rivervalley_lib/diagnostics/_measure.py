"""Implementation of :func:`rivervalley_lib.diagnostics.measure_alignment`."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np

from .._validation import validate_array, validate_int, validate_real, validate_rng
from ..theory._moments import BlockMoments, ProjectionThresholds
from ._estimates import NoiseProjections, ReportStderr, delta_stderr
from ._linalg import flat_result, top_eigenspace
from ._report import AlignmentReport


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
    theta=None,
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

    collected in a :class:`~rivervalley_lib.BlockMoments`, whose methods give
    :math:`\eta^*_t = 2(a_{\mathcal D}B - a_{\mathcal B}D)
    /((b_{\mathcal D}+n_{\mathcal D})B - (b_{\mathcal B}+n_{\mathcal B})D)` and
    :math:`\eta_X = 2X/(a_X + t_X)`, the same laws as the theory's.

    Nothing is clipped: :math:`a_{\mathcal B}` and :math:`t_{\mathcal B}` are curvature
    averages over the bulk and are negative where the bulk curvature is negative (if
    :math:`a_{\mathcal B} + t_{\mathcal B} < 0`, Bulk-SGD lowers the expected loss at
    every step size in the local model, and :math:`\eta_{\mathcal B} = \infty`).
    :math:`B`, :math:`b_{\mathcal B}`, :math:`n_{\mathcal B}` are squared norms; a
    negative value can only be round-off and raises ``ValueError`` if it is larger than
    it.

    **Error bars.** The noise moments are means over the :math:`m` samples; their
    covariance is estimated from the per-sample terms, and the standard error of every
    estimate (:attr:`AlignmentReport.stderr`, and ``predict(eta).stderr``) follows by
    the delta method. They shrink as :math:`1/\sqrt m`, so the report itself says how
    many samples a precision needs: quadruple :math:`m` to halve them. As a guide, for
    Gaussian-like noise spread over :math:`r` effective directions the noise moments
    have relative standard error about :math:`\sqrt{2/(rm)}`. The intervals
    :math:`\pm 1.96` standard errors are calibrated from about :math:`m = 100`: on a
    quadratic with Gaussian noise they covered the truth in 92.5-95% of repetitions at
    :math:`m = 100` and 94-97% at :math:`m = 400` (the test suite checks this). The
    samples must be minibatch gradients **at the training batch size**: the noise
    moments scale with the inverse batch size.

    **Cost**, in HVPs (calls of ``hvp``): Lanczos (at most ``lanczos_maxiter``; none
    with ``eigen``), :math:`k` to measure the residuals, one for :math:`Hg`, and one
    per noise sample.

    Parameters
    ----------
    gradient : array_like, shape (dim,)
        The full-batch gradient :math:`g` at the point. Any real dtype (float32 is
        promoted to float64; the results then carry float32 accuracy, about
        :math:`10^{-7}` relative) and anything ``numpy.asarray`` accepts, including
        CPU framework tensors without grad (or use the adapters
        :func:`rivervalley_lib.diagnostics.torch.from_module` and
        :func:`rivervalley_lib.diagnostics.jax.from_function`).
    hvp : callable
        ``v -> H v`` at the same point, for flat float64 vectors of length ``dim`` (the
        same convention as :func:`rivervalley_lib.network.top_eigenspace`); it must
        return shape ``(dim,)`` (any real dtype, or a CPU tensor).
    k : int
        Dimension of the dominant subspace (e.g. the number of classes),
        ``1 <= k < dim``.
    noise_samples : array_like, shape (m, dim), optional
        Stochastic (minibatch) gradients at the point, at the training batch size,
        ``m >= 2``. Without them the noise terms are zero (the GD values).
    eigen : (eigenvalues, eigenvectors), optional
        A precomputed top-:math:`k` eigenspace, shapes ``(k,)`` and ``(dim, k)``, to
        reuse instead of running Lanczos.
    lanczos_tol : float
        Bound on each Lanczos residual :math:`\lVert Hu_i - \lambda_i u_i\rVert`
        relative to :math:`|\lambda_i|`, ``>= 0`` (0: machine precision). The
        measured residuals are in :attr:`AlignmentReport.lanczos_residuals`.
    lanczos_maxiter : int, optional
        Budget of HVPs for Lanczos, ``>= k + 3`` (unlimited if omitted): the cap
        on the Lanczos part of the cost below.
    rng : int, Generator or None
        Seed of the Lanczos start vector; ``None`` draws a fresh one (the result then
        varies at the level of ``lanczos_tol``).
    theta : array_like, shape (dim,), optional
        The point itself. Stored in the report, whose
        :meth:`~AlignmentReport.draw_steps` and
        :meth:`~AlignmentReport.quadratic_check` step from it (and check that any
        ``theta`` they are given is this one).

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
        argument or the callable). Every argument is checked before ``hvp`` is
        first called.
    ~rivervalley_lib.diagnostics.LanczosNoConvergence
        If Lanczos spends ``lanczos_maxiter`` HVPs before converging (the converged
        eigenpairs are attached).

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
    # Every argument is checked before the first call of hvp.
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
    # copies: the report keeps them after the call
    g = validate_array("gradient", gradient, copy=True)
    if g.ndim != 1:
        raise ValueError(f"gradient must be a flat vector (dim,), got shape {g.shape}")
    dim = g.shape[0]
    if dim < 2:
        raise ValueError(f"gradient must have at least 2 entries, got {dim}")
    if theta is not None:
        theta = validate_array("theta", theta, copy=True)
        if theta.shape != (dim,):
            raise ValueError(
                f"gradient has length {dim} but theta has shape {theta.shape}: the "
                "gradient must have one entry per parameter"
            )
    k = validate_int("k", k, low=1, high=dim - 1)
    gg = float(g @ g)
    if gg == 0:
        raise ValueError("gradient is zero: the alignment is undefined there")
    samples = None
    if noise_samples is not None:
        samples = validate_array("noise_samples", noise_samples, last_dim=dim)
        if samples.ndim != 2 or samples.shape[0] < 2:
            raise ValueError(
                "noise_samples must have shape (m, dim) with m >= 2, "
                f"got {samples.shape}"
            )
    if eigen is not None:
        if not isinstance(eigen, (tuple, list)) or len(eigen) != 2:
            raise TypeError("eigen must be a pair (eigenvalues, eigenvectors)")
        # copies: the report keeps them after the call
        lam = validate_array("eigen[0]", eigen[0], copy=True)
        U = validate_array("eigen[1]", eigen[1], copy=True)
        if lam.shape != (k,) or U.shape != (dim, k):
            raise ValueError(
                f"eigen must have shapes (k,) = ({k},) and (dim, k) = ({dim}, {k}), "
                f"got {lam.shape} and {U.shape}"
            )
    lanczos_tol = validate_real("lanczos_tol", lanczos_tol, low=0.0)
    if lanczos_maxiter is not None:
        lanczos_maxiter = validate_int("lanczos_maxiter", lanczos_maxiter, low=k + 3)
    rng = validate_rng(rng)

    def H(v: np.ndarray) -> np.ndarray:
        return flat_result("hvp", hvp(v), dim)

    if eigen is None:
        lam, U = top_eigenspace(
            H, dim, k, tol=lanczos_tol, maxiter=lanczos_maxiter, rng=rng
        )
    HU = np.column_stack([H(np.ascontiguousarray(u)) for u in U.T])
    with np.errstate(divide="ignore", invalid="ignore"):
        residuals = np.linalg.norm(HU - U * lam, axis=0) / np.abs(lam)
    c = U.T @ g
    D = float(c @ c)
    Hg = H(g)
    aD = float(lam @ c**2)
    bD = float(lam**2 @ c**2)
    B = squared_norm("B", gg - D, gg)
    gHg, HgHg = float(g @ Hg), float(Hg @ Hg)
    aB = gHg - aD
    bB = squared_norm("b_B", HgHg - bD, HgHg)
    m = 0
    z = np.zeros((1, 4))
    e = np.zeros((0, k))
    gHxi = HgHxi = HxiHxi = np.zeros(0)
    if samples is not None:
        m = samples.shape[0]
        xi = samples - g
        proj = xi @ U  # (m, k)
        Hxi = np.stack([H(x) for x in xi])
        HxiHxi = np.einsum("ji,ji->j", Hxi, Hxi)
        xiHxi = np.einsum("ji,ji->j", xi, Hxi)
        nD_j, tD_j = proj**2 @ lam**2, proj**2 @ lam
        z = np.column_stack([nD_j, HxiHxi - nD_j, tD_j, xiHxi - tD_j])
        e, gHxi, HgHxi = Hxi @ U, Hxi @ g, Hxi @ Hg
    nD, nB, tD, tB = (float(x) for x in z.mean(axis=0))
    nB = squared_norm("n_B", nB, float(HxiHxi.mean()) if m else 0.0)
    cov = np.cov(z.T, ddof=1) / m if m else np.zeros((4, 4))
    mom = BlockMoments(D, B, aD, aB, bD, bB, nD, nB, tD, tB)
    eta_star = float(mom.critical_step_size())
    thresholds = mom.projection_thresholds()
    thresholds = ProjectionThresholds(
        float(thresholds.dominant), float(thresholds.bulk)
    )
    se_star, se_dom, se_bulk = delta_stderr(
        lambda x: np.array(
            [x.critical_step_size(), *x.projection_thresholds()], dtype=float
        ),
        mom,
        cov,
    )
    se_moments = np.sqrt(np.diag(cov))
    return AlignmentReport(
        theta=theta,
        gradient=g,
        eigenvalues=lam,
        eigenvectors=U,
        lanczos_residuals=residuals,
        D=D,
        B=B,
        alignment=D / gg,
        eta_star=eta_star,
        thresholds=thresholds,
        regime=mom.regime(),
        noise_samples=m,
        moments=mom,
        stderr=ReportStderr(
            se_star,
            ProjectionThresholds(se_dom, se_bulk),
            *(float(x) for x in se_moments),
        ),
        moments_covariance=cov,
        _projections=NoiseProjections(
            Hg, c, U.T @ Hg, e, gHg, HgHg, gHxi, HgHxi, HxiHxi
        ),
    )


def squared_norm(name: str, value: float, scale: float) -> float:
    """A difference of squared norms, >= 0 in exact arithmetic: round-off to 0."""
    if value >= 0:
        return value
    if value < -1e-10 * max(scale, 1.0):
        raise ValueError(
            f"{name} came out {value:g} < 0: hvp is not symmetric or the eigenvectors "
            "are not orthonormal"
        )
    return 0.0
