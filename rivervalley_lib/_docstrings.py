r"""Shared docstring fragments: one description for a parameter many functions take.

A docstring names a fragment as ``%(name)s`` on a line of its own; :func:`fill_doc`
replaces that line by the fragment, indented like the marker, so the rendered docstring
(``help``, ``inspect.getdoc``, Sphinx autodoc) is complete. It is the mechanism of
pandas' ``Substitution``, without ``%``-formatting the rest of the text (LaTeX and
percent signs stay as written).

Examples
--------
>>> @fill_doc(x="x : float\n    The input.")
... def f(x):
...     '''Identity.
...
...     Parameters
...     ----------
...     %(x)s
...     '''
...     return x
>>> print(f.__doc__.strip().splitlines()[-1].strip())
The input.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

_MARKER = re.compile(r"^(?P<indent>[ \t]*)%\((?P<name>\w+)\)s[ \t]*$", re.MULTILINE)


def fill_doc(**fragments: str) -> Callable[[F], F]:
    r"""Return a decorator that substitutes the named ``fragments`` into a docstring.

    Parameters
    ----------
    **fragments : str
        Text for each ``%(name)s`` marker line, written without indentation; its lines
        are indented like the marker.

    Returns
    -------
    callable
        A decorator that rewrites ``__doc__`` of the function it decorates and returns
        the function. A marker without a fragment raises ``KeyError`` at import time.

    Examples
    --------
    >>> @fill_doc(y="y : int\n    A count.")
    ... def g(y):
    ...     '''Count.
    ...
    ...     %(y)s
    ...     '''
    >>> "y : int" in g.__doc__
    True
    """

    def replace(match: re.Match) -> str:
        indent = match.group("indent")
        text = fragments[match.group("name")]
        return "\n".join(indent + line if line else line for line in text.splitlines())

    def decorate(func: F) -> F:
        if func.__doc__:
            func.__doc__ = _MARKER.sub(replace, func.__doc__)
        return func

    return decorate


STATE_PARAMS = r"""valley : RiverValley
    The valley: eigenvalues :math:`\lambda_i \ge 0` of :math:`H`, dominant first.
noise : NoiseModel
    The gradient-noise model (diagonal :math:`s_i = \Sigma_{ii}`).
theta : array_like, shape (..., d)
    State(s) :math:`\theta_t` with non-zero gradient; leading axes are batch axes."""
"""The parameters of the one-step theory functions: valley, noise and state(s)."""

STEP_PARAM = r"""eta : float or array_like
    Step size(s) :math:`\eta > 0`, broadcast against the leading axes of ``theta``."""
"""The step-size parameter of the one-step theory functions."""

state_doc = fill_doc(state=STATE_PARAMS, step=STEP_PARAM)
"""Decorator filling ``%(state)s`` and ``%(step)s`` in a theory function's docstring."""
