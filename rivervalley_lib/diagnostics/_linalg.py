"""Linear algebra on operators known only through matrix-vector products (Lanczos)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._validation import validate_int, validate_real, validate_rng


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

    Runs Lanczos (ARPACK's ``eigsh``, ``which="LA"``) on a
    :class:`scipy.sparse.linalg.LinearOperator` wrapping ``hvp``.

    Parameters
    ----------
    hvp : callable
        ``v -> H v`` for flat vectors of length ``dim``.
    dim : int
        Dimension of the space, ``> k``.
    k : int
        Number of eigenpairs, ``>= 1``.
    tol : float
        ARPACK's relative tolerance, ``>= 0`` (0 means machine precision).
    maxiter : int, optional
        Maximum number of Arnoldi update iterations, ``>= 1`` (ARPACK's default
        ``10 * dim`` if omitted).
    rng : int or Generator
        Seed of the Lanczos start vector (for reproducibility).

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
    scipy.sparse.linalg.ArpackNoConvergence
        If Lanczos does not converge within ``maxiter`` iterations (raise ``maxiter``
        or ``tol``).

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
    from scipy.sparse.linalg import LinearOperator

    if not callable(hvp):
        raise TypeError("hvp must be a callable v -> H v")
    dim = validate_int("dim", dim, low=2)
    k = validate_int("k", k, low=1, high=dim - 1)
    tol = validate_real("tol", tol, low=0.0)
    if maxiter is not None:
        maxiter = validate_int("maxiter", maxiter, low=1)
    rng = validate_rng(rng)
    op = LinearOperator(
        (dim, dim),
        matvec=lambda v: flat_result(
            "hvp", hvp(np.asarray(v, dtype=float).ravel()), dim
        ),
        dtype=float,
    )
    v0 = rng.standard_normal(dim)
    if k >= dim - 1:
        dense = np.column_stack([op.matvec(e) for e in np.eye(dim)])
        vals, vecs = np.linalg.eigh(0.5 * (dense + dense.T))
        vals, vecs = vals[::-1][:k], vecs[:, ::-1][:, :k]
    else:
        vals, vecs = _lanczos(op, k, tol, v0, maxiter)
        order = np.argsort(vals)[::-1]
        vals, vecs = vals[order], vecs[:, order]
    if not np.all(np.isfinite(vals)):
        raise ValueError("the operator returned non-finite values")
    return vals, vecs


def _lanczos(op, k: int, tol: float, v0: np.ndarray, maxiter: int | None):
    """ARPACK's Lanczos, its failures named: non-convergence stays
    ``ArpackNoConvergence`` (documented), with the arguments to change."""
    from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, eigsh

    try:
        return eigsh(op, k=k, which="LA", tol=tol, v0=v0, maxiter=maxiter)
    except ArpackNoConvergence as exc:
        raise ArpackNoConvergence(
            f"Lanczos did not converge (tol = {tol:g}, maxiter = {maxiter}): raise "
            "maxiter (lanczos_maxiter) or tol (lanczos_tol)",
            exc.eigenvalues,
            exc.eigenvectors,
        ) from None
    except ArpackError as exc:
        raise ValueError(
            f"hvp gave an operator Lanczos cannot iterate on ({exc}); is the Hessian "
            "zero at this point?"
        ) from None
