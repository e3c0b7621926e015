"""The report of :func:`~rivervalley_lib.diagnostics.measure_alignment` and its
predictions (public names in :mod:`rivervalley_lib.diagnostics`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .._validation import validate_array, validate_real, validate_step_size
from ..theory._moments import BlockMoments, ProjectionThresholds
from ._estimates import (
    NoiseProjections,
    OneStepPrediction,
    QuadraticCheck,
    ReportStderr,
    delta_stderr,
)
from ._linalg import flat_result
from ._sampled_step import SampledStep, sample_model_step


@dataclass(frozen=True, repr=False)
class AlignmentReport:
    r"""What :func:`measure_alignment` found at one point.

    Attributes
    ----------
    theta : ndarray, shape (dim,), or None
        The point measured (when given to :func:`measure_alignment`).
    gradient : ndarray, shape (dim,)
        The full-batch gradient :math:`g` there.
    eigenvalues : ndarray, shape (k,)
        Top-:math:`k` Hessian eigenvalues, descending.
    eigenvectors : ndarray, shape (dim, k)
        Orthonormal basis of the dominant subspace :math:`\mathcal D`.
    lanczos_residuals : ndarray, shape (k,)
        :math:`\lVert Hu_i - \lambda_i u_i\rVert/|\lambda_i|`, measured.
    D, B : float
        :math:`\lVert P_{\mathcal D}g\rVert^2` and
        :math:`\lVert P_{\mathcal B}g\rVert^2`.
    alignment : float
        :math:`\chi = D/(D+B)` (squared).
    eta_star : float
        Estimated :math:`\eta^*_t` (``inf`` when :math:`\Delta_t \le 0`).
    thresholds : ProjectionThresholds
        Estimated ``(dominant, bulk)`` thresholds
        :math:`(\eta_{\mathcal D}, \eta_{\mathcal B})` of Dom-SGD (raises the loss above
        :math:`\eta_{\mathcal D}`) and Bulk-SGD (lowers it below
        :math:`\eta_{\mathcal B}`), as :func:`~rivervalley_lib.projection_thresholds`
        returns them.
    regime : str
        ``"threshold"`` (finite :math:`\eta^*_t`) or ``"always-falls"``.
    noise_samples : int
        How many stochastic gradients the noise terms were estimated from (0: none).
    moments : BlockMoments
        The ten block sums; every estimate is one of its methods.
    stderr : ReportStderr
        Standard errors of the estimates (zeros without noise samples).
    moments_covariance : ndarray, shape (4, 4)
        Estimated covariance of the estimates of :math:`(n_{\mathcal D},
        n_{\mathcal B}, t_{\mathcal D}, t_{\mathcal B})`.

    Examples
    --------
    With 64 noisy gradients every estimate carries a standard error:

    >>> import numpy as np
    >>> from rivervalley_lib.diagnostics import measure_alignment
    >>> H, rng = np.diag([4.0, 1.0]), np.random.default_rng(0)
    >>> g = H @ np.ones(2)
    >>> samples = g + rng.normal(size=(64, 2))
    >>> rep = measure_alignment(g, lambda v: H @ v, k=1, noise_samples=samples)
    >>> rep.alignment, round(rep.eta_star, 3), round(rep.stderr.eta_star, 3)
    (0.9411764705882353, 0.402, 0.005)
    """

    theta: np.ndarray | None
    gradient: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    lanczos_residuals: np.ndarray
    D: float
    B: float
    alignment: float
    eta_star: float
    thresholds: ProjectionThresholds
    regime: str
    noise_samples: int
    moments: BlockMoments
    stderr: ReportStderr
    moments_covariance: np.ndarray
    _projections: NoiseProjections = field(compare=False)

    def __repr__(self) -> str:
        se = self.stderr
        lam = np.array2string(self.eigenvalues, precision=4, threshold=8)
        return (
            f"AlignmentReport(dim={self.eigenvectors.shape[0]}, "
            f"k={self.eigenvectors.shape[1]}, noise_samples={self.noise_samples},\n"
            f"  alignment={self.alignment:.6g}, regime={self.regime!r},\n"
            f"  eta_star={self.eta_star:.6g} ± {se.eta_star:.2g}, "
            f"thresholds: dominant={self.thresholds.dominant:.6g} "
            f"± {se.thresholds.dominant:.2g}, bulk={self.thresholds.bulk:.6g} "
            f"± {se.thresholds.bulk:.2g},\n"
            f"  eigenvalues={lam}, "
            f"max Lanczos residual={float(np.max(self.lanczos_residuals)):.1e},\n"
            f"  moments={self.moments!r})"
        )

    def predicts_rise(self, eta: float) -> bool:
        r"""Whether the ratio of expectations rises after one step of size ``eta``.

        Parameters
        ----------
        eta : float
            The step size compared with :attr:`eta_star`, ``> 0``.

        Returns
        -------
        bool
            ``eta > eta_star``: :math:`\bar\chi_{t+1} > \chi_t`.

        Examples
        --------
        Noise in the dominant direction lowers :math:`\eta^*_t` (here from 0.4 to
        0.375), so at ``eta = 0.39`` the ratio rises only with it:

        >>> import numpy as np
        >>> from rivervalley_lib.diagnostics import measure_alignment
        >>> H, g = np.diag([4.0, 1.0]), np.array([4.0, 1.0])
        >>> samples = g + np.array([[1.0, 0.0], [-1.0, 0.0]])  # noise on D only
        >>> quiet = measure_alignment(g, lambda v: H @ v, k=1)
        >>> noisy = measure_alignment(g, lambda v: H @ v, k=1, noise_samples=samples)
        >>> quiet.predicts_rise(0.39), noisy.predicts_rise(0.39)
        (False, True)
        """
        eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
        return eta > self.eta_star

    def predict(self, eta: float) -> OneStepPrediction:
        r"""Predicted one-step changes of the ratio, the alignment and the loss.

        In the local quadratic model, per block :math:`X`,
        :math:`\mathbb E X_{t+1} = X - 2\eta a_X + \eta^2(b_X + n_X)` and
        :math:`\mathbb E[\Delta L_X] = -\eta X + \tfrac{\eta^2}{2}(a_X + t_X)`
        (:class:`~rivervalley_lib.BlockMoments`); SGD changes the loss by the sum over
        both blocks, Dom-SGD and Bulk-SGD by their own block's term.

        ``ratio_change`` is :math:`\bar\chi_{t+1} - \chi_t`, a **ratio of
        expectations**; its sign is that of :math:`\eta - \eta^*_t`. It is not the
        expected change of the alignment, which can have the other sign when
        :math:`D'` and :math:`B'` fluctuate strongly. ``mean_alignment_change`` is that
        expected change, :math:`\mathbb E[\chi_{t+1}] - \chi_t`, in the local quadratic
        model with the noise distribution replaced by the :math:`m` supplied noise
        samples:

        .. math::

            \mathbb E[\chi_{t+1}] \approx \frac1m\sum_{j=1}^m
            \frac{\lVert U^\top g'_j\rVert^2}{\lVert g'_j\rVert^2},
            \qquad g'_j = g - \eta H(g + \xi_j).

        On a quadratic each term is an exact draw of :math:`\chi_{t+1}`, so the mean is
        unbiased, with standard error :math:`\mathrm{sd}_j/\sqrt m`.

        Standard errors (``stderr``): the loss changes and ``ratio_change`` are
        smooth functions of the noise moments, whose covariance
        (:attr:`moments_covariance`) is estimated from the samples; their standard
        errors follow by the delta method,
        :math:`\mathrm{se}(f)^2 = \nabla f^\top \hat\Sigma\, \nabla f` (gradient by
        central differences). They shrink as :math:`1/\sqrt m`: four times as many
        noise samples halve them. The local quadratic model's own error is not in
        them; see :meth:`quadratic_check`.

        Parameters
        ----------
        eta : float
            The step size of the predicted step, ``> 0`` (the same for all three
            updates).

        Returns
        -------
        OneStepPrediction
            The estimates, with their standard errors in ``.stderr``.

        Raises
        ------
        ValueError
            If the predicted next gradient energy is not positive.

        Examples
        --------
        >>> import numpy as np
        >>> from rivervalley_lib.diagnostics import measure_alignment
        >>> H = np.diag([4.0, 1.0])
        >>> rep = measure_alignment(H @ np.ones(2), lambda v: H @ v, k=1)
        >>> p = rep.predict(0.25)
        >>> p.loss_change_dominant, p.loss_change_bulk, p.loss_change_sgd
        (-2.0, -0.21875, -2.21875)
        >>> p.ratio_change == p.mean_alignment_change, p.stderr.loss_change_sgd
        (True, 0.0)
        """
        eta = float(validate_step_size("eta", eta))
        m = self.moments

        def values(mom: BlockMoments) -> np.ndarray:
            return np.array(
                [
                    mom.ratio_of_expectations(eta) - self.alignment,
                    mom.expected_loss_change(eta),
                    mom.expected_loss_change(eta, "dominant"),
                    mom.expected_loss_change(eta, "bulk"),
                ]
            )

        try:
            est = values(m)
        except ValueError:
            total = sum(m.expected_next(eta))
            raise ValueError(
                f"the predicted next gradient energy is {total:g} at eta = {eta:g}: "
                "the alignment is undefined there"
            ) from None
        se = delta_stderr(values, m, self.moments_covariance)
        mean, mean_se = self._mean_alignment_change(eta)
        stderr = OneStepPrediction(se[0], mean_se, se[1], se[2], se[3])
        return OneStepPrediction(
            float(est[0]), mean, float(est[1]), float(est[2]), float(est[3]), stderr
        )

    def _mean_alignment_change(self, eta: float) -> tuple[float, float]:
        p = self._projections
        if self.noise_samples == 0:
            dom = p.c - eta * p.f
            tot = self.D + self.B - 2 * eta * p.gHg + eta**2 * p.HgHg
            return float(dom @ dom / tot) - self.alignment, 0.0
        dom = p.c - eta * p.f - eta * p.e  # (m, k)
        tot = (
            self.D
            + self.B
            - 2 * eta * p.gHg
            + eta**2 * p.HgHg
            - 2 * eta * p.gHxi
            + 2 * eta**2 * p.HgHxi
            + eta**2 * p.HxiHxi
        )
        if not np.all(tot > 0):
            raise ValueError(
                f"a sampled next gradient is zero at eta = {eta:g}: the alignment is "
                "undefined there"
            )
        chi = np.sum(dom * dom, axis=1) / tot
        se = float(chi.std(ddof=1) / math.sqrt(chi.size))
        return float(chi.mean()) - self.alignment, se

    def _theta(self, theta) -> np.ndarray:
        """The measured point: ``theta`` if given (checked against the report's)."""
        dim = self.eigenvectors.shape[0]
        if theta is None:
            if self.theta is None:
                raise ValueError(
                    "theta is needed: pass theta= to measure_alignment (or here)"
                )
            return self.theta
        theta = validate_array("theta", theta, last_dim=dim)
        if theta.ndim != 1:
            raise ValueError(f"theta must be a flat vector ({dim},), got {theta.shape}")
        if self.theta is not None and not np.array_equal(theta, self.theta):
            raise ValueError(
                "theta is not the point the report was measured at (report.theta)"
            )
        return theta

    def quadratic_check(
        self,
        eta: float,
        gradient_fn: Callable[[np.ndarray], np.ndarray],
        *,
        theta=None,
        tolerance: float = 0.1,
    ) -> QuadraticCheck:
        r"""Whether the local quadratic model holds over one step of size ``eta``.

        Every prediction of the report assumes that the gradient moves as the local
        quadratic model says, :math:`g' = g - \eta H\hat g`. This check takes the mean
        step :math:`\theta_1 = \theta - \eta g` of the real model (one call of
        ``gradient_fn``) and measures the third-order term the quadratic model misses,

        .. math::

            r = \frac{\lVert\nabla L(\theta_1) - (g - \eta Hg)\rVert}
            {\eta\lVert Hg\rVert},

        relative to the gradient change the quadratic model predicts. ``reliable`` is
        ``r <= tolerance``. An unreliable report's :meth:`predict` may be wrong in
        size and in sign; compare it with :meth:`draw_steps` there. :math:`r` grows
        with :math:`\eta` (about linearly), so the check answers for this step size.

        Parameters
        ----------
        eta : float
            The step size whose mean step :math:`\theta - \eta g` is tested, ``> 0``.
        gradient_fn : callable
            ``gradient_fn(theta)``: the full-batch gradient, called once, at
            :math:`\theta_1`.
        theta : array_like, shape (dim,), optional
            The point whose mean step is taken; needed only if
            :func:`measure_alignment` was not given it, else checked against
            :attr:`theta`.
        tolerance : float
            Largest relative third-order term called reliable, ``> 0``.

        Returns
        -------
        QuadraticCheck

        Raises
        ------
        ValueError
            If ``theta`` differs from the point measured, or is missing; or if the
            gradient after the mean step is zero (its alignment is undefined).

        Examples
        --------
        On a quadratic the model is exact (``third_order`` is 0 at every step size). A
        quartic term, :math:`L(w) = \tfrac12 w^\top Hw + \tfrac14\sum_i w_i^4`, makes it
        fail beyond small steps:

        >>> import numpy as np
        >>> from rivervalley_lib.diagnostics import measure_alignment
        >>> lam, w = np.array([4.0, 1.0]), np.ones(2)
        >>> gradient_fn = lambda x: lam * x + x**3
        >>> hvp = lambda v: (lam + 3 * w**2) * v  # the Hessian at w
        >>> rep = measure_alignment(gradient_fn(w), hvp, k=1, theta=w)
        >>> [rep.quadratic_check(eta, gradient_fn).reliable for eta in (0.05, 0.2)]
        [True, False]
        """
        eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
        tolerance = validate_real("tolerance", tolerance, low=0.0, low_inclusive=False)
        if not callable(gradient_fn):
            raise TypeError(
                f"gradient_fn must be a callable of theta, got "
                f"{type(gradient_fn).__name__}"
            )
        theta = self._theta(theta)
        g, p = self.gradient, self._projections
        g1 = flat_result("gradient_fn", gradient_fn(theta - eta * g), theta.shape[0])
        quad = g - eta * p.Hg
        scale = eta * math.sqrt(p.HgHg)
        third = float(np.linalg.norm(g1 - quad) / scale) if scale > 0 else 0.0
        c1, cq = self.eigenvectors.T @ g1, self.eigenvectors.T @ quad
        if not (g1 @ g1 > 0 and quad @ quad > 0):
            raise ValueError(
                f"the gradient after the mean step is zero at eta = {eta:g}: the "
                "alignment is undefined there"
            )
        gap = float(c1 @ c1 / (g1 @ g1) - cq @ cq / (quad @ quad))
        return QuadraticCheck(third, gap, bool(third <= tolerance))

    def draw_steps(
        self,
        eta: float,
        gradient_fn: Callable[[np.ndarray], np.ndarray],
        stochastic_gradient_fn: Callable[[np.ndarray], np.ndarray],
        *,
        theta=None,
        samples: int = 300,
        projection: str = "none",
        loss_fn: Callable[[np.ndarray], float] | None = None,
    ) -> SampledStep:
        r"""Take one real SGD step ``samples`` times from the point, to test
        :meth:`predict`.

        .. math::

            \theta'^{(j)} = \theta - \eta\,P\,\hat g^{(j)}, \qquad
            g'^{(j)} = \nabla L(\theta'^{(j)}),

        with independent stochastic gradients :math:`\hat g^{(j)}` and
        :math:`P = I`, :math:`UU^\top` or :math:`I - UU^\top` (``projection``), where
        :math:`U` is :attr:`eigenvectors`. The real model is stepped, not its quadratic
        model (unlike :func:`rivervalley_lib.sample_step`, which steps the river
        valley). Compare ``alignment.mean() - report.alignment`` with
        ``predict(eta).mean_alignment_change``,
        ``D.mean() / (D.mean() + B.mean())`` minus :attr:`alignment` with its
        ``ratio_change``, and the mean of ``loss_change`` with its loss changes, each
        within the combined standard errors
        (:func:`~rivervalley_lib.diagnostics.z_score`).

        Parameters
        ----------
        eta : float
            The step size of every drawn step, ``> 0``.
        gradient_fn : callable
            ``gradient_fn(theta)``: the full-batch gradient, shape ``(dim,)``, taken
            after every drawn step.
        stochastic_gradient_fn : callable
            ``stochastic_gradient_fn(theta)``: one minibatch gradient at the training
            batch size; called ``samples`` times in a row.
        theta : array_like, shape (dim,), optional
            The point every draw starts from: required when the report holds no
            :attr:`theta`, otherwise it must equal it.
        samples : int
            Number of draws, ``>= 2``.
        projection : {"none", "dominant", "bulk"}
            SGD, Dom-SGD or Bulk-SGD.
        loss_fn : callable, optional
            ``loss_fn(theta)``; with it the loss change of every draw is recorded.

        Returns
        -------
        SampledStep
            Per draw: :math:`D'`, :math:`B'`, :math:`\chi'` and the loss change.

        Raises
        ------
        TypeError
            If ``gradient_fn``, ``stochastic_gradient_fn`` or ``loss_fn`` is not
            callable.
        ValueError
            If ``theta`` differs from the point measured or is missing, if
            ``samples < 2``, or if a callable returns a value of the wrong shape.

        Examples
        --------
        >>> import numpy as np
        >>> from rivervalley_lib.diagnostics import measure_alignment
        >>> H = np.diag([4.0, 1.0])
        >>> rep = measure_alignment(H @ np.ones(2), lambda v: H @ v, k=1,
        ...                         theta=np.ones(2))
        >>> s = rep.draw_steps(0.25, lambda w: H @ w, lambda w: H @ w,
        ...                    samples=2, loss_fn=lambda w: 0.5 * w @ H @ w)
        >>> float(s.loss_change[0]), rep.predict(0.25).loss_change_sgd
        (-2.21875, -2.21875)
        """
        theta = self._theta(theta)
        return sample_model_step(
            self.eigenvectors,
            theta,
            eta,
            gradient_fn,
            stochastic_gradient_fn,
            samples,
            projection,
            loss_fn,
        )
