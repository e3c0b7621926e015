"""Implementation of :mod:`rivervalley_lib.network` (public names there)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .._validation import (
    validate_array,
    validate_int,
    validate_real,
    validate_rng,
)


def gaussian_mixture(
    n: int, k: int, dim: int, *, separation: float = 3.0, spread: float = 1.0, rng=None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Draw a balanced :math:`k`-class Gaussian mixture with one-hot labels.

    Class :math:`c` has mean :math:`\mu_c = s\,u_c` with random unit vectors :math:`u_c`
    and isotropic covariance: :math:`x \mid c \sim \mathcal N(\mu_c, \tau^2 I_{p})`.

    Parameters
    ----------
    n : int
        Number of points (``>= k``); the classes get ``n // k`` or one more each.
    k : int
        Number of classes, ``>= 2``.
    dim : int
        Input dimension :math:`p \ge 1`.
    separation : float
        Norm :math:`s > 0` of the class means.
    spread : float
        Within-class standard deviation :math:`\tau > 0`.
    rng : numpy.random.Generator, int or None
        Source of randomness; an int is a seed, ``None`` fresh entropy.

    Returns
    -------
    X : ndarray, shape (n, dim)
    Y : ndarray, shape (n, k)
        One-hot labels.

    Examples
    --------
    >>> X, Y = gaussian_mixture(n=10, k=2, dim=3, rng=0)
    >>> X.shape, Y.sum(axis=0).tolist()
    ((10, 3), [5.0, 5.0])
    """
    n = validate_int("n", n, low=2)
    k = validate_int("k", k, low=2, high=n)
    dim = validate_int("dim", dim, low=1)
    separation = validate_real("separation", separation, low=0.0, low_inclusive=False)
    spread = validate_real("spread", spread, low=0.0, low_inclusive=False)
    rng = validate_rng(rng)
    means = rng.standard_normal((k, dim))
    means *= separation / np.linalg.norm(means, axis=1, keepdims=True)
    labels = np.arange(n) % k
    X = means[labels] + spread * rng.standard_normal((n, dim))
    return X, np.eye(k)[labels]


