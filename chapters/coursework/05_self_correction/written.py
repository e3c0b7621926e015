"""Chapter 5: the numbers of the written questions, from their parameters and the
library (tools/make_assignments.py fills written.md with them)."""

import math

import rivervalley_lib as rv


def _sig(x: float, digits: int = 3) -> str:
    """``x`` to ``digits`` significant digits, without an exponent."""
    return f"{float(f'{x:.{digits}g}'):g}"


def numbers(W: dict, given=None) -> dict:
    """The smallest gap ratio kappa = lambda / mu with a small-eta curvature-noise
    plateau of at least ``target``, and the library's plateau there."""
    k, d, target = W["k"], W["d"], W["target"]
    coef = target / (1 - target)
    kappa_sq = coef * (d - k) / k
    kappa = math.sqrt(kappa_sq)
    valley = rv.RiverValley.two_level(d=d, k=k, dominant=1.0, bulk=1.0 / kappa)
    check = rv.noise_floor(valley, rv.CurvatureNoise(1.0), 1e-6).alignment
    return {
        "k": f"{k}",
        "d": f"{d}",
        "target": f"{target:g}",
        "coef": _sig(coef, 4),
        "kappa_sq": _sig(kappa_sq, 6),
        "kappa": _sig(kappa),
        "check": f"{check:.6f}",
    }
