r"""Kernel-less explorers: library figures pre-rendered for a grid of control values.

A live widget (:func:`rivervalley_lib.book.widgets.explore`) redraws its figure in the
kernel, so the published book, which has no kernel, cannot run it.
:func:`static_explorer` renders the same ``*_figure`` function once per point of
the grid its controls declare (:mod:`rivervalley_lib.book.controls`), when the book is
built, and returns an explorer whose HTML is a native ``<input type="range">`` per
control (named by its ``<label>``, with ``aria-valuetext`` from the first render), the
frame for the current values, a
polite live region that announces each new frame, and the frames' list as JSON. The
book's script (``tools/sphinxext/static/rivervalley-explorer.js``) swaps the frame
when a slider moves: no kernel, no network, no mathematics in JavaScript.

In the notebook each frame is an inline PNG; when the book is built, the explorer's
Sphinx step (``tools/sphinxext/rivervalley_explorers.py``) writes every frame to an
image file and the page loads a frame only when it is shown.

Each frame carries its alt text from :func:`rivervalley_lib.book.figures.describe`
(which names the control values) and its full call (figure, arguments, dpi), so a test
can redraw it with the library and compare the bytes.

Examples
--------
>>> from rivervalley_lib import figures, frames
>>> ex = frames.static_explorer(figures.step_size_choice_figure, {"steps": 200},
...                             eta=[1.0, 0.3], dpi=30)
>>> [f.settings for f in ex.frames], ex.index
([{'eta': 1.0}, {'eta': 0.3}], 1)
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
from .controls import Control, readout
from .figures import describe

__all__ = [
    "Frame",
    "StaticExplorer",
    "render_frames",
    "frame_html",
    "static_explorer",
    "EXPLORER_CLASS",
    "DPI",
]

#: The resolution of the book's figures
#: (:func:`rivervalley_lib.book.plotting.figure_png`).
DPI = 110
#: CSS class of an explorer's HTML (the book's script and the browser tests find it).
EXPLORER_CLASS = "rv-explorer"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Frame:
    """One pre-rendered figure: its control settings, full call, PNG and alt text.

    Attributes
    ----------
    settings : dict
        The values of the explorer's controls for this frame, in control order.
    call : dict
        ``{"figure": name, "kwargs": ..., "dpi": ...}``, a library class written as
        ``"rivervalley_lib.<Name>"`` (``"settings"`` instead of ``"kwargs"`` when an
        argument is an array): enough to redraw the frame with the library.
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
                v, (int, float, str, type, np.integer, np.floating)
            ):
                raise TypeError(
                    f"grid {name} must hold numbers, strings or classes, got {v!r}"
                )
            if isinstance(v, (float, np.floating)) and not math.isfinite(v):
                raise ValueError(f"grid {name} must hold finite values, got {v!r}")
        labels = [readout(v) for v in values]
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
    if isinstance(value, type) and value.__module__.startswith("rivervalley_lib"):
        return f"rivervalley_lib.{value.__name__}"  # a noise model, say
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
        The values of each control, in control order.

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
    describe(figure, {})  # ValueError for a function that is not a figure function
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
        except TypeError:  # array arguments: the alt text still names the values
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


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


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
    call = html.escape(json.dumps(frame.call, sort_keys=True), quote=True)
    alt = html.escape(frame.alt, quote=True)
    return (
        f'<img class="rv-frame" src="{_data_uri(frame.png)}" alt="{alt}" '
        f'data-call="{call}"/>'
    )


