r"""Heavy-ball momentum SGD: its noise floor.

The update is :math:`v_{t+1} = \beta v_t + \hat g_t`,
:math:`\theta_{t+1} = \theta_t - \eta v_{t+1}` (``simulate(..., momentum=beta)``).
"""

from __future__ import annotations

import numpy as np

from .._validation import validate_real
from ..model._landscape import RiverValley
from ..model._noise import AdditiveNoise, NoiseModel
from ..model._state import validate_landscape
from ._mean_field import NoiseFloor


def heavy_ball_floor(
    valley: RiverValley, noise: NoiseModel, eta: float, momentum: float
) -> NoiseFloor:
    r"""The noise floor of heavy-ball SGD: stationary block energies and their ratio.

    Per coordinate, with additive noise of variance :math:`s_i`, the stationary
    gradient energy :math:`u_i^\infty = \lambda_i^2\,\mathbb E[\theta_i^2]` (without the
    noise term, as :func:`simulate` records ``D`` and ``B``) of the chain
    :math:`\theta_{t+1} = (1+\beta-\eta\lambda_i)\theta_t - \beta\theta_{t-1}
    - \eta\xi_t` is

    .. math::

        u_i^\infty = \frac{\eta\lambda_i s_i (1+\beta)}
        {(1-\beta)\,\big(2(1+\beta) - \eta\lambda_i\big)}, \qquad
        0 < \eta\lambda_i < 2(1+\beta),

    summed over each block; :math:`\beta = 0` gives :func:`noise_floor`.

    Parameters
    ----------
    valley : RiverValley
        The valley whose eigenvalues :math:`\lambda_i` set the floors.
    noise : NoiseModel
        Additive noise (isotropic or curvature); its variances :math:`s_i`.
    eta : float
        The constant step size, below :math:`2(1+\beta)/\lambda_1`.
    momentum : float
        The heavy-ball coefficient :math:`\beta \in [0, 1)`.

    Returns
    -------
    NoiseFloor
        :math:`D_\infty`, :math:`B_\infty` and their ratio.

    References
    ----------
    - B. T. Polyak, "Some methods of speeding up the convergence of iteration methods",
      USSR Comput. Math. Math. Phys. 4(5), 1964 (the method). The floor is the
      stationary variance of the chain above, an AR(2) process, from the Lyapunov
      equation :math:`\Sigma = A\Sigma A^\top + s\,bb^\top`.

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> valley = rv.RiverValley([4.0, 1.0], k=1)
    >>> rv.heavy_ball_floor(valley, rv.IsotropicNoise(1.0), 0.25, 0.0)
    NoiseFloor(D=1.0, B=0.14285714285714285, alignment=0.875)
    """
    validate_landscape(valley)
    if not isinstance(noise, AdditiveNoise):
        raise TypeError(
            f"noise must be additive (IsotropicNoise or CurvatureNoise), got "
            f"{type(noise).__name__}"
        )
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    beta = validate_real("momentum", momentum, low=0.0, high=1.0, high_inclusive=False)
    lam, s = valley.eigenvalues, noise.diagonal(valley)
    if eta * lam[0] >= 2 * (1 + beta):
        raise ValueError(
            f"eta = {eta:g} is not below 2(1+beta)/lambda_1 = "
            f"{2 * (1 + beta) / lam[0]:g}: heavy ball diverges there"
        )
    u = eta * lam * s * (1 + beta) / ((1 - beta) * (2 * (1 + beta) - eta * lam))
    D, B = float(np.sum(u[: valley.k])), float(np.sum(u[valley.k :]))
    if D + B == 0:
        raise ValueError("the noise is zero: there is no floor")
    return NoiseFloor(D, B, D / (D + B))
