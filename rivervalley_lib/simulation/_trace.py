"""The record of a simulation run (:class:`Trace`) and how runs fail.

A run that overflows raises :class:`DivergenceError`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


class DivergenceError(ArithmeticError):
    r"""Raised by :func:`simulate` when the iterates overflow (unstable step size).

    Examples
    --------
    >>> from rivervalley_lib import DivergenceError, IsotropicNoise, RiverValley
    >>> from rivervalley_lib import simulate
    >>> valley = RiverValley([4.0, 1.0], k=1)
    >>> try:
    ...     simulate(valley, IsotropicNoise(0.0), 0.6, 2000, [1.0, 1.0])
    ... except DivergenceError as err:
    ...     print(str(err).split(": ")[1])
    eta = 0.6 against the stability limit 2/lambda_1 = 0.5 (projection='none')
    """


@dataclass(frozen=True)
class Trace:
    r"""The recorded history of a simulation.

    The per-run fields have shape ``(seeds, records)``.

    Attributes
    ----------
    step : ndarray of int, shape (records,)
        The step index :math:`t` of each record.
    loss, loss_dominant, loss_bulk : ndarray
        :math:`L(\theta_t)`, :math:`L_{\mathcal D}(\theta_t)` and
        :math:`L_{\mathcal B}(\theta_t)`.
    D, B : ndarray
        :math:`\|P_{\mathcal D}\nabla L(\theta_t)\|^2` and
        :math:`\|P_{\mathcal B}\nabla L(\theta_t)\|^2`.
    alignment : ndarray
        :math:`\chi_t = D_t/(D_t+B_t)`; NaN only where the gradient is exactly zero.
    eta : ndarray, shape (steps,)
        The step sizes used at steps :math:`0, \dots, T-1`.
    diverged : ndarray of bool, shape (seeds,)
        Which runs overflowed (only possible with ``on_divergence="mark"``).
    projection : str
        ``"none"`` (SGD), ``"dominant"`` (Dom-SGD) or ``"bulk"`` (Bulk-SGD).
    theta : ndarray, shape (seeds, records, d), or None
        The recorded iterates, with ``record_theta=True`` only.
    final_theta : ndarray, shape (seeds, d)
        The last iterate :math:`\theta_T`, on every path. The exact block path does not
        store iterates while it runs; it draws :math:`\theta_T` from its exact joint law
        given the recorded chain on first access (from a generator spawned from ``rng``,
        so the same call gives the same value).

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, simulate
    >>> valley = RiverValley([2.0, 1.0], k=1)
    >>> tr = simulate(valley, IsotropicNoise(0.0), 0.25, 4, [1.0, 1.0], record_every=2)
    >>> tr.step.tolist(), tr.seeds
    ([0, 2, 4], 1)
    >>> tr.D.round(4).tolist()
    [[4.0, 0.25, 0.0156]]
    """

    step: np.ndarray
    loss: np.ndarray
    loss_dominant: np.ndarray
    loss_bulk: np.ndarray
    D: np.ndarray
    B: np.ndarray
    alignment: np.ndarray
    eta: np.ndarray
    diverged: np.ndarray
    projection: str = field(default="none")
    theta: np.ndarray | None = None
    final: np.ndarray | Callable[[], np.ndarray] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def seeds(self) -> int:
        """Number of independent runs."""
        return self.loss.shape[0]

    @functools.cached_property
    def final_theta(self) -> np.ndarray:
        """The last iterate, shape ``(seeds, d)``.

        On the block path it is drawn on first access.
        """
        return self.final() if callable(self.final) else self.final


def make_trace(out, rec_steps, etas, diverged, projection, final, thetas=None) -> Trace:
    """Assemble a :class:`Trace` from the recorded block quantities (both paths)."""
    D, B = out["D"], out["B"]
    seeds, n_rec = D.shape
    with np.errstate(invalid="ignore", over="ignore"):
        total = D + B
        # 0 <= D <= total: a zero gradient gives 0/0 = NaN, an overflowed total NaN;
        # one array per series (the memory guard counts seven: the four recorded,
        # total, the alignment and the loss)
        chi = np.where(np.isfinite(total), D / total, np.nan)
        loss = out["loss_dominant"] + out["loss_bulk"]
    return Trace(
        step=rec_steps,
        loss=loss,
        loss_dominant=out["loss_dominant"],
        loss_bulk=out["loss_bulk"],
        D=D,
        B=B,
        alignment=chi,
        eta=etas,
        diverged=diverged,
        projection=projection,
        theta=thetas,
        final=final,
    )
