r"""The checks of the river-valley theory's closed forms (chapters 2 to 6).

They are part of :mod:`rivervalley_lib.check`, which re-exports them.

Examples
--------
>>> import rivervalley_lib as rv
>>> valley = rv.RiverValley.two_level(d=10, k=2, dominant=3.0, bulk=1.0)
>>> critical_step_size(0.5, valley, rv.IsotropicNoise(0.0), [1.0] * 10)
✓ critical step size: correct.
True
"""

from __future__ import annotations

import math

import numpy as np

from .. import theory
from .._validation import validate_array, validate_int
from ..model._landscape import RiverValley
from ..model._noise import NoiseModel
from ..simulation import Trace
from ._grading import close, compare, exercise, number, verdict


def critical_step_size(
    answer, valley: RiverValley, noise: NoiseModel, theta, *, rtol: float = 1e-3
) -> bool:
    r"""Check a value of :math:`\eta^*_t` at ``theta``.

    Parameters
    ----------
    answer : float
        The student's :math:`\eta^*_t`; ``math.inf`` in the self-correcting regime.
    valley : RiverValley
        The valley whose eigenvalues enter the Rayleigh quotients of :math:`\eta^*_t`.
    noise : NoiseModel
        The noise model whose variances give :math:`n_{\mathcal D}, n_{\mathcal B}`.
    theta : array_like, shape (d,)
        The state, in the Hessian's eigenbasis, at which :math:`\eta^*_t` is asked.
    rtol : float, optional
        Tolerance relative to :func:`rivervalley_lib.critical_step_size` at ``theta``.

    Returns
    -------
    bool
        Whether the answer is within ``rtol`` of the library's :math:`\eta^*_t` (or both
        are infinite); the verdict line is printed as in :mod:`rivervalley_lib.check`.

    Examples
    --------
    >>> import math, rivervalley_lib as rv
    >>> valley = rv.RiverValley.two_level(d=100, k=2, dominant=10.0, bulk=0.1)
    >>> theta = [1.0, 1.0] + [1e-3] * 98
    >>> critical_step_size(math.inf, valley, rv.IsotropicNoise(0.1), theta)
    ✓ critical step size: correct.
    True
    """
    exercise(valley=valley, noise=noise, theta=theta)  # compare() checks rtol

    def hint(expected: float) -> str:
        if math.isinf(expected):
            return (
                "at this state Delta_t <= 0: is there any step size at which the "
                "energy ratio rises?"
            )
        if float(noise.diagonal(valley, np.asarray(theta, dtype=float)).max()) == 0:
            return (
                "without noise on a two-level spectrum the threshold does not depend "
                "on the state; compare |1 - eta*lambda| with |1 - eta*mu|."
            )
        return (
            "solve E[D']/(E[D'] + E[B']) = D/(D+B) for eta; the noise terms n_D/D "
            "and n_B/B enter the denominator."
        )

    return compare(
        answer,
        "critical step size",
        lambda: theory.critical_step_size(valley, noise, theta),
        hint,
        rtol,
    )


def noise_floor_plateau(
    answer, valley: RiverValley, noise: NoiseModel, eta: float, *, rtol: float = 1e-3
) -> bool:
    r"""Check a closed-form plateau :math:`\chi_\infty` for constant step ``eta``.

    Parameters
    ----------
    answer : float
        The student's plateau :math:`\chi_\infty`, a number in :math:`[0, 1]`.
    valley : RiverValley
        The valley whose eigenvalues :math:`\lambda_i` set each coordinate's floor.
    noise : NoiseModel
        The noise model whose variances :math:`s_i` feed the floors.
    eta : float
        The constant step size of the run whose plateau is asked, below
        :math:`2/\lambda_1`.
    rtol : float, optional
        Tolerance relative to ``rivervalley_lib.noise_floor(...).alignment``.

    Returns
    -------
    bool
        Whether the answer matches the closed-form :math:`\chi_\infty` to ``rtol``;
        the printed ``✗`` line names the per-coordinate floor to sum.

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> valley, noise = rv.RiverValley([4.0, 1.0], k=1), rv.IsotropicNoise(1.0)
    >>> noise_floor_plateau(0.875, valley, noise, 0.25)
    ✓ plateau chi_inf: correct.
    True
    """
    exercise(valley=valley, noise=noise, eta=eta)  # compare() checks rtol
    return compare(
        answer,
        "plateau chi_inf",
        lambda: theory.noise_floor(valley, noise, eta).alignment,
        "each coordinate settles at u_i = eta*lambda_i*s_i/(2 - eta*lambda_i); "
        "sum them per block.",
        rtol,
    )


