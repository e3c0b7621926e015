"""Every public entry point rejects bad input with a clear TypeError or ValueError."""

from __future__ import annotations

import numpy as np
import pytest

from rivervalley_lib import (
    CurvatureNoise,
    IsotropicNoise,
    RegressionNoise,
    RiverValley,
    alignment,
    alignment_regime,
    critical_step_size,
    energy_ratio_step,
    expected_alignment,
    expected_loss_change,
    expected_next,
    expected_trajectory,
    gradient_alignment,
    noise_floor,
    phase_lengths,
    projection_thresholds,
    self_correction_threshold,
    simulate,
)

RV = RiverValley.two_level(d=4, k=1, dominant=4.0, bulk=1.0)
NZ = IsotropicNoise(0.1)
TH = np.ones(4)
NAN = float("nan")

CASES = [
    # (id, callable, exception, message fragment)
    (
        "eigs-negative",
        lambda: RiverValley([2.0, -1.0], 1),
        ValueError,
        "eigenvalues must be >= 0",
    ),
    (
        "eigs-unsorted",
        lambda: RiverValley([1.0, 2.0, 0.5], 1),
        ValueError,
        "non-increasing",
    ),
    ("eigs-nan", lambda: RiverValley([2.0, NAN], 1), ValueError, "finite"),
    ("eigs-inf", lambda: RiverValley([np.inf, 1.0], 1), ValueError, "finite"),
    ("eigs-2d", lambda: RiverValley(np.ones((2, 2)), 1), ValueError, "one-dimensional"),
    ("eigs-short", lambda: RiverValley([1.0], 1), ValueError, "d >= 2"),
    ("eigs-str", lambda: RiverValley("abc", 1), TypeError, "eigenvalues"),
    ("eigs-none", lambda: RiverValley(None, 1), TypeError, "eigenvalues"),
    (
        "k-zero",
        lambda: RiverValley([2.0, 1.0], 0),
        ValueError,
        "k must be an integer in [1, 1]",
    ),
    ("k-too-big", lambda: RiverValley([2.0, 1.0], 2), ValueError, "k must be"),
    (
        "k-float",
        lambda: RiverValley([2.0, 1.0], 1.0),
        TypeError,
        "k must be an integer",
    ),
    (
        "k-bool",
        lambda: RiverValley([2.0, 1.0], True),
        TypeError,
        "k must be an integer",
    ),
    ("no-gap", lambda: RiverValley([2.0, 2.0, 1.0], 1), ValueError, "strict gap"),
    (
        "two-level-bulk-above",
        lambda: RiverValley.two_level(4, 1, 1.0, 2.0),
        ValueError,
        "bulk",
    ),
    (
        "two-level-d",
        lambda: RiverValley.two_level(1, 1, 2.0, 1.0),
        ValueError,
        "d must be",
    ),
    (
        "two-level-dom-zero",
        lambda: RiverValley.two_level(4, 1, 0.0, 0.0),
        ValueError,
        "dominant must be > 0",
    ),
    (
        "spread-overlap",
        lambda: RiverValley.spread(5, 2, (1.0, 2.0), (0.5, 1.5)),
        ValueError,
        "below the dominant",
    ),
    (
        "spread-spacing",
        lambda: RiverValley.spread(5, 2, (3.0, 4.0), (0.5, 1.0), spacing="log"),
        ValueError,
        "spacing",
    ),
    (
        "spread-pair",
        lambda: RiverValley.spread(5, 2, 3.0, (0.5, 1.0)),
        TypeError,
        "dominant must be a (low, high)",
    ),
    (
        "spread-geom-zero",
        lambda: RiverValley.spread(5, 2, (3.0, 4.0), (0.0, 1.0)),
        ValueError,
        "bulk[0] must be > 0",
    ),
    ("sigma-negative", lambda: IsotropicNoise(-1.0), ValueError, "sigma must be >= 0"),
    ("sigma-nan", lambda: CurvatureNoise(NAN), ValueError, "sigma must be finite"),
    (
        "sigma-str",
        lambda: IsotropicNoise("1"),
        TypeError,
        "sigma must be a real number",
    ),
    ("batch-zero", lambda: RegressionNoise(0, 0.1), ValueError, "batch_size must be"),
    (
        "batch-negative",
        lambda: RegressionNoise(-3, 0.1),
        ValueError,
        "batch_size must be",
    ),
    (
        "batch-float",
        lambda: RegressionNoise(2.5, 0.1),
        TypeError,
        "batch_size must be an integer",
    ),
    (
        "label-negative",
        lambda: RegressionNoise(2, -0.1),
        ValueError,
        "label_noise must be >= 0",
    ),
    (
        "theta-shape",
        lambda: alignment(RV, np.ones(3)),
        ValueError,
        "last dimension d = 4",
    ),
    (
        "theta-nan",
        lambda: alignment(RV, [1.0, NAN, 0.0, 0.0]),
        ValueError,
        "theta must contain only finite",
    ),
    (
        "theta-zero-grad",
        lambda: alignment(RV, np.zeros(4)),
        ValueError,
        "zero gradient",
    ),
    (
        "alignment-squared",
        lambda: gradient_alignment(RV, TH, squared=1),
        TypeError,
        "squared must be a bool",
    ),
    (
        "landscape-type",
        lambda: alignment("valley", TH),
        TypeError,
        "valley must be a RiverValley",
    ),
    (
        "noise-type",
        lambda: expected_next(RV, 0.1, TH, 0.1),
        TypeError,
        "noise must be a NoiseModel",
    ),
    ("eta-zero", lambda: expected_next(RV, NZ, TH, 0.0), ValueError, "eta must be > 0"),
    (
        "eta-negative",
        lambda: energy_ratio_step(RV, NZ, TH, -0.1),
        ValueError,
        "eta must be > 0",
    ),
    (
        "eta-nan",
        lambda: expected_next(RV, NZ, TH, NAN),
        ValueError,
        "eta must be finite",
    ),
    (
        "eta-array-neg",
        lambda: expected_next(RV, NZ, TH, np.array([0.1, -0.1])),
        ValueError,
        "eta must be > 0",
    ),
    ("eta-bool", lambda: expected_next(RV, NZ, TH, True), TypeError, "eta"),
    (
        "loss-change-projection",
        lambda: expected_loss_change(RV, NZ, TH, 0.1, projection="dom"),
        ValueError,
        "projection",
    ),
    (
        "eta-star-zero-grad",
        lambda: critical_step_size(RV, NZ, np.zeros(4)),
        ValueError,
        "zero gradient",
    ),
    ("regime-nan", lambda: alignment_regime(RV, NZ, [NAN] * 4), ValueError, "finite"),
    (
        "thresholds-shape",
        lambda: projection_thresholds(RV, NZ, np.ones((2, 5))),
        ValueError,
        "last dimension",
    ),
    ("floor-unstable", lambda: noise_floor(RV, NZ, 0.6), ValueError, "stability limit"),
    (
        "floor-eta-nan",
        lambda: noise_floor(RV, NZ, NAN),
        ValueError,
        "eta must be finite",
    ),
    (
        "floor-regression-unstable",
        lambda: noise_floor(RV, RegressionNoise(1, 0.1), 0.45),
        ValueError,
        "diverge",
    ),
    (
        "phase-theta0-batch",
        lambda: phase_lengths(RV, NZ, 0.1, np.ones((2, 4))),
        ValueError,
        "theta0 must have shape (d,)",
    ),
    (
        "sim-steps-zero",
        lambda: simulate(RV, NZ, 0.1, 0, TH),
        ValueError,
        "steps must be",
    ),
    (
        "sim-steps-float",
        lambda: simulate(RV, NZ, 0.1, 10.0, TH),
        TypeError,
        "steps must be an integer",
    ),
    (
        "sim-seeds-zero",
        lambda: simulate(RV, NZ, 0.1, 10, TH, seeds=0),
        ValueError,
        "seeds must be",
    ),
    (
        "sim-eta-nan",
        lambda: simulate(RV, NZ, NAN, 10, TH),
        ValueError,
        "eta must be finite",
    ),
    (
        "sim-eta-negative",
        lambda: simulate(RV, NZ, -0.1, 10, TH),
        ValueError,
        "eta must be > 0",
    ),
    (
        "sim-eta-short",
        lambda: simulate(RV, NZ, np.full(5, 0.1), 10, TH),
        ValueError,
        "shape (steps,)",
    ),
    (
        "sim-eta-schedule-neg",
        lambda: simulate(RV, NZ, lambda t: 0.1 - 0.02 * t, 10, TH),
        ValueError,
        "at t = 5",
    ),
    (
        "sim-eta-schedule-type",
        lambda: simulate(RV, NZ, lambda t: "x", 10, TH),
        TypeError,
        "eta(t) must return",
    ),
    (
        "sim-theta0-shape",
        lambda: simulate(RV, NZ, 0.1, 10, np.ones((3, 4)), seeds=2),
        ValueError,
        "(seeds, d)",
    ),
    (
        "sim-projection",
        lambda: simulate(RV, NZ, 0.1, 10, TH, projection="top"),
        ValueError,
        "projection",
    ),
    (
        "sim-momentum",
        lambda: simulate(RV, NZ, 0.1, 10, TH, momentum=1.0),
        ValueError,
        "momentum must be in [0, 1)",
    ),
    (
        "sim-rng-type",
        lambda: simulate(RV, NZ, 0.1, 10, TH, rng="seed"),
        TypeError,
        "rng must be",
    ),
    (
        "sim-rng-negative",
        lambda: simulate(RV, NZ, 0.1, 10, TH, rng=-1),
        ValueError,
        "rng seed",
    ),
    (
        "sim-record-every",
        lambda: simulate(RV, NZ, 0.1, 10, TH, record_every=0),
        ValueError,
        "record_every",
    ),
    (
        "sim-on-divergence",
        lambda: simulate(RV, NZ, 0.1, 10, TH, on_divergence="ignore"),
        ValueError,
        "on_divergence",
    ),
    (
        "traj-diverges",
        lambda: expected_trajectory(RV, NZ, 0.6, 5000, TH),
        ValueError,
        "diverges",
    ),
    ("project-block", lambda: RV.project(TH, "middle"), ValueError, "block must be"),
    (
        "exact-regression-noise",
        lambda: expected_alignment(RV, RegressionNoise(4, 0.1), TH, 0.1),
        TypeError,
        "noise must be IsotropicNoise or CurvatureNoise",
    ),
    (
        "exact-noise-type",
        lambda: expected_alignment(RV, "iso", TH, 0.1),
        TypeError,
        "noise must be a NoiseModel",
    ),
    (
        "exact-landscape-type",
        lambda: expected_alignment("valley", NZ, TH, 0.1),
        TypeError,
        "valley must be a RiverValley",
    ),
    (
        "exact-eta-zero",
        lambda: expected_alignment(RV, NZ, TH, 0.0),
        ValueError,
        "eta must be > 0",
    ),
    (
        "exact-eta-nan",
        lambda: expected_alignment(RV, NZ, TH, NAN),
        ValueError,
        "eta must be finite",
    ),
    (
        "exact-eta-array-neg",
        lambda: expected_alignment(RV, NZ, TH, np.array([0.1, -0.1])),
        ValueError,
        "eta must be > 0",
    ),
    (
        "exact-theta-shape",
        lambda: expected_alignment(RV, NZ, np.ones(3), 0.1),
        ValueError,
        "last dimension d = 4",
    ),
    (
        "exact-theta-nan",
        lambda: expected_alignment(RV, NZ, [1.0, NAN, 0.0, 0.0], 0.1),
        ValueError,
        "theta must contain only finite",
    ),
    (
        "exact-eta-batch-mismatch",
        lambda: expected_alignment(RV, NZ, np.ones((2, 4)), [0.1, 0.2, 0.3]),
        ValueError,
        "eta of shape (3,) does not broadcast",
    ),
    (
        "exact-zero-next-gradient",
        lambda: expected_alignment(RV, IsotropicNoise(0.0), np.zeros(4), 0.1),
        ValueError,
        "alignment is undefined",
    ),
    (
        "eta-star-exact-bool",
        lambda: critical_step_size(RV, NZ, TH, exact=1),
        TypeError,
        "exact must be a bool",
    ),
    (
        "eta-star-exact-regression",
        lambda: critical_step_size(RV, RegressionNoise(4, 0.1), TH, exact=True),
        TypeError,
        "noise must be IsotropicNoise or CurvatureNoise",
    ),
    (
        "eta-star-exact-zero-grad",
        lambda: critical_step_size(RV, NZ, np.zeros(4), exact=True),
        ValueError,
        "zero gradient",
    ),
    # self_correction_threshold states the energy's range itself, whatever the value:
    # the whole message, not a fragment a later check's message would also contain.
    (
        "self-correction-negative-energy",
        lambda: self_correction_threshold(RV, NZ, energy=-1.0),
        ValueError,
        "energy must be > 0, got -1.0",
    ),
    (
        "self-correction-nan-energy",
        lambda: self_correction_threshold(RV, NZ, energy=float("nan")),
        ValueError,
        "energy must be finite and > 0, got nan",
    ),
]


@pytest.mark.parametrize(
    "call,exc,fragment", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_is_rejected_with_a_clear_message(call, exc, fragment):
    with pytest.raises(exc) as info:
        call()
    assert fragment in str(info.value)


def test_no_assert_statements_in_library():
    """Validation never relies on assert (stripped under python -O)."""
    import ast
    import pathlib

    import rivervalley_lib

    root = pathlib.Path(rivervalley_lib.__file__).parent
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        asserts = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Assert)]
        assert not asserts, f"{path.name} uses assert at lines {asserts}"
