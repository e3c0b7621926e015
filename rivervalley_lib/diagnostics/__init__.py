r"""Measure alignment in your own training loop: framework-agnostic diagnostics.

At one point of training, give the full-batch gradient and a Hessian-vector-product
callable ``v -> H v`` on flat numpy vectors (from any framework: wrap PyTorch's or JAX's
autodiff, or write them by hand), and optionally a few stochastic gradients at the same
point. :func:`measure_alignment` returns the top-:math:`k` Hessian eigenspace, the
alignment :math:`\chi`, and the book's local estimates of the critical step size
:math:`\eta^*_t` and of the projection thresholds
:math:`(\eta_{\mathcal D}, \eta_{\mathcal B})`.

The estimates apply the river-valley laws (the methods of
:class:`~rivervalley_lib.BlockMoments`) to the **local quadratic model** at
:math:`\theta`: the Hessian there and the gradient-noise covariance estimated from the
supplied stochastic gradients. Each comes with a standard error from the finite number
of noise samples (:class:`ReportStderr`). For a quadratic loss they are exact up to
that error; for a network they are one-step predictions that ignore third-order
effects, and :meth:`AlignmentReport.quadratic_check` says when those matter.

The optional modules ``rivervalley_lib.diagnostics.torch`` and
``rivervalley_lib.diagnostics.jax`` build the gradient and ``hvp`` callables from a
PyTorch module or a JAX loss function (they import their framework only when called).

Examples
--------
>>> import numpy as np
>>> from rivervalley_lib.diagnostics import measure_alignment
>>> H = np.diag([10.0, 9.0, 0.5, 0.2, 0.1])
>>> theta = np.ones(5)
>>> rep = measure_alignment(H @ theta, lambda v: H @ v, k=2)
>>> round(rep.alignment, 4), rep.regime
(0.9983, 'threshold')
"""

from ._adapters import FlatModel
from ._estimates import (
    OneStepPrediction,
    QuadraticCheck,
    ReportStderr,
)
from ._linalg import (
    LanczosNoConvergence,
    top_eigenspace,
)
from ._measure import measure_alignment
from ._report import AlignmentReport
from ._sampled_step import (
    SampledStep,
    z_score,
)

__all__ = [
    "AlignmentReport",
    "FlatModel",
    "LanczosNoConvergence",
    "OneStepPrediction",
    "QuadraticCheck",
    "ReportStderr",
    "SampledStep",
    "measure_alignment",
    "top_eigenspace",
    "z_score",
]
