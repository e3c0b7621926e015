"""rivervalley_lib: the quadratic river-valley model of SGD's suspicious alignment.

The public API is re-exported here; the implementation lives in private modules, one
concept each, whose imports flow one way:

``_validation`` → ``_landscape`` (the model) → ``_noise`` → ``_moments`` → ``_exact``
→ ``_one_step`` → ``_projections`` → ``_blocks``, ``_linalg`` → ``_mean_field``,
``_states`` → ``_trace`` → ``_simulate`` → ``_measure``.

The submodules ``symbolic`` (sympy derivations), ``plotting`` (the book's figure style),
``scenarios`` (the book's named valleys), ``figures`` (the figure functions behind the
book's widgets), ``widgets`` (their ipywidgets controls), ``network`` (a numpy MLP with
exact Hessian-vector products), ``diagnostics`` (alignment measurements for any model)
and ``check`` (self-study exercise checks) complete it.

Examples
--------
>>> import rivervalley_lib as rv
>>> valley = rv.RiverValley.two_level(d=100, k=2, dominant=10.0, bulk=0.1)
>>> round(rv.critical_step_size(valley, rv.IsotropicNoise(0.0), [1.0] * 100), 4)
0.198
"""

# Submodules re-exported as attributes (rv.diagnostics, rv.network), not in __all__.
from . import diagnostics as diagnostics
from . import network as network
from ._exact import expected_alignment
from ._landscape import RiverValley
from ._mean_field import (
    MeanFieldTrajectory,
    NoiseFloor,
    PhaseLengths,
    expected_trajectory,
    noise_floor,
    phase_lengths,
)
from ._measure import MeasuredPhases, measured_phase_lengths
from ._noise import CurvatureNoise, IsotropicNoise, NoiseModel, RegressionNoise
from ._one_step import (
    ExpectedEnergies,
    alignment,
    alignment_regime,
    critical_step_size,
    energy_ratio_step,
    expected_next,
    gradient_alignment,
)
from ._projections import (
    ProjectionThresholds,
    expected_loss_change,
    projection_thresholds,
)
from ._simulate import DivergenceError, Trace, sample_gradient, sample_step, simulate
from ._states import self_correction_threshold, state_with_alignment

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
    "ExpectedEnergies",
    "energy_ratio_step",
    "expected_alignment",
    "critical_step_size",
    "alignment_regime",
    "projection_thresholds",
    "ProjectionThresholds",
    "expected_loss_change",
    "noise_floor",
    "NoiseFloor",
    "phase_lengths",
    "PhaseLengths",
    "expected_trajectory",
    "MeanFieldTrajectory",
    "state_with_alignment",
    "self_correction_threshold",
    "measured_phase_lengths",
    "MeasuredPhases",
    "simulate",
    "sample_gradient",
    "sample_step",
    "Trace",
    "DivergenceError",
]
