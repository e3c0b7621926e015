r"""The block sums behind every one-step law: the kernel of the theory.

Notation (the book's, see the Notation appendix):
:math:`g = \nabla L(\theta) = H\theta`, :math:`D = \|P_{\mathcal D} g\|^2`,
:math:`B = \|P_{\mathcal B} g\|^2`, :math:`\chi = D/(D+B)`, and for each block
:math:`X \in \{\mathcal D, \mathcal B\}`

.. math::

    a_X = \sum_{i\in X}\lambda_i g_i^2,\quad b_X = \sum_{i\in X}\lambda_i^2 g_i^2,\quad
    n_X = \sum_{i\in X}\lambda_i^2 s_i,\quad t_X = \sum_{i\in X}\lambda_i s_i ,

with :math:`s_i = \Sigma_{ii}` the noise variance of coordinate :math:`i`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model._landscape import RiverValley, as_state, validate_landscape
from ..model._noise import NoiseModel, validate_noise


@dataclass(frozen=True)
class BlockMoments:
    r"""The block sums of one state: gradient energies and the curvature/noise moments.

    ``D``, ``B`` are :math:`D, B`; ``aD`` ... ``tB`` are :math:`a_X, b_X, n_X, t_X` for
    :math:`X = \mathcal D` (suffix ``D``) and :math:`X = \mathcal B` (suffix ``B``).
    Every one-step law of :mod:`._one_step` is a function of these ten numbers, which is
    why :mod:`rivervalley_lib.diagnostics` can build them from Hessian-vector products
    of any model and reuse the same laws.
    """

    D: np.ndarray
    B: np.ndarray
    aD: np.ndarray
    aB: np.ndarray
    bD: np.ndarray
    bB: np.ndarray
    nD: np.ndarray
    nB: np.ndarray
    tD: np.ndarray
    tB: np.ndarray


def block_moments(valley: RiverValley, noise: NoiseModel, theta) -> BlockMoments:
    """The :class:`BlockMoments` of ``theta``, shape ``(..., d)``, in the valley."""
    validate_landscape(valley)
    validate_noise(noise)
    theta = as_state(valley, theta)
    lam = valley.eigenvalues
    k = valley.k
    g2 = (lam * theta) ** 2
    s = noise.diagonal(valley, theta)

    def split(w: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return v[..., :k] @ w[:k], v[..., k:] @ w[k:]

    ones = np.ones_like(lam)
    D, B = split(ones, g2)
    aD, aB = split(lam, g2)
    bD, bB = split(lam**2, g2)
    nD, nB = split(lam**2, s)
    tD, tB = split(lam, s)
    return BlockMoments(D, B, aD, aB, bD, bB, nD, nB, tD, tB)


def scalarize(x):
    """A 0-d array as a Python float; any other array unchanged."""
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x