class MLP:
    r"""A fully connected tanh network with a linear output layer, on flat parameters.

    .. math::

        a_0 = x,\quad z_l = W_l a_{l-1} + b_l,\quad a_l = \tanh(z_l)\ (l < L),
        \quad f_\theta(x) = z_L .

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``[p, h_1, ..., k]``, at least two entries, each ``>= 1``.

    Attributes
    ----------
    n_params : int
        Length of the flat parameter vector.

    Examples
    --------
    >>> net = MLP([2, 3, 2])
    >>> net.n_params
    17
    """

    def __init__(self, sizes: Sequence[int]) -> None:
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError("sizes must be a sequence of layer widths")
        if len(sizes) < 2:
            raise ValueError(
                "sizes must have at least 2 entries (input and output), "
                f"got {len(sizes)}"
            )
        self.sizes = tuple(
            validate_int(f"sizes[{i}]", s, low=1) for i, s in enumerate(sizes)
        )
        self._shapes = [
            (self.sizes[i + 1], self.sizes[i]) for i in range(len(self.sizes) - 1)
        ]
        self.n_params = sum(o * i + o for o, i in self._shapes)

    def unpack(self, theta: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Split a flat vector into ``[(W_1, b_1), ..., (W_L, b_L)]`` (views, no copy).

        Parameters
        ----------
        theta : array_like, shape (n_params,)
            The flat parameter vector.

        Examples
        --------
        >>> [(W.shape, b.shape) for W, b in MLP([2, 3, 1]).unpack(np.zeros(13))]
        [((3, 2), (3,)), ((1, 3), (1,))]
        """
        theta = self._check_theta(theta)
        out, pos = [], 0
        for o, i in self._shapes:
            W = theta[pos : pos + o * i].reshape(o, i)
            pos += o * i
            b = theta[pos : pos + o]
            pos += o
            out.append((W, b))
        return out

    def _check_theta(self, theta, name: str = "theta") -> np.ndarray:
        theta = validate_array(name, theta, ndim_min=1, last_dim=self.n_params)
        if theta.ndim != 1:
            raise ValueError(
                f"{name} must be a flat vector of length {self.n_params}, "
                f"got shape {theta.shape}"
            )
        return theta

    def init(self, *, scale: float = 1.0, rng=None) -> np.ndarray:
        r"""LeCun-normal initial weights times ``scale``, zero biases.

        :math:`W_{ij} \sim \mathcal N(0, s^2/\text{fan-in})` with :math:`s` = ``scale``.

        Parameters
        ----------
        scale : float
            Multiplier :math:`s > 0` of the standard deviation.
        rng : numpy.random.Generator, int or None
            Source of randomness; an int is a seed, ``None`` fresh entropy.

        Examples
        --------
        >>> MLP([4, 5, 2]).init(rng=0).shape
        (37,)
        """
        scale = validate_real("scale", scale, low=0.0, low_inclusive=False)
        rng = validate_rng(rng)
        parts = []
        for o, i in self._shapes:
            parts.append(scale * rng.standard_normal(o * i) / np.sqrt(i))
            parts.append(np.zeros(o))
        return np.concatenate(parts)

    def _forward_checked(self, theta, X, Y):
        """The checked data and the forward pass at the checked ``theta``."""
        X, Y = self._check_data(X, Y)
        layers, acts = self._forward(self._check_theta(theta), X)
        return X, Y, layers, acts

    @staticmethod
    def _pack(parts) -> np.ndarray:
        """Flatten ``[(db_1, dW_1), ...]`` in the order of :meth:`unpack`."""
        return np.concatenate([x for db, dW in parts for x in (dW.ravel(), db)])

    def _forward(self, theta, X):
        layers = self.unpack(theta)
        acts = [X]
        for li, (W, b) in enumerate(layers):
            z = acts[-1] @ W.T + b
            acts.append(np.tanh(z) if li < len(layers) - 1 else z)
        return layers, acts

    def predict(self, theta, X) -> np.ndarray:
        """Network outputs :math:`f_\\theta(x_j)`, shape ``(n, k)``.

        Parameters
        ----------
        theta : array_like, shape (n_params,)
            The parameters of the network applied to ``X``.
        X : array_like, shape (n, sizes[0])
            Inputs, one per row.

        Examples
        --------
        >>> MLP([2, 3, 2]).predict(np.zeros(17), np.ones((4, 2))).shape
        (4, 2)
        """
        X = self._check_data(X)
        return self._forward(self._check_theta(theta), X)[1][-1]

    def _check_data(self, X, Y=None):
        X = validate_array("X", X, ndim_min=2, last_dim=self.sizes[0])
        if X.ndim != 2:
            raise ValueError(f"X must have shape (n, {self.sizes[0]}), got {X.shape}")
        if Y is None:
            return X
        Y = validate_array("Y", Y, ndim_min=2, last_dim=self.sizes[-1])
        if Y.shape[0] != X.shape[0]:
            raise ValueError(
                "X and Y must have the same number of rows, "
                f"got {X.shape[0]} and {Y.shape[0]}"
            )
        return X, Y

    def loss(self, theta, X, Y) -> float:
        r"""Mean squared error :math:`\frac1{2n}\sum_j\lVert f_\theta(x_j)-y_j\rVert^2`.

        Parameters
        ----------
        theta : array_like, shape (n_params,)
            The parameters at which the loss is evaluated.
        X : array_like, shape (n, sizes[0])
            Inputs :math:`x_j`, one per row; :math:`n` is their number.
        Y : array_like, shape (n, sizes[-1])
            Targets (one-hot labels), one per row.

        Examples
        --------
        >>> X, Y = np.ones((2, 1)), np.ones((2, 1))
        >>> float(MLP([1, 1]).loss(np.array([0.0, 0.0]), X, Y))
        0.5
        """
        X, Y = self._check_data(X, Y)
        r = self.predict(theta, X) - Y
        return float(0.5 * np.sum(r * r) / X.shape[0])

    def gradient(self, theta, X, Y) -> np.ndarray:
        r"""Backpropagated gradient :math:`\nabla L(\theta)` as a flat vector.

        Parameters
        ----------
        theta : array_like, shape (n_params,)
            The parameters at which backpropagation runs.
        X : array_like, shape (n, sizes[0])
            Inputs of the batch the gradient averages over (all data or a
            minibatch).
        Y : array_like, shape (n, sizes[-1])
            The batch's targets, one row per row of ``X``.

        Examples
        --------
        >>> net = MLP([1, 1])
        >>> net.gradient(np.array([0.0, 0.0]), np.ones((2, 1)), np.ones((2, 1)))
        array([-1., -1.])
        """
        X, Y, layers, acts = self._forward_checked(theta, X, Y)
        delta = (acts[-1] - Y) / X.shape[0]
        grads = []
        for li in range(len(layers) - 1, -1, -1):
            W, _ = layers[li]
            grads.append((delta.sum(0), delta.T @ acts[li]))
            if li > 0:
                delta = (delta @ W) * (1 - acts[li] ** 2)
        return self._pack(grads[::-1])

    def hvp(self, theta, v, X, Y) -> np.ndarray:
        r"""Exact Hessian-vector product :math:`\nabla^2L(\theta)\,v`.

        By Pearlmutter's :math:`\mathcal R`-operator.

        Forward:
        :math:`\mathcal R z_l = V_l a_{l-1} + W_l\,\mathcal R a_{l-1} + v_{b_l}`,
        :math:`\mathcal R a_l = (1-a_l^2)\odot\mathcal R z_l`. Backward, with
        :math:`\delta_l = \partial L/\partial z_l`:
        :math:`\mathcal R\delta_{l-1}
        = (V_l^\top\delta_l + W_l^\top\mathcal R\delta_l)\odot(1-a_{l-1}^2)
        - 2a_{l-1}(1-a_{l-1}^2)\odot(W_l^\top\delta_l)\odot\mathcal R z_{l-1}`, and
        :math:`\mathcal R(\partial L/\partial W_l)
        = \mathcal R\delta_l\,a_{l-1}^\top + \delta_l\,\mathcal R a_{l-1}^\top`.

        Parameters
        ----------
        theta : array_like, shape (n_params,)
            The point :math:`\theta` whose loss Hessian multiplies ``v``.
        v : array_like, shape (n_params,)
            The direction :math:`v`.
        X : array_like, shape (n, sizes[0])
            Inputs of the batch whose loss Hessian is taken.
        Y : array_like, shape (n, sizes[-1])
            Targets (one-hot labels), one per row.

        Examples
        --------
        For a linear model the Hessian is :math:`X^\top X/n` (times the identity over
        outputs):

        >>> net = MLP([2, 1])
        >>> X = np.array([[1.0, 0.0], [0.0, 2.0]])
        >>> net.hvp(np.zeros(3), np.array([1.0, 0.0, 0.0]), X, np.zeros((2, 1)))
        array([0.5, 0. , 0.5])
        """
        X, Y, layers, acts = self._forward_checked(theta, X, Y)
        v = self._check_theta(v, "v")
        vlayers = self.unpack(v)
        L = len(layers)
        # Forward R-pass.
        Ra = [np.zeros_like(X)]
        Rz = []
        for li in range(L):
            W, _ = layers[li]
            V, vb = vlayers[li]
            rz = acts[li] @ V.T + Ra[-1] @ W.T + vb
            Rz.append(rz)
            Ra.append((1 - acts[li + 1] ** 2) * rz if li < L - 1 else rz)
        n = X.shape[0]
        delta = (acts[-1] - Y) / n
        Rdelta = Rz[-1] / n
        out = []
        for li in range(L - 1, -1, -1):
            W, _ = layers[li]
            V, _ = vlayers[li]
            out.append((Rdelta.sum(0), Rdelta.T @ acts[li] + delta.T @ Ra[li]))
            if li > 0:
                a = acts[li]
                back = delta @ W
                Rdelta = (delta @ V + Rdelta @ W) * (1 - a**2) - 2 * a * (
                    1 - a**2
                ) * back * Rz[li - 1]
                delta = back * (1 - a**2)
        return self._pack(out[::-1])

    def hvp_fn(self, theta, X, Y) -> Callable[[np.ndarray], np.ndarray]:
        r"""The closure :math:`v \mapsto \nabla^2 L(\theta)\,v` at one point.

        The ``hvp(v)`` convention of
        :func:`~rivervalley_lib.diagnostics.measure_alignment` and
        :func:`~rivervalley_lib.network.top_eigenspace`: ``theta``, ``X`` and ``Y`` are
        checked once and bound.

        Parameters
        ----------
        theta : array_like, shape (n_params,)
            The point.
        X : array_like, shape (n, p)
            Inputs.
        Y : array_like, shape (n, k)
            Targets.

        Returns
        -------
        callable
            ``hvp(v)`` for ``v`` of shape ``(n_params,)``, equal to
            ``MLP.hvp(theta, v, X, Y)``.

        Examples
        --------
        >>> net = MLP([2, 1])
        >>> X = np.array([[1.0, 0.0], [0.0, 2.0]])
        >>> hvp = net.hvp_fn(np.zeros(3), X, np.zeros((2, 1)))
        >>> hvp(np.array([1.0, 0.0, 0.0]))
        array([0.5, 0. , 0.5])
        """
        X, Y = self._check_data(X, Y)
        theta = self._check_theta(theta).copy()

        def hvp(v: np.ndarray) -> np.ndarray:
            return self.hvp(theta, v, X, Y)

        return hvp

    def loss_fn(self, X, Y) -> Callable[[np.ndarray], float]:
        r"""The closure :math:`\theta \mapsto L(\theta)` on the data ``X, Y``.

        The ``loss_fn`` of
        :meth:`~rivervalley_lib.diagnostics.AlignmentReport.draw_steps`, which records
        each drawn step's loss change with it.

        Parameters
        ----------
        X : array_like, shape (n, sizes[0])
            The inputs the loss averages over (checked once and bound).
        Y : array_like, shape (n, sizes[-1])
            Their targets, row for row.

        Returns
        -------
        callable
            ``loss(theta)``, equal to ``MLP.loss(theta, X, Y)``.

        Examples
        --------
        >>> net, X, Y = MLP([1, 1]), np.ones((2, 1)), np.ones((2, 1))
        >>> net.loss_fn(X, Y)(np.zeros(2))
        0.5
        """
        X, Y = self._check_data(X, Y)
        return lambda theta: self.loss(theta, X, Y)

    def gradient_fn(
        self, X, Y, *, batch_size: int | None = None, rng=None
    ) -> Callable[[np.ndarray], np.ndarray]:
        r"""The closure :math:`\theta \mapsto` gradient, full-batch or on minibatches.

        Without ``batch_size`` it returns :math:`\nabla L(\theta)` on all of ``X, Y``
        (:meth:`gradient`). With ``batch_size`` :math:`b`, every call draws a fresh
        subset :math:`S` of :math:`b` rows, uniformly without replacement, and returns
        the stochastic gradient that :func:`~rivervalley_lib.network.train` steps with,

        .. math::

            \hat g(\theta) = \nabla L_S(\theta), \qquad
            L_S(\theta) = \frac{1}{2b}\sum_{j\in S}\lVert f_\theta(x_j)-y_j\rVert^2,
            \qquad \mathbb E_S[\hat g(\theta)] = \nabla L(\theta).

        Its draws are the ``stochastic_gradient_fn`` and, at one point, the
        ``noise_samples`` of :func:`~rivervalley_lib.diagnostics.measure_alignment`.

        Parameters
        ----------
        X : array_like, shape (n, sizes[0])
            The training inputs the rows are drawn from (checked once and bound).
        Y : array_like, shape (n, sizes[-1])
            The training targets, row for row with ``X``.
        batch_size : int, optional
            Minibatch size :math:`b`, :math:`1 \le b \le n`; ``None`` (default): the
            full batch, no sampling.
        rng : numpy.random.Generator, int or None
            Source of the minibatch draws (an int is a seed, ``None`` fresh entropy);
            used only with ``batch_size``.

        Returns
        -------
        callable
            ``gradient(theta)`` for ``theta`` of shape ``(n_params,)``; with
            ``batch_size``, each call advances ``rng`` by one draw.

        References
        ----------
        - L. Bottou, F. E. Curtis, J. Nocedal, "Optimization Methods for Large-Scale
          Machine Learning", SIAM Review 60(2), 2018 (minibatch stochastic gradients).

        Examples
        --------
        >>> from rivervalley_lib.network import gaussian_mixture
        >>> X, Y = gaussian_mixture(n=40, k=2, dim=3, rng=0)
        >>> net = MLP([3, 4, 2])
        >>> theta, full = net.init(rng=1), net.gradient_fn(X, Y)
        >>> bool(np.allclose(full(theta), net.gradient(theta, X, Y)))
        True
        >>> sgd = net.gradient_fn(X, Y, batch_size=8, rng=2)
        >>> bool(np.array_equal(sgd(theta), sgd(theta)))  # a fresh minibatch each call
        False
        >>> every_row = net.gradient_fn(X, Y, batch_size=40, rng=2)
        >>> bool(np.allclose(every_row(theta), full(theta)))
        True
        """
        X, Y = self._check_data(X, Y)
        rng = validate_rng(rng)
        if batch_size is None:
            return lambda theta: self.gradient(theta, X, Y)
        batch_size = validate_int("batch_size", batch_size, low=1, high=X.shape[0])

        def minibatch_gradient(theta) -> np.ndarray:
            rows = rng.choice(X.shape[0], size=batch_size, replace=False)
            return self.gradient(theta, X[rows], Y[rows])

        return minibatch_gradient

    def __repr__(self) -> str:
        return f"MLP(sizes={list(self.sizes)}, n_params={self.n_params})"
