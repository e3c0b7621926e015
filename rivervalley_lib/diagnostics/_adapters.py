"""The flat-vector view of a framework model that the adapters return."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class FlatModel(NamedTuple):
    r"""A model's loss on one batch, seen as a function of one flat float64 vector.

    Returned by :func:`rivervalley_lib.diagnostics.torch.from_module` and
    :func:`rivervalley_lib.diagnostics.jax.from_function`. Every callable takes and
    returns float64 numpy arrays; the framework computes in the model's own dtype
    (float32 by default), so the results carry that precision.

    Attributes
    ----------
    theta : ndarray, shape (dim,)
        The model's current parameters, flattened (a copy).
    loss_fn : callable
        ``loss_fn(theta) -> float``: the loss on the batch.
    gradient_fn : callable
        ``gradient_fn(theta) -> ndarray (dim,)``: its gradient.
    hvp : callable
        ``hvp(v) -> ndarray (dim,)``: the Hessian-vector product at :attr:`theta`,
        the ``hvp`` of :func:`~rivervalley_lib.diagnostics.measure_alignment`.

    Examples
    --------
    >>> import numpy as np
    >>> H = np.diag([2.0, 1.0])
    >>> f = FlatModel(np.ones(2), lambda w: 0.5 * w @ H @ w, lambda w: H @ w,
    ...               lambda v: H @ v)
    >>> f.gradient_fn(f.theta), f.hvp(np.array([1.0, 0.0]))
    (array([2., 1.]), array([2., 0.]))
    """

    theta: np.ndarray
    loss_fn: Callable[[np.ndarray], float]
    gradient_fn: Callable[[np.ndarray], np.ndarray]
    hvp: Callable[[np.ndarray], np.ndarray]
