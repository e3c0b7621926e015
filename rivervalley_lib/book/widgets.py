"""Live ipywidgets controls for the figure functions of the figures module.

They wrap the functions of :mod:`rivervalley_lib.book.figures`.

Examples
--------
>>> from rivervalley_lib import figures, widgets
>>> callable(widgets.interact) and callable(figures.one_step_figure)
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matplotlib.figure import Figure

from .figures import describe
from .plotting import show

__all__ = ["interact"]


def interact(update: Callable[..., Figure], **controls: Any):
    """Wrap a ``*_figure`` function in an ipywidgets UI (``interactive_output``).

    Each redraw is displayed with alt text from
    :func:`rivervalley_lib.book.figures.describe`, so the figure inside
    the widget is described to screen readers, in JupyterLab and in the book's embedded
    widgets alike.

    Parameters
    ----------
    update : callable
        One of the ``*_figure`` functions.
    **controls : ipywidgets.Widget or value
        A widget per argument; plain values are passed as fixed arguments.

    Returns
    -------
    ipywidgets.VBox
        The controls above the output area.

    Examples
    --------
    >>> import io, contextlib
    >>> import ipywidgets as w
    >>> from rivervalley_lib.book.figures import one_step_figure
    >>> eta = w.FloatSlider(value=0.1, min=0.01, max=0.2)
    >>> # outside Jupyter the first draw prints, so its output is captured
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     box = interact(one_step_figure, eta=eta, samples=500)
    >>> type(box).__name__
    'VBox'
    """
    import ipywidgets as w

    describe(update, {})  # fail early, before any widget exists, for an unknown figure
    live = {name: c for name, c in controls.items() if isinstance(c, w.ValueWidget)}
    fixed = {name: c for name, c in controls.items() if name not in live}

    def draw(**kwargs):
        show(update(**fixed, **kwargs), alt=describe(update, kwargs))

    out = w.interactive_output(draw, live)
    return w.VBox(
        [w.HBox(list(live.values()), layout=w.Layout(flex_flow="row wrap")), out]
    )
