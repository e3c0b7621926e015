"""The book's figure style (colours, rcParams) and the argument checks of the plotting
helpers; :mod:`rivervalley_lib.book.plotting` re-exports the public names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib as mpl
import numpy as np

from .._validation import validate_real

#: Okabe-Ito colours, by role.
COLORS: dict[str, str] = {
    "dominant": "#D55E00",  # vermillion: the river (steep directions)
    "bulk": "#0072B2",  # blue: the floodplain (flat directions)
    "sgd": "#000000",
    "theory": "#009E73",  # bluish green
    "threshold": "#CC79A7",  # reddish purple
    "accent": "#E69F00",  # orange
    "muted": "#999999",
    "sky": "#56B4E9",
}

#: The rcParams the book uses.
RC: dict[str, object] = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "figure.dpi": 100,
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 10,
    "legend.framealpha": 0.9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.8,
    "axes.prop_cycle": mpl.cycler(
        color=[
            COLORS[c]
            for c in ("dominant", "bulk", "theory", "accent", "threshold", "sky", "sgd")
        ]
    ),
}


class BookStyle:
    """The book's style applied to ``matplotlib.rcParams`` by :func:`use_book_style`.

    Used as a context manager, it restores the previous settings on exit.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> before = mpl.rcParams["lines.linewidth"]
    >>> style = use_book_style()
    >>> mpl.rcParams["lines.linewidth"]
    1.8
    >>> style.restore()
    >>> mpl.rcParams["lines.linewidth"] == before
    True
    """

    def __init__(self) -> None:
        self._saved = {key: mpl.rcParams[key] for key in RC}
        mpl.rcParams.update(RC)

    def __enter__(self) -> BookStyle:
        return self

    def __exit__(self, *exc: object) -> None:
        mpl.rcParams.update(self._saved)

    def restore(self) -> None:
        """Put back the rcParams that :func:`use_book_style` changed."""
        mpl.rcParams.update(self._saved)

    def _ipython_display_(self) -> None:
        """Nothing to show when a notebook cell ends with ``use_book_style()``."""

    def __repr__(self) -> str:
        return "BookStyle(applied)"


def use_book_style() -> BookStyle:
    """Apply the book's style to ``matplotlib.rcParams``, for good or for a block.

    Called alone (the chapters do it once at the top), it changes the session's
    rcParams for the rest of the session; used as ``with use_book_style():`` it restores
    them on exit. The library's own figures do not depend on it: every figure function
    and :func:`new_figure` draw inside :func:`book_style`.

    Returns
    -------
    BookStyle
        A context manager; its ``restore()`` also puts the previous settings back.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> before = mpl.rcParams["axes.spines.top"]
    >>> with use_book_style():
    ...     mpl.rcParams["axes.spines.top"]
    False
    >>> mpl.rcParams["axes.spines.top"] == before
    True
    """
    return BookStyle()


@contextmanager
def book_style() -> Iterator[None]:
    """Apply the book's style inside a ``with`` block only.

    Yields
    ------
    None
        Inside the block ``matplotlib.rcParams`` holds ``RC``; the previous
        settings are restored on exit.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with book_style():
    ...     mpl.rcParams["axes.spines.top"]
    False
    """
    with mpl.rc_context(RC):
        yield


def check_figure(fig) -> None:
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")


def check_axes(ax) -> None:
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")


def quantile_pair(q) -> tuple[float, float]:
    if isinstance(q, (str, bytes)) or not hasattr(q, "__len__") or len(q) != 2:
        raise TypeError(f"q must be a pair (low, high) of quantiles, got {q!r}")
    if isinstance(q, np.ndarray) and q.dtype.kind not in "iuf":
        raise TypeError(f"q must be a pair (low, high) of real quantiles, got {q!r}")
    lo = validate_real("q[0]", q[0], low=0.0, high=1.0)
    hi = validate_real("q[1]", q[1], low=lo, high=1.0)
    if hi == lo:
        raise ValueError(f"q must have q[0] < q[1], got {lo:g} and {hi:g}")
    return lo, hi