def simulated_plateau(
    answer,
    valley: RiverValley,
    noise: NoiseModel,
    eta: float,
    *,
    run,
    last: int,
    rtol: float = 0.02,
) -> bool:
    r"""Check a plateau estimated from the simulation ``run``.

    The answer must be the ratio of the averages of ``run.D`` and ``run.B`` over the
    last ``last`` recorded steps and all seeds (so a closed-form value does not pass),
    and that simulated plateau must agree with :math:`\chi_\infty` to ``rtol`` (so a run
    too short or too noisy does not pass either).

    Parameters
    ----------
    answer : float
        The student's plateau :math:`\bar D/(\bar D + \bar B)` measured on ``run``.
    valley : RiverValley
        The valley ``run`` was simulated in.
    noise : NoiseModel
        The noise model ``run`` was simulated with.
    eta : float
        The constant step size of ``run``, which fixes :math:`\chi_\infty`.
    run : Trace
        The simulation the answer was measured on (from
        :func:`rivervalley_lib.simulate`), with ``D`` and ``B`` of shape
        ``(seeds, steps + 1)``.
    last : int
        How many final recorded steps the averages cover, from 1 to the run's length.
    rtol : float, optional
        How far, relative to :math:`\chi_\infty`, the run's own plateau may lie.

    Returns
    -------
    bool
        Whether the answer is the run's ratio of averages and that ratio agrees with
        :math:`\chi_\infty`; the printed line says which of the two failed.

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> valley, noise = rv.RiverValley([4.0, 1.0], k=1), rv.IsotropicNoise(1.0)
    >>> run = rv.simulate(valley, noise, 0.25, 2000, [1.0, 1.0], seeds=200, rng=0)
    >>> chi_inf = rv.noise_floor(valley, noise, 0.25).alignment
    >>> simulated_plateau(chi_inf, valley, noise, 0.25, run=run, last=1000)
    ✗ simulated plateau: not yet. Hint: the answer is not the ratio of the averages of
    run.D and run.B over its last 1000 steps: average D and B over those steps and all
    seeds first, then take D/(D+B).
    False
    """
    exercise(valley=valley, noise=noise, eta=eta, rtol=rtol)
    if not isinstance(run, Trace):
        raise TypeError(f"run must be a Trace from simulate, got {type(run).__name__}")
    last = validate_int("last", last, low=1, high=run.D.shape[-1])
    what = "simulated plateau"
    value = number(answer, what)
    if value is None:
        return False
    D, B = np.asarray(run.D, dtype=float), np.asarray(run.B, dtype=float)
    if D.ndim != 2 or D.shape != B.shape or not 1 <= int(last) <= D.shape[1]:
        print(
            f"✗ {what}: run should be a Trace from rv.simulate and last between 1 "
            "and its number of steps."
        )
        return False
    D_bar, B_bar = D[:, -int(last) :].mean(), B[:, -int(last) :].mean()
    own = D_bar / (D_bar + B_bar)
    if not close(value, own, 1e-9):
        hint = (
            "the answer is not the ratio of the averages of run.D and run.B over its "
            f"last {int(last)} steps: average D and B over those steps and all seeds "
            "first, then take D/(D+B)."
        )
        return verdict(False, what, hint)
    expected = theory.noise_floor(valley, noise, eta).alignment
    hint = (
        "your run's plateau is off the theory: make sure the run is long enough to "
        "forget its start, averages over late steps only, and has enough seeds."
    )
    return verdict(close(own, expected, rtol), what, hint)


