r"""Gradient-noise models :math:`\xi` in :math:`\hat g = \nabla L(\theta) + \xi`.

Every model is unbiased, :math:`\mathbb E[\xi \mid \theta] = 0`. The theory only needs
the diagonal of the covariance in the eigenbasis,
:math:`s_i(\theta) = \Sigma_{ii}(\theta)`, because :math:`H` is diagonal there: every
expectation in :mod:`rivervalley_lib` is a sum of :math:`\lambda_i^p s_i` terms.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from .._validation import (
    check_memory,
    validate_array,
    validate_int,
    validate_real,
    validate_rng,
)
from ._landscape import RiverValley, as_state
from ._state import validate_landscape


def validate_noise(noise) -> NoiseModel:
    if not isinstance(noise, NoiseModel):
        raise TypeError(
            "noise must be a NoiseModel (IsotropicNoise, CurvatureNoise, "
            f"RegressionNoise), got {type(noise).__name__}"
        )
    return noise


def _grad_sq(valley: RiverValley, grad_sq) -> np.ndarray:
    """Second moments u_i >= 0 of the gradient, shape (..., d)."""
    return validate_array("grad_sq", grad_sq, last_dim=valley.d, low=0.0)


def _stationary_eta(valley: RiverValley, eta) -> float:
    """A constant step size in (0, 2/lambda_1), where a stationary law exists."""
    return validate_real(
        "eta",
        eta,
        low=0.0,
        high=valley.stability_limit,
        low_inclusive=False,
        high_inclusive=False,
    )


class NoiseModel(ABC):
    r"""Base class of the gradient-noise models; see the concrete classes.

    A noise model gives the law of :math:`\xi` in
    :math:`\hat g = \nabla L(\theta) + \xi`: it samples (:meth:`sample`), and exposes
    the covariance :math:`\Sigma(\theta)` (:meth:`covariance`), its diagonal :math:`s_i`
    (:meth:`diagonal`), its mean given the gradient second moments
    (:meth:`mean_diagonal`) and the stationary gradient energies of constant-step SGD
    (:meth:`stationary_gradient_energy`).

    Examples
    --------
    >>> from rivervalley_lib import NoiseModel, IsotropicNoise
    >>> isinstance(IsotropicNoise(1.0), NoiseModel)
    True
    """

    #: True when the covariance does not depend on the state.
    state_independent: bool = True

    @abstractmethod
    def diagonal(
        self, valley: RiverValley, theta: np.ndarray | None = None
    ) -> np.ndarray:
        r"""The covariance diagonal :math:`s_i = \Sigma_{ii}(\theta)` in the eigenbasis.

        Parameters
        ----------
        valley : RiverValley
            The valley: the eigenvalues of :math:`H`, dominant block first.
        theta : array_like, shape (..., d), optional
            State(s); required by state-dependent models (:class:`RegressionNoise`).

        Returns
        -------
        ndarray, shape (..., d)
            :math:`s_i` per state (shape ``(d,)`` without ``theta``).
        """

    @abstractmethod
    def sample(
        self, valley: RiverValley, theta, rng: np.random.Generator
    ) -> np.ndarray:
        r"""Draw :math:`\xi` with the model's law at each state in ``theta``.

        Parameters
        ----------
        valley : RiverValley
            The valley: the eigenvalues of :math:`H`, dominant block first.
        theta : array_like, shape (..., d)
            State(s); one draw per state.
        rng : numpy.random.Generator or int
            Source of randomness; an int is a seed.

        Returns
        -------
        ndarray, shape (..., d)
            The noise draws.
        """

    @abstractmethod
    def covariance(self, valley: RiverValley, theta=None) -> np.ndarray:
        r"""The full covariance :math:`\Sigma(\theta)` at one state.

        Parameters
        ----------
        valley : RiverValley
            The valley: the eigenvalues of :math:`H`, dominant block first.
        theta : array_like, shape (d,), optional
            The state; required by state-dependent models.

        Returns
        -------
        ndarray, shape (d, d)
            :math:`\Sigma(\theta)`.

        Raises
        ------
        ValueError
            If the ``(d, d)`` matrix would exceed the memory limit (2 GiB).
        """

    @abstractmethod
    def mean_diagonal(self, valley: RiverValley, grad_sq: np.ndarray) -> np.ndarray:
        r""":math:`\mathbb E[s_i(\theta)]` given the second moments ``grad_sq``.

        The second moments are :math:`u_i = \mathbb E g_i^2` (``grad_sq``).

        This closes the second-moment recursion: for every model here :math:`s_i` is
        linear in the :math:`g_j^2`, so its mean depends on the :math:`u_j` only.

        Parameters
        ----------
        valley : RiverValley
            The valley: the eigenvalues of :math:`H`, dominant block first.
        grad_sq : array_like, shape (..., d)
            The second moments :math:`u_i \ge 0`.

        Returns
        -------
        ndarray, shape (..., d)
            :math:`\mathbb E[s_i]`.
        """

    @abstractmethod
    def stationary_gradient_energy(self, valley: RiverValley, eta: float) -> np.ndarray:
        r"""The stationary gradient energies of constant-step SGD.

        :math:`u_i^\infty = \lim_t \mathbb E g_{i,t}^2`.

        Parameters
        ----------
        valley : RiverValley
            The valley: the eigenvalues of :math:`H`, dominant block first.
        eta : float
            Constant step size in :math:`(0, 2/\lambda_1)` (the stable range).

        Returns
        -------
        ndarray, shape (d,)
            :math:`u_i^\infty \ge 0`.
        """


class AdditiveNoise(NoiseModel):
    """Noise whose covariance is a fixed diagonal matrix."""

    def __init__(self, sigma: float) -> None:
        self.sigma = validate_real("sigma", sigma, low=0.0)

    @abstractmethod
    def scale(self, valley: RiverValley) -> np.ndarray:
        r"""Per-coordinate standard deviation.

        Parameters
        ----------
        valley : RiverValley
            The valley: the eigenvalues of :math:`H`, dominant block first.

        Returns
        -------
        ndarray, shape (d,)
            :math:`\sqrt{s_i}`.
        """

    def diagonal(self, valley, theta=None):
        validate_landscape(valley)
        s = self.scale(valley) ** 2
        if theta is None:
            return s
        theta = as_state(valley, theta)
        return np.broadcast_to(s, theta.shape)

    def sample(self, valley, theta, rng):
        validate_landscape(valley)
        theta = as_state(valley, theta)
        rng = validate_rng(rng)
        return self.scale(valley) * rng.standard_normal(theta.shape)

    def covariance(self, valley, theta=None):
        validate_landscape(valley)
        check_memory(
            8.0 * valley.d**2, "the valley's dimension d (a dense d x d matrix)"
        )
        if theta is not None:
            as_state(valley, theta)
        return np.diag(self.diagonal(valley))

    def mean_diagonal(self, valley, grad_sq):
        validate_landscape(valley)
        grad_sq = _grad_sq(valley, grad_sq)
        return np.broadcast_to(self.diagonal(valley), grad_sq.shape)

    def stationary_gradient_energy(self, valley, eta):
        validate_landscape(valley)
        lam = valley.eigenvalues
        eta = _stationary_eta(valley, eta)
        return eta * lam * self.diagonal(valley) / (2.0 - eta * lam)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(sigma={self.sigma:g})"

    def __eq__(self, other):
        return type(self) is type(other) and self.sigma == other.sigma

    def __hash__(self):
        # The class name keeps subclasses of one sigma apart (Isotropic(0.5) and
        # Curvature(0.5) share this method); RegressionNoise is one class alone.
        return hash((type(self).__name__, self.sigma))


class IsotropicNoise(AdditiveNoise):
    r"""Isotropic additive noise, :math:`\xi \sim \mathcal N(0, \sigma^2 I_d)`.

    .. math:: \Sigma = \sigma^2 I, \qquad s_i = \sigma^2 .

    ``sigma = 0`` gives full-batch gradient descent.

    Parameters
    ----------
    sigma : float
        Noise standard deviation per coordinate, ``sigma >= 0``.

    References
    ----------
    - Deng et al., "Suspicious Alignment of SGD", ALT 2026, arXiv:2601.11789
      (the high-dimensional quadratic setting).

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise
    >>> valley = RiverValley([4.0, 1.0], k=1)
    >>> IsotropicNoise(0.5).diagonal(valley)
    array([0.25, 0.25])
    """

    def scale(self, valley):
        validate_landscape(valley)
        return np.full(valley.d, self.sigma)


class CurvatureNoise(AdditiveNoise):
    r"""Curvature-aligned additive noise, :math:`\xi \sim \mathcal N(0, \sigma^2 H)`.

    .. math:: \Sigma = \sigma^2 H, \qquad s_i = \sigma^2 \lambda_i .

    This mimics the observation that SGD noise concentrates in sharp directions.

    Parameters
    ----------
    sigma : float
        Noise scale, ``sigma >= 0``.

    References
    ----------
    - M. Song, K. Ahn, C. Yun, "Does SGD really happen in tiny subspaces?",
      ICLR 2025, arXiv:2405.16002.

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, CurvatureNoise
    >>> CurvatureNoise(0.5).diagonal(RiverValley([4.0, 1.0], k=1))
    array([1.  , 0.25])
    """

    def scale(self, valley):
        validate_landscape(valley)
        return self.sigma * np.sqrt(valley.eigenvalues)


class RegressionNoise(NoiseModel):
    r"""Minibatch least-squares noise with Gaussian features.

    The features are :math:`x \sim \mathcal N(0, H)`.

    Each step draws a fresh minibatch :math:`(x_j, y_j)_{j=1}^b` with labels
    :math:`y_j = \varepsilon_j \sim \mathcal N(0, \sigma_\varepsilon^2)` (the teacher is
    :math:`\theta^\star = 0`) and uses the minibatch gradient of
    :math:`\tfrac{1}{2b}\sum_j (x_j^\top\theta - y_j)^2`, whose mean is :math:`H\theta`.
    By Isserlis' theorem its covariance is exactly

    .. math::

        \Sigma(\theta) = \frac1b\Big[\big(2L(\theta) + \sigma_\varepsilon^2\big) H
        + H\theta\theta^\top H\Big],
        \qquad
        s_i = \frac1b\Big[\big(2L(\theta) + \sigma_\varepsilon^2\big)\lambda_i
        + g_i^2\Big].

    Parameters
    ----------
    batch_size : int
        Minibatch size :math:`b \ge 1`.
    label_noise : float
        Label-noise standard deviation :math:`\sigma_\varepsilon \ge 0`.

    References
    ----------
    - Deng et al., "Suspicious Alignment of SGD", ALT 2026, arXiv:2601.11789.
    - Song, Ahn, Yun, "Does SGD really happen in tiny subspaces?", ICLR 2025.

    Examples
    --------
    >>> import numpy as np
    >>> from rivervalley_lib import RiverValley, RegressionNoise
    >>> valley = RiverValley([4.0, 1.0], k=1)
    >>> noise = RegressionNoise(batch_size=2, label_noise=1.0)
    >>> noise.diagonal(valley, np.array([1.0, 0.0]))
    array([18. ,  2.5])
    """

    state_independent = False

    def __init__(self, batch_size: int, label_noise: float) -> None:
        self.batch_size = validate_int("batch_size", batch_size, low=1)
        self.label_noise = validate_real("label_noise", label_noise, low=0.0)

    def diagonal(self, valley, theta=None):
        validate_landscape(valley)
        if theta is None:
            raise ValueError("theta is required: RegressionNoise depends on the state")
        theta = as_state(valley, theta)
        lam = valley.eigenvalues
        g = lam * theta
        two_loss = (theta * theta) @ lam
        return (
            (two_loss + self.label_noise**2)[..., None] * lam + g * g
        ) / self.batch_size

    def covariance(self, valley, theta=None):
        validate_landscape(valley)
        check_memory(
            8.0 * valley.d**2, "the valley's dimension d (a dense d x d matrix)"
        )
        if theta is None:
            raise ValueError("theta is required: RegressionNoise depends on the state")
        theta = as_state(valley, theta)
        if theta.ndim != 1:
            raise ValueError(
                f"theta must be a single state of shape (d,), got {theta.shape}"
            )
        lam = valley.eigenvalues
        g = lam * theta
        return (
            (theta @ g + self.label_noise**2) * np.diag(lam) + np.outer(g, g)
        ) / self.batch_size

    def sample(self, valley, theta, rng):
        validate_landscape(valley)
        theta = as_state(valley, theta)
        rng = validate_rng(rng)
        lam = valley.eigenvalues
        b = self.batch_size
        check_memory(
            8.0 * b * theta.size,
            f"batch_size = {b} with theta of shape {theta.shape} (one feature matrix "
            "per minibatch)",
        )
        x = rng.standard_normal(theta.shape[:-1] + (b, valley.d)) * np.sqrt(lam)
        y = self.label_noise * rng.standard_normal(theta.shape[:-1] + (b,))
        resid = np.einsum("...bd,...d->...b", x, theta) - y
        grad = np.einsum("...bd,...b->...d", x, resid) / b
        return grad - lam * theta

    def mean_diagonal(self, valley, grad_sq):
        validate_landscape(valley)
        grad_sq = _grad_sq(valley, grad_sq)
        lam = valley.eigenvalues
        pos = lam > 0
        two_loss = np.sum(
            np.where(pos, grad_sq / np.where(pos, lam, 1.0), 0.0), axis=-1
        )
        return (
            (two_loss + self.label_noise**2)[..., None] * lam + grad_sq
        ) / self.batch_size

    def stationary_gradient_energy(self, valley, eta):
        r"""Stationary gradient energies, solved in closed form.

        With :math:`c_i = 2 - \eta\lambda_i(1 + 1/b)` and
        :math:`q = \sum_j \eta\lambda_j / (b c_j)`, the fixed point of the second-moment
        recursion is
        :math:`u_i^\infty = \eta\lambda_i^2\sigma_\varepsilon^2 / (b\,c_i(1-q))`, valid
        when every :math:`c_i > 0` and :math:`q < 1`.

        Parameters
        ----------
        valley : RiverValley
            The valley: the eigenvalues of :math:`H`, dominant block first.
        eta : float
            Constant step size :math:`\eta > 0` with every :math:`c_i > 0` and
            :math:`q < 1`.

        Returns
        -------
        ndarray, shape (d,)
            :math:`u_i^\infty`.

        Raises
        ------
        ValueError
            If ``eta`` makes the second moment diverge.
        """
        validate_landscape(valley)
        eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
        lam = valley.eigenvalues
        b = self.batch_size
        c = 2.0 - eta * lam * (1.0 + 1.0 / b)
        if np.any(c <= 0):
            raise ValueError(
                f"eta = {eta:g} makes the second moment diverge: "
                "need eta < 2b/((b+1) lambda_1) = "
                f"{2 * b / ((b + 1) * lam[0]):g}"
            )
        q = float(np.sum(eta * lam / (b * c)))
        if q >= 1:
            raise ValueError(
                f"eta = {eta:g} makes the second moment diverge "
                f"(multiplicative noise, q = {q:.3g} >= 1)"
            )
        return eta * lam**2 * self.label_noise**2 / (b * c * (1.0 - q))

    def __repr__(self) -> str:
        return (
            f"RegressionNoise(batch_size={self.batch_size}, "
            f"label_noise={self.label_noise:g})"
        )

    def __eq__(self, other):
        return (
            type(self) is type(other)
            and self.batch_size == other.batch_size
            and self.label_noise == other.label_noise
        )

    def __hash__(self):
        return hash((self.batch_size, self.label_noise))
