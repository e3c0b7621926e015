r"""The theory: one-step laws of the expected energies, thresholds and the mean field.

For a state :math:`\theta` with dominant and bulk gradient energies
:math:`D = \lVert P_{\mathcal D} g\rVert^2` and
:math:`B = \lVert P_{\mathcal B} g\rVert^2`, one SGD step of size :math:`\eta` gives
:math:`\mathbb E X' = X - 2\eta a_X + \eta^2 (b_X + n_X)` for
:math:`X \in \{D, B\}`. The block sums of a state form a :class:`BlockMoments`, whose
methods are the one-step laws; the functions here build it from a state of the valley
and call them. This subpackage turns the laws into thresholds
(:func:`critical_step_size`, :func:`projection_thresholds`), the exact expectation
:func:`expected_alignment`, and the mean-field recursion over many steps
(:func:`expected_trajectory`, :func:`noise_floor`, :func:`phase_lengths`). It imports
only the model; the simulators check it independently.

Examples
--------
>>> import numpy as np
>>> from rivervalley_lib import model, theory
>>> valley = model.RiverValley.two_level(d=100, k=2, dominant=10.0, bulk=0.1)
>>> round(theory.critical_step_size(valley, model.IsotropicNoise(0.0), np.ones(100)), 4)
0.198
"""

from ._exact import expected_alignment
from ._mean_field import (
    MeanFieldTrajectory,
    NoiseFloor,
    PhaseLengths,
    expected_trajectory,
    noise_floor,
    phase_lengths,
)
from ._moments import BlockMoments, ExpectedEnergies, ProjectionThresholds
from ._momentum import heavy_ball_floor
from ._one_step import (
    alignment,
    alignment_regime,
    critical_step_size,
    energy_ratio_step,
    expected_next,
    gradient_alignment,
)
from ._projections import expected_loss_change, projection_thresholds
from ._states import self_correction_threshold, state_with_alignment

__all__ = [
    "BlockMoments",
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
    "heavy_ball_floor",
    "phase_lengths",
    "PhaseLengths",
    "expected_trajectory",
    "MeanFieldTrajectory",
    "state_with_alignment",
    "self_correction_threshold",
]
