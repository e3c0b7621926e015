"""Figures that read where they are shown: text size on the page, colour contrast.

Re-exported by :mod:`rivervalley_lib.book.plotting`.

Examples
--------
>>> from rivervalley_lib.book import plotting
>>> plotting.MIN_TEXT_PX
9.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._validation import validate_array, validate_int, validate_real, validate_text
from ._style import COLORS, check_axes, check_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Width in CSS pixels of the column a figure is shown in: the text column of a desktop
#: page, and a 390 px phone less the page's margins. A wider PNG is scaled down to it.
DISPLAY_WIDTH_PX: dict[str, float] = {"desktop": 720.0, "phone": 350.0}
#: Smallest height, in CSS pixels, of any text of a book figure at its shown size.
MIN_TEXT_PX = 9.0


def shown_text_px(
    fig: Figure, fontsize: float, *, width_px: float, dpi: int = 110
) -> float:
    r"""Height in CSS pixels of ``fontsize``-point text of ``fig`` as the page shows it.

    The PNG is :math:`W \cdot \mathrm{dpi}` pixels wide for a figure :math:`W` inches
    wide; the page shows it at its own size, or scaled down to a narrower column:

    .. math:: h = \frac{p}{72}\,\min\!\Big(\mathrm{dpi},\ \frac{w_{\rm col}}{W}\Big).

    Parameters
    ----------
    fig : matplotlib Figure
        The figure.
    fontsize : float
        Font size in points (> 0).
    width_px : float
        Width of the column that shows the figure, in CSS pixels (> 0), e.g.
        ``DISPLAY_WIDTH_PX["phone"]``.
    dpi : int
        Resolution of the PNG (the book's is 110).

    Returns
    -------
    float
        The shown height of the text's em, in CSS pixels.

    Examples
    --------
    >>> from rivervalley_lib.book.plotting import new_figure
    >>> fig, ax = new_figure(width=5.0)
    >>> round(shown_text_px(fig, 10, width_px=350.0), 2)
    9.72
    """
    check_figure(fig)
    fontsize = validate_real("fontsize", fontsize, low=0.0, low_inclusive=False)
    width_px = validate_real("width_px", width_px, low=0.0, low_inclusive=False)
    dpi = validate_int("dpi", dpi, low=1)
    width_in = float(fig.get_figwidth())
    return fontsize / 72.0 * min(float(dpi), width_px / width_in)


def smallest_text_px(fig: Figure, *, width_px: float, dpi: int = 110) -> float:
    """The smallest shown size (CSS px) of any visible text of ``fig``.

    Tick labels, axis labels, titles, legend entries and annotations all count.

    Parameters
    ----------
    fig : matplotlib Figure
        The figure (it is drawn once, so that tick labels exist).
    width_px : float
        Width of the column that shows the figure, in CSS pixels.
    dpi : int
        Resolution of the PNG.

    Returns
    -------
    float
        ``inf`` for a figure without text.

    Examples
    --------
    >>> from rivervalley_lib.book.plotting import new_figure
    >>> fig, ax = new_figure(width=5.0)
    >>> smallest_text_px(fig, width_px=350.0) >= MIN_TEXT_PX
    True
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    check_figure(fig)
    width_px = validate_real("width_px", width_px, low=0.0, low_inclusive=False)
    dpi = validate_int("dpi", dpi, low=1)
    FigureCanvasAgg(fig).draw()  # tick labels exist only once drawn
    sizes = [
        t.get_fontsize()
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and t.get_figure() is not None
    ]
    if not sizes:
        return float("inf")
    return shown_text_px(fig, min(sizes), width_px=width_px, dpi=dpi)


def _relative_luminance(rgb) -> float:
    c = np.asarray(rgb, dtype=float)[:3]
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(c @ [0.2126, 0.7152, 0.0722])


def contrast_ratio(a, b) -> float:
    r"""WCAG 2.1 contrast ratio of two colours, :math:`(L_1 + 0.05)/(L_2 + 0.05)`.

    :math:`L_1 \ge L_2` are the relative luminances of the two colours (WCAG 2.1,
    "contrast ratio"); 4.5 is the AA level for text.

    Parameters
    ----------
    a, b : matplotlib colour
        Any colour matplotlib understands (name, hex, RGB(A) tuple).

    Returns
    -------
    float
        In :math:`[1, 21]`.

    Examples
    --------
    >>> contrast_ratio("white", "black")
    21.0
    """
    from matplotlib.colors import to_rgba

    def rgba(name: str, colour):
        try:
            return to_rgba(colour)
        except (ValueError, TypeError):
            raise ValueError(
                f"{name} must be a matplotlib colour (a name, '#rrggbb' or an RGB "
                f"tuple in [0, 1]), got {colour!r}"
            ) from None

    la, lb = _relative_luminance(rgba("a", a)), _relative_luminance(rgba("b", b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def annotated_heatmap(ax, values, *, fmt: str = "{:.0f}", cmap: str = "viridis"):
    r"""Draw ``values`` as a heat map with each value written in its cell.

    Each number is black or white, whichever contrasts more with its cell's colour
    (WCAG contrast ratio :math:`(L_1 + 0.05)/(L_2 + 0.05)` of relative luminances), so
    no number is dark on a dark cell.

    Parameters
    ----------
    ax : matplotlib Axes
        Where to draw.
    values : array_like, shape (m, n)
        The values; row 0 is drawn at the bottom.
    fmt : str
        Format of the written numbers.
    cmap : str
        Colour map.

    Returns
    -------
    matplotlib.image.AxesImage
        The image (pass it to ``fig.colorbar``).

    Examples
    --------
    >>> from rivervalley_lib.book.plotting import new_figure
    >>> fig, ax = new_figure()
    >>> im = annotated_heatmap(ax, [[1.0, 2.0], [3.0, 4.0]])
    >>> [t.get_color() for t in ax.texts]
    ['white', 'white', 'black', 'black']
    """
    check_axes(ax)
    fmt, cmap = validate_text("fmt", fmt), validate_text("cmap", cmap)
    values = validate_array("values", values, ndim_min=2)
    if values.ndim != 2:
        raise ValueError(f"values must be a 2-D array, got shape {values.shape}")
    im = ax.imshow(values, cmap=cmap, origin="lower", aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        cell = im.cmap(im.norm(v))
        color = max(
            ("white", "black"), key=lambda c, cell=cell: contrast_ratio(c, cell)
        )
        ax.text(j, i, fmt.format(v), ha="center", va="center", color=color)
    ax.grid(False)
    return im


def legend_outside(ax, *, where: str = "right", ncol: int = 1, **kwargs):
    """A legend beside or below the axes, where it cannot cover the data.

    The constrained layout of :func:`new_figure` makes room for it.

    Parameters
    ----------
    ax : matplotlib Axes
        The axes whose labelled artists the legend lists.
    where : {"right", "below"}
        Right of the axes, or under its x label (a figure legend below the axes when
        the figure has one axes).
    ncol : int
        Number of legend columns.
    **kwargs
        Passed to ``Axes.legend``.

    Returns
    -------
    matplotlib.legend.Legend
        The axes' legend, or the figure's.

    Examples
    --------
    >>> from rivervalley_lib.book.plotting import new_figure
    >>> fig, ax = new_figure()
    >>> _ = ax.plot([0, 1], label="a line")
    >>> leg = legend_outside(ax)
    >>> fig.canvas.draw()
    >>> bool(leg.get_window_extent().x0 >= ax.get_window_extent().x1)
    True
    """
    kwargs.setdefault("fontsize", 10)
    if where == "right":
        place = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0)}
    elif where == "below":
        fig = ax.get_figure()
        if len(fig.axes) == 1:
            # a figure legend "outside" is what the constrained layout sizes exactly
            handles, labels = ax.get_legend_handles_labels()
            handles = kwargs.pop("handles", handles)
            labels = [h.get_label() for h in handles]
            return fig.legend(
                handles, labels, loc="outside lower center", ncol=ncol, **kwargs
            )
        place = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.3)}
    else:
        raise ValueError(f"where must be 'right' or 'below', got {where!r}")
    return ax.legend(**place, borderaxespad=0.0, ncol=ncol, **kwargs)


