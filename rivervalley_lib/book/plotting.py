"""One figure style for the whole book: colour-blind-safe, opaque, readable.

The palette is Okabe and Ito's colour-blind-safe set. Every figure has an opaque white
background, so it stays readable when the book's theme is switched to dark mode.

Examples
--------
>>> from rivervalley_lib import plotting
>>> plotting.COLORS["dominant"], plotting.COLORS["bulk"]
('#D55E00', '#0072B2')
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .._validation import (
    validate_array,
    validate_bool,
    validate_int,
    validate_real,
    validate_text,
)
from ._readable import (
    DISPLAY_WIDTH_PX,
    MIN_TEXT_PX,
    annotated_heatmap,
    contrast_ratio,
    label_line_end,
    legend_outside,
    mark_value,
    shown_text_px,
    smallest_text_px,
)
from ._style import (
    COLORS,
    RC,
    BookStyle,
    book_style,
    check_axes,
    check_figure,
    quantile_pair,
    use_book_style,
)

if TYPE_CHECKING:
    import sympy
    from matplotlib.figure import Figure

__all__ = [
    "COLORS",
    "RC",
    "BookStyle",
    "book_style",
    "use_book_style",
    "new_figure",
    "figure_png",
    "figure_bundle",
    "show",
    "seed_band",
    "diverged_message",
    "hatch_divergent",
    "alt_text",
    "equation_latex",
    "show_eq",
    "DISPLAY_WIDTH_PX",
    "MIN_TEXT_PX",
    "shown_text_px",
    "smallest_text_px",
    "legend_outside",
    "label_line_end",
    "mark_value",
    "annotated_heatmap",
    "contrast_ratio",
]


def new_figure(
    ncols: int = 1, nrows: int = 1, *, width: float = 4.2, height: float = 3.2, **kwargs
):
    """A figure in the book's style with ``nrows x ncols`` axes (sizes in inches).

    The figure is a plain :class:`matplotlib.figure.Figure` with the constrained
    layout, not registered with pyplot.

    Parameters
    ----------
    ncols : int
        Number of columns of axes (at least 1).
    nrows : int
        Number of rows of axes (at least 1).
    width : float
        Width of one axes cell in inches (> 0); the figure is ``width * ncols`` wide.
    height : float
        Height of one axes cell in inches (> 0); the figure is ``height * nrows``
        high.
    **kwargs
        Passed on to ``Figure.subplots`` (e.g. ``sharey``).

    Returns
    -------
    (Figure, Axes or ndarray of Axes)
        The figure and its axes: one Axes when ``nrows == ncols == 1``, else an
        array squeezed like ``matplotlib.pyplot.subplots``.

    Examples
    --------
    >>> fig, axes = new_figure(2)
    >>> axes.shape, fig.get_facecolor()[:3]
    ((2,), (1.0, 1.0, 1.0))
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    ncols = validate_int("ncols", ncols, low=1, high=20)
    nrows = validate_int("nrows", nrows, low=1, high=20)
    width = validate_real("width", width, low=0.0, low_inclusive=False, high=50.0)
    height = validate_real("height", height, low=0.0, low_inclusive=False, high=50.0)
    from matplotlib.figure import Figure

    with book_style():
        fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=True, **kwargs)
    return fig, axes


def figure_png(fig, *, dpi: int = 110) -> bytes:
    """Render a figure to PNG bytes (no pyplot, no global figure registry).

    Parameters
    ----------
    fig : matplotlib Figure
        The figure to render.
    dpi : int
        Resolution in dots per inch (> 0).

    Returns
    -------
    bytes
        The PNG file, on an opaque white background.

    Examples
    --------
    >>> fig, ax = new_figure()
    >>> figure_png(fig)[1:4]
    b'PNG'
    """
    check_figure(fig)
    dpi = validate_int("dpi", dpi, low=10, high=600)
    import io

    buf = io.BytesIO()
    with book_style():
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def figure_bundle(fig, alt: str, *, dpi: int = 110) -> dict[str, str]:
    """A Jupyter MIME bundle for a figure with alternative text.

    The bundle carries the PNG twice: as ``image/png`` and inside an HTML ``<img>`` that
    has the ``alt`` attribute, which frontends that render HTML (JupyterLab, the
    embedded widgets of the book) prefer, so screen readers get the description.

    Parameters
    ----------
    fig : matplotlib Figure
        The figure to render.
    alt : str
        A non-empty description of the figure.
    dpi : int
        Resolution of the PNG.

    Returns
    -------
    dict
        ``{"text/html": ..., "image/png": ..., "text/plain": alt}``.

    Examples
    --------
    >>> fig, ax = new_figure()
    >>> b = figure_bundle(fig, "An empty set of axes.")
    >>> sorted(b), b["text/html"].endswith('alt="An empty set of axes."/>')
    (['image/png', 'text/html', 'text/plain'], True)
    """
    if not isinstance(alt, str):
        raise TypeError(f"alt must be a str, got {type(alt).__name__}")
    if not alt.strip():
        raise ValueError("alt must be a non-empty description of the figure")
    import base64
    import html

    b64 = base64.b64encode(figure_png(fig, dpi=dpi)).decode("ascii")
    return {
        "text/html": f'<img src="data:image/png;base64,{b64}" '
        f'alt="{html.escape(alt, quote=True)}"/>',
        "image/png": b64,
        "text/plain": alt,
    }