@dataclass(frozen=True)
class StaticExplorer:
    """Pre-rendered frames of a figure and the controls that choose among them.

    Displayed in a notebook (``_repr_html_``) it is the kernel-less explorer: one
    native range input per control, the current frame, a live region and the frames
    as JSON. The book's script makes the inputs live.

    Attributes
    ----------
    figure : str
        The figure function's name.
    controls : tuple of Control
        One per slider, outermost (slowest-varying) first.
    values : tuple of tuple
        The grid of each control.
    start : tuple of int
        The starting position of each slider.
    frames : tuple of Frame
        Every frame, the last control varying fastest.

    Examples
    --------
    >>> from rivervalley_lib import figures
    >>> ex = static_explorer(figures.step_size_choice_figure, {"steps": 100},
    ...                      eta=[1.0, 0.3], dpi=30)
    >>> ex.index, ex.frames[ex.index].settings
    (1, {'eta': 0.3})
    """

    figure: str
    controls: tuple[Control, ...]
    values: tuple[tuple, ...]
    start: tuple[int, ...]
    frames: tuple[Frame, ...]

    @property
    def index(self) -> int:
        """The position of the starting frame in :attr:`frames` (row-major)."""
        i = 0
        for pos, values in zip(self.start, self.values, strict=True):
            i = i * len(values) + pos
        return i

    def _control_html(self, uid: str, c: Control, values: tuple, pos: int) -> str:
        readouts = [readout(v) for v in values]
        texts = [c.valuetext(v) for v in values]
        return (
            '<div class="rv-explorer-control">'
            f'<label for="{uid}-{c.name}">{html.escape(c.label)}</label>'
            f'<input type="range" class="rv-explorer-range" id="{uid}-{c.name}" '
            f'name="{c.name}" min="0" max="{len(values) - 1}" step="1" value="{pos}" '
            f'aria-valuetext="{html.escape(texts[pos], quote=True)}" '
            f"data-readouts='{html.escape(json.dumps(readouts), quote=True)}' "
            f"data-valuetexts='{html.escape(json.dumps(texts), quote=True)}' "
            "disabled>"
            f'<output class="rv-readout" for="{uid}-{c.name}">'
            f"{html.escape(readouts[pos])}</output>"
            "</div>"
        )

    def _repr_html_(self) -> str:
        uid = f"rv-explorer-{next(_ids)}"
        shown = self.frames[self.index]
        data = [
            {
                "src": _data_uri(f.png),
                "alt": f.alt,
                "call": json.dumps(f.call, sort_keys=True),
            }
            for f in self.frames
        ]
        # "</" cannot end the script early: JSON may escape "/" as "\/".
        payload = json.dumps(data).replace("</", "<\\/")
        controls = "".join(
            self._control_html(uid, c, v, p)
            for c, v, p in zip(self.controls, self.values, self.start, strict=True)
        )
        img = frame_html(shown).replace("<img ", '<img loading="lazy" ', 1)
        return (
            f'<div class="{EXPLORER_CLASS}" id="{uid}" '
            f'data-figure="{html.escape(self.figure)}">'
            f'<div class="rv-explorer-controls">{controls}</div>'
            f"{img}"
            '<p class="rv-explorer-status" role="status" aria-live="polite"></p>'
            '<script type="application/json" class="rv-explorer-frames">'
            f"{payload}</script>"
            # The book fills in the link (its Binder URL) and shows the paragraph.
            '<p class="rv-explorer-launch" hidden>These frames were drawn when the '
            'book was built. <a class="rv-launch-link">Run it live</a> (JupyterLab '
            "on Binder) to redraw the figure for any value of every control.</p>"
            "</div>"
        )


def static_explorer(
    figure: Callable[..., Figure],
    fixed: Mapping[str, Any] | None = None,
    *,
    dpi: int = DPI,
    max_frames: int = 64,
    **grids: Sequence[Any],
) -> StaticExplorer:
    r"""The kernel-less explorer of a figure: its declared controls' frames.

    The controls and their grids come from the figure's declaration
    (:mod:`rivervalley_lib.book.controls`): each control that declares ``frames``
    becomes a slider over them, the others stay at their declared default. Keyword
    grids, when given, replace the declared ones.

    Parameters
    ----------
    figure : callable
        One of the ``*_figure`` functions of :mod:`rivervalley_lib.book.figures`.
    fixed : mapping, optional
        Arguments passed unchanged to every call (e.g. recorded data).
    dpi : int
        Resolution of the PNGs, in :math:`[30, 300]`.
    max_frames : int
        Upper bound on the number of frames.
    **grids : sequence
        The values of each slider (default: the declared frames).

    Returns
    -------
    StaticExplorer
        Its HTML is the explorer; every slider starts at the control's default when
        that is in its grid, else at the grid's first value.

    Examples
    --------
    >>> from rivervalley_lib import figures
    >>> ex = static_explorer(figures.step_size_choice_figure, {"steps": 100}, dpi=30)
    >>> [c.name for c in ex.controls], len(ex.frames), ex.values[0][ex.start[0]]
    (['eta'], 6, 0.3)
    """
    fixed = dict(_mapping("fixed", fixed))
    declared = {c.name: c for c in getattr(figure, "controls", ())}
    if not grids:
        grids = {
            n: c.grid(fixed)
            for n, c in declared.items()
            if c.grid(fixed) and n not in fixed
        }
    # Controls that are not sliders here stay at the declared default, as in the live
    # widget.
    defaults = {
        n: c.start(fixed)
        for n, c in declared.items()
        if n not in grids and n not in fixed
    }
    frames = render_frames(
        figure, {**defaults, **fixed}, dpi=dpi, max_frames=max_frames, **grids
    )
    controls, values, start = [], [], []
    for name, grid in grids.items():
        c = declared.get(name) or Control(name, name)
        grid = tuple(
            np.asarray(grid).tolist() if isinstance(grid, np.ndarray) else grid
        )
        want = readout(c.start(fixed)) if name in declared else None
        hits = [i for i, v in enumerate(grid) if readout(v) == want]
        controls.append(c)
        values.append(grid)
        start.append(hits[0] if hits else 0)
    return StaticExplorer(
        figure.__name__, tuple(controls), tuple(values), tuple(start), tuple(frames)
    )


def _mapping(name: str, value: Any) -> Mapping:
    """``value`` if it is a mapping, ``{}`` for None; anything else is a TypeError."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping or None, got {type(value).__name__}")
    return value
