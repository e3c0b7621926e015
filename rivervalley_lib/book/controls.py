r"""The controls of each figure function, declared once, beside its alt text.

A figure function of :mod:`rivervalley_lib.book.figures` that a reader can explore
carries a ``controls`` attribute: one :class:`Control` per argument a slider (or a menu)
sets, with its label, range, step, default and the grid of values whose frames the
published book pre-renders. Everything that offers those controls reads this one
declaration:

- :func:`rivervalley_lib.book.widgets.explore`, the live ``ipywidgets`` controls in
  JupyterLab (:meth:`Control.widget`);
- :func:`rivervalley_lib.book.frames.static_explorer`, the kernel-less explorer of the
  published book (:attr:`Control.frames`);
- the widget tests (every figure at its defaults and at every end of every range,
  :meth:`Control.extremes`) and the benchmarks.

Examples
--------
>>> from rivervalley_lib.book import controls, figures
>>> [c.name for c in controls.of(figures.step_size_choice_figure)]
['eta']
>>> controls.of(figures.step_size_choice_figure)[0].label
'step size η'
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Control", "controls", "of", "readout"]


def readout(value: Any) -> str:
    """The text a slider shows for ``value`` (as the alt text of a frame writes it).

    Parameters
    ----------
    value : float, int, str or class
        A control value; a class (a noise model) reads as its name.

    Returns
    -------
    str
        Floats with three significant digits, anything else as ``str``.

    Examples
    --------
    >>> readout(0.21000000000000002), readout(16), readout(float)
    ('0.21', '16', 'float')
    """
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        return f"{float(value):.3g}"
    return str(value)


@dataclass(frozen=True)
class Control:
    r"""One control of a figure function: a slider or a menu for one argument.

    Attributes
    ----------
    name : str
        The figure function's argument it sets.
    label : str
        What the reader sees, the quantity's name and symbol (e.g. ``"step size η"``).
    low, high : float or int
        The range of a slider, :math:`\text{low} < \text{high}`. ``high`` may be a
        callable of the figure's fixed arguments (e.g. the last index of recorded
        data). Unused for a menu.
    step : float or int
        A slider's step; for a ``log`` slider, the step of :math:`\log_{10}` of the
        value.
    default : object
        The value the controls start at (for ``high`` callable, ``None`` means
        ``high``).
    frames : tuple
        The values pre-rendered for the kernel-less explorer (empty: the explorer keeps
        this argument at its default). For an integer ``high`` callable, ``"all"``
        means every integer from ``low`` to ``high``.
    units : str
        Units appended to the value when it is announced ("" for a pure number).
    log : bool
        A logarithmic slider (``ipywidgets.FloatLogSlider``).
    options : tuple
        ``(label, value)`` pairs: a menu instead of a slider.

    Examples
    --------
    >>> c = Control("eta", "step size η", 0.05, 1.6, 0.05, 1.0, frames=(0.5, 1.0))
    >>> c.valuetext(0.5), c.extremes({})
    ('0.5', (0.05, 1.6))
    """

    name: str
    label: str
    low: float | int | None = None
    high: float | int | Callable[[Mapping[str, Any]], Any] | None = None
    step: float | int | None = None
    default: Any = None
    frames: tuple | str = ()
    units: str = ""
    log: bool = False
    options: tuple = ()

    def bounds(self, fixed: Mapping[str, Any]) -> tuple[Any, Any]:
        """``(low, high)`` for the given fixed arguments of the figure.

        Parameters
        ----------
        fixed : mapping
            The figure's fixed arguments (read when ``high`` is a callable).

        Returns
        -------
        tuple
            The slider's range; for a menu, its first and last value.

        Examples
        --------
        >>> Control("index", "checkpoint", 0, lambda f: len(f["steps"]) - 1, 1).bounds(
        ...     {"steps": [0, 10, 20]})
        (0, 2)
        """
        if self.options:
            return self.options[0][1], self.options[-1][1]
        high = self.high(fixed) if callable(self.high) else self.high
        return self.low, high

    def start(self, fixed: Mapping[str, Any]) -> Any:
        """The value the control starts at.

        Parameters
        ----------
        fixed : mapping
            The figure's fixed arguments, passed to :meth:`bounds` when ``default`` is
            ``None``.

        Returns
        -------
        object
            ``default``, or the upper end of the range when that is ``None``.

        Examples
        --------
        >>> Control("eta", "η", 0.1, 1.0, 0.1, 0.5).start({})
        0.5
        """
        return self.bounds(fixed)[1] if self.default is None else self.default

    def grid(self, fixed: Mapping[str, Any]) -> list:
        """The values of the pre-rendered frames (empty: kept at :meth:`start`).

        Parameters
        ----------
        fixed : mapping
            The figure's fixed arguments, which set the range that ``"all"`` spans.

        Returns
        -------
        list
            ``frames``, or every integer of the range for ``frames == "all"``.

        Examples
        --------
        >>> Control("k", "k", 1, 3, 1, 2, frames="all").grid({})
        [1, 2, 3]
        """
        if self.frames == "all":
            low, high = self.bounds(fixed)
            return list(range(int(low), int(high) + 1))
        return list(self.frames)

    def extremes(self, fixed: Mapping[str, Any]) -> tuple:
        """The ends of the range (every option, for a menu): what the tests try.

        Parameters
        ----------
        fixed : mapping
            The figure's fixed arguments (a callable ``high`` reads them).

        Returns
        -------
        tuple
            ``(low, high)``, or every option's value.

        Examples
        --------
        >>> Control("m", "model", options=(("a", 1), ("b", 2), ("c", 3))).extremes({})
        (1, 2, 3)
        """
        if self.options:
            return tuple(v for _, v in self.options)
        return self.bounds(fixed)

    def valuetext(self, value: Any) -> str:
        """What a screen reader announces for ``value``: readout and units.

        Parameters
        ----------
        value : object
            A value of the control.

        Returns
        -------
        str
            E.g. ``"16 examples"``.

        Examples
        --------
        >>> Control("b", "batch size b", 1, 128, 1, 8, units="examples").valuetext(16)
        '16 examples'
        """
        for text, option in self.options:
            if option is value or option == value:
                return text
        return f"{readout(value)} {self.units}".strip()

    def widget(self, fixed: Mapping[str, Any]):
        """The live ``ipywidgets`` control (slider or dropdown) for JupyterLab.

        Parameters
        ----------
        fixed : mapping
            The figure's fixed arguments, from which the slider's range and start
            follow.

        Returns
        -------
        ipywidgets.ValueWidget
            ``Dropdown``, ``IntSlider``, ``FloatLogSlider`` or ``FloatSlider``,
            described by ``label``, starting at :meth:`start`.

        Examples
        --------
        >>> Control("eta", "step size η", 0.05, 1.6, 0.05, 1.0).widget({}).description
        'step size η'
        """
        import ipywidgets as w

        common = {
            "description": self.label,
            "style": {"description_width": "initial"},
        }
        if self.options:
            return w.Dropdown(
                options=list(self.options), value=self.start(fixed), **common
            )
        low, high = self.bounds(fixed)
        common.update(continuous_update=False, value=self.start(fixed))
        if self.log:
            return w.FloatLogSlider(
                base=10,
                min=math.log10(low),
                max=math.log10(high),
                step=self.step,
                **common,
            )
        if all(isinstance(x, int) for x in (low, high, self.step)):
            return w.IntSlider(min=low, max=high, step=self.step, **common)
        return w.FloatSlider(min=low, max=high, step=self.step, **common)


def _check(figure: Callable, declared: Sequence[Control]) -> None:
    params = inspect.signature(figure).parameters
    names = [c.name for c in declared]
    if len(set(names)) != len(names):
        raise ValueError(f"{figure.__name__}: a control is declared twice: {names}")
    for c in declared:
        if not isinstance(c, Control):
            raise TypeError(f"controls must be Control objects, got {c!r}")
        if c.name not in params:
            raise ValueError(
                f"{c.name!r} is not an argument of {figure.__name__}; "
                f"allowed: {sorted(params)}"
            )
        if c.options or callable(c.high):
            continue
        if not (c.low < c.high and c.step > 0):
            raise ValueError(f"{figure.__name__}.{c.name}: need low < high, step > 0")
        for v in [c.start({}), *c.grid({})]:
            if not c.low <= v <= c.high:
                raise ValueError(
                    f"{figure.__name__}.{c.name}: {v!r} is outside [{c.low}, {c.high}]"
                )


def controls(*declared: Control) -> Callable[[Callable], Callable]:
    """Decorator declaring the controls of a figure function (its ``controls``).

    Parameters
    ----------
    *declared : Control
        One per argument a reader can set, in the order they are shown.

    Returns
    -------
    callable
        The decorator; it checks every name against the function's signature and every
        default and frame value against its range.

    Examples
    --------
    >>> @controls(Control("eta", "step size η", 0.1, 1.0, 0.1, 0.5))
    ... def some_figure(eta=0.5):
    ...     return None
    >>> some_figure.controls[0].name
    'eta'
    """

    def attach(fn: Callable) -> Callable:
        _check(fn, declared)
        fn.controls = tuple(declared)  # type: ignore[attr-defined]
        return fn

    return attach


def of(figure: Callable) -> tuple[Control, ...]:
    """The declared controls of a figure function.

    Parameters
    ----------
    figure : callable
        One of the ``*_figure`` functions of :mod:`rivervalley_lib.book.figures`.

    Returns
    -------
    tuple of Control
        In display order.

    Examples
    --------
    >>> from rivervalley_lib.book import figures
    >>> [c.name for c in of(figures.noise_figure)]
    ['model', 'sigma', 'batch_size']
    """
    declared = getattr(figure, "controls", None)
    if not isinstance(declared, tuple) or not declared:
        raise ValueError(
            "figure must be a figure function that declares its controls "
            "(rivervalley_lib.book.figures), got "
            f"{getattr(figure, '__name__', figure)!r}"
        )
    return declared
