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

# The checks grade against the library's public API, reached through the package (it is
# fully imported before any submodule such as this one).
import rivervalley_lib as _rv  # noqa: E402

from ._landscape import RiverValley
from ._noise import NoiseModel

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


def _verdict(ok: bool, what: str, hint: str) -> bool:
    ok = bool(ok)
    print(f"✓ {what}: correct." if ok else f"✗ {what}: not yet. Hint: {hint}")
    return ok


def _number(answer, what: str) -> float | None:
    if isinstance(answer, bool) or not isinstance(answer, (numbers.Real, np.number)):
        print(
            f"✗ {what}: the answer should be a single real number, got {type(answer).__name__}."
        )
        return None
    value = float(answer)
    if math.isnan(value):
        print(f"✗ {what}: the answer is NaN; check for a division 0/0 or an overflow.")
        return None
    return value


def _close(answer: float, expected: float, rtol: float) -> bool:
    answer, expected = float(answer), float(expected)
    if math.isinf(expected) or math.isinf(answer):
        return (
            math.isinf(expected)
            and math.isinf(answer)
            and (expected > 0) == (answer > 0)
        )
    return abs(answer - expected) <= rtol * max(abs(expected), 1e-300)


def critical_step_size(
    answer, landscape: RiverValley, noise: NoiseModel, theta, *, rtol: float = 1e-3
) -> bool:
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
    expected = _rv.critical_step_size(landscape, noise, theta)
    if math.isinf(expected):
        hint = "at this state Delta_t <= 0: is there any step size at which the alignment rises?"
    elif float(noise.diagonal(landscape, np.asarray(theta, dtype=float)).max()) == 0:
        hint = "without noise on a two-level spectrum the threshold does not depend on the state; compare |1 - eta*lambda| with |1 - eta*mu|."
    else:
        hint = "solve E[D']/(E[D'] + E[B']) = D/(D+B) for eta; the noise terms n_D/D and n_B/B enter the denominator."
    return _verdict(_close(value, expected, rtol), what, hint)


def noise_floor_plateau(
    answer, landscape: RiverValley, noise: NoiseModel, eta: float, *, rtol: float = 1e-3
) -> bool:
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
    expected = _rv.noise_floor(landscape, noise, eta).alignment
    return _verdict(
        _close(value, expected, rtol),
        what,
        "each coordinate settles at u_i = eta*lambda_i*s_i/(2 - eta*lambda_i); sum them per block.",
    )


def simulated_plateau(
    answer,
    landscape: RiverValley,
    noise: NoiseModel,
    eta: float,
    *,
    run,
    last: int,
    rtol: float = 0.02,
) -> bool:
    r"""Check a plateau estimated from the simulation ``run``: the ratio of averaged :math:`D` and :math:`B`.

    The answer must be the ratio of the averages of ``run.D`` and ``run.B`` over the last
    ``last`` recorded steps and all seeds (so a closed-form value does not pass), and that
    simulated plateau must agree with :math:`\chi_\infty` to ``rtol`` (so a run too short or
    too noisy does not pass either).

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> valley, noise = rv.RiverValley([4.0, 1.0], k=1), rv.IsotropicNoise(1.0)
    >>> run = rv.simulate(valley, noise, 0.25, 2000, [1.0, 1.0], seeds=200, rng=0)
    >>> simulated_plateau(rv.noise_floor(valley, noise, 0.25).alignment, valley, noise, 0.25, run=run, last=1000)
    ✗ simulated plateau: not yet. Hint: the answer is not the ratio of the averages of run.D and run.B over its last 1000 steps: average D and B over those steps and all seeds first, then take D/(D+B).
    False
    """
    what = "simulated plateau"
    value = _number(answer, what)
    if value is None:
        return False
    D, B = np.asarray(run.D, dtype=float), np.asarray(run.B, dtype=float)
    if D.ndim != 2 or D.shape != B.shape or not 1 <= int(last) <= D.shape[1]:
        print(
            f"✗ {what}: run should be a Trace from rv.simulate and last between 1 and its number of steps."
        )
        return False
    D_bar, B_bar = D[:, -int(last) :].mean(), B[:, -int(last) :].mean()
    own = D_bar / (D_bar + B_bar)
    if not _close(value, own, 1e-9):
        hint = f"the answer is not the ratio of the averages of run.D and run.B over its last {int(last)} steps: average D and B over those steps and all seeds first, then take D/(D+B)."
        return _verdict(False, what, hint)
    expected = _rv.noise_floor(landscape, noise, eta).alignment
    hint = "your run's plateau is off the theory: make sure the run is long enough to forget its start, averages over late steps only, and has enough seeds."
    return _verdict(_close(own, expected, rtol), what, hint)


