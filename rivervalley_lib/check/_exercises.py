"""Implementation of :mod:`rivervalley_lib.check` (public names there)."""

from __future__ import annotations

import math

import numpy as np

from .. import simulation, theory
from .._validation import (
    validate_array,
    validate_int,
    validate_real,
    validate_text,
)
from ..model._landscape import RiverValley
from ..model._noise import IsotropicNoise, NoiseModel
from ._grading import compare, exercise, number, numbers_array, verdict


def decreasing(values, what: str = "trend", *, reference, tolerance) -> bool:
    """Check that measurements decrease strictly and match an independent measurement.

    ``reference`` holds the check's own measurement of every value and ``tolerance`` the
    allowed absolute difference for each (for example a few Monte Carlo standard
    errors): a decreasing list of other numbers does not pass.

    Parameters
    ----------
    values : array_like, shape (n,)
        The student's measurements, in the order they should decrease (at least two).
    what : str, optional
        What the values are, for the printed line.
    reference : array_like, shape (n,)
        The check's own measurement of each value.
    tolerance : float or array_like, shape (n,)
        The allowed absolute difference from ``reference``, one for all or one each.

    Returns
    -------
    bool
        ``True`` if the values decrease strictly and each lies within ``tolerance`` of
        ``reference``. One line is printed: ``✓`` and ``what``, or ``✗`` with a hint.

    Examples
    --------
    >>> ref = [0.1, 0.03, 0.01]
    >>> decreasing([0.1, 0.03, 0.01], "gap", reference=ref, tolerance=0.005)
    ✓ gap: correct.
    True
    >>> decreasing([3, 2, 1], "gap", reference=ref, tolerance=0.005)
    ✗ gap: not yet. Hint: the values decrease, but they are not the quantity asked
    for: recompute them as the exercise states.
    False
    """
    what = validate_text("what", what)
    ref = validate_array("reference", reference, ndim_min=1, ndim_max=1)
    if ref.size < 2:
        raise ValueError(f"reference must hold at least 2 values, got {ref.size}")
    tol = validate_array("tolerance", tolerance, ndim_min=0, ndim_max=1, low=0.0)
    if tol.ndim == 1 and tol.shape != ref.shape:
        raise ValueError(
            f"tolerance must be a number or have the shape {ref.shape} of reference, "
            f"got {tol.shape}"
        )
    tol = np.broadcast_to(tol, ref.shape)
    arr = numbers_array(values, what)
    if arr is None:
        return False
    if arr.shape != ref.shape:
        print(f"✗ {what}: expected {ref.size} values, got {arr.size}.")
        return False
    falls = arr.ndim == 1 and arr.size >= 2 and bool(np.all(np.diff(arr) < 0))
    if not falls:
        return verdict(
            False,
            what,
            "the values should shrink as the dimension grows; use more samples if "
            "Monte Carlo noise hides the trend.",
        )
    hint = (
        "the values decrease, but they are not the quantity asked for: recompute "
        "them as the exercise states."
    )
    return verdict(bool(np.all(np.abs(arr - ref) <= tol)), what, hint)


def _ks(ks) -> list[int]:
    """The block sizes of :func:`one_step_gaps`: at least two ints >= 1."""
    if isinstance(ks, (str, bytes)) or not hasattr(ks, "__len__"):
        raise TypeError(f"ks must be a sequence of integers, got {ks!r}")
    if len(ks) < 2:
        raise ValueError(f"ks must hold at least two block sizes, got {len(ks)}")
    return [validate_int(f"ks[{i}]", k, low=1, high=10**4) for i, k in enumerate(ks)]


