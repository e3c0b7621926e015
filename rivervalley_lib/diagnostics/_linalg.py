"""Linear algebra on operators known only through matrix-vector products (Lanczos)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._validation import validate_int, validate_real, validate_rng


class LanczosNoConvergence(RuntimeError):
    """Lanczos spent its budget of Hessian-vector products before converging.

    Raised by :func:`~rivervalley_lib.network.top_eigenspace` and
    :func:`~rivervalley_lib.diagnostics.measure_alignment` when ``maxiter`` (or
    ``lanczos_maxiter``) HVPs did not bring all ``k`` residuals below the tolerance.

    Attributes
    ----------
    eigenvalues : ndarray, shape (j,)
        The ``j < k`` eigenvalues that did converge, descending (possibly none).
    eigenvectors : ndarray, shape (dim, j)
        Their eigenvectors.
    hvp_count : int
        The number of HVPs spent.

    Examples
    --------
    >>> import numpy as np
    >>> err = LanczosNoConvergence("no", np.array([2.0]), np.ones((3, 1)), 40)
    >>> err.eigenvalues, err.hvp_count
    (array([2.]), 40)
    """

    def __init__(
        self,
        message: str,
        eigenvalues: np.ndarray,
        eigenvectors: np.ndarray,
        hvp_count: int,
    ):
        super().__init__(message)
        self.eigenvalues = eigenvalues
        self.eigenvectors = eigenvectors
        self.hvp_count = hvp_count


def flat_result(name: str, value, dim: int) -> np.ndarray:
    """The value returned by a user callable ``name`` as a flat float vector of ``dim``.

    Internal API: raises ``ValueError`` naming the callable when the shape is not
    ``(dim,)`` (e.g. ``(1, dim)``) or a value is not finite, instead of letting numpy
    fail later inside a matrix product.
    """
    arr = np.asarray(value, dtype=float)
    if arr.shape != (dim,):
        raise ValueError(
            f"{name} must return a flat vector of shape ({dim},), got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} returned non-finite values (NaN or inf)")
    return arr


def top_eigenspace(
    hvp: Callable[[np.ndarray], np.ndarray],
    dim: int,
    k: int,
    *,
    tol: float = 1e-8,
    maxiter: int | None = None,
    rng=0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Top-:math:`k` eigenpairs of a symmetric operator from matrix-vector products.

    Runs implicitly restarted Lanczos (ARPACK's ``eigsh``, ``which="LA"``) on a
    :class:`scipy.sparse.linalg.LinearOperator` wrapping ``hvp``, with
    :math:`p = \min(\mathrm{dim}, \max(2k + 1, 20))` Lanczos vectors. It stops when
    every one of the top-:math:`k` Ritz pairs :math:`(\lambda_i, u_i)` has the
    residual bound

    .. math::

        \lVert H u_i - \lambda_i u_i\rVert \le \mathrm{tol}\cdot|\lambda_i|

    (ARPACK's convergence test, with :math:`|\lambda_i|` floored at
    :math:`\epsilon^{2/3} \approx 6\cdot 10^{-11}`), or when ``maxiter`` HVPs are
    spent. The first Lanczos run costs :math:`p + 1` HVPs and each restart at most
    :math:`p - k` more; with ``maxiter`` set, :math:`p` is lowered to at most
    :math:`(\mathrm{maxiter} + k - 1)/2` if needed and ARPACK is given the number of
    restarts that fits the budget.
    For ``k >= dim - 1`` the operator is formed densely (``dim`` HVPs).

    Parameters
    ----------
    hvp : callable
        ``v -> H v`` for flat vectors of length ``dim``.
    dim : int
        Dimension of the space, ``> k``.
    k : int
        Number of eigenpairs, ``>= 1``.
    tol : float
        Bound on each residual :math:`\lVert Hu_i - \lambda_i u_i\rVert` relative
        to :math:`|\lambda_i|`, ``>= 0`` (0 means machine precision).
    maxiter : int, optional
        Budget of HVPs, ``>= k + 3`` (unlimited if omitted: ARPACK's cap of
        ``10 * dim`` restarts).
    rng : int, Generator or None
        Seed of the Lanczos start vector (for reproducibility); ``None`` draws a fresh
        one.

    Returns
    -------
    eigenvalues : ndarray, shape (k,)
        In descending order.
    eigenvectors : ndarray, shape (dim, k)
        Orthonormal columns.

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type or range, or ``hvp`` returns a wrong shape,
        non-finite values, or an operator ARPACK cannot iterate on (a zero Hessian).
    ~rivervalley_lib.diagnostics.LanczosNoConvergence
        If the budget ran out first; the converged pairs are attached.

    References
    ----------
    - C. Lanczos, "An iteration method for the solution of the eigenvalue problem of
      linear differential and integral operators", J. Res. Nat. Bur. Standards 45
      (1950).
    - R. B. Lehoucq, D. C. Sorensen, C. Yang, *ARPACK Users' Guide*, SIAM (1998).

    Examples
    --------
    >>> import numpy as np
    >>> H = np.diag([5.0, 3.0, 1.0, 0.5])
    >>> vals, vecs = top_eigenspace(lambda v: H @ v, 4, 2)
    >>> vals.round(6).tolist()
    [5.0, 3.0]
    """
    from scipy.sparse.linalg import (
        ArpackError,
        ArpackNoConvergence,
        LinearOperator,
        eigsh,
    )

    if not callable(hvp):
        raise TypeError("hvp must be a callable v -> H v")
    dim = validate_int("dim", dim, low=2)
    k = validate_int("k", k, low=1, high=dim - 1)
    tol = validate_real("tol", tol, low=0.0)
    if maxiter is not None:
        maxiter = validate_int("maxiter", maxiter, low=k + 3)
    rng = validate_rng(rng)
    count = [0]

    def matvec(v: np.ndarray) -> np.ndarray:
        count[0] += 1
        return flat_result("hvp", hvp(np.asarray(v, dtype=float).ravel()), dim)

    op = LinearOperator((dim, dim), matvec=matvec, dtype=float)
    v0 = rng.standard_normal(dim)
    if k >= dim - 1:
        dense = np.column_stack([op.matvec(e) for e in np.eye(dim)])
        vals, vecs = np.linalg.eigh(0.5 * (dense + dense.T))
        vals, vecs = vals[::-1][:k], vecs[:, ::-1][:, :k]
    else:
        ncv = min(dim, max(2 * k + 1, 20))
        restarts = None
        if maxiter is not None:
            # Measured on ARPACK: the first run costs ncv + 1 HVPs, each restart at
            # most ncv - k (tests/library/test_diagnostics_errors.py checks the cap).
            ncv = min(ncv, (maxiter + k - 1) // 2)
            restarts = (maxiter - ncv - 1) // (ncv - k)
        try:
            vals, vecs = eigsh(
                op, k=k, which="LA", tol=tol, v0=v0, ncv=ncv, maxiter=restarts
            )
        except ArpackNoConvergence as err:
            order = np.argsort(err.eigenvalues)[::-1]
            raise LanczosNoConvergence(
                f"Lanczos did not converge within maxiter = {maxiter} HVPs "
                f"({len(order)} of {k} eigenpairs converged, {count[0]} HVPs "
                f"spent); raise maxiter or loosen tol",
                err.eigenvalues[order],
                err.eigenvectors[:, order],
                count[0],
            ) from None
        except ArpackError as exc:
            raise ValueError(
                f"hvp gave an operator Lanczos cannot iterate on ({exc}); is the "
                "Hessian zero at this point?"
            ) from None
        order = np.argsort(vals)[::-1]
        vals, vecs = vals[order], vecs[:, order]
    if not np.all(np.isfinite(vals)):
        raise ValueError("the operator returned non-finite values")
    return vals, vecs
