r"""JAX adapter: a loss function of a parameter pytree as flat numpy callables.

Optional: it imports ``jax`` only when called (``pip install jax``). The gradient is
``jax.grad`` and the Hessian-vector product forward-over-reverse,
:math:`Hv = \partial_\epsilon \nabla L(\theta + \epsilon v)`, both compiled once with
``jax.jit``. Vectors cross the boundary as float64 numpy arrays and are cast to the
parameters' dtype (float32 unless ``jax_enable_x64`` is set).

Examples
--------
>>> import jax.numpy as jnp
>>> from rivervalley_lib.diagnostics import measure_alignment
>>> from rivervalley_lib.diagnostics.jax import from_function
>>> X = jnp.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
>>> y = jnp.array([1.0, 0.0, 2.0])
>>> def loss(params, batch):
...     x, t = batch
...     return 0.5 * jnp.mean((x @ params["w"] + params["b"] - t) ** 2)
>>> f = from_function(loss, {"w": jnp.zeros(2), "b": jnp.zeros(())}, (X, y))
>>> rep = measure_alignment(f.gradient_fn(f.theta), f.hvp, k=1, theta=f.theta)
>>> f.theta.shape, 0.0 <= rep.alignment <= 1.0
((3,), True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._adapters import FlatModel

# Compiled (loss, gradient, hvp) per loss function and parameter layout: a new batch of
# the same shapes (a minibatch for each noise sample) reuses them.
_COMPILED: dict = {}


def _compile(jax, loss_fn, unravel):
    """jit-compiled loss, gradient and forward-over-reverse HVP of ``(flat, batch)``."""

    def flat_loss(flat, batch):
        return loss_fn(unravel(flat), batch)

    grad = jax.grad(flat_loss)
    return (
        jax.jit(flat_loss),
        jax.jit(grad),
        jax.jit(lambda x, v, batch: jax.jvp(lambda y: grad(y, batch), (x,), (v,))[1]),
    )


def from_function(loss_fn: Callable[[Any, Any], Any], params: Any, batch) -> FlatModel:
    r"""Flat-vector loss, gradient and HVP of a JAX loss on one batch.

    With :math:`\theta` the leaves of ``params`` raveled by
    ``jax.flatten_util.ravel_pytree`` and :math:`L(\theta) =`
    ``loss_fn(params, batch)``, the gradient is ``jax.grad`` and
    :math:`Hv = \mathrm{jvp}(\nabla L, \theta, v)` (forward-over-reverse), each
    compiled once per ``loss_fn`` and parameter layout (the batch is an argument of the
    compiled functions, so one minibatch after another reuses them).

    Parameters
    ----------
    loss_fn : callable
        ``loss_fn(params, batch) -> scalar``, differentiable in ``params``.
    params : pytree
        The current parameters (arrays in dicts, lists, tuples, ...).
    batch : any
        Passed to ``loss_fn`` as it is, as an argument of the compiled functions (a
        new minibatch reuses them): the full training set for the gradient that
        :func:`~rivervalley_lib.diagnostics.measure_alignment` takes, a minibatch of
        the training batch size for each of its noise samples.

    Returns
    -------
    FlatModel
        ``theta`` (the raveled ``params``), the compiled ``loss_fn`` and
        ``gradient_fn`` of a flat vector, and ``hvp`` bound at ``theta``.

    Raises
    ------
    TypeError
        If ``loss_fn`` is not callable.
    ValueError
        If ``params`` has no leaves, or a vector has the wrong length.

    Examples
    --------
    A least-squares model, whose Hessian is :math:`X^\top X/n`:

    >>> import numpy as np
    >>> import jax.numpy as jnp
    >>> X = jnp.array([[1.0, 0.0], [0.0, 2.0]])
    >>> f = from_function(lambda w, b: 0.5 * jnp.mean((b[0] @ w - b[1]) ** 2),
    ...                   jnp.zeros(2), (X, jnp.zeros(2)))
    >>> f.hvp(np.array([1.0, 1.0]))
    array([0.5, 2. ])
    """
    import jax
    from jax.flatten_util import ravel_pytree

    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    flat0, unravel = ravel_pytree(params)
    if flat0.size == 0:
        raise ValueError("params has no array leaves")
    dim = int(flat0.size)
    dtype = flat0.dtype
    theta0 = np.asarray(flat0, dtype=np.float64).copy()
    leaves, tree = jax.tree_util.tree_flatten(params)
    layout = tuple((np.shape(x), str(getattr(x, "dtype", type(x)))) for x in leaves)
    key = (loss_fn, tree, layout)
    if key not in _COMPILED:
        _COMPILED[key] = _compile(jax, loss_fn, unravel)
    loss_jit, grad_jit, hvp_jit = _COMPILED[key]

    def to_array(name: str, x):
        arr = np.asarray(x, dtype=np.float64)
        if arr.shape != (dim,):
            raise ValueError(f"{name} must have shape ({dim},), got {arr.shape}")
        return jax.numpy.asarray(arr, dtype=dtype)

    def loss(theta) -> float:
        return float(loss_jit(to_array("theta", theta), batch))

    def gradient_fn(theta) -> np.ndarray:
        return np.asarray(grad_jit(to_array("theta", theta), batch), dtype=np.float64)

    point = to_array("theta", theta0)

    def hvp(v) -> np.ndarray:
        return np.asarray(hvp_jit(point, to_array("v", v), batch), dtype=np.float64)

    return FlatModel(theta0, loss, gradient_fn, hvp)
