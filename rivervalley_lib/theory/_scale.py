r"""Scale-free evaluation of the thresholds: the state rescaled by a power of two.

The critical step size, the regime and the projection thresholds are homogeneous of
degree zero in :math:`(\theta, \sigma)` jointly: the block sums
:math:`D, B, a_X, b_X` scale as :math:`c^2` when :math:`\theta \to c\theta`, and the
noise sums :math:`n_X, t_X` scale as :math:`c^2` when the noise scale
:math:`\sigma \to c\sigma` (for :class:`RegressionNoise`, the label noise). Squaring a
state of size :math:`10^{160}` overflows and one of size :math:`10^{-200}` underflows,
so the thresholds are computed for :math:`\theta/c` and :math:`\sigma/c`, with
:math:`c` the power of two nearest the largest :math:`|\theta_i|`: the division is
exact in floating point; states of ordinary size (within :math:`2^{\pm 100}`) are not
rescaled at all, so they give bitwise the answer of the plain computation.

When the noise dominates the gradient by more than the float range (:math:`\sigma/c`
beyond :math:`10^{150}`), :math:`c` is raised until :math:`\sigma/c = 10^{150}`: the
gradient terms then underflow towards zero, which is their size relative to the noise.
"""

from __future__ import annotations

import math

import numpy as np

from ..model._landscape import RiverValley, as_state
from ..model._noise import (
    CurvatureNoise,
    IsotropicNoise,
    NoiseModel,
    RegressionNoise,
    validate_noise,
)
from ..model._state import validate_landscape

#: Largest rescaled noise scale (its square, times the eigenvalues, stays finite).
_NOISE_CAP = 1e150
#: States whose largest entry is within 2**(+-_ORDINARY) are not rescaled at all, so a
#: batch and its rows are computed identically (the exact threshold's quadrature is not
#: invariant to the scale to the last digit).
_ORDINARY = 100


def scale_free(
    valley: RiverValley, noise: NoiseModel, theta
) -> tuple[np.ndarray, NoiseModel]:
    """The state and noise model divided by a common power of two ``c`` (validated).

    ``c`` is the power of two nearest ``max |theta_i|`` over the whole batch, raised if
    needed so that the rescaled noise scale stays below :data:`_NOISE_CAP`.
    """
    validate_landscape(valley)
    validate_noise(noise)
    theta = as_state(valley, theta)
    sigma = _noise_scale(noise)
    top = float(np.max(np.abs(theta))) if theta.size else 0.0
    if sigma is None:
        return theta, noise
    exponent = math.frexp(top)[1]  # 0 for a zero state: scaled by the noise alone
    if sigma > 0:
        exponent = max(exponent, math.frexp(sigma / _NOISE_CAP)[1])
    if abs(exponent) <= _ORDINARY:  # squares of such states neither overflow nor
        return theta, noise  # underflow: computed as given, bitwise
    return np.ldexp(theta, -exponent), _with_scale(noise, math.ldexp(sigma, -exponent))


def unit_rows(v: np.ndarray) -> np.ndarray:
    """Each vector (last axis) divided by the power of two nearest its largest entry:
    exact in floating point, so ratios of its quadratic forms are unchanged, but
    squares neither overflow nor underflow. Zero vectors stay zero."""
    _, exponent = np.frexp(np.max(np.abs(v), axis=-1, keepdims=True))
    return np.ldexp(v, -exponent)


def _noise_scale(noise: NoiseModel) -> float | None:
    if type(noise) in (IsotropicNoise, CurvatureNoise):
        return noise.sigma
    if type(noise) is RegressionNoise:
        return noise.label_noise
    return None  # a user's noise model: not rescaled


def _with_scale(noise: NoiseModel, value: float) -> NoiseModel:
    if type(noise) is RegressionNoise:
        return RegressionNoise(noise.batch_size, value)
    return type(noise)(value)
