"""Measurements on recorded curves (not theory): the two phases of an alignment."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import validate_array, validate_int, validate_real


class MeasuredPhases(NamedTuple):
    """The two phases measured on an alignment curve.

    See :func:`measured_phase_lengths`.

    Attributes
    ----------
    T1 : int
        Step of the minimum.
    T2 : int
        First step after ``T1`` at which the rise is complete, ``-1`` if never.

    Examples
    --------
    >>> MeasuredPhases(T1=3, T2=40).T2
    40
    """

    T1: int
    T2: int


def measured_phase_lengths(
    chi, chi_inf: float, *, rise: float = 0.9, window: int = 1
) -> MeasuredPhases:
    r"""Measure the two phases on an alignment curve :math:`\chi_0, \chi_1, \dots`.

    The curve has one value per step.

    :math:`T_1` is the step of the minimum of the curve (after a centred running median
    of ``window`` steps, to tame SGD noise); :math:`T_2` is the first step after
    :math:`T_1` at which the curve has covered the fraction ``rise`` of the way from its
    minimum to the plateau,
    :math:`\chi_t \ge \chi_{\min} + \text{rise}\,(\chi_\infty - \chi_{\min})`.

    Parameters
    ----------
    chi : array_like, shape (steps + 1,)
        The alignment at every step.
    chi_inf : float
        The plateau, e.g. from :func:`noise_floor`.
    rise : float
        Fraction of the rise that ends phase 2, in (0, 1).
    window : int
        Odd running-median window, ``>= 1``.

    Returns
    -------
    MeasuredPhases
        Named ``(T1, T2)``; ``T2`` is ``-1`` if the curve never gets there.

    Examples
    --------
    >>> import numpy as np
    >>> chi = np.array([1.0, 0.5, 0.1, 0.3, 0.6, 0.85, 0.9, 0.9])
    >>> measured_phase_lengths(chi, 0.9)
    MeasuredPhases(T1=2, T2=5)
    """
    chi = validate_array("chi", chi, ndim_min=1)
    if chi.ndim != 1 or chi.size == 0:
        raise ValueError(
            f"chi must be a non-empty one-dimensional series, got shape {chi.shape}"
        )
    chi_inf = validate_real("chi_inf", chi_inf, low=0.0, high=1.0)
    rise = validate_real(
        "rise", rise, low=0.0, high=1.0, low_inclusive=False, high_inclusive=False
    )
    window = validate_int("window", window, low=1)
    if window % 2 == 0:
        raise ValueError(f"window must be odd, got {window}")
    smooth = chi
    if window > 1:
        from numpy.lib.stride_tricks import sliding_window_view

        pad = window // 2
        smooth = np.median(
            sliding_window_view(np.pad(chi, pad, mode="edge"), window), axis=-1
        )
    T1 = int(np.argmin(smooth))
    level = smooth[T1] + rise * (chi_inf - smooth[T1])
    above = np.nonzero(smooth[T1:] >= level)[0]
    T2 = int(T1 + above[0]) if above.size else -1
    return MeasuredPhases(T1, T2)


def window_median(step, values, at, half: int = 50) -> np.ndarray:
    r"""The median of a recorded curve over a window of steps around each step ``at``.

    For each :math:`t` in ``at`` it returns
    :math:`\operatorname{median}\{v_s : |s - t| \le h\}`, the smoothing used to compare
    a simulated curve with values read off a published figure (each read value averages
    the curve over a few pixels, that is over a window of steps). At :math:`t = 0` the
    window is the starting point alone, so the value before the first step is kept.

    Parameters
    ----------
    step : array_like, shape (n,)
        The recorded steps, increasing (e.g. ``Trace.step``).
    values : array_like, shape (n,)
        The curve at those steps (e.g. the median alignment over seeds).
    at : array_like of int, shape (m,)
        The steps :math:`t \ge 0` to smooth at.
    half : int
        Half-width :math:`h \ge 0` of the window, in steps.

    Returns
    -------
    ndarray, shape (m,)

    Raises
    ------
    ValueError
        If a window holds no recorded step, or the shapes disagree.

    Examples
    --------
    >>> import numpy as np
    >>> window_median(np.arange(0, 100, 10), np.arange(10.0), [0, 50], half=10)
    array([0., 5.])
    """
    step = validate_array("step", step)
    values = validate_array("values", values)
    if step.ndim != 1 or step.shape != values.shape:
        raise ValueError(
            "step and values must be 1-D arrays of the same shape, got "
            f"{step.shape} and {values.shape}"
        )
    at = validate_array("at", at, ndim_min=0)
    if at.size == 0:
        raise ValueError("at must hold at least one step, got an empty array")
    half = validate_int("half", half, low=0)
    # window of each t (rows), the starting point alone at t = 0
    gap = np.abs(step[None, :] - at.reshape(-1, 1))
    sel = np.where(at.reshape(-1, 1) == 0, gap == 0, gap <= half)
    empty = ~sel.any(axis=1)
    if empty.any():
        raise ValueError(
            f"no recorded step within half = {half} of step {at.ravel()[empty][0]:g}"
        )
    med = np.nanmedian(np.where(sel, values[None, :], np.nan), axis=1)
    return med.reshape(at.shape)
