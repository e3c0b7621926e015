r"""Measure alignment in your own training loop: framework-agnostic diagnostics.

At one point of training, give the full-batch gradient and a Hessian-vector-product
callable ``v -> H v`` on flat numpy vectors (from any framework: wrap PyTorch's or JAX's
autodiff, or write them by hand), and optionally a few stochastic gradients at the same
point. :func:`measure_alignment` returns the top-:math:`k` Hessian eigenspace, the
alignment :math:`\chi`, and the book's local estimates of the critical step size
:math:`\eta^*_t` and of the projection thresholds
:math:`(\eta_{\mathcal D}, \eta_{\mathcal B})`.

The estimates apply the river-valley formulas to the **local quadratic model** at
:math:`\theta`: the Hessian there and the gradient-noise covariance estimated from the
supplied stochastic gradients. For a quadratic loss they are exact (up to the Monte
Carlo error of the noise estimate); for a network they are one-step predictions that
ignore third-order effects.

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

from ._linalg import (
    top_eigenspace,
)
from ._report import (
    AlignmentReport,
    OneStepPrediction,
    measure_alignment,
)
from ._sampled_step import (
    SampledStep,
    z_score,
)

__all__ = [
    "AlignmentReport",
    "OneStepPrediction",
    "SampledStep",
    "measure_alignment",
    "top_eigenspace",
    "z_score",
]
