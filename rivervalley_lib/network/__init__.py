r"""A small numpy MLP on a Gaussian mixture: Gur-Ari et al.'s setting, by hand.

The network maps :math:`x \in \mathbb R^{p}` through tanh hidden layers to :math:`k`
outputs and is trained with the mean squared error against one-hot labels,

.. math::

    L(\theta) = \frac{1}{2n}\sum_{j=1}^n \lVert f_\theta(x_j) - y_j\rVert^2 .

All parameters live in one flat vector, so the framework-agnostic tools of
:mod:`rivervalley_lib.diagnostics` apply directly. :meth:`MLP.gradient` is
backpropagation and :meth:`MLP.hvp` is an exact Hessian-vector product by Pearlmutter's
:math:`\mathcal R`-operator (forward-over-reverse); :meth:`MLP.hvp_fn` binds it at
one point as the ``hvp(v)`` closure that
:func:`~rivervalley_lib.diagnostics.measure_alignment` takes. So the top-:math:`k`
Hessian eigenspace can be found by Lanczos (:func:`top_eigenspace`) without ever
forming the Hessian.

References
----------
- G. Gur-Ari, D. A. Roberts, E. Dyer, "Gradient Descent Happens in a Tiny Subspace",
  arXiv:1812.04754, 2018.
- B. A. Pearlmutter, "Fast Exact Multiplication by the Hessian", Neural Computation
  6(1), 1994.

Examples
--------
>>> import numpy as np
>>> from rivervalley_lib.network import MLP, gaussian_mixture
>>> X, Y = gaussian_mixture(n=60, k=3, dim=5, rng=0)
>>> net = MLP([5, 8, 3])
>>> theta = net.init(rng=1)
>>> theta.shape, round(float(net.loss(theta, X, Y)), 4) > 0
((75,), True)
"""

from ..diagnostics import (
    top_eigenspace,
)
from ._mlp import MLP, gaussian_mixture
from ._train import TrainingRun, train

__all__ = ["MLP", "gaussian_mixture", "top_eigenspace", "train", "TrainingRun"]
