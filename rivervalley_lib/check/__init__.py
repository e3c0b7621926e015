r"""Answer checks for the exercises: a plain-words verdict that never reveals the
solution.

Each function compares a student's answer with the library's own computation and prints
one line: ``✓`` and what was checked, or ``✗`` with a hint about where to look. It
returns ``True`` or ``False`` so a grader can count. The expected value is never
printed.

Examples
--------
>>> import rivervalley_lib as rv
>>> from rivervalley_lib import check
>>> valley = rv.RiverValley.two_level(d=10, k=2, dominant=3.0, bulk=1.0)
>>> check.critical_step_size(0.5, valley, rv.IsotropicNoise(0.0), [1.0] * 10)
✓ critical step size: correct.
True
>>> check.critical_step_size(0.4, valley, rv.IsotropicNoise(0.0), [1.0] * 10)
✗ critical step size: not yet. Hint: without noise on a two-level spectrum the
threshold does not depend on the state; compare |1 - eta*lambda| with |1 - eta*mu|.
False
"""

from ._exercises import (
    bisection_bracket,
    collapse_scale,
    decreasing,
    local_alignment,
    local_critical_step_size,
    one_step_gaps,
)
from ._theory import (
    critical_step_size,
    expected_loss_change,
    noise_floor_plateau,
    projection_thresholds,
    simulated_plateau,
    stochastic_alignment,
)

__all__ = [
    "critical_step_size",
    "noise_floor_plateau",
    "simulated_plateau",
    "projection_thresholds",
    "expected_loss_change",
    "stochastic_alignment",
    "decreasing",
    "one_step_gaps",
    "bisection_bracket",
    "collapse_scale",
    "local_critical_step_size",
    "local_alignment",
]
