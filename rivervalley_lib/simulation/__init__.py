r"""Simulation: SGD, Dom-SGD and Bulk-SGD on the model, and what is measured on runs.

:func:`simulate` iterates
:math:`\theta_{t+1} = \theta_t - \eta_t P (g(\theta_t) + \xi_t)` with :math:`P` the
identity or a projector on the dominant or bulk subspace, exactly (per coordinate or per
block of equal eigenvalues), for many seeds at once. It imports only the model, never
the theory, so comparing the two is an independent check.

Examples
--------
>>> import numpy as np
>>> from rivervalley_lib import model, simulation
>>> valley = model.RiverValley.two_level(d=10, k=2, dominant=5.0, bulk=0.5)
>>> trace = simulation.simulate(valley, model.IsotropicNoise(0.0), 0.1, 3, np.ones(10))
>>> trace.alignment.shape  # (seeds, steps + 1)
(1, 4)
"""

from ._measure import MeasuredPhases, measured_phase_lengths, window_median
from ._sampling import sample_gradient, sample_step
from ._simulate import DivergenceError, Trace, simulate

__all__ = [
    "simulate",
    "sample_gradient",
    "sample_step",
    "Trace",
    "DivergenceError",
    "measured_phase_lengths",
    "MeasuredPhases",
    "window_median",
]
