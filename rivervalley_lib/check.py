r"""Answer checks for the exercises: a plain-words verdict that never reveals the solution.

Each function compares a student's answer with the library's own computation and prints one
line: ``✓`` and what was checked, or ``✗`` with a hint about where to look. It returns ``True`` or
``False`` so a grader can count. The expected value is never printed.

Examples
--------
>>> import rivervalley_lib as rv
>>> from rivervalley_lib import check
>>> valley = rv.RiverValley.two_level(d=10, k=2, dominant=3.0, bulk=1.0)
>>> check.critical_step_size(0.5, valley, rv.IsotropicNoise(0.0), [1.0] * 10)
✓ critical step size: correct.
True
>>> check.critical_step_size(0.4, valley, rv.IsotropicNoise(0.0), [1.0] * 10)
✗ critical step size: not yet. Hint: without noise on a two-level spectrum the threshold does not depend on the state; compare |1 - eta*lambda| with |1 - eta*mu|.
False
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._landscape import RiverValley
from ._mean_field import expected_trajectory, noise_floor
from ._noise import NoiseModel
from ._one_step import critical_step_size as _critical_step_size
from ._projections import expected_loss_change as _expected_loss_change
from ._projections import projection_thresholds as _projection_thresholds

__all__ = [
    "critical_step_size",
    "noise_floor_plateau",
    "simulated_plateau",
    "projection_thresholds",
    "expected_loss_change",
    "stochastic_alignment",
    "decreasing",
    "collapse_scale",
    "local_critical_step_size",
    "local_alignment",
]


def _verdict(ok: bool, what: str, hint: str) -> bool:
    ok = bool(ok)
    print(f"✓ {what}: correct." if ok else f"✗ {what}: not yet. Hint: {hint}")
    return ok


def _number(answer, what: str) -> float | None:
    if isinstance(answer, bool) or not isinstance(answer, (numbers.Real, np.number)):
        print(f"✗ {what}: the answer should be a single real number, got {type(answer).__name__}.")
        return None
    value = float(answer)
    if math.isnan(value):
        print(f"✗ {what}: the answer is NaN; check for a division 0/0 or an overflow.")
        return None
    return value


def _close(answer: float, expected: float, rtol: float) -> bool:
    answer, expected = float(answer), float(expected)
    if math.isinf(expected) or math.isinf(answer):
        return math.isinf(expected) and math.isinf(answer) and (expected > 0) == (answer > 0)
    return abs(answer - expected) <= rtol * max(abs(expected), 1e-300)


def critical_step_size(answer, landscape: RiverValley, noise: NoiseModel, theta, *, rtol: float = 1e-3) -> bool:
    r"""Check a value of :math:`\eta^*_t` at ``theta`` (``math.inf`` in the self-correcting regime).

    Examples
    --------
    >>> import math, rivervalley_lib as rv
    >>> valley = rv.RiverValley.two_level(d=100, k=2, dominant=10.0, bulk=0.1)
    >>> critical_step_size(math.inf, valley, rv.IsotropicNoise(0.1), [1.0, 1.0] + [1e-3] * 98)
    ✓ critical step size: correct.
    True
    """
    what = "critical step size"
    value = _number(answer, what)
    if value is None:
        return False
    expected = _critical_step_size(landscape, noise, theta)
    if math.isinf(expected):
        hint = "at this state Delta_t <= 0: is there any step size at which the alignment rises?"
    elif float(noise.diagonal(landscape, np.asarray(theta, dtype=float)).max()) == 0:
        hint = "without noise on a two-level spectrum the threshold does not depend on the state; compare |1 - eta*lambda| with |1 - eta*mu|."
    else:
        hint = "solve E[D']/(E[D'] + E[B']) = D/(D+B) for eta; the noise terms n_D/D and n_B/B enter the denominator."
    return _verdict(_close(value, expected, rtol), what, hint)


def noise_floor_plateau(answer, landscape: RiverValley, noise: NoiseModel, eta: float, *, rtol: float = 1e-3) -> bool:
    r"""Check a closed-form plateau :math:`\chi_\infty` for constant step ``eta``.

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> noise_floor_plateau(0.875, rv.RiverValley([4.0, 1.0], k=1), rv.IsotropicNoise(1.0), 0.25)
    ✓ plateau chi_inf: correct.
    True
    """
    what = "plateau chi_inf"
    value = _number(answer, what)
    if value is None:
        return False
    expected = noise_floor(landscape, noise, eta).alignment
    return _verdict(_close(value, expected, rtol), what, "each coordinate settles at u_i = eta*lambda_i*s_i/(2 - eta*lambda_i); sum them per block.")


def simulated_plateau(answer, landscape: RiverValley, noise: NoiseModel, eta: float, *, rtol: float = 0.02) -> bool:
    r"""Check a plateau *estimated from simulation* (ratio of averaged :math:`D` and :math:`B`) to ``rtol``.

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> simulated_plateau(0.5, rv.RiverValley([4.0, 1.0], k=1), rv.IsotropicNoise(1.0), 0.25)
    ✗ simulated plateau: not yet. Hint: average D and B over late steps and all seeds first, then take D/(D+B); make sure the run is long enough to forget its start.
    False
    """
    what = "simulated plateau"
    value = _number(answer, what)
    if value is None:
        return False
    expected = noise_floor(landscape, noise, eta).alignment
    hint = "average D and B over late steps and all seeds first, then take D/(D+B); make sure the run is long enough to forget its start."
    return _verdict(_close(value, expected, rtol), what, hint)


def projection_thresholds(answer, landscape: RiverValley, noise: NoiseModel, theta, *, rtol: float = 1e-3) -> bool:
    r"""Check a pair :math:`(\eta_{\mathcal D}, \eta_{\mathcal B})` at ``theta``.

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> projection_thresholds((0.5, 2.0), rv.RiverValley([4.0, 1.0], k=1), rv.IsotropicNoise(0.0), [1.0, 1.0])
    ✓ projection thresholds: correct.
    True
    """
    what = "projection thresholds"
    try:
        eta_D, eta_B = answer
    except (TypeError, ValueError):
        print(f"✗ {what}: the answer should be a pair (eta_D, eta_B).")
        return False
    vD, vB = _number(eta_D, what + " (eta_D)"), _number(eta_B, what + " (eta_B)")
    if vD is None or vB is None:
        return False
    eD, eB = _projection_thresholds(landscape, noise, theta)
    if not _close(vD, eD, rtol) and not _close(vB, eB, rtol):
        hint = "both are off: E[Delta L_X] = -eta*X + eta^2/2 (a_X + t_X); find its non-zero root for each block."
    elif not _close(vD, eD, rtol):
        hint = "eta_D is off: did you include the noise term t_D = sum_(i<=k) lambda_i s_i?"
    else:
        hint = "eta_B is off: did you include the noise term t_B = sum_(i>k) lambda_i s_i?"
    return _verdict(_close(vD, eD, rtol) and _close(vB, eB, rtol), what, hint)


def expected_loss_change(answer, landscape: RiverValley, noise: NoiseModel, theta, eta: float, *, projection: str = "none", rtol: float = 1e-3) -> bool:
    r"""Check an expected one-step loss change of SGD, Dom-SGD or Bulk-SGD.

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> expected_loss_change(-2.0, rv.RiverValley([4.0, 1.0], k=1), rv.IsotropicNoise(0.0), [1.0, 1.0], 0.25, projection="dominant")
    ✓ expected loss change: correct.
    True
    """
    what = "expected loss change"
    value = _number(answer, what)
    if value is None:
        return False
    expected = _expected_loss_change(landscape, noise, theta, eta, projection=projection)
    hint = "a projected step moves only its own block loss: -eta*X + eta^2/2 (a_X + t_X) for that block."
    if np.sign(value) != np.sign(expected):
        hint = "the sign is wrong: compare eta with the block's threshold 2X/(a_X + t_X)."
    return _verdict(_close(value, expected, rtol), what, hint)


def stochastic_alignment(answer, landscape: RiverValley, noise: NoiseModel, theta, *, rtol: float = 1e-3) -> bool:
    r"""Check the ratio of expectations :math:`\mathbb E\lVert P_{\mathcal D}\hat g\rVert^2/\mathbb E\lVert\hat g\rVert^2`.

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> stochastic_alignment(0.5, rv.RiverValley([1.0, 1e-9], k=1), rv.IsotropicNoise(1.0), [0.0, 0.0])
    ✓ stochastic alignment: correct.
    True
    """
    what = "stochastic alignment"
    value = _number(answer, what)
    if value is None:
        return False
    theta = np.asarray(theta, dtype=float)
    g = landscape.gradient(theta)
    s = noise.diagonal(landscape, theta)
    k = landscape.k
    expected = (g[:k] @ g[:k] + s[:k].sum()) / (g @ g + s.sum())
    return _verdict(_close(value, expected, rtol), what, "E|P_D g_hat|^2 = |P_D g|^2 + sum_(i<=k) s_i, and the same over all coordinates for the denominator.")


def decreasing(values, what: str = "trend") -> bool:
    """Check that a sequence of measurements decreases strictly.

    Examples
    --------
    >>> decreasing([0.1, 0.03, 0.01], "gap")
    ✓ gap: correct.
    True
    """
    arr = np.asarray(values, dtype=float)
    ok = arr.ndim == 1 and arr.size >= 2 and bool(np.all(np.diff(arr) < 0))
    return _verdict(ok, what, "the values should shrink as the dimension grows; use more samples if Monte Carlo noise hides the trend.")


def collapse_scale(answer, landscape: RiverValley, noise: NoiseModel, eta: float, *, steps: int = 3000, factor: float = 1.5) -> bool:
    r"""Check the smallest initialization scale :math:`c` whose expected alignment dips below :math:`\chi_\infty/2`.

    The answer is accepted within a factor ``factor`` of the library's value (found on a fine grid).

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> from rivervalley_lib import scenarios
    >>> collapse_scale(1e-3, scenarios.HEADLINE_VALLEY, scenarios.HEADLINE_NOISE, 1.0, steps=500)
    ✗ initialization scale of the collapse: not yet. Hint: the collapse needs a dominant energy well above its noise floor; scan c on a log grid and look at the minimum of the expected alignment.
    False
    """
    what = "initialization scale of the collapse"
    value = _number(answer, what)
    if value is None:
        return False
    grid = np.geomspace(1e-3, 100, 201)
    mf = expected_trajectory(landscape, noise, eta, steps, grid[:, None] * np.ones(landscape.d))
    chi_inf = noise_floor(landscape, noise, eta).alignment
    dips = mf.alignment.min(axis=1) < 0.5 * chi_inf
    expected = float(grid[np.argmax(dips)]) if dips.any() else math.inf
    ok = math.isfinite(expected) and expected / factor <= value <= expected * factor
    hint = "the collapse needs a dominant energy well above its noise floor; scan c on a log grid and look at the minimum of the expected alignment."
    return _verdict(ok, what, hint)


def local_critical_step_size(answer, grad, hvp, theta, k: int, *, rtol: float = 1e-6) -> bool:
    r"""Check a noise-free :math:`\eta^*_t` of any model from its gradient and Hessian-vector product.

    Examples
    --------
    >>> import numpy as np
    >>> H = np.diag([3.0, 3.0, 1.0, 1.0])
    >>> local_critical_step_size(0.5, lambda w: H @ w, lambda w, v: H @ v, np.ones(4), k=2)
    ✓ local critical step size: correct.
    True
    """
    from .diagnostics import measure_alignment

    what = "local critical step size"
    value = _number(answer, what)
    if value is None:
        return False
    expected = measure_alignment(grad(theta), lambda v: hvp(theta, v), k).eta_star
    return _verdict(_close(value, expected, rtol), what, "rotate into the Hessian's eigenbasis (theta = Q^T (w - w*)) and use the river-valley formula there.")


def local_alignment(answer, grad, hvp, theta, k: int, *, rtol: float = 1e-4) -> bool:
    r"""Check the alignment :math:`\chi_k` of the full gradient of any model with its top-:math:`k` Hessian eigenspace.

    Examples
    --------
    >>> import numpy as np
    >>> H = np.diag([3.0, 1.0])
    >>> local_alignment(0.9, lambda w: H @ w, lambda w, v: H @ v, np.ones(2), k=1)
    ✓ alignment: correct.
    True
    """
    from .diagnostics import measure_alignment

    what = "alignment"
    value = _number(answer, what)
    if value is None:
        return False
    expected = measure_alignment(grad(theta), lambda v: hvp(theta, v), k).alignment
    hint = "project the full-batch gradient on the top-k eigenvectors U: |U^T g|^2 / |g|^2 (squared, not the norm ratio)."
    return _verdict(_close(value, expected, rtol), what, hint)
