"""Monte Carlo draws at one state: stochastic gradients and one-step next states."""

from __future__ import annotations

import numpy as np

from .._validation import (
    check_memory,
    validate_int,
    validate_projection,
    validate_real,
    validate_rng,
)
from ..model._landscape import RiverValley, as_state
from ..model._noise import NoiseModel, validate_noise
from ..model._state import moving_mask, validate_landscape
from ._simulate import Projection


def sample_gradient(
    valley: RiverValley,
    noise: NoiseModel,
    theta,
    samples: int,
    *,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    r"""Draw ``samples`` independent stochastic gradients at the same state.

    .. math::

        \hat g^{(j)} = \nabla L(\theta) + \xi^{(j)}, \qquad j = 1, \dots, n,

    with independent noise draws :math:`\xi^{(j)}` from ``noise`` at :math:`\theta`
    (mean zero, variances :math:`s_i`). The chapters use them to compare the alignment
    of a stochastic gradient with that of the full gradient.

    Parameters
    ----------
    valley : RiverValley
        The valley whose full-batch gradient :math:`H\theta` all draws share.
    noise : NoiseModel
        The noise model the draws :math:`\xi^{(j)}` come from, evaluated at ``theta``.
    theta : array_like, shape (d,)
        The state :math:`\theta`.
    samples : int
        Number of independent draws :math:`n \ge 1`.
    rng : numpy.random.Generator, int or None
        Source of randomness; an int is a seed.

    Returns
    -------
    ndarray, shape (samples, d)
        The stochastic gradients, one per row.

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, sample_gradient
    >>> valley = RiverValley([4.0, 1.0], k=1)
    >>> sample_gradient(valley, IsotropicNoise(0.0), [1.0, 1.0], 2).tolist()
    [[4.0, 1.0], [4.0, 1.0]]
    >>> g = sample_gradient(valley, IsotropicNoise(1.0), [1.0, 1.0], 100_000, rng=0)
    >>> g.mean(axis=0).round(1).tolist(), g.var(axis=0).round(1).tolist()
    ([4.0, 1.0], [1.0, 1.0])
    """
    validate_landscape(valley)
    validate_noise(noise)
    theta = as_state(valley, theta)
    if theta.ndim != 1:
        raise ValueError(
            f"theta must have shape (d,) = ({valley.d},), got {theta.shape}"
        )
    samples = validate_int("samples", samples, low=1)
    check_memory(
        8.0 * 3 * samples * valley.d * getattr(noise, "batch_size", 1),
        f"samples = {samples} with d = {valley.d}"
        + (f" and the noise {noise!r}" if hasattr(noise, "batch_size") else ""),
    )
    rng = validate_rng(rng)
    th = np.broadcast_to(theta, (samples, valley.d))
    return valley.gradient(th) + noise.sample(valley, th, rng)


def sample_step(
    valley: RiverValley,
    noise: NoiseModel,
    theta,
    eta: float,
    samples: int,
    *,
    projection: Projection = "none",
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    r"""Draw ``samples`` independent next states of one SGD step from the same state.

    .. math::

        \theta_{t+1}^{(j)} = \theta_t - \eta\,P\big(\nabla L(\theta_t) + \xi^{(j)}\big),
        \qquad j = 1, \dots, n,

    with independent noise draws :math:`\xi^{(j)}` from ``noise`` at :math:`\theta_t`
    (the stochastic gradients of :func:`sample_gradient`) and :math:`P = I`,
    :math:`P_{\mathcal D}` or :math:`P_{\mathcal B}` (``projection``). This is the
    Monte Carlo counterpart of the one-step laws
    (:func:`expected_next`, :func:`expected_loss_change`): the chapters compare the two.

    Parameters
    ----------
    valley : RiverValley
        The valley of the step: its gradient and, for a projection, its blocks.
    noise : NoiseModel
        The noise model of each draw's stochastic gradient at :math:`\theta_t`.
    theta : array_like, shape (d,)
        The current state :math:`\theta_t`.
    eta : float
        Step size :math:`\eta > 0`.
    samples : int
        Number of independent draws :math:`n \ge 1`.
    projection : {"none", "dominant", "bulk"}
        SGD, Dom-SGD or Bulk-SGD.
    rng : numpy.random.Generator, int or None
        Source of randomness; an int is a seed.

    Returns
    -------
    ndarray, shape (samples, d)
        The next states.

    References
    ----------
    - Song, Ahn, Yun, ICLR 2025 (Dom-SGD and Bulk-SGD).

    Examples
    --------
    >>> import numpy as np
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, sample_step
    >>> valley = RiverValley([4.0, 1.0], k=1)
    >>> nxt = sample_step(valley, IsotropicNoise(0.0), [1.0, 1.0], 0.25, 3)
    >>> nxt.tolist()
    [[0.0, 0.75], [0.0, 0.75], [0.0, 0.75]]
    >>> sample_step(valley, IsotropicNoise(1.0), [1.0, 1.0], 0.25, 5, rng=0).shape
    (5, 2)
    """
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    validate_projection(projection)
    step = sample_gradient(valley, noise, theta, samples, rng=rng)
    theta = as_state(valley, theta)
    return theta - eta * np.where(moving_mask(valley, projection), step, 0.0)
