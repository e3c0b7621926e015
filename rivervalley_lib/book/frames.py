r"""Kernel-less interactive figures: library figures pre-rendered for a slider grid.

A live widget (:func:`rivervalley_lib.book.widgets.interact`) redraws its figure in the
kernel, so in the published book, which has no kernel, its sliders move but nothing
redraws. :func:`static_explorer` renders the same ``*_figure`` function once per point
of a grid of slider values, at build time, and wires the sliders to the frames with
``ipywidgets.jslink``: the widget manager embedded in the page runs those links in the
browser, so moving a slider shows the frame for its value with no kernel, no network and
no mathematics in JavaScript.

Each slider is a ``SelectionSlider`` whose ``index`` is linked to the ``selected_index``
of ``Stack`` widgets (one level of nesting per slider, so a 2-D grid needs no arithmetic
in the page). Each frame is an ``HTML`` widget holding one ``<img>``: the PNG of the
figure, its alt text from :func:`rivervalley_lib.book.figures.describe` (which names the
slider values) and a ``data-call`` attribute with the figure's name and arguments, so a
test can redraw the frame with the library and compare the bytes.

Examples
--------
>>> from rivervalley_lib import figures, frames
>>> box = frames.static_explorer(figures.step_size_choice_figure, {"steps": 200},
...                              eta=[0.5, 1.0], dpi=30)
>>> [s.options for s in frames.sliders(box)]
[('0.5', '1')]
"""

from __future__ import annotations

import base64
import html
import inspect
import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .._validation import validate_int
from . import plotting
from .figures import describe

__all__ = [
    "Frame",
    "render_frames",
    "frame_html",
    "static_explorer",
    "sliders",
    "EXPLORER_CLASS",
    "DPI",
]

#: The resolution of the book's figures
#: (:func:`rivervalley_lib.book.plotting.figure_png`).
DPI = 110
#: CSS class of the box :func:`static_explorer` returns (the browser tests look for it).
EXPLORER_CLASS = "rv-static-explorer"


@dataclass(frozen=True)
class Frame:
    """One pre-rendered figure: its slider settings, full call, PNG and alt text.

    Attributes
    ----------
    settings : dict
        The slider values of this frame, in slider order.
    call : dict
        ``{"figure": name, "kwargs": ..., "dpi": ...}`` (``"settings"`` instead of
        ``"kwargs"`` when a fixed argument is an array): enough to redraw the frame with
        the library.
    png : bytes
        The figure as PNG.
    alt : str
        Its alt text, from :func:`rivervalley_lib.book.figures.describe`.

    Examples
    --------
    >>> f = Frame({"eta": 0.1}, {"figure": "x"}, b"", "A figure. Settings: eta = 0.1.")
    >>> f.settings
    {'eta': 0.1}
    """

    settings: dict[str, Any]
    call: dict[str, Any]
    png: bytes
    alt: str


