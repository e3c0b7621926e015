"""rivervalley_lib: the quadratic river-valley model of SGD's suspicious alignment.

The public API is re-exported here; the implementation lives in private modules. The
submodules ``symbolic`` (sympy derivations), ``plotting`` (the book's figure style),
``widgets`` (the figures behind the book's widgets), ``network`` (a numpy MLP with exact
Hessian-vector products) and ``diagnostics`` (alignment measurements for any model) complete it.

Examples
--------
>>> import rivervalley_lib as rv
>>> valley = rv.RiverValley.two_level(d=100, k=2, dominant=10.0, bulk=0.1)
>>> round(rv.critical_step_size(valley, rv.IsotropicNoise(0.0), [1.0] * 100), 4)
0.198
"""

from . import diagnostics, network
from ._exact import expected_alignment
from ._landscape import RiverValley
from ._noise import CurvatureNoise, IsotropicNoise, NoiseModel, RegressionNoise
from ._simulate import DivergenceError, Trace, simulate
from ._theory import (
    MeanFieldTrajectory,
    PhaseLengths,
    alignment,
    alignment_regime,
    critical_step_size,
    expected_alignment_step,
    expected_loss_change,
    expected_next,
    expected_trajectory,
    gradient_alignment,
    measured_phase_lengths,
    noise_floor,
    phase_lengths,
    projection_thresholds,
    self_correction_alignment,
    state_with_alignment,
)

__version__ = "0.1.0"

__all__ = [
    "RiverValley",
    "NoiseModel",
    "IsotropicNoise",
    "CurvatureNoise",
    "RegressionNoise",
    "alignment",
    "gradient_alignment",
    "expected_next",
    "expected_alignment_step",
    "expected_alignment",
    "critical_step_size",
    "alignment_regime",
    "projection_thresholds",
    "expected_loss_change",
    "noise_floor",
    "phase_lengths",
    "PhaseLengths",
    "expected_trajectory",
    "MeanFieldTrajectory",
    "state_with_alignment",
    "self_correction_alignment",
    "measured_phase_lengths",
    "simulate",
    "Trace",
    "DivergenceError",
]
