r"""One SGD step of any model, sampled: the Monte Carlo counterpart of a report.

:meth:`rivervalley_lib.diagnostics.AlignmentReport.draw_steps` calls
:func:`sample_model_step`, and :func:`z_score` (public in ``diagnostics``) says how far
the draws' mean lies from a reference; they live here so that ``diagnostics`` stays one
concept (the measurement and its closed-form predictions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .._validation import (
    validate_array,
    validate_int,
    validate_projection,
    validate_real,
)
from ._linalg import flat_result


class SampledStep(NamedTuple):
    r"""Per-draw results of one SGD step taken ``samples`` times from the same point.

    Attributes
    ----------
    D, B : ndarray, shape (samples,)
        :math:`D' = \lVert U^\top g'\rVert^2` and
        :math:`B' = \lVert g'\rVert^2 - D'` for the full-batch gradient :math:`g'`
        after each step, split by the report's dominant basis :math:`U`.
    alignment : ndarray, shape (samples,)
        :math:`\chi' = D'/\lVert g'\rVert^2`.
    loss_change : ndarray, shape (samples,), or None
        :math:`L(\theta') - L(\theta)`, when a ``loss_fn`` was given.

    Examples
    --------
    >>> import numpy as np
    >>> s = SampledStep(np.ones(2), np.ones(2), np.full(2, 0.5), None)
    >>> s.alignment.tolist(), s.loss_change is None
    ([0.5, 0.5], True)
    """

    D: np.ndarray
    B: np.ndarray
    alignment: np.ndarray
    loss_change: np.ndarray | None


def sample_model_step(
    basis: np.ndarray,
    theta,
    eta: float,
    gradient_fn: Callable[[np.ndarray], np.ndarray],
    stochastic_gradient_fn: Callable[[np.ndarray], np.ndarray],
    samples: int,
    projection: str,
    loss_fn: Callable[[np.ndarray], float] | None,
) -> SampledStep:
    """Take ``samples`` independent steps from ``theta`` (internal API of the report).

    ``theta`` is the point the report checked (``AlignmentReport._theta``: a finite
    float vector of shape ``(dim,)``), so it is not checked again here; every other
    argument is. ``stochastic_gradient_fn`` is called ``samples`` times in a row, so a
    generator it closes over is drawn from in the same order as in a hand-written loop.
    """
    U = np.asarray(basis, dtype=float)
    dim = U.shape[0]
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    samples = validate_int("samples", samples, low=2)
    projection = validate_projection(projection)
    for name, func in (
        ("gradient_fn", gradient_fn),
        ("stochastic_gradient_fn", stochastic_gradient_fn),
        ("loss_fn", loss_fn),
    ):
        if not callable(func) and not (name == "loss_fn" and func is None):
            raise TypeError(
                f"{name} must be a callable of theta, got {type(func).__name__}"
            )
    base = _loss_value(loss_fn, theta) if loss_fn is not None else 0.0
    D, total, dl = np.empty(samples), np.empty(samples), np.empty(samples)
    for j in range(samples):
        g_hat = flat_result(
            "stochastic_gradient_fn", stochastic_gradient_fn(theta), dim
        )
        if projection == "dominant":
            g_hat = U @ (U.T @ g_hat)
        elif projection == "bulk":
            g_hat = g_hat - U @ (U.T @ g_hat)
        nxt = theta - eta * g_hat
        g = flat_result("gradient_fn", gradient_fn(nxt), dim)
        c = U.T @ g
        D[j], total[j] = c @ c, g @ g
        if not total[j] > 0:
            raise ValueError(
                f"gradient_fn returned a zero vector after draw {j}: the alignment is "
                "undefined there"
            )
        if loss_fn is not None:
            dl[j] = _loss_value(loss_fn, nxt) - base
    return SampledStep(D, total - D, D / total, dl if loss_fn is not None else None)


def _loss_value(loss_fn: Callable[[np.ndarray], float], theta: np.ndarray) -> float:
    value = np.asarray(loss_fn(theta), dtype=float)
    if value.shape != ():
        raise ValueError(f"loss_fn must return a scalar, got shape {value.shape}")
    if not np.isfinite(value):
        raise ValueError(f"loss_fn returned {float(value)} (it must be finite)")
    return float(value)


def z_score(values, reference: float = 0.0) -> float:
    r"""How many standard errors the mean of ``values`` lies above ``reference``.

    .. math::

        z = \frac{\bar x - x_0}{s/\sqrt n},

    with :math:`\bar x` the mean, :math:`s` the sample standard deviation
    (``ddof=1``) and :math:`n` the number of values. :math:`|z| > 3` says that the sign
    of :math:`\mathbb E x - x_0` is settled by the draws.

    Parameters
    ----------
    values : array_like, shape (n,)
        Independent draws, :math:`n \ge 2`, not all equal.
    reference : float
        The value :math:`x_0` the mean is compared with.

    Returns
    -------
    float
        The z-score.

    Examples
    --------
    >>> z_score([1.0, 2.0, 3.0], reference=1.0)
    1.732050807568877
    """
    x = validate_array("values", values)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"values must be a flat array of >= 2 draws, got {x.shape}")
    reference = validate_real("reference", reference)
    se = x.std(ddof=1) / np.sqrt(x.size)
    if not se > 0:
        raise ValueError("values are all equal: the standard error is zero")
    return float((x.mean() - reference) / se)