def one_step_gaps(
    gaps,
    ks=(1, 4, 16, 64),
    *,
    lam: float = 10.0,
    mu: float = 0.2,
    noise: NoiseModel | None = None,
    chi: float = 0.3,
    eta: float = 0.1,
    samples: int = 10_000,
) -> bool:
    r"""Check the gaps :math:`|\mathbb E[\chi_{t+1}] - \bar\chi_{t+1}|` of chapter 3.

    For each ``k`` the two-level valley has ``d = 25 k`` directions and the state
    alignment ``chi`` with :math:`G^2 = k/4`. The check measures every gap itself from
    independent samples (:func:`~rivervalley_lib.sample_step`) and accepts the
    student's values within five combined Monte Carlo standard errors, if they also
    decrease.

    Parameters
    ----------
    gaps : array_like, shape (len(ks),)
        The student's gap for each ``k``.
    ks : sequence of int, optional
        The dominant dimensions of the exercise.
    lam, mu : float, optional
        The dominant and bulk eigenvalues of the two-level valleys.
    noise : NoiseModel, optional
        The gradient-noise model; by default the exercise's isotropic noise with
        :math:`\sigma = 0.3`.
    chi : float, optional
        The alignment of the state.
    eta : float, optional
        The step size.
    samples : int, optional
        The number of sampled steps per ``k`` of the check's own measurement.

    Returns
    -------
    bool
        The verdict of :func:`decreasing` on the gaps; its line is printed.

    Examples
    --------
    >>> one_step_gaps([0.3, 0.2, 0.1, 0.05])
    ✗ gap between the mean alignment and the ratio of expectations: not yet. Hint: the
    values decrease, but they are not the quantity asked for: recompute them as the
    exercise states.
    False
    """
    exercise(eta=eta)
    ks = _ks(ks)
    lam = validate_real("lam", lam, low=0.0, low_inclusive=False)
    mu = validate_real("mu", mu, low=0.0, high=lam, high_inclusive=False)
    chi = validate_real("chi", chi, low=0.0, high=1.0)
    samples = validate_int("samples", samples, low=2, high=10**7)
    if noise is not None:
        exercise(noise=noise)
    noise = IsotropicNoise(0.3) if noise is None else noise
    reference, tolerance = [], []
    for i, k in enumerate(ks):
        valley = RiverValley.two_level(d=25 * k, k=k, dominant=lam, bulk=mu)
        theta0 = theory.state_with_alignment(valley, chi, energy=k / 4)
        nxt = simulation.sample_step(
            valley, noise, theta0, eta, samples, rng=10_007 + i
        )
        x = theory.alignment(valley, nxt)
        reference.append(
            abs(x.mean() - theory.energy_ratio_step(valley, noise, theta0, eta))
        )
        tolerance.append(5 * x.std(ddof=1) * np.sqrt(1 / samples + 1 / x.size))
    what = "gap between the mean alignment and the ratio of expectations"
    return decreasing(gaps, what, reference=reference, tolerance=tolerance)


