r"""States with a prescribed alignment, and the self-correction threshold.

The threshold is the alignment above which :math:`\eta^*_t = \infty`.
"""

from __future__ import annotations

import numpy as np

from .._validation import validate_array, validate_real
from ..model._landscape import RiverValley
from ..model._noise import NoiseModel, validate_noise
from ..model._state import validate_landscape
from ._moments import block_moments
from ._one_step import threshold_terms


def state_with_alignment(valley: RiverValley, chi, energy: float = 1.0) -> np.ndarray:
    r"""A state with a prescribed alignment and gradient energy, even within each block.

    Returns :math:`\theta` with :math:`\|\nabla L(\theta)\|^2 = G^2` (``energy``) and
    :math:`\chi(\theta) = \chi` (``chi``): every dominant coordinate carries gradient
    energy :math:`\chi G^2/k` and every bulk coordinate with :math:`\lambda_j > 0`
    carries :math:`(1-\chi)G^2/m`, where :math:`m` counts them, so
    :math:`\theta_i = g_i/\lambda_i`.

    Parameters
    ----------
    valley : RiverValley
        The valley: the eigenvalues of :math:`H`, dominant block first.
    chi : float or array_like
        Target alignment(s) in :math:`[0, 1]`; an array gives a batch of states.
    energy : float
        Total gradient energy :math:`G^2 > 0`.

    Returns
    -------
    ndarray, shape (..., d)

    Examples
    --------
    >>> from rivervalley_lib import RiverValley, alignment, state_with_alignment
    >>> valley = RiverValley.spread(d=8, k=2, dominant=(5.0, 9.0), bulk=(0.1, 1.0))
    >>> theta = state_with_alignment(valley, 0.3, energy=2.0)
    >>> energy = float((valley.gradient(theta) ** 2).sum())
    >>> round(alignment(valley, theta), 12), round(energy, 12)
    (0.3, 2.0)
    """
    validate_landscape(valley)
    chi_arr = validate_array("chi", chi, ndim_min=0)  # a float64 array
    if np.any((chi_arr < 0) | (chi_arr > 1)):
        raise ValueError("chi must be in [0, 1]")
    energy = validate_real("energy", energy, low=0.0, low_inclusive=False)
    lam = valley.eigenvalues
    k = valley.k
    bulk_active = (lam > 0) & ~valley.dominant_mask
    m = int(bulk_active.sum())
    if m == 0 and np.any(chi_arr < 1):
        raise ValueError("the bulk has only zero eigenvalues, so no state has chi < 1")
    per = np.where(valley.dominant_mask, chi_arr[..., None] * energy / k, 0.0)
    if m:
        per = per + np.where(bulk_active, (1 - chi_arr[..., None]) * energy / m, 0.0)
    safe = np.where(lam > 0, lam, 1.0)
    return np.sqrt(per) / safe


def self_correction_threshold(
    valley: RiverValley, noise: NoiseModel, energy: float
) -> float:
    r"""The alignment above which :math:`\eta^*_t = \infty` (self-correction).

    For block-even states.

    Along the family of states :func:`state_with_alignment` (gradient energy
    :math:`G^2`), the sign of :math:`\Delta_t` is the sign of

    .. math::

        C(\chi) = (b_{\mathcal D}+n_{\mathcal D})B - (b_{\mathcal B}+n_{\mathcal B})D,

    which is :math:`n_{\mathcal D}B \ge 0` at :math:`\chi = 0` and
    :math:`-n_{\mathcal B}D < 0` at :math:`\chi = 1` whenever the bulk is noisy. For
    state-independent noise
    :math:`C(\chi)/G^2 = G^2(\rho_2^{\mathcal D}-\rho_2^{\mathcal B})\chi(1-\chi)
    + n_{\mathcal D}(1-\chi) - n_{\mathcal B}\chi` is a concave quadratic, so its
    root :math:`\chi_{\rm sc}` in :math:`(0, 1)` is unique; the function finds it by
    bisection (which also covers the state-dependent regression noise). Without
    dominant noise (:math:`n_{\mathcal D} = 0`) :math:`C(0) = 0` is a root too, and the
    threshold is the other root
    :math:`1 - n_{\mathcal B}/(G^2(\rho_2^{\mathcal D}-\rho_2^{\mathcal B}))` if it
    lies in :math:`(0, 1)`, else ``0.0`` (every state self-corrects). In the two-level
    isotropic case it solves
    :math:`\frac{\sigma^2}{G^2}\big(\frac{(d-k)\mu^2}{1-\chi}-\frac{k\lambda^2}{\chi}\big)
    = \lambda^2-\mu^2`.

    Parameters
    ----------
    valley : RiverValley
        The quadratic valley: eigenvalues :math:`\lambda_i \ge 0`, the first :math:`k`
        spanning :math:`\mathcal D`; it needs a bulk eigenvalue :math:`> 0`.
    noise : NoiseModel
        The gradient-noise model (diagonal :math:`s_i = \Sigma_{ii}`).
    energy : float
        Total gradient energy :math:`G^2 = \|\nabla L(\theta)\|^2 > 0` of the states.

    Returns
    -------
    float
        :math:`\chi_{\rm sc} \in [0, 1)`: for :math:`\chi_t > \chi_{\rm sc}` the
        energy ratio :math:`\bar\chi_{t+1}` falls below :math:`\chi_t` for every step
        size (``0.0`` only without dominant noise, see above). ``1.0`` if the bulk has
        no noise (no self-correction).

    References
    ----------
    - Deng et al., "Suspicious Alignment of SGD", ALT 2026, arXiv:2601.11789 (the
      self-correcting regime; the threshold is the book's derivation).

    Examples
    --------
    >>> from rivervalley_lib import IsotropicNoise, RiverValley
    >>> from rivervalley_lib import self_correction_threshold
    >>> valley = RiverValley.two_level(d=1000, k=10, dominant=1.0, bulk=0.01)
    >>> round(self_correction_threshold(valley, IsotropicNoise(0.01), energy=1e-3), 4)
    0.9951
    """
    validate_landscape(valley)
    validate_noise(noise)
    energy = validate_real("energy", energy, low=0.0, low_inclusive=False)

    def C(chi: np.ndarray) -> np.ndarray:
        theta = state_with_alignment(valley, chi, energy)
        return threshold_terms(block_moments(valley, noise, theta))[1]

    if C(np.array(1.0)) >= 0:
        return 1.0
    # C(0) = n_D B >= 0; it is 0 only without dominant noise, and C > 0 can still
    # hold just above 0: bisect from there too (a C <= 0 on all of (0, 1] converges
    # to 0).
    lo, hi = np.array(0.0), np.array(1.0)
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if C(mid) > 0:
            lo = mid
        else:
            hi = mid
    if lo == 0:  # C <= 0 all the way down to 2**-80: the root is 0
        return 0.0
    return float(0.5 * (lo + hi))
