"""Training the MLP (full batch or minibatches), recording the alignment."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import (
    validate_int,
    validate_projection,
    validate_real,
)
from ..diagnostics._linalg import top_eigenspace
from ._mlp import MLP


@dataclass(frozen=True)
class TrainingRun:
    """History of :func:`train`: steps, losses, alignments and the final parameters.

    Examples
    --------
    >>> run = TrainingRun(
    ...     step=np.arange(2), loss=np.ones(2), alignment=np.ones(2), theta=np.zeros(3)
    ... )
    >>> run.loss.shape
    (2,)
    """

    step: np.ndarray
    loss: np.ndarray
    alignment: np.ndarray
    theta: np.ndarray


def train(
    net: MLP,
    theta0,
    X,
    Y,
    *,
    eta: float,
    steps: int,
    batch_size: int,
    k: int,
    projection: str = "none",
    refresh_every: int = 1,
    record_every: int = 10,
    rng=None,
) -> TrainingRun:
    r"""Minibatch SGD, Dom-SGD or Bulk-SGD on the network.

    With the top eigenspace of the full-data Hessian, the update is

    .. math::

        \theta_{t+1} = \theta_t - \eta\,P_t\,\hat g_t,\qquad
        P_t \in \{I,\ P_k(\theta_t),\ I - P_k(\theta_t)\},

    where :math:`P_k(\theta_t)` projects onto the top-:math:`k` eigenvectors of the full
    training loss Hessian, recomputed every ``refresh_every`` steps (Song et al.'s
    protocol uses 1). The recorded alignment is
    :math:`\chi_k = \lVert P_k\nabla L\rVert^2/\lVert\nabla L\rVert^2` of the full-batch
    gradient, squared.

    Parameters
    ----------
    net : MLP
        The network :math:`f_\theta`.
    theta0 : array_like, shape (net.n_params,)
        Initial parameters :math:`\theta_0` (not modified).
    X : array_like, shape (n, net.sizes[0])
        Training inputs :math:`x_j`.
    Y : array_like, shape (n, net.sizes[-1])
        Targets :math:`y_j` (one-hot labels).
    eta : float
        Step size :math:`\eta > 0`.
    steps : int
        Number of SGD steps, :math:`\ge 1`.
    batch_size : int
        Minibatch size :math:`b`, :math:`1 \le b \le n`, drawn without replacement
        (the stochastic gradient of :meth:`MLP.gradient_fn`).
    k : int
        Dimension of the dominant subspace (the number of classes),
        :math:`1 \le k <` ``net.n_params``.
    projection : {"none", "dominant", "bulk"}
        SGD (:math:`P_t = I`), Dom-SGD (:math:`P_t = P_k`) or Bulk-SGD
        (:math:`P_t = I - P_k`).
    refresh_every : int
        Recompute :math:`P_k(\theta_t)` every this many steps (:math:`\ge 1`).
    record_every : int
        Record loss and alignment every this many steps (:math:`\ge 1`); the last
        step is always recorded.
    rng : int, numpy.random.Generator or None
        Seed (:math:`\ge 0`), generator or None (fresh entropy) of the minibatch
        draws.

    Returns
    -------
    TrainingRun
        The recorded steps, full-data losses :math:`L(\theta_t)`, alignments
        :math:`\chi_k` and the final parameters.

    Raises
    ------
    ArithmeticError
        If the parameters become non-finite (the step size is too large).

    References
    ----------
    - M. Song, K. Ahn, C. Yun, "Does SGD really happen in tiny subspaces?", ICLR 2025,
      arXiv:2405.16002.
    - G. Gur-Ari, D. A. Roberts, E. Dyer, "Gradient Descent Happens in a Tiny
      Subspace", arXiv:1812.04754, 2018.

    Examples
    --------
    >>> from rivervalley_lib.network import gaussian_mixture
    >>> X, Y = gaussian_mixture(n=40, k=2, dim=3, rng=0)
    >>> net = MLP([3, 4, 2])
    >>> theta0 = net.init(rng=1)
    >>> run = train(net, theta0, X, Y, eta=0.1, steps=20, batch_size=8, k=2, rng=2)
    >>> bool(run.loss[-1] < run.loss[0])
    True
    """
    if not isinstance(net, MLP):
        raise TypeError(f"net must be an MLP, got {type(net).__name__}")
    theta = net._check_theta(theta0, "theta0").copy()
    X, Y = net._check_data(X, Y)
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    steps = validate_int("steps", steps, low=1)
    batch_size = validate_int("batch_size", batch_size, low=1, high=X.shape[0])
    k = validate_int("k", k, low=1, high=net.n_params - 1)
    refresh_every = validate_int("refresh_every", refresh_every, low=1)
    record_every = validate_int("record_every", record_every, low=1)
    validate_projection(projection)
    minibatch_gradient = net.gradient_fn(X, Y, batch_size=batch_size, rng=rng)

    def eig(th):
        return top_eigenspace(net.hvp_fn(th, X, Y), net.n_params, k, tol=1e-6, rng=0)[1]

    U = None
    rec_step, rec_loss, rec_chi = [], [], []
    for t in range(steps + 1):
        need_U = projection != "none" and t % refresh_every == 0
        if t % record_every == 0 or t == steps:
            U = eig(theta) if (U is None or need_U or projection == "none") else U
            g = net.gradient(theta, X, Y)
            proj = U.T @ g
            rec_step.append(t)
            rec_loss.append(net.loss(theta, X, Y))
            rec_chi.append(float(proj @ proj / (g @ g)))
        elif need_U:
            U = eig(theta)
        if t == steps:
            break
        g_hat = minibatch_gradient(theta)
        if projection == "dominant":
            g_hat = U @ (U.T @ g_hat)
        elif projection == "bulk":
            g_hat = g_hat - U @ (U.T @ g_hat)
        theta -= eta * g_hat
        if not np.all(np.isfinite(theta)):
            raise ArithmeticError(
                f"training diverged at step {t + 1} with eta = {eta:g}"
            )
    return TrainingRun(np.array(rec_step), np.array(rec_loss), np.array(rec_chi), theta)