def bisection_bracket(
    lo, hi, valley: RiverValley, noise: NoiseModel, theta, *, rtol: float = 1e-6
) -> bool:
    r"""Check a final bisection bracket ``[lo, hi]`` for :math:`\eta^*_t` (chapter 4).

    The energy ratio :math:`\bar\chi_{t+1}` must fall below :math:`\chi_t` just below
    ``lo`` and rise above it just above ``hi`` (evaluated ``0.1 * rtol * hi`` outside
    the bracket, where the sign is not rounding noise), and the bracket must be
    narrower than ``rtol * hi``: the evidence of a bisection, not a single value.

    Parameters
    ----------
    lo : float
        The lower end of the student's final bracket, ``0 < lo < hi``.
    hi : float
        The upper end of the student's final bracket.
    valley : RiverValley
        The valley in which the energy ratio is evaluated at both ends.
    noise : NoiseModel
        The noise model of that energy ratio.
    theta : array_like, shape (d,)
        The state (Hessian eigenbasis) whose :math:`\eta^*_t` was bisected.
    rtol : float, optional
        The largest relative bracket width ``(hi - lo) / hi``.

    Returns
    -------
    bool
        Whether the bracket straddles :math:`\eta^*_t` and is narrow enough; the
        printed hint says which of the two is missing.

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> valley = rv.RiverValley.two_level(d=10, k=2, dominant=3.0, bulk=1.0)
    >>> bisection_bracket(0.49, 0.51, valley, rv.IsotropicNoise(0.0), [1.0] * 10)
    ✗ eta* bracket: not yet. Hint: the bracket is still wide: keep halving it (about 60
    halvings reach double precision).
    False
    """
    exercise(valley=valley, noise=noise, theta=theta, rtol=rtol)
    what = "eta* bracket"
    a, b = number(lo, what + " (lo)"), number(hi, what + " (hi)")
    if a is None or b is None:
        return False
    theta = np.asarray(theta, dtype=float)
    chi = theory.alignment(valley, theta)
    if not 0 < a < b < math.inf:
        return verdict(False, what, "the bracket should satisfy 0 < lo < hi < inf.")
    # Evaluated just outside the bracket: at the root itself the sign is rounding noise.
    pad = 0.1 * rtol * b

    def step(eta: float) -> float:
        return theory.energy_ratio_step(valley, noise, theta, eta)

    if not (step(a - pad) < chi < step(b + pad)):
        return verdict(
            False,
            what,
            "the energy ratio should fall at lo and rise at hi: move lo when it falls "
            "at the midpoint, hi when it rises.",
        )
    return verdict(
        b - a <= rtol * b,
        what,
        "the bracket is still wide: keep halving it (about 60 halvings reach double "
        "precision).",
    )


def collapse_scale(
    answer,
    valley: RiverValley,
    noise: NoiseModel,
    eta: float,
    *,
    steps: int = 3000,
    factor: float = 1.5,
) -> bool:
    r"""Check the smallest initialization scale :math:`c` of a collapse.

    The collapse: the expected trajectory (the energy ratio of the expected energies)
    from :math:`c\,(1, \dots, 1)` dips below
    :math:`\chi_\infty/2`. The answer is accepted within a factor ``factor`` of the
    library's value (found on a fine grid).

    Parameters
    ----------
    answer : float
        The student's smallest scale :math:`c`.
    valley : RiverValley
        The valley of the expected trajectory; its dimension sets :math:`(1, \dots, 1)`.
    noise : NoiseModel
        The noise model that sets the floor :math:`\chi_\infty` of the collapse.
    eta : float
        The constant step size of the expected trajectory.
    steps : int, optional
        How many steps of the expected trajectory are scanned.
    factor : float, optional
        The accepted ratio between the answer and the library's value, either way.

    Returns
    -------
    bool
        Whether the answer lies within ``factor`` of the library's grid value;
        the verdict line is printed as in :mod:`rivervalley_lib.check`.

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> from rivervalley_lib import scenarios
    >>> valley, noise = scenarios.HEADLINE_VALLEY, scenarios.HEADLINE_NOISE
    >>> collapse_scale(1e-3, valley, noise, 1.0, steps=500)
    ✗ initialization scale of the collapse: not yet. Hint: the collapse needs a
    dominant energy well above its noise floor; scan c on a log grid and look at the
    minimum of the expected trajectory.
    False
    """
    exercise(valley=valley, noise=noise, eta=eta)
    steps = validate_int("steps", steps, low=2, high=10**6)
    factor = validate_real("factor", factor, low=1.0, low_inclusive=False, high=100.0)
    what = "initialization scale of the collapse"
    value = number(answer, what)
    if value is None:
        return False
    grid = np.geomspace(1e-3, 100, 201)
    mf = theory.expected_trajectory(
        valley, noise, eta, steps, grid[:, None] * np.ones(valley.d)
    )
    chi_inf = theory.noise_floor(valley, noise, eta).alignment
    dips = mf.alignment.min(axis=1) < 0.5 * chi_inf
    expected = float(grid[np.argmax(dips)]) if dips.any() else math.inf
    ok = math.isfinite(expected) and expected / factor <= value <= expected * factor
    hint = (
        "the collapse needs a dominant energy well above its noise floor; scan c on a "
        "log grid and look at the minimum of the expected trajectory."
    )
    return verdict(ok, what, hint)


