"""Live ipywidgets controls for the figure functions of the figures module.

:func:`explore` is a chapter's one call: the figure's declared controls
(:mod:`rivervalley_lib.book.controls`) as live widgets in JupyterLab, and as the
kernel-less explorer of :mod:`rivervalley_lib.book.frames` in the published book.
:func:`interact` wraps a figure in any widgets.

Examples
--------
>>> from rivervalley_lib import figures, widgets
>>> callable(widgets.explore) and callable(figures.one_step_figure)
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from matplotlib.figure import Figure

from . import frames
from .controls import of
from .figures import describe
from .plotting import show

__all__ = ["interact", "explore", "Explorer"]


def interact(update: Callable[..., Figure], **controls: Any):
    """Wrap a ``*_figure`` function in an ipywidgets UI (``interactive_output``).

    Each redraw is displayed with alt text from
    :func:`rivervalley_lib.book.figures.describe`, so the figure inside
    the widget is described to screen readers.

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


class Explorer:
    """A figure's live widget and its kernel-less explorer, displayed as one output.

    The output carries both: JupyterLab, which runs the widget, shows the live controls
    (``application/vnd.jupyter.widget-view+json``); the published book, which has no
    kernel, shows the explorer's HTML (``text/html``, see
    :class:`rivervalley_lib.book.frames.StaticExplorer`).

    Parameters
    ----------
    live : ipywidgets.VBox
        From :func:`interact`.
    static : rivervalley_lib.book.frames.StaticExplorer
        From :func:`rivervalley_lib.book.frames.static_explorer`.

    Examples
    --------
    :func:`explore` builds one from a figure's declared controls; by hand:

    >>> import io, contextlib, ipywidgets
    >>> from rivervalley_lib import figures, frames
    >>> eta = ipywidgets.FloatSlider(value=1.0, min=0.1, max=1.5, step=0.1)
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     live = interact(figures.step_size_choice_figure, steps=100, eta=eta)
    >>> static = frames.static_explorer(
    ...     figures.step_size_choice_figure, {"steps": 100}, dpi=30
    ... )
    >>> sorted(Explorer(live, static)._repr_mimebundle_())
    ['application/vnd.jupyter.widget-view+json', 'text/html', 'text/plain']
    """

    def __init__(self, live: Any, static: frames.StaticExplorer) -> None:
        self.live = live
        self.static = static

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        bundle = dict(self.live._repr_mimebundle_())
        bundle["text/html"] = self.static._repr_html_()
        return bundle


def explore(
    figure: Callable[..., Figure], *, dpi: int = frames.DPI, **fixed: Any
) -> Explorer:
    """A figure's declared controls: live in JupyterLab, pre-rendered in the book.

    Parameters
    ----------
    figure : callable
        A ``*_figure`` function of :mod:`rivervalley_lib.book.figures` that declares
        its controls.
    dpi : int
        Resolution of the kernel-less explorer's frames.
    **fixed : object
        Arguments passed unchanged to every call (e.g. recorded data); a declared
        control given here is fixed and gets no slider.

    Returns
    -------
    Explorer
        Displays as the live widget where a kernel runs it, and as the kernel-less
        explorer in the book's HTML.

    Examples
    --------
    >>> import io, contextlib
    >>> from rivervalley_lib import figures
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     ex = explore(figures.step_size_choice_figure, steps=100, dpi=30)
    >>> [s.description for s in ex.live.children[0].children]
    ['step size η']
    """
    declared = [c for c in of(figure) if c.name not in fixed]
    sliders = {c.name: c.widget(fixed) for c in declared}
    live = interact(figure, **fixed, **sliders)
    return Explorer(live, frames.static_explorer(figure, fixed, dpi=dpi))
