"""rivervalley_lib: the quadratic river-valley model of SGD's suspicious alignment.

The public API is re-exported here (``rv.simulate``, ``rv.critical_step_size``, ...).
The implementation lives in subpackages, one layer each, whose ``__init__`` re-exports
what is public from private ``_x.py`` modules.

Architecture
------------
Each subpackage imports only from itself, from the private base module
``_validation`` (argument checks) and from the subpackages named after its arrow. This
table is the rule: ``tests/library/test_api.py`` reads it and fails on any other
import::

    model        <-
    theory       <- model
    simulation   <- model
    symbolic     <-
    diagnostics  <- theory, model
    network      <- diagnostics
    check        <- diagnostics, simulation, theory, model
    book         <- simulation, theory, model

Theory and simulation never import each other, so comparing them is an independent
check. :mod:`~rivervalley_lib.model` (the valley and the noise models),
:mod:`~rivervalley_lib.theory` (one-step laws, thresholds, mean field),
:mod:`~rivervalley_lib.simulation` (SGD runs), :mod:`~rivervalley_lib.symbolic` (the
sympy derivations), :mod:`~rivervalley_lib.diagnostics` (alignment measured on any
model),
:mod:`~rivervalley_lib.network` (a numpy MLP with exact Hessian-vector products),
:mod:`~rivervalley_lib.check` (self-study exercise checks) and
:mod:`~rivervalley_lib.book` (figure style, named valleys, figures, frames, widgets).
The book's modules are also reachable as ``rv.figures``, ``rv.frames``, ``rv.widgets``,
``rv.plotting`` and ``rv.scenarios``, loaded on first use: importing the library never
imports matplotlib, ipywidgets or sympy.

Examples
--------
>>> import rivervalley_lib as rv
>>> valley = rv.RiverValley.two_level(d=100, k=2, dominant=10.0, bulk=0.1)
>>> round(rv.critical_step_size(valley, rv.IsotropicNoise(0.0), [1.0] * 100), 4)
0.198
"""

import importlib
from types import ModuleType

# Subpackages re-exported as attributes (rv.diagnostics, rv.network), not in __all__.
from . import diagnostics as diagnostics
from . import model as model
from . import network as network
from . import simulation as simulation
from . import theory as theory
from .model import *  # noqa: F403
from .simulation import *  # noqa: F403
from .theory import *  # noqa: F403

__version__ = "0.1.0"

__all__ = [*model.__all__, *theory.__all__, *simulation.__all__]

# Loaded on first attribute access (``rv.figures``, ``rv.check``, ...): the book's
# presentation modules need matplotlib and ipywidgets, the derivations need sympy.
_LAZY = {
    "book": "book",
    "check": "check",
    "symbolic": "symbolic",
    **{
        name: f"book.{name}"
        for name in ("plotting", "scenarios", "figures", "frames", "widgets")
    },
}


def __getattr__(name: str) -> ModuleType:
    if name in _LAZY:
        try:
            return importlib.import_module(f"{__name__}.{_LAZY[name]}")
        except ModuleNotFoundError as err:
            if err.name in ("matplotlib", "sympy", "ipywidgets", "IPython"):
                raise ImportError(
                    f"rv.{name} needs {err.name}, one of the book's extras: "
                    "pip install 'rivervalley_lib[book]'"
                ) from err
            raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