def _local(answer, gradient, hvp, k, *, field, what, hint, rtol) -> bool:
    """Shared body of the local checks: one field of ``measure_alignment``."""
    from ..diagnostics import measure_alignment

    def expected() -> float:
        report = measure_alignment(gradient, hvp, k)
        return getattr(report, field)

    return compare(answer, what, expected, hint, rtol)


def local_critical_step_size(
    answer, gradient, hvp, k: int, *, rtol: float = 1e-6
) -> bool:
    r"""Check a noise-free :math:`\eta^*_t` of any model from its gradient and HVP.

    Parameters
    ----------
    answer : float
        The student's noise-free critical step size at the point.
    gradient : array_like, shape (p,)
        The model's full-batch gradient at the point whose :math:`\eta^*_t` is asked.
    hvp : callable
        ``hvp(v)``, the Hessian-vector product at that point: its top-``k`` Lanczos
        eigenpairs give the curvature sums :math:`a_X, b_X`.
    k : int
        How many top Hessian eigenvectors span :math:`\mathcal D` (here, ``>= 1``).
    rtol : float, optional
        Tolerance relative to ``measure_alignment(gradient, hvp, k).eta_star``.

    Returns
    -------
    bool
        Whether the answer is the noise-free :math:`\eta^*_t` of the local quadratic
        model; the printed hint suggests the rotation into the eigenbasis.

    Examples
    --------
    >>> import numpy as np
    >>> H = np.diag([3.0, 3.0, 1.0, 1.0])
    >>> w = np.ones(4)
    >>> local_critical_step_size(0.5, H @ w, lambda v: H @ v, k=2)
    ✓ local critical step size: correct.
    True
    """
    exercise(gradient=gradient, hvp=hvp, k=k)  # compare() checks rtol
    hint = (
        "rotate into the Hessian's eigenbasis (theta = Q^T (w - w*)) and use the "
        "river-valley formula there."
    )
    what = "local critical step size"
    return _local(
        answer, gradient, hvp, k, field="eta_star", what=what, hint=hint, rtol=rtol
    )


def local_alignment(answer, gradient, hvp, k: int, *, rtol: float = 1e-4) -> bool:
    r"""Check the alignment :math:`\chi_k` of any model's full gradient.

    :math:`\chi_k` is the squared share of the gradient in the top-:math:`k` Hessian
    eigenspace.

    Parameters
    ----------
    answer : float
        The student's alignment, a number in :math:`[0, 1]`.
    gradient : array_like, shape (p,)
        The full-batch gradient :math:`g` whose share in :math:`\mathcal D` is asked.
    hvp : callable
        ``hvp(v)`` at the same point, from which Lanczos finds the top eigenvectors.
    k : int
        The number :math:`k` of top eigenvectors in the projection :math:`U^\top g`.
    rtol : float, optional
        Tolerance relative to ``measure_alignment(gradient, hvp, k).alignment``.

    Returns
    -------
    bool
        Whether the answer is the squared share :math:`\lVert U^\top g\rVert^2/\lVert
        g\rVert^2` to ``rtol``; the hint warns against the norm ratio.

    Examples
    --------
    >>> import numpy as np
    >>> H = np.diag([3.0, 1.0])
    >>> local_alignment(0.9, H @ np.ones(2), lambda v: H @ v, k=1)
    ✓ alignment: correct.
    True
    """
    exercise(gradient=gradient, hvp=hvp, k=k)  # compare() checks rtol
    hint = (
        "project the full-batch gradient on the top-k eigenvectors U: "
        "|U^T g|^2 / |g|^2 (squared, not the norm ratio)."
    )
    return _local(
        answer,
        gradient,
        hvp,
        k,
        field="alignment",
        what="alignment",
        hint=hint,
        rtol=rtol,
    )