def show(fig, *, dpi: int = 110, alt: str | None = None) -> None:
    """Display a figure as a PNG image in Jupyter, whatever the matplotlib backend.

    Figures made with :func:`new_figure` are not registered with pyplot, so nothing else
    is displayed (no ``<Figure size ...>`` text, no duplicate image).

    Parameters
    ----------
    fig : matplotlib Figure
        The figure to show.
    dpi : int
        Resolution of the PNG.
    alt : str, optional
        Alternative text; when given the figure is sent as :func:`figure_bundle`. Book
        cells set their alt text in the cell metadata instead, the widgets pass it here.

    Returns
    -------
    None
        The image is sent to the notebook's display.

    Examples
    --------
    >>> fig, ax = new_figure()
    >>> show(fig)  # doctest: +ELLIPSIS
    <IPython.core.display.Image object>
    """
    check_figure(fig)
    dpi = validate_int("dpi", dpi, low=10, high=600)
    if alt is not None:
        validate_text("alt", alt)
    from IPython.display import Image, display

    if alt is None:
        display(Image(data=figure_png(fig, dpi=dpi), format="png"))
    else:
        display(figure_bundle(fig, alt, dpi=dpi), raw=True)


def seed_band(
    ax,
    x,
    values,
    *,
    color: str,
    label: str | None = None,
    q: tuple[float, float] = (0.1, 0.9),
    log: bool = False,
):
    """Plot the median over seeds (axis 0) with a shaded quantile band.

    Parameters
    ----------
    ax : matplotlib Axes
        The axes to draw on.
    x : array_like, shape (n,)
        The abscissae (steps), finite.
    values : array_like, shape (seeds, n)
        One row per seed; the band spans the quantiles ``q`` over the seeds.
    color : str
        A matplotlib color for the median line and the band.
    label : str, optional
        Legend label of the median line.
    q : (float, float)
        Lower and upper quantiles of the band.
    log : bool
        Use a log scale on the y axis.

    Returns
    -------
    matplotlib.lines.Line2D
        The median line (its colour and label identify the band in a legend).

    Examples
    --------
    >>> import numpy as np
    >>> fig, ax = new_figure()
    >>> line = seed_band(ax, np.arange(3), np.ones((4, 3)), color=COLORS["sgd"])
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    check_axes(ax)
    x = validate_array("x", x, ndim_min=1, ndim_max=1)
    if x.size == 0:
        raise ValueError("x must hold at least one abscissa")
    values = validate_array("values", values, shape=(None, x.shape[0]))
    validate_text("color", color)
    if label is not None:
        validate_text("label", label)
    q = quantile_pair(q)
    log = validate_bool("log", log)
    lo, med, hi = np.quantile(values, [q[0], 0.5, q[1]], axis=0)
    ax.fill_between(x, lo, hi, color=color, alpha=0.2, linewidth=0)
    (line,) = ax.plot(x, med, color=color, label=label)
    if log:
        ax.set_yscale("log")
    return line


def hatch_divergent(ax, limit: float, top: float, *, across=None) -> None:
    """Hatch the divergent step sizes, from the stability limit ``limit`` to ``top``.

    With the step size on the x axis (``across`` is None) the hatch is a vertical span;
    with the step size on the y axis it is a band over the x values ``across``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to hatch.
    limit : float
        The stability limit ``2/lambda_max``, where the hatch starts.
    top : float
        The largest step size shown, where the hatch ends.
    across : array_like, optional
        The x values a horizontal band spans, when the step size is on the y axis.

    Returns
    -------
    None
        The hatch is added to ``ax``, without a label.

    Examples
    --------
    >>> fig, ax = new_figure()
    >>> hatch_divergent(ax, 0.2, 0.3, across=[0.0, 1.0])
    >>> [c.get_hatch() for c in ax.collections]
    ['//']
    """
    check_axes(ax)
    limit = validate_real("limit", limit, low=0.0, low_inclusive=False)
    top = validate_real("top", top, low=limit)
    if across is not None:
        across = validate_array("across", across, ndim_min=1, ndim_max=1)
    style = dict(facecolor="none", hatch="//", edgecolor=COLORS["muted"], lw=0)
    if across is None:
        ax.axvspan(limit, top, **style)
    else:
        ax.fill_between(across, limit, top, **style)


def diverged_message(ax, eta: float, limit: float) -> None:
    r"""Write a plain-words divergence message on an axes instead of plotting overflow.

    The axes is cleared and hidden; the message names the step size and the
    stability limit ``2/lambda_max``.

    Parameters
    ----------
    ax : matplotlib Axes
        The axes to write on.
    eta : float
        The step size ``eta`` that diverges.
    limit : float
        The stability limit ``2/lambda_max > 0`` it exceeds.

    Returns
    -------
    None

    Examples
    --------
    >>> fig, ax = new_figure()
    >>> diverged_message(ax, 0.3, 0.2)
    >>> print(ax.texts[0].get_text().splitlines()[0])
    diverges: $\eta = 0.3 > 2/\lambda_{\max} = 0.2$
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    check_axes(ax)
    eta = validate_real("eta", eta, low=0.0, low_inclusive=False)
    limit = validate_real("limit", limit, low=0.0, low_inclusive=False)
    ax.clear()
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        rf"diverges: $\eta = {eta:.3g} > 2/\lambda_{{\max}} = {limit:.3g}$"
        "\nchoose a smaller step size",
        ha="center",
        va="center",
        fontsize=12,
        color=COLORS["dominant"],
        transform=ax.transAxes,
    )