def label_line_end(ax, line, text: str, *, dy: float = 0.0, **kwargs):
    """Write ``text`` just right of the last point of ``line``, in its colour.

    A label on the curve itself, so that the reader needs no legend and no colour name.

    Parameters
    ----------
    ax : matplotlib Axes
        The axes of the line.
    line : matplotlib.lines.Line2D
        The labelled line (its last finite point is used).
    text : str
        The label (mathtext allowed).
    dy : float
        Vertical offset in points, to keep labels of close lines apart.
    **kwargs
        Passed to ``Axes.annotate``.

    Returns
    -------
    matplotlib.text.Annotation

    Examples
    --------
    >>> from rivervalley_lib.book.plotting import new_figure
    >>> fig, ax = new_figure()
    >>> (ln,) = ax.plot([0, 1], [0, 2])
    >>> label_line_end(ax, ln, "SGD").xy
    (1.0, 2.0)
    """
    from matplotlib.lines import Line2D

    check_axes(ax)
    if not isinstance(line, Line2D):
        raise TypeError(f"line must be a matplotlib Line2D, got {type(line).__name__}")
    text = validate_text("text", text)
    dy = validate_real("dy", dy)
    x = np.asarray(line.get_xdata(), dtype=float)
    y = np.asarray(line.get_ydata(), dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        raise ValueError("line has no finite point to label")
    i = np.flatnonzero(ok)[-1]
    kwargs.setdefault("fontsize", 10)
    return ax.annotate(
        text,
        (float(x[i]), float(y[i])),
        xytext=(4, dy),
        textcoords="offset points",
        va="center",
        color=line.get_color(),
        annotation_clip=False,
        **kwargs,
    )


def mark_value(ax, xy, text: str, *, offset=(8.0, 0.0)):
    """Mark one value in a panel: a ▼ at ``xy`` and its label ``offset`` points away.

    The label is aligned away from the marker (left-aligned when it sits to the right,
    bottom-aligned when above, centred on a zero offset), so it never covers the
    marker. Figures use it for the chosen step size on a number line of step sizes and
    for :math:`\\chi_{\\rm sc}` on a number line of alignments.

    Parameters
    ----------
    ax : matplotlib Axes
        The panel to mark.
    xy : (float, float)
        The marked point, in data coordinates.
    text : str
        The label (mathtext allowed), e.g. ``r"$\\eta = 0.5$"``.
    offset : (float, float)
        Where the label starts relative to the marker, in points.

    Returns
    -------
    matplotlib.text.Annotation
        The label.

    Examples
    --------
    >>> from rivervalley_lib.book.plotting import new_figure
    >>> fig, ax = new_figure()
    >>> label = mark_value(ax, (0.5, 0.3), "here", offset=(0, 8))
    >>> label.get_horizontalalignment(), label.get_verticalalignment()
    ('center', 'bottom')
    """
    check_axes(ax)
    x, y = validate_array("xy", xy, shape=(2,))
    text = validate_text("text", text)
    dx, dy = validate_array("offset", offset, shape=(2,))
    side = {-1: ("right", "top"), 0: ("center", "center"), 1: ("left", "bottom")}
    ax.plot([x], [y], "v", color=COLORS["sgd"], ms=11)
    return ax.annotate(
        text,
        (x, y),
        xytext=(dx, dy),
        textcoords="offset points",
        ha=side[int(np.sign(dx))][0],
        va=side[int(np.sign(dy))][1],
        fontsize=10,
    )
