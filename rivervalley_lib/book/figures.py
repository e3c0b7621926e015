r"""The figure functions behind the book's widgets, each with its alt text.

Every ``*_figure`` function is pure: it takes numbers, calls the tested library, and
returns a :class:`matplotlib.figure.Figure` (no pyplot state, no display). The chapters
call them once at a few settings for the static figures,
:mod:`rivervalley_lib.book.widgets` wraps them in live controls, and the kernel-less
figures of the published book are the same functions rendered at build time, so every
view shows the same computation. A step
size past the stability limit is reported in words on the figure instead of being
plotted.

Each function carries a plain-language ``alt_text`` (what the figure shows);
:func:`describe` appends the current settings to it.

The parameters come in the library's order (as in ``expected_next(valley, noise,
theta, eta)``): the valley, the noise (model, level, batch size and ``rng``, the source
of its draws, a seed or a Generator as in :func:`~rivervalley_lib.simulate`), the
state, the step size, then run lengths and sample counts, and overlays last. A figure
of recorded data (:func:`spectrum_history_figure`) takes the data first.

Examples
--------
>>> from rivervalley_lib import figures
>>> fig = figures.valley_2d_figure(eta=0.25, condition=20.0, sigma=0.3)
>>> print(fig.axes[0].texts[0].get_text().splitlines()[0])
diverges: $\eta = 0.25 > 2/\lambda_{\max} = 0.2$
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ._figures_dynamics import (
    paradox_figure,
    spectrum_history_figure,
    step_size_choice_figure,
    two_phase_figure,
)
from ._figures_regimes import (
    regime_map_figure,
    self_correction_figure,
    sign_agreement_figure,
)
from ._figures_theory import noise_figure, one_step_figure, valley_2d_figure

__all__ = [
    "valley_2d_figure",
    "noise_figure",
    "one_step_figure",
    "regime_map_figure",
    "self_correction_figure",
    "sign_agreement_figure",
    "paradox_figure",
    "two_phase_figure",
    "spectrum_history_figure",
    "step_size_choice_figure",
    "describe",
]


def describe(update: Callable[..., Figure], settings: dict[str, Any]) -> str:
    """Alt text for a figure drawn by ``update`` at the given slider settings.

    Parameters
    ----------
    update : callable
        One of the ``*_figure`` functions of this module (they carry ``alt_text``).
    settings : dict
        The current values of the widget's controls.

    Returns
    -------
    str
        The description of the figure followed by the settings, e.g.
        ``"... Settings: eta = 0.1."``.

    Examples
    --------
    >>> describe(one_step_figure, {"eta": 0.1, "chi": 0.3}).split("Settings: ")[1]
    'eta = 0.1, chi = 0.3.'
    """
    if not isinstance(settings, Mapping):
        raise TypeError(f"settings must be a mapping, got {type(settings).__name__}")
    text = getattr(update, "alt_text", None)
    if not isinstance(text, str):
        raise ValueError(
            "update must be one of the figure functions of "
            "rivervalley_lib.book.figures "
            f"{sorted(__all__[:-1])}, got {getattr(update, '__name__', update)!r}"
        )
    parts = []
    for key, value in settings.items():
        if isinstance(value, float | np.floating):
            parts.append(f"{key} = {value:.3g}")
        elif isinstance(value, int | str | np.integer):
            parts.append(f"{key} = {value}")
    tail = f" Settings: {', '.join(parts)}." if parts else ""
    return text + tail
