r"""The block sums of one state and the one-step laws written on them.

Notation (the book's, see the Notation appendix):
:math:`g = \nabla L(\theta) = H\theta`, :math:`D = \|P_{\mathcal D} g\|^2`,
:math:`B = \|P_{\mathcal B} g\|^2`, :math:`\chi = D/(D+B)`, and for each block
:math:`X \in \{\mathcal D, \mathcal B\}`

.. math::

    a_X = \sum_{i\in X}\lambda_i g_i^2,\quad b_X = \sum_{i\in X}\lambda_i^2 g_i^2,\quad
    n_X = \sum_{i\in X}\lambda_i^2 s_i,\quad t_X = \sum_{i\in X}\lambda_i s_i ,

with :math:`s_i = \Sigma_{ii}` the noise variance of coordinate :math:`i`.

Every one-step law of the book is a method of :class:`BlockMoments`: the theory
functions (:func:`~rivervalley_lib.expected_next`,
:func:`~rivervalley_lib.critical_step_size`,
:func:`~rivervalley_lib.projection_thresholds`, ...) build the moments of a state of
the valley and call them, and :func:`~rivervalley_lib.diagnostics.measure_alignment`
builds the same moments from Hessian-vector products of any model and calls the same
methods. A new update rule adds its laws here, once.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal, NamedTuple

import numpy as np

from .._validation import validate_projection, validate_step_size
from ..model._landscape import RiverValley, as_state
from ..model._noise import NoiseModel, validate_noise
from ..model._state import validate_landscape


class ExpectedEnergies(NamedTuple):
    r"""The expected block gradient energies after one step (see :func:`expected_next`).

    Attributes
    ----------
    D, B : float or ndarray
        :math:`\mathbb E[D_{t+1}\mid\theta_t]` and
        :math:`\mathbb E[B_{t+1}\mid\theta_t]`.

    Examples
    --------
    >>> ExpectedEnergies(D=1.0, B=3.0).B
    3.0
    """

    D: float | np.ndarray
    B: float | np.ndarray


class ProjectionThresholds(NamedTuple):
    r"""The step-size thresholds of the projected updates (Dom-SGD and Bulk-SGD).

    Attributes
    ----------
    dominant : float or ndarray
        :math:`\eta_{\mathcal D}`: Dom-SGD raises the expected loss above it.
    bulk : float or ndarray
        :math:`\eta_{\mathcal B}`: Bulk-SGD lowers the expected loss below it.

    Examples
    --------
    >>> t = ProjectionThresholds(dominant=0.5, bulk=2.0)
    >>> t.dominant < t.bulk
    True
    """

    dominant: float | np.ndarray
    bulk: float | np.ndarray


@dataclass(frozen=True, repr=False)
class BlockMoments:
    r"""The block sums of one state, and the one-step laws as its methods.

    One step :math:`\theta' = \theta - \eta(g + \xi)` of SGD with noise covariance
    :math:`\Sigma` changes each block's gradient energy and loss, in expectation, by
    a function of ten numbers: the energies :math:`D, B` and, per block
    :math:`X \in \{\mathcal D, \mathcal B\}`, the curvature moments :math:`a_X, b_X`
    and the noise moments :math:`n_X, t_X` (definitions in the module docstring;
    for a general Hessian :math:`a_X = g^\top H P_X g`, :math:`b_X = \lVert P_X H
    g\rVert^2`, :math:`n_X = \operatorname{tr}(P_X H \Sigma H)` and
    :math:`t_X = \operatorname{tr}(P_X H\Sigma)`, :math:`P_X` the projection on the
    block, an eigenspace of :math:`H`). The methods are the laws:

    - :meth:`expected_next`: :math:`\mathbb E X' = X - 2\eta a_X + \eta^2 (b_X + n_X)`;
    - :meth:`ratio_of_expectations`: :math:`\bar\chi_{t+1} = \mathbb E D'/(\mathbb E
      D' + \mathbb E B')`;
    - :meth:`critical_step_size`: :math:`\eta^*_t = 2(a_{\mathcal D}B -
      a_{\mathcal B}D) /((b_{\mathcal D}+n_{\mathcal D})B - (b_{\mathcal B}+n_{\mathcal
      B})D)` when the denominator is positive, :math:`\infty` otherwise, and
      :meth:`regime`;
    - :meth:`projection_thresholds`: :math:`\eta_X = 2X/(a_X + t_X)`;
    - :meth:`expected_loss_change`: :math:`\mathbb E\Delta L_X = -\eta X +
      \tfrac{\eta^2}{2}(a_X + t_X)`.

    Each field is a float or an array (one value per state); the methods broadcast.

    Parameters
    ----------
    D, B : float or ndarray
        :math:`D = \lVert P_{\mathcal D}g\rVert^2` and
        :math:`B = \lVert P_{\mathcal B}g\rVert^2`, ``>= 0``.
    aD, aB : float or ndarray
        :math:`a_{\mathcal D}`, :math:`a_{\mathcal B}` (negative where the block's
        curvature is).
    bD, bB : float or ndarray
        :math:`b_{\mathcal D}`, :math:`b_{\mathcal B}`, ``>= 0``.
    nD, nB : float or ndarray
        :math:`n_{\mathcal D}`, :math:`n_{\mathcal B}`, ``>= 0``.
    tD, tB : float or ndarray
        :math:`t_{\mathcal D}`, :math:`t_{\mathcal B}`.

    References
    ----------
    - Deng et al., "Suspicious Alignment of SGD", ALT 2026, arXiv:2601.11789 (the
      phenomenon; the laws are the book's derivation in its stated model).
    - Song, Ahn, Yun, ICLR 2025, arXiv:2405.16002 (Dom-SGD and Bulk-SGD).

    Examples
    --------
    >>> import rivervalley_lib as rv
    >>> valley = rv.RiverValley([4.0, 1.0], k=1)
    >>> m = rv.BlockMoments.from_state(valley, rv.IsotropicNoise(0.0), [1.0, 1.0])
    >>> m
    BlockMoments(D=16, B=1, alignment=0.941176
      dominant: a=64, b=256, n=0, t=0
      bulk:     a=1, b=1, n=0, t=0)
    >>> m.critical_step_size(), m.projection_thresholds()
    (0.4, ProjectionThresholds(dominant=0.5, bulk=2.0))
    >>> m.expected_next(0.25)
    ExpectedEnergies(D=0.0, B=0.5625)
    """

    D: float | np.ndarray
    B: float | np.ndarray
    aD: float | np.ndarray
    aB: float | np.ndarray
    bD: float | np.ndarray
    bB: float | np.ndarray
    nD: float | np.ndarray
    nB: float | np.ndarray
    tD: float | np.ndarray
    tB: float | np.ndarray

    @classmethod
    def from_state(cls, valley: RiverValley, noise: NoiseModel, theta) -> BlockMoments:
        r"""The moments of state(s) ``theta`` in the valley, under the noise model.

        Parameters
        ----------
        valley : RiverValley
            The quadratic model (eigenvalues in decreasing order, first ``k`` dominant).
        noise : NoiseModel
            Supplies the noise variances :math:`s_i` of the coordinates at ``theta``.
        theta : array_like, shape (..., d)
            State(s) in the eigenbasis; leading axes are batch axes.

        Returns
        -------
        BlockMoments
            Fields of shape ``(...)``.

        Examples
        --------
        >>> import rivervalley_lib as rv
        >>> valley = rv.RiverValley([4.0, 1.0], k=1)
        >>> m = rv.BlockMoments.from_state(valley, rv.IsotropicNoise(1.0), [1.0, 1.0])
        >>> float(m.nD), float(m.nB)
        (16.0, 1.0)
        """
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
        return cls(D, B, aD, aB, bD, bB, nD, nB, tD, tB)

    def __repr__(self) -> str:
        def show(x) -> str:
            x = np.asarray(x)
            if x.ndim == 0:
                return f"{float(x):.6g}"
            return f"<array {x.shape}>"

        with np.errstate(divide="ignore", invalid="ignore"):
            chi = np.asarray(self.D) / (np.asarray(self.D) + np.asarray(self.B))
        return (
            f"BlockMoments(D={show(self.D)}, B={show(self.B)}, alignment={show(chi)}\n"
            f"  dominant: a={show(self.aD)}, b={show(self.bD)}, "
            f"n={show(self.nD)}, t={show(self.tD)}\n"
            f"  bulk:     a={show(self.aB)}, b={show(self.bB)}, "
            f"n={show(self.nB)}, t={show(self.tB)})"
        )

    def replace(self, **changes) -> BlockMoments:
        """A copy with some fields replaced (e.g. the noise moments).

        Parameters
        ----------
        **changes : float or ndarray
            New values of fields named as in the class (``nD=...``).

        Returns
        -------
        BlockMoments

        Examples
        --------
        >>> BlockMoments(1, 1, 1, 1, 1, 1, 0, 0, 0, 0).replace(nB=2.0).nB
        2.0
        """
        names = {f.name for f in fields(self)}
        unknown = set(changes) - names
        if unknown:
            raise TypeError(f"BlockMoments has no field(s) {sorted(unknown)}")
        values = {name: getattr(self, name) for name in names}
        values.update(changes)
        return type(self)(**values)

    @property
    def alignment(self):
        r""":math:`\chi = D/(D+B)` (raises ``ValueError`` where :math:`D + B = 0`)."""
        total = np.asarray(self.D) + np.asarray(self.B)
        if np.any(total == 0):
            raise ValueError(
                "the gradient is zero somewhere: the alignment is undefined there"
            )
        return scalarize(np.asarray(self.D) / total)

    def expected_next(self, eta) -> ExpectedEnergies:
        r"""The expected block energies after one SGD step of size ``eta``.

        .. math::

            \mathbb E X' = X - 2\eta a_X + \eta^2 (b_X + n_X),
            \qquad X \in \{D, B\}.

        Parameters
        ----------
        eta : float or array_like
            Step size(s), ``> 0``, broadcast against the fields.

        Returns
        -------
        ExpectedEnergies
            :math:`\mathbb E D'` and :math:`\mathbb E B'`, named ``D`` and ``B``.

        Examples
        --------
        >>> BlockMoments(1.0, 1.0, 2.0, 1.0, 4.0, 1.0, 0, 0, 0, 0).expected_next(0.5)
        ExpectedEnergies(D=0.0, B=0.25)
        """
        eta = validate_step_size("eta", eta)
        ED = self.D - 2 * eta * self.aD + eta**2 * (self.bD + self.nD)
        EB = self.B - 2 * eta * self.aB + eta**2 * (self.bB + self.nB)
        return ExpectedEnergies(scalarize(ED), scalarize(EB))

    def ratio_of_expectations(self, eta):
        r"""The ratio of expected energies after one step, :math:`\bar\chi_{t+1}`.

        .. math::

            \bar\chi_{t+1} = \frac{\mathbb E D'}{\mathbb E D' + \mathbb E B'} .

        Not the expected alignment :math:`\mathbb E\chi_{t+1}` (see
        :func:`~rivervalley_lib.expected_alignment`), though close to it when
        :math:`D'` and :math:`B'` concentrate.

        Parameters
        ----------
        eta : float or array_like
            Step size(s), ``> 0``.

        Returns
        -------
        float or ndarray
            :math:`\bar\chi_{t+1}\in[0, 1]`.

        Raises
        ------
        ValueError
            If the expected next energy :math:`\mathbb E D' + \mathbb E B'` is not
            positive.

        Examples
        --------
        >>> m = BlockMoments(1.0, 1.0, 2.0, 1.0, 4.0, 1.0, 0, 0, 0, 0)
        >>> m.ratio_of_expectations(0.5)
        0.0
        """
        ED, EB = self.expected_next(eta)
        total = np.asarray(ED) + np.asarray(EB)
        if np.any(~(total > 0)):
            raise ValueError(
                "the expected next gradient energy is not positive; the ratio "
                "E[D']/(E[D'] + E[B']) is undefined"
            )
        return scalarize(np.asarray(ED) / total)

    def threshold_terms(self) -> tuple[np.ndarray, np.ndarray]:
        r"""The terms :math:`A, C` of :math:`\eta^*_t = 2A/C`.

        :math:`A = a_{\mathcal D}B - a_{\mathcal B}D`,
        :math:`C = (b_{\mathcal D}+n_{\mathcal D})B - (b_{\mathcal B}+n_{\mathcal B})D`;
        :math:`\mathbb E D' B - \mathbb E B' D = \eta(\eta C - 2A)`.

        Returns
        -------
        A, C : ndarray

        Raises
        ------
        ValueError
            Where :math:`D + B = 0`.

        Examples
        --------
        >>> BlockMoments(1.0, 1.0, 2.0, 1.0, 4.0, 1.0, 0, 0, 0, 0).threshold_terms()
        (array(1.), array(3.))
        """
        D, B = np.asarray(self.D), np.asarray(self.B)
        if np.any((D + B) == 0):
            raise ValueError(
                "theta has a zero gradient somewhere: the alignment is undefined there"
            )
        A = np.asarray(self.aD * B - self.aB * D)
        C = np.asarray((self.bD + self.nD) * B - (self.bB + self.nB) * D)
        return A, C

    def critical_step_size(self):
        r"""The critical step size :math:`\eta^*_t = 2A/C` (``inf`` if :math:`C\le 0`).

        The ratio of expectations rises after the step iff :math:`\eta > \eta^*_t`
        (see :func:`~rivervalley_lib.critical_step_size`).

        Returns
        -------
        float or ndarray
            :math:`\eta^*_t`, ``math.inf`` in the always-falls regime.

        Examples
        --------
        >>> BlockMoments(1.0, 1.0, 2.0, 1.0, 4.0, 1.0, 0, 0, 0, 0).critical_step_size()
        0.6666666666666666
        """
        A, C = self.threshold_terms()
        eta_star = np.where(C > 0, 2 * A / np.where(C > 0, C, 1.0), np.inf)
        return scalarize(eta_star)  # a 0-d inf is float("inf") == math.inf

    def regime(self):
        r"""``"threshold"`` where :math:`C > 0` (finite :math:`\eta^*_t`), else
        ``"always-falls"``.

        Returns
        -------
        str or ndarray of str

        Examples
        --------
        >>> BlockMoments(1.0, 1.0, 2.0, 1.0, 4.0, 1.0, 0, 0, 0, 0).regime()
        'threshold'
        """
        _, C = self.threshold_terms()
        out = np.where(C > 0, "threshold", "always-falls")
        return str(out) if out.ndim == 0 else out

    def projection_thresholds(self) -> ProjectionThresholds:
        r"""The thresholds :math:`\eta_X = 2X/(a_X + t_X)` of Dom-SGD and Bulk-SGD.

        Where :math:`a_{\mathcal D} + t_{\mathcal D} \le 0`,
        :math:`\eta_{\mathcal D} = \infty`; where :math:`a_{\mathcal B} +
        t_{\mathcal B} < 0` (negative bulk curvature, measured on a network) Bulk-SGD
        lowers the expected loss at every step size and :math:`\eta_{\mathcal B} =
        \infty`; where it is 0 the bulk step never moves it, :math:`\eta_{\mathcal B} =
        0`.

        Returns
        -------
        ProjectionThresholds
            :math:`\eta_{\mathcal D}` and :math:`\eta_{\mathcal B}`, named
            ``dominant`` and ``bulk``.

        Examples
        --------
        >>> m = BlockMoments(1.0, 1.0, 2.0, 1.0, 4.0, 1.0, 0, 0, 0, 0)
        >>> m.projection_thresholds()
        ProjectionThresholds(dominant=1.0, bulk=2.0)
        """
        den_D = np.asarray(self.aD + self.tD)
        den_B = np.asarray(self.aB + self.tB)
        eta_D = np.where(
            den_D > 0, 2 * self.D / np.where(den_D > 0, den_D, 1.0), np.inf
        )
        eta_B = np.where(
            den_B > 0,
            2 * self.B / np.where(den_B > 0, den_B, 1.0),
            np.where(den_B < 0, np.inf, 0.0),
        )
        return ProjectionThresholds(scalarize(eta_D), scalarize(eta_B))

    def expected_loss_change(
        self, eta, projection: Literal["none", "dominant", "bulk"] = "none"
    ):
        r"""The expected one-step loss change of SGD, Dom-SGD or Bulk-SGD.

        .. math::

            \mathbb E[\Delta L_X] = -\eta X + \tfrac{\eta^2}{2}(a_X + t_X),

        summed over both blocks for SGD (``"none"``).

        Parameters
        ----------
        eta : float or array_like
            Step size(s), ``> 0``.
        projection : {"none", "dominant", "bulk"}
            SGD, Dom-SGD or Bulk-SGD.

        Returns
        -------
        float or ndarray

        Examples
        --------
        >>> m = BlockMoments(1.0, 1.0, 2.0, 1.0, 4.0, 1.0, 0, 0, 0, 0)
        >>> m.expected_loss_change(0.5), m.expected_loss_change(0.5, "bulk")
        (-0.625, -0.375)
        """
        eta = validate_step_size("eta", eta)
        projection = validate_projection(projection)
        dom = -eta * self.D + 0.5 * eta**2 * (self.aD + self.tD)
        blk = -eta * self.B + 0.5 * eta**2 * (self.aB + self.tB)
        if projection == "dominant":
            return scalarize(dom)
        if projection == "bulk":
            return scalarize(blk)
        return scalarize(dom + blk)


def block_moments(valley: RiverValley, noise: NoiseModel, theta) -> BlockMoments:
    """The :class:`BlockMoments` of ``theta``, shape ``(..., d)``, in the valley."""
    return BlockMoments.from_state(valley, noise, theta)


def scalarize(x):
    """A 0-d array as a Python float; any other array unchanged."""
    x = np.asarray(x)
    return float(x) if x.ndim == 0 else x
