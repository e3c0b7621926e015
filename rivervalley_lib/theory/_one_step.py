r"""One-step laws: expected energies, :math:`\eta^*_t` and projection thresholds.

The notation of the block sums :math:`a_X, b_X, n_X, t_X` is that of :mod:`._moments`.
"""

from __future__ import annotations

import numpy as np

from .._validation import validate_array, validate_bool, validate_step_size
from ..model._landscape import RiverValley, as_state
from ..model._noise import NoiseModel
from ..model._state import validate_landscape
from ._exact import exact_critical_step_size
from ._moments import BlockMoments, ExpectedEnergies, block_moments, scalarize
from ._scale import scale_free, unit_rows


def gradient_alignment(valley: RiverValley, g, *, squared: bool = True):
    r"""Alignment with :math:`\mathcal D` of any gradient :math:`v`, full or stochastic.

    .. math::

        \chi(v) = \frac{\|P_{\mathcal D} v\|^2}{\|v\|^2}
        \quad\text{or, with ``squared=False``,}\quad
        \chi_k(v) = \frac{\|P_{\mathcal D} v\|}{\|v\|} .

    Parameters
    ----------
    valley : RiverValley
        The valley whose first ``k`` coordinates span :math:`\mathcal D`.
    g : array_like, shape (..., d)
        Vectors in the eigenbasis; leading axes are batch axes. None may be zero.
    squared : bool
        Squared ratio (default, Gur-Ari et al.) or the norm ratio of Song et al.

    Returns
    -------
    float or ndarray, shape (...)
        Values in :math:`[0, 1]`.

    Raises
    ------
    ValueError
        If some vector is zero (the alignment is undefined there).

    References
    ----------
    - Gur-Ari, Roberts, Dyer, arXiv:1812.04754 (2018).
    - Song, Ahn, Yun, ICLR 2025, arXiv:2405.16002.

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, gradient_alignment
    >>> valley = RiverValley([4.0, 1.0], k=1)
    >>> g = [3.0, 4.0]
    >>> gradient_alignment(valley, g), gradient_alignment(valley, g, squared=False)
    (0.36, 0.6)
    """
    validate_landscape(valley)
    g = unit_rows(validate_array("g", g, ndim_min=1, last_dim=valley.d))
    squared = validate_bool("squared", squared)
    k = valley.k
    dom = np.einsum("...i,...i->...", g[..., :k], g[..., :k])
    total = np.einsum("...i,...i->...", g, g)
    if np.any(total == 0):
        raise ValueError(
            "g must be non-zero: the alignment of a zero gradient is undefined"
        )
    chi = dom / total
    return scalarize(chi if squared else np.sqrt(chi))


def alignment(valley: RiverValley, theta, *, squared: bool = True):
    r"""The alignment of the full-batch gradient with the dominant subspace.

    .. math::

        \chi(\theta)
        = \frac{\|P_{\mathcal D}\nabla L(\theta)\|^2}{\|\nabla L(\theta)\|^2}
        = \frac{D}{D + B}, \qquad \nabla L(\theta) = H\theta .

    ``squared=False`` gives the norm ratio :math:`\chi_k = \sqrt{\chi}` of Song et al.;
    both are monotone in each other, so every rise or fall statement holds for both.

    Parameters
    ----------
    valley : RiverValley
        The valley: :math:`H` gives the gradient :math:`H\theta`, ``k`` the split.
    theta : array_like, shape (..., d)
        States; leading axes are batch axes.
    squared : bool
        Squared (default) or unsquared ratio.

    Returns
    -------
    float or ndarray, shape (...)

    Raises
    ------
    ValueError
        If the gradient is zero somewhere.

    References
    ----------
    - Deng et al., "Suspicious Alignment of SGD", ALT 2026, arXiv:2601.11789.

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, alignment
    >>> valley = RiverValley([4.0, 1.0], k=1)
    >>> alignment(valley, [1.0, 4.0])
    0.5
    >>> alignment(valley, [[1.0, 4.0], [1.0, 0.0]])
    array([0.5, 1. ])
    """
    validate_landscape(valley)
    theta = unit_rows(as_state(valley, theta))
    return gradient_alignment(valley, valley.gradient(theta), squared=squared)


