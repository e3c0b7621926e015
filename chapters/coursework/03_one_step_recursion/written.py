"""Chapter 3: the numbers of the written questions, from their parameters and the
library (tools/make_assignments.py fills written.md with them)."""

import rivervalley_lib as rv


def _sig(x: float, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits, without an exponent."""
    return f"{float(f'{x:.{digits}g}'):g}"


def numbers(W: dict, given=None) -> dict:
    """The injected gradient energies per unit noise variance, n_X / sigma^2, of the
    two blocks of the two-level valley, their ratio, and the ratio of the parameter
    noise energies."""
    valley = rv.RiverValley.two_level(
        d=W["d"], k=W["k"], dominant=W["lam"], bulk=W["mu"]
    )
    # per unit sigma^2: lambda_i^2 s_i with s_i = 1
    n = valley.eigenvalues**2 * rv.IsotropicNoise(1.0).diagonal(valley)
    n_dom, n_bulk = n[: valley.k].sum(), n[valley.k :].sum()
    return {
        "k": f"{W['k']}",
        "d": f"{W['d']}",
        "lam": f"{W['lam']:g}",
        "mu": f"{W['mu']:g}",
        "n_dom": _sig(n_dom),
        "n_bulk": _sig(n_bulk),
        "factor": _sig(n_dom / n_bulk),
        "param_ratio": _sig((valley.d - valley.k) / valley.k, 4),
    }