def _label(value: Any) -> str:
    """The slider readout of a grid value, formatted as :func:`describe` formats it."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.3g}"
    return str(value)


def _check_grids(
    figure: Callable[..., Figure], fixed: Mapping[str, Any], grids: Mapping[str, Any]
) -> dict:
    params = inspect.signature(figure).parameters
    if not grids:
        raise ValueError("give at least one grid, e.g. eta=[0.05, 0.1, 0.15]")
    for name in [*grids, *fixed]:
        if name not in params:
            raise ValueError(
                f"{name!r} is not an argument of {figure.__name__}; "
                f"allowed: {sorted(params)}"
            )
    both = sorted(set(grids) & set(fixed))
    if both:
        raise ValueError(f"{both} are both in fixed and in the grids")
    out = {}
    for name, values in grids.items():
        if isinstance(values, (str, bytes)) or not isinstance(
            values, Sequence | np.ndarray
        ):
            raise TypeError(
                f"grid {name} must be a sequence of values, got {type(values).__name__}"
            )
        values = list(values.tolist() if isinstance(values, np.ndarray) else values)
        if not values:
            raise ValueError(f"grid {name} must hold at least one value")
        for v in values:
            if isinstance(v, bool) or not isinstance(
                v, (int, float, str, np.integer, np.floating)
            ):
                raise TypeError(f"grid {name} must hold numbers or strings, got {v!r}")
            if isinstance(v, (float, np.floating)) and not math.isfinite(v):
                raise ValueError(f"grid {name} must hold finite values, got {v!r}")
        labels = [_label(v) for v in values]
        if len(set(labels)) != len(labels):
            raise ValueError(
                f"grid {name} has values with equal readouts {labels}: "
                "use distinct values"
            )
        out[name] = values
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    raise TypeError


def render_frames(
    figure: Callable[..., Figure],
    fixed: Mapping[str, Any] | None = None,
    *,
    dpi: int = DPI,
    max_frames: int = 64,
    **grids: Sequence[Any],
) -> list[Frame]:
    r"""Render ``figure`` at every point of the grids' product (last grid fastest).

    Parameters
    ----------
    figure : callable
        One of the ``*_figure`` functions of :mod:`rivervalley_lib.book.figures`.
    fixed : mapping, optional
        Arguments passed unchanged to every call.
    dpi : int
        Resolution of the PNGs, in :math:`[30, 300]`.
    max_frames : int
        Upper bound on the number of frames :math:`\prod_j n_j` (page size and build
        time).
    **grids : sequence
        The values of each slider, in slider order.

    Returns
    -------
    list of Frame
        ``len == prod(len(g) for g in grids)``; the last grid varies fastest.

    Examples
    --------
    >>> from rivervalley_lib import figures
    >>> fig = figures.step_size_choice_figure
    >>> fr = render_frames(fig, {"steps": 100}, eta=[0.5, 1.0], dpi=30)
    >>> [f.settings for f in fr], fr[1].alt.endswith("Settings: eta = 1.")
    ([{'eta': 0.5}, {'eta': 1.0}], True)
    """
    if not callable(figure):
        raise TypeError(
            f"figure must be a callable *_figure function, got {type(figure).__name__}"
        )
    describe(
        figure, {}
    )  # ValueError for a function that is not one of the widget figures
    fixed = dict(_mapping("fixed", fixed))
    dpi = validate_int("dpi", dpi, low=30, high=300)
    max_frames = validate_int("max_frames", max_frames, low=1)
    grids = _check_grids(figure, fixed, grids)
    count = math.prod(len(v) for v in grids.values())
    if count > max_frames:
        raise ValueError(
            f"the grids give {count} frames, more than max_frames = {max_frames}"
        )
    names = list(grids)
    frames = []
    for values in itertools.product(*grids.values()):
        settings = dict(zip(names, values, strict=True))
        kwargs = {**fixed, **settings}
        fig = figure(**kwargs)
        try:
            call = {
                "figure": figure.__name__,
                "kwargs": {k: _jsonable(v) for k, v in kwargs.items()},
                "dpi": dpi,
            }
        except TypeError:  # array arguments: the alt text still names the slider values
            call = {
                "figure": figure.__name__,
                "settings": {k: _jsonable(v) for k, v in settings.items()},
                "dpi": dpi,
            }
        frames.append(
            Frame(
                settings,
                call,
                plotting.figure_png(fig, dpi=dpi),
                describe(figure, settings),
            )
        )
    return frames


def frame_html(frame: Frame) -> str:
    """The ``<img>`` of one frame: inline PNG, alt text and ``data-call`` JSON.

    Parameters
    ----------
    frame : Frame
        One rendered frame (see :func:`render_frames`).

    Returns
    -------
    str
        ``<img class="rv-frame" src="data:image/png;base64,..." alt="..."
        data-call="..."/>``, with the alt text and the JSON call HTML-escaped.

    Examples
    --------
    >>> alt = "A figure. Settings: eta = 0.1."
    >>> f = Frame({"eta": 0.1}, {"figure": "x"}, b"\\x89PNG", alt)
    >>> frame_html(f)[:36], 'alt="A figure. Settings: eta = 0.1."' in frame_html(f)
    ('<img class="rv-frame" src="data:imag', True)
    """
    if not isinstance(frame, Frame):
        raise TypeError(f"frame must be a Frame, got {type(frame).__name__}")
    src = "data:image/png;base64," + base64.b64encode(frame.png).decode("ascii")
    call = html.escape(json.dumps(frame.call, sort_keys=True), quote=True)
    alt = html.escape(frame.alt, quote=True)
    return f'<img class="rv-frame" src="{src}" alt="{alt}" data-call="{call}"/>'


def static_explorer(
    figure: Callable[..., Figure],
    fixed: Mapping[str, Any] | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    start: Mapping[str, Any] | None = None,
    dpi: int = DPI,
    max_frames: int = 64,
    **grids: Sequence[Any],
):
    r"""Sliders over pre-rendered frames of a library figure, linked in the page.

    Renders ``figure`` with :func:`render_frames` and returns a ``VBox`` of one
    ``SelectionSlider`` per grid above nested ``Stack`` widgets of the frames. Each
    slider's ``index`` is joined to the ``selected_index`` of every stack at its level
    with ``ipywidgets.jslink``, which the embedded widget manager runs in the browser.

    Parameters
    ----------
    figure : callable
        One of the ``*_figure`` functions of :mod:`rivervalley_lib.book.figures`.
    fixed : mapping, optional
        Arguments passed unchanged to every call.
    labels : mapping, optional
        Slider descriptions by grid name (default: the name).
    start : mapping, optional
        Initial value per grid (default: the figure's default if it is in the grid, else
        the first value).
    dpi : int
        Resolution of the PNGs.
    max_frames : int
        Upper bound on the number of frames.
    **grids : sequence
        The values of each slider.

    Returns
    -------
    ipywidgets.VBox
        With the CSS class :data:`EXPLORER_CLASS`.

    Examples
    --------
    >>> from rivervalley_lib import figures
    >>> box = static_explorer(figures.step_size_choice_figure, {"steps": 100},
    ...                       eta=[0.5, 1.0], start={"eta": 1.0}, dpi=30)
    >>> slider = sliders(box)[0]
    >>> slider.value, box.children[1].selected_index
    ('1', 1)
    """
    import ipywidgets as w

    labels, start = _mapping("labels", labels), _mapping("start", start)
    frames = render_frames(figure, fixed, dpi=dpi, max_frames=max_frames, **grids)
    names = list(grids)
    values = {
        n: list(np.asarray(grids[n]).tolist())
        if isinstance(grids[n], np.ndarray)
        else list(grids[n])
        for n in names
    }
    labels = dict(labels or {})
    start = dict(start or {})
    for name in [*labels, *start]:
        if name not in values:
            raise ValueError(f"{name!r} is not a grid; grids: {names}")
    defaults = inspect.signature(figure).parameters
    index = {}
    for n in names:
        want = start.get(n, defaults[n].default)
        hits = (
            [i for i, v in enumerate(values[n]) if _label(v) == _label(want)]
            if want is not inspect.Parameter.empty
            else []
        )
        if n in start and not hits:
            raise ValueError(
                f"start[{n!r}] = {start[n]!r} is not in the grid {values[n]}"
            )
        index[n] = hits[0] if hits else 0
    sliders_ = [
        w.SelectionSlider(
            options=[_label(v) for v in values[n]],
            index=index[n],
            description=labels.get(n, n),
            continuous_update=True,
            style={"description_width": "initial"},
            layout=w.Layout(width="420px"),
        )
        for n in names
    ]
    levels: list[list[Any]] = [[] for _ in names]
    items = iter(frames)

    def build(level: int):
        if level == len(names):
            return w.HTML(frame_html(next(items)))
        stack = w.Stack(
            [build(level + 1) for _ in values[names[level]]],
            selected_index=index[names[level]],
        )
        levels[level].append(stack)
        return stack

    root = build(0)
    for slider, stacks in zip(sliders_, levels, strict=True):
        for stack in stacks:
            w.jslink((slider, "index"), (stack, "selected_index"))
    box = w.VBox([w.HBox(sliders_, layout=w.Layout(flex_flow="row wrap")), root])
    box.add_class(EXPLORER_CLASS)
    return box


def sliders(explorer) -> list:
    """The sliders of a box made by :func:`static_explorer`, in grid order.

    Parameters
    ----------
    explorer : ipywidgets.VBox
        A box returned by :func:`static_explorer`.

    Returns
    -------
    list of ipywidgets.SelectionSlider
        One slider per grid, outermost first.

    Examples
    --------
    >>> from rivervalley_lib import figures
    >>> fig = figures.step_size_choice_figure
    >>> box = static_explorer(fig, {"steps": 100}, eta=[0.5], dpi=30)
    >>> [type(s).__name__ for s in sliders(box)]
    ['SelectionSlider']
    """
    import ipywidgets as w

    if not (
        isinstance(explorer, w.Box)
        and EXPLORER_CLASS in explorer._dom_classes
        and explorer.children
    ):
        raise TypeError(
            "explorer must be a box made by static_explorer, "
            f"got {type(explorer).__name__}"
        )
    return list(explorer.children[0].children)


def _mapping(name: str, value: Any) -> Mapping:
    """``value`` if it is a mapping, ``{}`` for None; anything else is a TypeError."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping or None, got {type(value).__name__}")
    return value