def projection_thresholds(
    answer, valley: RiverValley, noise: NoiseModel, theta, *, rtol: float = 1e-3
) -> bool:
    r"""Check a pair :math:`(\eta_{\mathcal D}, \eta_{\mathcal B})` at ``theta``.

    Parameters
    ----------
    answer : tuple of float
        The student's pair ``(eta_D, eta_B)``; both must match.
    valley : RiverValley
        The valley whose block curvature sums :math:`a_X` enter both thresholds.
    noise : NoiseModel
        The noise model whose variances give the terms :math:`t_X`.
    theta : array_like, shape (d,)
        The state (Hessian eigenbasis) at which Dom-SGD and Bulk-SGD would step.
    rtol : float, optional
        Tolerance of each threshold, relative to the library's
        :func:`rivervalley_lib.projection_thresholds`.

    Returns
    -------
    bool
        Whether both thresholds pass; the printed hint names the one that is off.

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> valley = rv.RiverValley([4.0, 1.0], k=1)
    >>> projection_thresholds((0.5, 2.0), valley, rv.IsotropicNoise(0.0), [1.0, 1.0])
    ✓ projection thresholds: correct.
    True
    """
    exercise(valley=valley, noise=noise, theta=theta, rtol=rtol)
    what = "projection thresholds"
    try:
        eta_D, eta_B = answer
    except (TypeError, ValueError):
        print(f"✗ {what}: the answer should be a pair (eta_D, eta_B).")
        return False
    vD, vB = number(eta_D, what + " (eta_D)"), number(eta_B, what + " (eta_B)")
    if vD is None or vB is None:
        return False
    eD, eB = theory.projection_thresholds(valley, noise, theta)
    if not close(vD, eD, rtol) and not close(vB, eB, rtol):
        hint = (
            "both are off: E[Delta L_X] = -eta*X + eta^2/2 (a_X + t_X); find its "
            "non-zero root for each block."
        )
    elif not close(vD, eD, rtol):
        hint = (
            "eta_D is off: did you include the noise term "
            "t_D = sum_(i<=k) lambda_i s_i?"
        )
    else:
        hint = (
            "eta_B is off: did you include the noise term t_B = sum_(i>k) lambda_i s_i?"
        )
    return verdict(close(vD, eD, rtol) and close(vB, eB, rtol), what, hint)


