r"""The model: the river-valley quadratic and its gradient-noise models.

:class:`RiverValley` is the loss
:math:`L(\theta) = \tfrac12 \sum_i \lambda_i \theta_i^2` with a Hessian split into
:math:`k` dominant eigenvalues and a bulk; the noise models give the covariance
:math:`\Sigma(\theta)` of a stochastic gradient
:math:`g(\theta) + \xi`. Everything else in the library is computed on these objects.

Examples
--------
>>> from rivervalley_lib import model
>>> valley = model.RiverValley.two_level(d=4, k=1, dominant=10.0, bulk=1.0)
>>> valley.stability_limit
0.2
"""

from ._landscape import RiverValley
from ._noise import CurvatureNoise, IsotropicNoise, NoiseModel, RegressionNoise

__all__ = [
    "RiverValley",
    "NoiseModel",
    "IsotropicNoise",
    "CurvatureNoise",
    "RegressionNoise",
]
