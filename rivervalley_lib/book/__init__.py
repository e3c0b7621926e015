"""The book's presentation layer: figure style, named valleys, figures, frames, widgets.

- :mod:`~rivervalley_lib.book.plotting`: the book's figure style and image helpers;
- :mod:`~rivervalley_lib.book.scenarios`: the named valleys the chapters use;
- :mod:`~rivervalley_lib.book.figures`: the figure functions behind every widget;
- :mod:`~rivervalley_lib.book.controls`: each figure's controls, declared once;
- :mod:`~rivervalley_lib.book.widgets`: their live ipywidgets controls;
- :mod:`~rivervalley_lib.book.frames`: their kernel-less, pre-rendered explorers.

Each is also reachable as ``rivervalley_lib.<name>`` (loaded on first use, so that the
core library never imports matplotlib or ipywidgets).

Examples
--------
>>> from rivervalley_lib import book
>>> book.scenarios.ONE_STEP_VALLEY.d
400
"""

from . import controls, figures, frames, plotting, scenarios, widgets

__all__ = ["plotting", "scenarios", "figures", "controls", "frames", "widgets"]
