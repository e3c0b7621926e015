"""The quadratic river-valley valley in its eigenbasis."""

from __future__ import annotations

from typing import Literal

import numpy as np

from .._validation import (
    check_memory,
    validate_array,
    validate_choice,
    validate_int,
    validate_real,
)


class RiverValley:
    r"""A quadratic loss whose Hessian spectrum splits into a dominant and a bulk block.

    .. math::

        L(\theta) = \tfrac12 \sum_{i=1}^d \lambda_i \theta_i^2,
        \qquad \lambda_1 \ge \dots \ge \lambda_k
        > \lambda_{k+1} \ge \dots \ge \lambda_d \ge 0 .

    The loss is written in the eigenbasis of its Hessian
    :math:`H = \mathrm{diag}(\lambda)` with the minimiser at the origin; a rotation and
    a shift reduce every quadratic
    :math:`\tfrac12(\theta-\theta^\star)^\top H(\theta-\theta^\star)` to this form. The
    first ``k`` coordinates span the dominant subspace :math:`\mathcal D`, the remaining
    ``d - k`` the bulk :math:`\mathcal B`, with projectors :math:`P_{\mathcal D}` and
    :math:`P_{\mathcal B} = I - P_{\mathcal D}`.

    Parameters
    ----------
    eigenvalues : array_like, shape (d,)
        Hessian eigenvalues in non-increasing order, finite and non-negative.
    k : int
        Dimension of the dominant subspace, ``1 <= k < d``. The spectrum must have a
        strict gap :math:`\lambda_k > \lambda_{k+1}`.

    Attributes
    ----------
    d : int
        Dimension of the parameter space.
    k : int
        Dimension of the dominant subspace.
    eigenvalues : ndarray, shape (d,)
        The spectrum (read-only).

    Raises
    ------
    TypeError
        If ``eigenvalues`` is not numeric or ``k`` is not an integer.
    ValueError
        If the eigenvalues are not finite, negative, unsorted, if ``k`` is out of range
        or if there is no gap at ``k``.

    References
    ----------
    - S. Deng, B. Liao, Z. Ouyang, T. Pang, M. Song, Y. Yang, "Suspicious Alignment
      of SGD: A Fine-Grained Step Size Condition Analysis", ALT 2026, arXiv:2601.11789.
    - G. Gur-Ari, D. A. Roberts, E. Dyer, "Gradient Descent Happens in a Tiny
      Subspace", arXiv:1812.04754, 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from rivervalley_lib import RiverValley
    >>> valley = RiverValley([10.0, 1.0, 0.5], k=1)
    >>> valley.d, valley.k
    (3, 1)
    >>> theta = np.array([1.0, 2.0, 2.0])
    >>> parts = valley.loss_dominant(theta) + valley.loss_bulk(theta)
    >>> float(valley.loss(theta)), float(parts)
    (8.0, 8.0)
    >>> valley.gradient(theta)
    array([10.,  2.,  1.])
    """

    __slots__ = ("_eigenvalues", "_k", "_mask")

    def __init__(self, eigenvalues, k: int) -> None:
        lam = validate_array("eigenvalues", eigenvalues, ndim_min=1)
        if lam.ndim != 1:
            raise ValueError(
                f"eigenvalues must be one-dimensional, got shape {lam.shape}"
            )
        d = lam.shape[0]
        if d < 2:
            raise ValueError(f"eigenvalues must have length d >= 2, got {d}")
        k = validate_int("k", k, low=1, high=d - 1)
        if np.any(lam < 0):
            raise ValueError(f"eigenvalues must be >= 0, got min {lam.min():g}")
        if np.any(np.diff(lam) > 0):
            raise ValueError(
                "eigenvalues must be sorted in non-increasing order (largest first)"
            )
        if not lam[k - 1] > lam[k]:
            raise ValueError(
                f"k = {k} needs a strict gap lambda_k > lambda_(k+1), "
                f"got {lam[k - 1]:g} and {lam[k]:g}"
            )
        lam = lam.copy()
        lam.setflags(write=False)
        mask = np.zeros(d, dtype=bool)
        mask[:k] = True
        mask.setflags(write=False)
        self._eigenvalues = lam
        self._k = k
        self._mask = mask

    # ------------------------------------------------------------------ constructors
    @classmethod
    def two_level(cls, d: int, k: int, dominant: float, bulk: float) -> RiverValley:
        r"""A two-level spectrum: :math:`\lambda` (dominant) and :math:`\mu` (bulk).

        .. math::

            \lambda_1 = \dots = \lambda_k = \lambda
            > \mu = \lambda_{k+1} = \dots = \lambda_d \ge 0.

        Parameters
        ----------
        d : int
            Dimension, ``d >= 2``.
        k : int
            Dominant dimension, ``1 <= k < d``.
        dominant : float
            The dominant eigenvalue :math:`\lambda > 0`.
        bulk : float
            The bulk eigenvalue :math:`0 \le \mu < \lambda`.

        Returns
        -------
        RiverValley

        Examples
        --------
        >>> valley = RiverValley.two_level(d=5, k=2, dominant=10.0, bulk=0.1)
        >>> valley.eigenvalues
        array([10. , 10. ,  0.1,  0.1,  0.1])
        """
        d = validate_int("d", d, low=2)
        check_memory(8.0 * d, f"d = {d}")
        k = validate_int("k", k, low=1, high=d - 1)
        lam = validate_real("dominant", dominant, low=0.0, low_inclusive=False)
        mu = validate_real("bulk", bulk, low=0.0, high=lam, high_inclusive=False)
        return cls(np.concatenate([np.full(k, lam), np.full(d - k, mu)]), k)

    @classmethod
    def spread(
        cls,
        d: int,
        k: int,
        dominant: tuple[float, float],
        bulk: tuple[float, float],
        *,
        spacing: Literal["geometric", "linear"] = "geometric",
        levels: tuple[int, int] | None = None,
    ) -> RiverValley:
        r"""A spread spectrum: ``k`` dominant and ``d - k`` bulk eigenvalues on grids.

        The dominant eigenvalues fill
        :math:`[\lambda_{\min}^{\mathcal D}, \lambda_{\max}^{\mathcal D}]` and the bulk
        ones :math:`[\lambda_{\min}^{\mathcal B}, \lambda_{\max}^{\mathcal B}]`, evenly
        (``"linear"``) or evenly in log scale (``"geometric"``), both in descending
        order.

        Parameters
        ----------
        d, k : int
            Dimension and dominant dimension, ``1 <= k < d``.
        dominant : tuple of float
            ``(low, high)`` range of the dominant eigenvalues, ``0 < low <= high``.
        bulk : tuple of float
            ``(low, high)`` range of the bulk eigenvalues, ``0 <= low <= high`` and
            ``high < dominant[0]`` (the gap). A geometric grid needs ``low > 0``.
        spacing : {"geometric", "linear"}
            How the grids are spaced.
        levels : (int, int), optional
            Numbers of *distinct* dominant and bulk eigenvalues. By default every
            eigenvalue is distinct; with ``levels`` the grids have that many values,
            each repeated (as evenly as possible) to fill the block. Repeated
            eigenvalues make the spectrum block-structured, which :func:`simulate` and
            :func:`expected_trajectory` exploit (O(number of levels) per step instead of
            O(d)).

        Returns
        -------
        RiverValley

        Examples
        --------
        >>> valley = RiverValley.spread(
        ...     d=6, k=2, dominant=(10.0, 40.0), bulk=(0.01, 1.0)
        ... )
        >>> valley.eigenvalues.round(3).tolist()
        [40.0, 10.0, 1.0, 0.215, 0.046, 0.01]
        >>> RiverValley.spread(
        ...     d=7, k=2, dominant=(10.0, 40.0), bulk=(0.01, 1.0), levels=(1, 2)
        ... ).eigenvalues.tolist()
        [40.0, 40.0, 1.0, 1.0, 0.01, 0.01, 0.01]
        """
        d = validate_int("d", d, low=2)
        check_memory(8.0 * d, f"d = {d}")
        k = validate_int("k", k, low=1, high=d - 1)
        validate_choice("spacing", spacing, ("geometric", "linear"))
        if levels is not None and (
            isinstance(levels, (str, bytes))
            or not hasattr(levels, "__len__")
            or len(levels) != 2
        ):
            raise TypeError(
                "levels must be None or a pair (dominant levels, bulk levels) of "
                f"integers, got {type(levels).__name__}"
            )
        d_lo, d_hi = _range_pair("dominant", dominant, positive=True)
        b_lo, b_hi = _range_pair("bulk", bulk, positive=spacing == "geometric")
        if not b_hi < d_lo:
            raise ValueError(
                "bulk range must lie below the dominant range "
                f"(bulk[1] < dominant[0]), got {b_hi:g} >= {d_lo:g}"
            )
        grid = np.geomspace if spacing == "geometric" else np.linspace
        n_dom, n_blk = (
            (k, d - k)
            if levels is None
            else (
                validate_int("levels[0]", levels[0], low=1, high=k),
                validate_int("levels[1]", levels[1], low=1, high=d - k),
            )
        )

        def fill(hi: float, lo: float, n_values: int, size: int) -> np.ndarray:
            values = grid(hi, lo, n_values) if n_values > 1 else np.array([hi])
            return np.repeat(
                values, np.diff(np.linspace(0, size, n_values + 1).round().astype(int))
            )

        return cls(
            np.concatenate(
                [fill(d_hi, d_lo, n_dom, k), fill(b_hi, b_lo, n_blk, d - k)]
            ),
            k,
        )

    # ------------------------------------------------------------------ attributes
    @property
    def d(self) -> int:
        """Dimension of the parameter space."""
        return self._eigenvalues.shape[0]

    @property
    def k(self) -> int:
        """Dimension of the dominant subspace."""
        return self._k

    @property
    def eigenvalues(self) -> np.ndarray:
        r"""The Hessian spectrum :math:`(\lambda_1, \dots, \lambda_d)`, non-increasing.

        Read-only.
        """
        return self._eigenvalues

    @property
    def dominant_mask(self) -> np.ndarray:
        """Boolean mask of the dominant coordinates (read-only)."""
        return self._mask

    @property
    def stability_limit(self) -> float:
        r"""The largest stable constant GD step size, :math:`2/\lambda_1`."""
        return 2.0 / float(self._eigenvalues[0])

    @property
    def gap_ratio(self) -> float:
        r"""The ill-conditioning :math:`\kappa = \lambda_k / \lambda_{k+1}`.

        ``inf`` if :math:`\lambda_{k+1}=0`.
        """
        lo = float(self._eigenvalues[self._k])
        return np.inf if lo == 0 else float(self._eigenvalues[self._k - 1]) / lo

    def hessian(self) -> np.ndarray:
        r"""The Hessian as a dense matrix, :math:`H = \mathrm{diag}(\lambda)`.

        Examples
        --------
        >>> RiverValley([2.0, 1.0], k=1).hessian()
        array([[2., 0.],
               [0., 1.]])
        """
        check_memory(8.0 * self.d**2, f"the valley's dimension d = {self.d} (d x d)")
        return np.diag(self._eigenvalues)

    def projector(self, block: Literal["dominant", "bulk"]) -> np.ndarray:
        r"""The orthogonal projector onto a block as a dense ``(d, d)`` matrix.

        .. math::

            P_{\mathcal D} = \sum_{i \le k} e_i e_i^\top,
            \qquad P_{\mathcal B} = I - P_{\mathcal D}.

        Parameters
        ----------
        block : {"dominant", "bulk"}
            ``"dominant"`` (:math:`\mathcal D`) or ``"bulk"`` (:math:`\mathcal B`).

        Raises
        ------
        ValueError
            If ``block`` is neither, or the ``(d, d)`` matrix would exceed the memory
            limit (2 GiB).

        Examples
        --------
        >>> RiverValley([2.0, 1.0, 0.5], k=1).projector("bulk")
        array([[0., 0., 0.],
               [0., 1., 0.],
               [0., 0., 1.]])
        """
        mask = self._block_mask(block)
        check_memory(8.0 * self.d**2, f"the valley's dimension d = {self.d} (d x d)")
        return np.diag(mask.astype(float))

    # ------------------------------------------------------------------ maps
    def _block_mask(self, block: str) -> np.ndarray:
        block = validate_choice("block", block, ("dominant", "bulk"))
        return self._mask if block == "dominant" else ~self._mask

    def project(self, v, block: Literal["dominant", "bulk"]) -> np.ndarray:
        r"""Project vectors onto a block.

        Returns :math:`P_{\mathcal D} v` or :math:`P_{\mathcal B} v`.

        Parameters
        ----------
        v : array_like, shape (..., d)
            Vectors in the eigenbasis; leading axes are batch axes.
        block : {"dominant", "bulk"}
            ``"dominant"`` (:math:`\mathcal D`) or ``"bulk"`` (:math:`\mathcal B`).

        Returns
        -------
        ndarray, shape (..., d)

        Examples
        --------
        >>> RiverValley([2.0, 1.0, 0.5], k=1).project([1.0, 2.0, 3.0], "dominant")
        array([1., 0., 0.])
        """
        v = as_state(self, v, "v")
        return np.where(self._block_mask(block), v, 0.0)

    def loss(self, theta) -> np.ndarray:
        r"""The loss :math:`L(\theta) = \tfrac12 \sum_i \lambda_i \theta_i^2`.

        Over leading batch axes.

        Parameters
        ----------
        theta : array_like, shape (..., d)
            State(s) in the eigenbasis; leading axes are batch axes.

        Examples
        --------
        >>> float(RiverValley([4.0, 1.0], k=1).loss([1.0, 2.0]))
        4.0
        """
        theta = as_state(self, theta)
        return 0.5 * (theta * theta) @ self._eigenvalues

    def loss_dominant(self, theta) -> np.ndarray:
        r"""The dominant block loss :math:`L_{\mathcal D}(\theta)`.

        .. math:: L_{\mathcal D}(\theta) = \tfrac12 \sum_{i\le k} \lambda_i\theta_i^2

        Parameters
        ----------
        theta : array_like, shape (..., d)
            State(s); only the dominant coordinates :math:`\theta_i, i \le k`, count.

        Examples
        --------
        >>> float(RiverValley([4.0, 1.0], k=1).loss_dominant([1.0, 2.0]))
        2.0
        """
        theta = as_state(self, theta)
        return self.loss(self.project(theta, "dominant"))

    def loss_bulk(self, theta) -> np.ndarray:
        r"""The bulk block loss :math:`L_{\mathcal B}(\theta)`.

        .. math:: L_{\mathcal B}(\theta) = \tfrac12 \sum_{j>k} \lambda_j\theta_j^2

        Parameters
        ----------
        theta : array_like, shape (..., d)
            State(s); only the bulk coordinates :math:`\theta_j, j > k`, count.

        Examples
        --------
        >>> RiverValley([4.0, 1.0], k=1).loss_bulk([[1.0, 2.0], [3.0, 0.0]])
        array([2., 0.])
        """
        theta = as_state(self, theta)
        return self.loss(self.project(theta, "bulk"))

    def gradient(self, theta) -> np.ndarray:
        r"""The full-batch gradient :math:`\nabla L(\theta) = H\theta`.

        Over leading batch axes.

        Parameters
        ----------
        theta : array_like, shape (..., d)
            State(s) at which :math:`H\theta` is taken; leading axes are batch axes.

        Examples
        --------
        >>> RiverValley([4.0, 1.0], k=1).gradient([1.0, 2.0])
        array([4., 2.])
        """
        return self._eigenvalues * as_state(self, theta)

    def energies(self, theta) -> tuple[np.ndarray, np.ndarray]:
        r"""The gradient energies of the two blocks at :math:`\theta`.

        .. math::

            D = \lVert P_{\mathcal D} \nabla L(\theta)\rVert^2
              = \sum_{i\le k} \lambda_i^2\theta_i^2, \qquad
            B = \lVert P_{\mathcal B} \nabla L(\theta)\rVert^2
              = \sum_{j>k} \lambda_j^2\theta_j^2,

        so that the alignment is :math:`\chi = D/(D+B)` (Deng et al., ALT 2026,
        arXiv:2601.11789, Sec. 3).

        Parameters
        ----------
        theta : array_like, shape (..., d)
            States in the eigenbasis; leading axes are batch axes.

        Returns
        -------
        (ndarray, ndarray)
            :math:`D` and :math:`B`, each of shape ``theta.shape[:-1]``.

        Examples
        --------
        >>> D, B = RiverValley([4.0, 1.0], k=1).energies([[1.0, 2.0], [0.5, 0.0]])
        >>> D.tolist(), B.tolist()
        ([16.0, 4.0], [4.0, 0.0])
        """
        g2 = self.gradient(theta) ** 2
        return g2[..., : self.k].sum(axis=-1), g2[..., self.k :].sum(axis=-1)

    def __repr__(self) -> str:
        lam = self._eigenvalues
        return (
            f"RiverValley(d={self.d}, k={self.k}, "
            f"dominant=[{lam[self.k - 1]:g}, {lam[0]:g}], "
            f"bulk=[{lam[-1]:g}, {lam[self.k]:g}])"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RiverValley):
            return NotImplemented
        return self.k == other.k and np.array_equal(
            self._eigenvalues, other._eigenvalues
        )

    def __hash__(self) -> int:
        return hash((self.k, self._eigenvalues.tobytes()))


def as_state(valley: RiverValley, theta, name: str = "theta") -> np.ndarray:
    """``theta`` as a float array whose last axis has length ``valley.d``.

    Internal API shared by the theory and the simulator: raises ``TypeError`` or
    ``ValueError`` naming ``name`` when the shape or the values do not fit.
    """
    return validate_array(name, theta, ndim_min=1, last_dim=valley.d)


def _range_pair(name: str, value, *, positive: bool) -> tuple[float, float]:
    if (
        isinstance(value, (str, bytes))
        or not hasattr(value, "__len__")
        or len(value) != 2
    ):
        raise TypeError(f"{name} must be a (low, high) pair of numbers")
    if isinstance(value, np.ndarray) and value.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a (low, high) pair of real numbers")
    lo = validate_real(f"{name}[0]", value[0], low=0.0, low_inclusive=not positive)
    hi = validate_real(f"{name}[1]", value[1], low=lo)
    return lo, hi