def projection_thresholds(
    answer, landscape: RiverValley, noise: NoiseModel, theta, *, rtol: float = 1e-3
) -> bool:
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
    eD, eB = _rv.projection_thresholds(landscape, noise, theta)
    if not _close(vD, eD, rtol) and not _close(vB, eB, rtol):
        hint = "both are off: E[Delta L_X] = -eta*X + eta^2/2 (a_X + t_X); find its non-zero root for each block."
    elif not _close(vD, eD, rtol):
        hint = "eta_D is off: did you include the noise term t_D = sum_(i<=k) lambda_i s_i?"
    else:
        hint = (
            "eta_B is off: did you include the noise term t_B = sum_(i>k) lambda_i s_i?"
        )
    return _verdict(_close(vD, eD, rtol) and _close(vB, eB, rtol), what, hint)


def expected_loss_change(
    answer,
    landscape: RiverValley,
    noise: NoiseModel,
    theta,
    eta: float,
    *,
    projection: str = "none",
    rtol: float = 1e-3,
    samples=None,
) -> bool:
    r"""Check an expected one-step loss change of SGD, Dom-SGD or Bulk-SGD.

    With ``samples`` (the Monte Carlo loss changes the answer averages), the answer must be their
    mean, and it must lie within five standard errors of the expectation: a closed-form value
    does not pass, and ``rtol`` is not used.

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
    expected = _rv.expected_loss_change(
        landscape, noise, theta, eta, projection=projection
    )
    hint = "a projected step moves only its own block loss: -eta*X + eta^2/2 (a_X + t_X) for that block."
    if np.sign(value) != np.sign(expected):
        hint = (
            "the sign is wrong: compare eta with the block's threshold 2X/(a_X + t_X)."
        )
    if samples is None:
        return _verdict(_close(value, expected, rtol), what, hint)
    x = np.asarray(samples, dtype=float).ravel()
    if x.size < 2 or not _close(value, x.mean(), 1e-9):
        return _verdict(
            False,
            what,
            "the answer should be the mean of the Monte Carlo loss changes passed as samples.",
        )
    se = x.std(ddof=1) / np.sqrt(x.size)
    hint = "the Monte Carlo mean is more than five standard errors off: draw the steps from the checkpoint with the stated step size and projection."
    return _verdict(se > 0 and abs(value - expected) < 5 * se, what, hint)


def stochastic_alignment(
    answer, landscape: RiverValley, noise: NoiseModel, theta, *, rtol: float = 1e-3
) -> bool:
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
    return _verdict(
        _close(value, expected, rtol),
        what,
        "E|P_D g_hat|^2 = |P_D g|^2 + sum_(i<=k) s_i, and the same over all coordinates for the denominator.",
    )


def decreasing(values, what: str = "trend", *, reference, tolerance) -> bool:
    """Check that measurements decrease strictly and match an independent measurement of the same quantity.

    ``reference`` holds the check's own measurement of every value and ``tolerance`` the allowed
    absolute difference for each (for example a few Monte Carlo standard errors): a decreasing
    list of other numbers does not pass.

    Examples
    --------
    >>> decreasing([0.1, 0.03, 0.01], "gap", reference=[0.1, 0.03, 0.01], tolerance=0.005)
    ✓ gap: correct.
    True
    >>> decreasing([3, 2, 1], "gap", reference=[0.1, 0.03, 0.01], tolerance=0.005)
    ✗ gap: not yet. Hint: the values decrease, but they are not the quantity asked for: recompute them as the exercise states.
    False
    """
    arr = np.asarray(values, dtype=float)
    ref = np.asarray(reference, dtype=float)
    tol = np.broadcast_to(np.asarray(tolerance, dtype=float), ref.shape)
    if arr.shape != ref.shape:
        print(f"✗ {what}: expected {ref.size} values, got {arr.size}.")
        return False
    falls = arr.ndim == 1 and arr.size >= 2 and bool(np.all(np.diff(arr) < 0))
    if not falls:
        return _verdict(
            False,
            what,
            "the values should shrink as the dimension grows; use more samples if Monte Carlo noise hides the trend.",
        )
    hint = "the values decrease, but they are not the quantity asked for: recompute them as the exercise states."
    return _verdict(bool(np.all(np.abs(arr - ref) <= tol)), what, hint)


def one_step_gaps(
    gaps,
    ks=(1, 4, 16, 64),
    *,
    lam: float = 10.0,
    mu: float = 0.2,
    chi: float = 0.3,
    sigma: float = 0.3,
    eta: float = 0.1,
    samples: int = 10_000,
) -> bool:
    r"""Check the gaps :math:`|\mathbb E[\chi_{t+1}] - \bar\chi_{t+1}|` of the chapter 3 exercise.

    For each ``k`` the two-level valley has ``d = 25 k`` directions and the state alignment
    ``chi`` with :math:`G^2 = k/4`. The check measures every gap itself from independent samples
    and accepts the student's values within five combined Monte Carlo standard errors, if they
    also decrease.

    Examples
    --------
    >>> one_step_gaps([0.3, 0.2, 0.1, 0.05])
    ✗ gap between the mean alignment and the ratio of expectations: not yet. Hint: the values decrease, but they are not the quantity asked for: recompute them as the exercise states.
    False
    """
    from ._noise import IsotropicNoise

    reference, tolerance = [], []
    noise = IsotropicNoise(sigma)
    for i, k in enumerate(ks):
        valley = RiverValley.two_level(d=25 * k, k=k, dominant=lam, bulk=mu)
        theta0 = _rv.state_with_alignment(valley, chi, energy=k / 4)
        th = np.broadcast_to(theta0, (samples, valley.d))
        draws = noise.sample(valley, th, np.random.default_rng(10_007 + i))
        x = _rv.alignment(valley, th - eta * (valley.gradient(th) + draws))
        reference.append(
            abs(x.mean() - _rv.expected_alignment_step(valley, noise, theta0, eta))
        )
        tolerance.append(5 * x.std(ddof=1) * np.sqrt(1 / samples + 1 / x.size))
    what = "gap between the mean alignment and the ratio of expectations"
    return decreasing(gaps, what, reference=reference, tolerance=tolerance)


def bisection_bracket(
    lo, hi, landscape: RiverValley, noise: NoiseModel, theta, *, rtol: float = 1e-6
) -> bool:
    r"""Check a final bisection bracket ``[lo, hi]`` for :math:`\eta^*_t` (chapter 4).

    The alignment must fall just below ``lo`` and rise just above ``hi`` (one step in
    expectation, evaluated ``0.1 * rtol * hi`` outside the bracket, where the sign is not rounding
    noise), and the bracket must be narrower than ``rtol * hi``: the evidence of a bisection,
    not a single value.

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> valley = rv.RiverValley.two_level(d=10, k=2, dominant=3.0, bulk=1.0)
    >>> bisection_bracket(0.49, 0.51, valley, rv.IsotropicNoise(0.0), [1.0] * 10)
    ✗ eta* bracket: not yet. Hint: the bracket is still wide: keep halving it (about 60 halvings reach double precision).
    False
    """
    what = "eta* bracket"
    a, b = _number(lo, what + " (lo)"), _number(hi, what + " (hi)")
    if a is None or b is None:
        return False
    theta = np.asarray(theta, dtype=float)
    chi = _rv.alignment(landscape, theta)
    if not 0 < a < b:
        return _verdict(False, what, "the bracket should satisfy 0 < lo < hi.")
    # Evaluated just outside the bracket: at the root itself the sign is rounding noise.
    pad = 0.1 * rtol * b
    if not (
        _rv.expected_alignment_step(landscape, noise, theta, a - pad)
        < chi
        < _rv.expected_alignment_step(landscape, noise, theta, b + pad)
    ):
        return _verdict(
            False,
            what,
            "the alignment should fall at lo and rise at hi: move lo when it falls at the midpoint, hi when it rises.",
        )
    return _verdict(
        b - a <= rtol * b,
        what,
        "the bracket is still wide: keep halving it (about 60 halvings reach double precision).",
    )


def collapse_scale(
    answer,
    landscape: RiverValley,
    noise: NoiseModel,
    eta: float,
    *,
    steps: int = 3000,
    factor: float = 1.5,
) -> bool:
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
    mf = _rv.expected_trajectory(
        landscape, noise, eta, steps, grid[:, None] * np.ones(landscape.d)
    )
    chi_inf = _rv.noise_floor(landscape, noise, eta).alignment
    dips = mf.alignment.min(axis=1) < 0.5 * chi_inf
    expected = float(grid[np.argmax(dips)]) if dips.any() else math.inf
    ok = math.isfinite(expected) and expected / factor <= value <= expected * factor
    hint = "the collapse needs a dominant energy well above its noise floor; scan c on a log grid and look at the minimum of the expected alignment."
    return _verdict(ok, what, hint)


def _local(
    answer, grad, hvp, theta, k: int, *, field: str, what: str, hint: str, rtol: float
) -> bool:
    """Shared body of the local checks: compare ``answer`` with one field of ``measure_alignment``."""
    from .diagnostics import measure_alignment

    value = _number(answer, what)
    if value is None:
        return False
    expected = getattr(
        measure_alignment(grad(theta), lambda v: hvp(theta, v), k), field
    )
    return _verdict(_close(value, expected, rtol), what, hint)


def local_critical_step_size(
    answer, grad, hvp, theta, k: int, *, rtol: float = 1e-6
) -> bool:
    r"""Check a noise-free :math:`\eta^*_t` of any model from its gradient and Hessian-vector product.

    Examples
    --------
    >>> import numpy as np
    >>> H = np.diag([3.0, 3.0, 1.0, 1.0])
    >>> local_critical_step_size(0.5, lambda w: H @ w, lambda w, v: H @ v, np.ones(4), k=2)
    ✓ local critical step size: correct.
    True
    """
    hint = "rotate into the Hessian's eigenbasis (theta = Q^T (w - w*)) and use the river-valley formula there."
    return _local(
        answer,
        grad,
        hvp,
        theta,
        k,
        field="eta_star",
        what="local critical step size",
        hint=hint,
        rtol=rtol,
    )


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
    hint = "project the full-batch gradient on the top-k eigenvectors U: |U^T g|^2 / |g|^2 (squared, not the norm ratio)."
    return _local(
        answer,
        grad,
        hvp,
        theta,
        k,
        field="alignment",
        what="alignment",
        hint=hint,
        rtol=rtol,
    )
