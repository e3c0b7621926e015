"""The book's named scenarios: the valleys, noise levels and initializations that the
chapters, the figures and the exercise checks share.

Examples
--------
>>> from rivervalley_lib import scenarios
>>> scenarios.HEADLINE_VALLEY.d, scenarios.HEADLINE_VALLEY.k
(1000, 10)
"""

from __future__ import annotations

from .._validation import validate_real
from ..model._landscape import RiverValley
from ..model._noise import IsotropicNoise

__all__ = [
    "STEEP",
    "two_d_valley",
    "NOISE_VALLEY",
    "ONE_STEP_VALLEY",
    "HEADLINE_VALLEY",
    "HEADLINE_NOISE",
    "HEADLINE_INIT",
]

#: The steep eigenvalue of the book's 2-D valley (chapter 1).
STEEP = 10.0


def two_d_valley(condition: float) -> RiverValley:
    r"""The 2-D river valley of chapter 1.

    The loss is :math:`L = \tfrac12(\lambda\theta_1^2 + \mu\theta_2^2)`.

    Parameters
    ----------
    condition : float
        The condition number :math:`\kappa = \lambda/\mu > 1`, with :math:`\lambda` =
        :data:`STEEP`.

    Returns
    -------
    RiverValley
        ``RiverValley([STEEP, STEEP / condition], k=1)``.

    Examples
    --------
    >>> two_d_valley(20.0).eigenvalues.tolist()
    [10.0, 0.5]
    """
    condition = validate_real("condition", condition, low=1.0, low_inclusive=False)
    return RiverValley([STEEP, STEEP / condition], k=1)


#: The valley of the noise figure (chapter 2): d = 40, k = 3, spread spectrum.
NOISE_VALLEY = RiverValley.spread(d=40, k=3, dominant=(6.0, 12.0), bulk=(0.05, 1.0))

#: The two-level valley of chapters 3 and 5.
ONE_STEP_VALLEY = RiverValley.two_level(d=400, k=4, dominant=10.0, bulk=0.2)

#: The valley of chapters 6, 7 and 9: d = 1000, k = 10, dominant eigenvalues on 5
#: levels in [1, 1.4], bulk eigenvalues on 22 levels in [5e-4, 3e-3] (27 blocks:
#: simulations and exact expectations run in O(27) per step).
HEADLINE_VALLEY = RiverValley.spread(
    d=1000, k=10, dominant=(1.0, 1.4), bulk=(5e-4, 3e-3), levels=(5, 22)
)
#: Its noise: isotropic, sigma = 0.01.
HEADLINE_NOISE = IsotropicNoise(0.01)
#: Its large initialization scale: theta_0 = 7 (1, ..., 1).
HEADLINE_INIT = 7.0