def expected_next(
    valley: RiverValley, noise: NoiseModel, theta, eta
) -> ExpectedEnergies:
    r"""The one-step recursion of the block gradient energies.

    With :math:`g' = (I-\eta H)g - \eta H\xi` and, per coordinate,
    :math:`\mathbb E[g_i'^2] = (1-\eta\lambda_i)^2 g_i^2 + \eta^2\lambda_i^2 s_i`,
    summing over each block gives

    .. math::

        \mathbb E[D_{t+1}\mid\theta_t]
        = D_t - 2\eta a_{\mathcal D} + \eta^2 (b_{\mathcal D} + n_{\mathcal D}),
        \qquad
        \mathbb E[B_{t+1}\mid\theta_t]
        = B_t - 2\eta a_{\mathcal B} + \eta^2 (b_{\mathcal B} + n_{\mathcal B}).

    The law itself is :meth:`~rivervalley_lib.BlockMoments.expected_next`, applied to
    the block sums of ``theta``.

    Parameters
    ----------
    valley : RiverValley
        The valley whose eigenvalues weight the sums :math:`a_X, b_X, n_X`.
    noise : NoiseModel
        The noise model; its variances enter only through :math:`n_X`.
    theta : array_like, shape (..., d)
        The state(s) :math:`\theta_t` the step starts from; leading axes are batch axes.
    eta : float or array_like
        Step size(s) > 0, broadcast against the leading axes of ``theta``.

    Returns
    -------
    ExpectedEnergies
        Named ``(D, B)``: :math:`\mathbb E[D_{t+1}]` and :math:`\mathbb E[B_{t+1}]`.

    References
    ----------
    - Deng et al., ALT 2026, arXiv:2601.11789 (the phenomenon; this recursion is the
      book's own derivation in the stated model).

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, expected_next
    >>> valley = RiverValley([4.0, 1.0], k=1)
    >>> expected_next(valley, IsotropicNoise(0.0), [1.0, 1.0], eta=0.25)
    ExpectedEnergies(D=0.0, B=0.5625)
    """
    eta = validate_step_size("eta", eta)
    return block_moments(valley, noise, theta).expected_next(eta)


def energy_ratio_step(valley: RiverValley, noise: NoiseModel, theta, eta):
    r"""The energy ratio after one step: the ratio of the expected block energies.

    .. math::

        \bar\chi_{t+1}
        = \frac{\mathbb E D_{t+1}}{\mathbb E D_{t+1} + \mathbb E B_{t+1}} .

    This is **not** the expected alignment :math:`\mathbb E[\chi_{t+1}]`
    (:func:`expected_alignment`): the expectation of a ratio is not the ratio of
    expectations. The two agree in the high-dimensional limit, where
    :math:`D_{t+1}` and :math:`B_{t+1}` concentrate (many directions in *both* blocks);
    with few dominant directions (the book's :math:`k = 4`) they can lie on opposite
    sides of :math:`\chi_t` near :math:`\eta^*_t` (chapter 3). The book's
    :math:`\eta^*_t` (:func:`critical_step_size`) is where this ratio crosses
    :math:`\chi_t`. It evaluates
    :meth:`~rivervalley_lib.BlockMoments.ratio_of_expectations` on the block sums of
    ``theta``.

    Parameters
    ----------
    valley : RiverValley
        The valley whose curvatures shrink (or grow) each block's energy.
    noise : NoiseModel
        The noise model whose variances add :math:`\eta^2 n_X` to each block.
    theta : array_like, shape (..., d)
        State(s) :math:`\theta_t` with non-zero gradient; leading axes are batch axes.
    eta : float or array_like
        Step size(s) :math:`\eta > 0`, broadcast against the leading axes of ``theta``.

    Returns
    -------
    float or ndarray
        :math:`\bar\chi_{t+1} \in [0, 1]`, one value per state.

    Raises
    ------
    ValueError
        If the expected next gradient energy is zero (the ratio is undefined).

    See Also
    --------
    expected_alignment : the exact :math:`\mathbb E[\chi_{t+1}]`.

    References
    ----------
    - Deng et al., "Suspicious Alignment of SGD", ALT 2026, arXiv:2601.11789 (the
      phenomenon; the ratio of expectations is the book's derivation).

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, energy_ratio_step
    >>> valley = RiverValley([4.0, 1.0], k=1)
    >>> round(energy_ratio_step(valley, IsotropicNoise(0.0), [1.0, 1.0], eta=0.1), 4)
    0.8767
    """
    eta = validate_step_size("eta", eta)
    return block_moments(valley, noise, theta).ratio_of_expectations(eta)