def expected_loss_change(
    answer,
    valley: RiverValley,
    noise: NoiseModel,
    theta,
    eta: float,
    *,
    projection: str = "none",
    rtol: float = 1e-3,
    samples=None,
) -> bool:
    r"""Check an expected one-step loss change of SGD, Dom-SGD or Bulk-SGD.

    With ``samples`` (the Monte Carlo loss changes the answer averages), the answer must
    be their mean, and it must lie within five standard errors of the expectation: a
    closed-form value does not pass, and ``rtol`` is not used.

    Parameters
    ----------
    answer : float
        The student's :math:`\mathbb E[L(\theta_{t+1})] - L(\theta_t)`.
    valley : RiverValley
        The valley whose loss :math:`L` changes by the step.
    noise : NoiseModel
        The noise model of the step's stochastic gradient.
    theta : array_like, shape (d,)
        The checkpoint (Hessian eigenbasis) the one step starts from.
    eta : float
        The step size of the one step.
    projection : {"none", "dominant", "bulk"}, optional
        Which step: SGD, Dom-SGD or Bulk-SGD.
    rtol : float, optional
        Tolerance relative to the exact expectation (without ``samples`` only).
    samples : array_like, optional
        The Monte Carlo loss changes the answer is the mean of (at least two).

    Returns
    -------
    bool
        Whether the answer matches the exact expected change (to ``rtol``, or to five
        standard errors of ``samples``); the hint points at the block's loss law.

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> valley, noise = rv.RiverValley([4.0, 1.0], k=1), rv.IsotropicNoise(0.0)
    >>> theta = [1.0, 1.0]
    >>> expected_loss_change(-2.0, valley, noise, theta, 0.25, projection="dominant")
    ✓ expected loss change: correct.
    True
    """
    exercise(
        valley=valley,
        noise=noise,
        theta=theta,
        eta=eta,
        rtol=rtol,
        projection=projection,
    )
    if samples is not None:
        samples = validate_array("samples", samples, ndim_min=1, ndim_max=1)
        if samples.size < 2:
            raise ValueError(f"samples must hold at least 2 values, got {samples.size}")
    what = "expected loss change"
    value = number(answer, what)
    if value is None:
        return False
    expected = theory.expected_loss_change(
        valley, noise, theta, eta, projection=projection
    )
    hint = (
        "a projected step moves only its own block loss: -eta*X + eta^2/2 (a_X + t_X) "
        "for that block."
    )
    if np.sign(value) != np.sign(expected):
        hint = (
            "the sign is wrong: compare eta with the block's threshold 2X/(a_X + t_X)."
        )
    if samples is None:
        return verdict(close(value, expected, rtol), what, hint)
    x = samples  # validated above: 1-D, at least two values
    if not close(value, x.mean(), 1e-9):
        return verdict(
            False,
            what,
            "the answer should be the mean of the Monte Carlo loss changes passed as "
            "samples.",
        )
    se = x.std(ddof=1) / np.sqrt(x.size)
    hint = (
        "the Monte Carlo mean is more than five standard errors off: draw the steps "
        "from the checkpoint with the stated step size and projection."
    )
    return verdict(se > 0 and abs(value - expected) < 5 * se, what, hint)


def stochastic_alignment(
    answer, valley: RiverValley, noise: NoiseModel, theta, *, rtol: float = 1e-3
) -> bool:
    r"""Check the ratio of expectations of the stochastic gradient's alignment.

    The quantity is
    :math:`\mathbb E\lVert P_{\mathcal D}\hat g\rVert^2/\mathbb E\lVert\hat g\rVert^2`.

    Parameters
    ----------
    answer : float
        The student's ratio of expectations, a number in :math:`[0, 1]`.
    valley : RiverValley
        The valley whose full-batch gradient :math:`g = H\theta` enters both sums.
    noise : NoiseModel
        The noise model whose variances :math:`s_i` the stochastic gradient adds.
    theta : array_like, shape (d,)
        The state, in the eigenbasis, at which the stochastic gradient is drawn.
    rtol : float, optional
        Tolerance relative to the exact ratio of expected block energies.

    Returns
    -------
    bool
        Whether the answer equals the ratio of expectations to ``rtol``; the printed
        hint spells out numerator and denominator.

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> valley = rv.RiverValley([1.0, 1e-9], k=1)
    >>> stochastic_alignment(0.5, valley, rv.IsotropicNoise(1.0), [0.0, 0.0])
    ✓ stochastic alignment: correct.
    True
    """
    exercise(valley=valley, noise=noise, theta=theta)  # compare() checks rtol

    def expected() -> float:
        th = np.asarray(theta, dtype=float)
        g = valley.gradient(th)
        s = noise.diagonal(valley, th)
        k = valley.k
        return (g[:k] @ g[:k] + s[:k].sum()) / (g @ g + s.sum())

    return compare(
        answer,
        "stochastic alignment",
        expected,
        "E|P_D g_hat|^2 = |P_D g|^2 + sum_(i<=k) s_i, and the same over all "
        "coordinates for the denominator.",
        rtol,
    )
