r"""The projected updates Dom-SGD and Bulk-SGD: their expected one-step loss change and
the step-size thresholds :math:`(\eta_{\mathcal D}, \eta_{\mathcal B})`.

The block sums :math:`X, a_X, t_X` are those of :mod:`._moments`.
"""

from __future__ import annotations

from typing import Literal

from .._validation import validate_projection, validate_step_size
from ..model._landscape import RiverValley
from ..model._noise import NoiseModel
from ._moments import ProjectionThresholds, block_moments
from ._scale import scale_free


def projection_thresholds(
    valley: RiverValley, noise: NoiseModel, theta
) -> ProjectionThresholds:
    r"""The step-size thresholds of the projected updates (Dom-SGD and Bulk-SGD).

    A projected update changes only its own block loss, and

    .. math::

        \mathbb E[\Delta L_X] = -\eta X_t + \tfrac{\eta^2}{2}(a_X + t_X),
        \qquad
        \eta_X = \frac{2 X_t}{a_X + t_X}, \quad X \in \{\mathcal D, \mathcal B\}.

    A dominant-projected step (Dom-SGD) raises :math:`\mathbb E L` iff
    :math:`\eta > \eta_{\mathcal D}`; a bulk-projected step (Bulk-SGD) lowers it iff
    :math:`\eta < \eta_{\mathcal B}`. On :math:`(\eta_{\mathcal D}, \eta_{\mathcal B})`
    both happen. When a block has neither gradient nor noise, its step never changes the
    loss: :math:`\eta_{\mathcal D} = \infty` and :math:`\eta_{\mathcal B} = 0` there
    (the edge cases of
    :meth:`~rivervalley_lib.BlockMoments.projection_thresholds`).

    Parameters
    ----------
    valley : RiverValley
        The valley whose curvatures weight :math:`a_X = \sum_{i\in X}\lambda_i g_i^2`.
    noise : NoiseModel
        The noise model whose variances give :math:`t_X = \sum_{i\in X}\lambda_i s_i`.
    theta : array_like, shape (..., d)
        State(s) :math:`\theta_t` the projected steps start from; leading axes batch.

    Returns
    -------
    ProjectionThresholds
        Named ``(dominant, bulk)``: :math:`\eta_{\mathcal D}` and
        :math:`\eta_{\mathcal B}`.

    References
    ----------
    - Song, Ahn, Yun, ICLR 2025, arXiv:2405.16002 (Dom-SGD and Bulk-SGD).
    - Deng et al., ALT 2026, arXiv:2601.11789 (the step-size interval; formula derived
      by the book).

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, projection_thresholds
    >>> valley = RiverValley([4.0, 1.0], k=1)
    >>> projection_thresholds(valley, IsotropicNoise(0.0), [1.0, 1.0])
    ProjectionThresholds(dominant=0.5, bulk=2.0)
    """
    theta, noise = scale_free(valley, noise, theta)
    return block_moments(valley, noise, theta).projection_thresholds()


def expected_loss_change(
    valley: RiverValley,
    noise: NoiseModel,
    theta,
    eta,
    *,
    projection: Literal["none", "dominant", "bulk"] = "none",
):
    r"""The expected one-step change of the loss under SGD or a projected update.

    .. math::

        \mathbb E[\Delta L]
        = \sum_{X} \Big(-\eta X_t + \tfrac{\eta^2}{2}(a_X + t_X)\Big),

    summed over both blocks (``"none"``) or only over the projected block: the law of
    :meth:`~rivervalley_lib.BlockMoments.expected_loss_change` on the block sums of
    ``theta``.

    Parameters
    ----------
    valley : RiverValley
        The valley whose loss :math:`L = L_{\mathcal D} + L_{\mathcal B}` changes.
    noise : NoiseModel
        The noise model; its variances add :math:`\tfrac{\eta^2}{2} t_X` per block.
    theta : array_like, shape (..., d)
        State(s) :math:`\theta_t` before the step; leading axes are batch axes.
    eta : float or array_like
        Step size(s) :math:`\eta > 0`, broadcast against the leading axes of ``theta``.
    projection : {"none", "dominant", "bulk"}
        Plain SGD (``"none"``), Dom-SGD (``"dominant"``: the update projected on
        :math:`\mathcal D`) or Bulk-SGD (``"bulk"``: projected on :math:`\mathcal B`).

    Returns
    -------
    float or ndarray
        :math:`\mathbb E[L(\theta_{t+1}) - L(\theta_t)\mid\theta_t]`, one value per
        state; negative means the loss is expected to fall.

    References
    ----------
    - Song, Ahn, Yun, ICLR 2025, arXiv:2405.16002 (Dom-SGD and Bulk-SGD).
    - Deng et al., ALT 2026, arXiv:2601.11789 (the formula is the book's).

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, expected_loss_change
    >>> valley = RiverValley([4.0, 1.0], k=1)
    >>> noise = IsotropicNoise(0.0)
    >>> expected_loss_change(valley, noise, [1.0, 1.0], 0.25, projection="dominant")
    -2.0
    """
    eta = validate_step_size("eta", eta)
    validate_projection(projection)
    return block_moments(valley, noise, theta).expected_loss_change(eta, projection)