def threshold_terms(m: BlockMoments) -> tuple[np.ndarray, np.ndarray]:
    """A, C with sign(E[D']B - E[B']D) = sign(eta C - 2A) (see BlockMoments)."""
    return m.threshold_terms()


def critical_step_size(
    valley: RiverValley, noise: NoiseModel, theta, *, exact: bool = False
):
    r"""The adaptive critical step size :math:`\eta^*_t`.

    The energy ratio :math:`\bar\chi_{t+1}` (:func:`energy_ratio_step`) exceeds
    :math:`\chi_t` iff :math:`\mathbb E D_{t+1} B_t > \mathbb E B_{t+1} D_t`, which
    after cancelling :math:`\eta D_t B_t > 0` reads
    :math:`\eta\,\Delta_t > 2(\rho^{\mathcal D}_1 - \rho^{\mathcal B}_1)`, with the
    Rayleigh quotients :math:`\rho_1^X = a_X/X`, :math:`\rho_2^X = b_X/X`,
    :math:`\nu_X = n_X/X` and :math:`\Delta_t = (\rho_2^{\mathcal D} + \nu_{\mathcal D})
    - (\rho_2^{\mathcal B} + \nu_{\mathcal B})`:

    .. math::

        \eta^*_t = \frac{2(\rho^{\mathcal D}_1 - \rho^{\mathcal B}_1)}{\Delta_t}
        \quad\text{if } \Delta_t > 0, \qquad \eta^*_t = \infty \text{ otherwise.}

    For :math:`\eta < \eta^*_t` the energy ratio falls below :math:`\chi_t`, for
    :math:`\eta > \eta^*_t` it rises above; with :math:`\Delta_t \le 0` it falls for
    every step size (self-correction). This is a statement about the mean energies.
    The alignment itself, :math:`\mathbb E[\chi_{t+1}]`, obeys it in the
    high-dimensional limit; at finite :math:`k` its own threshold
    (``exact=True``) can be far from :math:`\eta^*_t`, above or below, or absent.
    The function uses the equivalent form
    :math:`\eta^* = 2(a_{\mathcal D}B - a_{\mathcal B}D)
    /((b_{\mathcal D}+n_{\mathcal D})B - (b_{\mathcal B}+n_{\mathcal B})D)`,
    which stays finite when :math:`D` or :math:`B` is zero: see
    :meth:`~rivervalley_lib.BlockMoments.critical_step_size`, which this function calls.

    Parameters
    ----------
    valley : RiverValley
        The valley whose eigenvalues give the quotients :math:`\rho^X_1, \rho^X_2`.
    noise : NoiseModel
        The noise model whose variances give :math:`\nu_X = n_X/X` in :math:`\Delta_t`.
    theta : array_like, shape (..., d)
        State(s) :math:`\theta_t` at which the threshold is asked; leading axes batch.
    exact : bool
        ``False`` (default): the book's :math:`\eta^*_t` above (ratio of expectations).
        ``True``: the smallest :math:`\eta \in (0, 2/\lambda_1)` at which the exact
        :math:`\mathbb E[\chi_{t+1}]` (:func:`expected_alignment`) crosses
        :math:`\chi_t` from below, ``math.inf`` if none; Gaussian diagonal noise only.

    Returns
    -------
    float or ndarray
        :math:`\eta^*_t \ge 0`, with ``math.inf`` in the self-correcting regime.

    Raises
    ------
    TypeError
        If an argument has the wrong type (``exact=True`` needs Gaussian diagonal
        noise: :class:`IsotropicNoise` or :class:`CurvatureNoise`).
    ValueError
        If ``theta`` has the wrong shape, non-finite values or a zero gradient.
    ArithmeticError
        With ``exact=True``, if the expected alignment rises at every step size down
        to about :math:`1.5\cdot 10^{-154}` (a gradient energy below about
        :math:`10^{-307}` of the noise's: the quadrature's step-size floor).

    References
    ----------
    - Deng et al., ALT 2026, arXiv:2601.11789 (the adaptive critical step size; the
      formula here is the book's derivation in its stated model).

    Examples
    --------
    Without noise a two-level valley has :math:`\eta^* = 2/(\lambda + \mu)`:

    >>> from rivervalley_lib import RiverValley, IsotropicNoise, critical_step_size
    >>> valley = RiverValley.two_level(d=10, k=2, dominant=3.0, bulk=1.0)
    >>> critical_step_size(valley, IsotropicNoise(0.0), [1.0] * 10)
    0.5
    >>> eta = critical_step_size(valley, IsotropicNoise(0.0), [1.0] * 10, exact=True)
    >>> round(eta, 9)
    0.5
    """
    exact = validate_bool("exact", exact)
    theta, noise = scale_free(valley, noise, theta)
    if exact:
        return exact_critical_step_size(valley, noise, theta)
    return block_moments(valley, noise, theta).critical_step_size()