def alt_text(text: str) -> Callable[[Callable[..., Figure]], Callable[..., Figure]]:
    """Decorator attaching the plain-language description ``text`` to a figure function.

    The description becomes the function's ``alt_text`` attribute: the alt text of the
    figure wherever it is shown (:func:`rivervalley_lib.book.figures.describe` appends
    the settings).

    Parameters
    ----------
    text : str
        What the figure shows, in words (no LaTeX), at least a sentence.

    Returns
    -------
    callable
        The decorator.

    Examples
    --------
    >>> @alt_text("A line rising from left to right.")
    ... def rising():
    ...     return None
    >>> rising.alt_text
    'A line rising from left to right.'
    """
    if not validate_text("text", text).strip():
        raise ValueError("text must be a non-empty str")

    def attach(fn: Callable[..., Figure]) -> Callable[..., Figure]:
        @functools.wraps(fn)
        def in_book_style(*args, **kwargs):
            # every figure draws in the book's style, whatever the session's rcParams
            with book_style():
                return fn(*args, **kwargs)

        in_book_style.alt_text = text  # type: ignore[attr-defined]
        return in_book_style

    return attach


def equation_latex(lhs: str, expr: sympy.Expr) -> str:
    r"""The LaTeX of the equation ``lhs = expr`` (what :func:`show_eq` displays).

    Parameters
    ----------
    lhs : str
        The left-hand side as LaTeX, e.g. ``r"\eta^*_t"``.
    expr : sympy.Expr
        The right-hand side.

    Returns
    -------
    str

    Examples
    --------
    >>> import sympy
    >>> equation_latex(r"\eta^*", 2 / (sympy.Symbol("lambda") + sympy.Symbol("mu")))
    '\\eta^* = \\frac{2}{\\lambda + \\mu}'
    """
    if not isinstance(lhs, str):
        raise TypeError(f"lhs must be a str of LaTeX, got {type(lhs).__name__}")
    import sympy as sp

    if not isinstance(expr, sp.Basic):
        raise TypeError(f"expr must be a sympy expression, got {type(expr).__name__}")
    return lhs + " = " + sp.latex(expr)


def show_eq(lhs: str, expr: sympy.Expr) -> None:
    r"""Display the equation ``lhs = expr`` in a notebook, typeset by MathJax.

    Uses ``IPython.display.Math`` on :func:`equation_latex`, so it does not change how
    later outputs print (unlike ``sympy.init_printing``, which also turns plain numbers
    in widget outputs into LaTeX).

    Parameters
    ----------
    lhs : str
        The left-hand side as LaTeX.
    expr : sympy.Expr
        The right-hand side.

    Returns
    -------
    None

    Examples
    --------
    >>> import sympy
    >>> eta_star = 2 / (sympy.Symbol("lambda") + sympy.Symbol("mu"))
    >>> show_eq(r"\eta^*", eta_star)  # doctest: +ELLIPSIS
    <IPython.core.display.Math object>
    """
    from IPython.display import Math, display

    display(Math(equation_latex(lhs, expr)))