def alignment_regime(valley: RiverValley, noise: NoiseModel, theta):
    r"""Name the regime of the state: ``"threshold"`` or ``"always-falls"``.

    ``"threshold"`` means :math:`\Delta_t > 0`: a finite :math:`\eta^*_t` separates
    step sizes whose energy ratio :math:`\bar\chi_{t+1}` (:func:`energy_ratio_step`)
    falls below :math:`\chi_t` from those whose ratio rises above it.
    ``"always-falls"`` means :math:`\Delta_t \le 0`: the energy ratio falls (or,
    without noise in the bulk, stays) for every step size. Both are statements about
    the mean energies; the expected alignment :math:`\mathbb E[\chi_{t+1}]` follows
    them in the high-dimensional limit.

    Deng et al. call the second regime self-correcting. It is not what holds the
    high plateau of constant-step SGD: there the states are in the ``"threshold"``
    regime with :math:`\eta^*_t` fluctuating around :math:`\eta` (chapter 5).

    Parameters
    ----------
    valley : RiverValley
        The valley whose curvature moments enter :math:`\Delta_t`.
    noise : NoiseModel
        The noise model: dominant noise raises :math:`\Delta_t`, bulk noise lowers it.
    theta : array_like, shape (..., d)
        State(s) whose regime is named; leading axes are batch axes.

    Returns
    -------
    str or ndarray of str
        One name per state (a str for one state).

    References
    ----------
    - Deng et al., ALT 2026, arXiv:2601.11789 (the two regimes; the criterion here is
      the book's derivation in its stated model).

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, IsotropicNoise, alignment_regime
    >>> valley = RiverValley.two_level(d=100, k=2, dominant=10.0, bulk=0.1)
    >>> alignment_regime(valley, IsotropicNoise(0.1), [1.0] * 100)
    'threshold'
    >>> alignment_regime(valley, IsotropicNoise(0.1), [1.0, 1.0] + [1e-3] * 98)
    'always-falls'
    """
    theta, noise = scale_free(valley, noise, theta)
    return block_moments(valley, noise, theta).regime()
