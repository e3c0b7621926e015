"""The model and the one-step moments (issue 24): claims that the rest of the suite
leaves untested, each on its boundary and with noise present where noise enters.

- ``sample_gradient`` accepts a single draw, and refuses a call too large for memory
  before allocating, with a message that states the size of its largest array
  (``samples`` x ``d`` x the noise's minibatch size, 8 bytes each, three arrays; no
  minibatch factor for noise without one), exactly on the limit; so does
  ``RegressionNoise.sample`` for its feature matrices.
- ``BlockMoments.projection_thresholds`` on the boundary of its denominators
  (:math:`a_X + t_X = 0` exactly) is exact and raises no floating-point warning.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import rivervalley_lib as rv

VALLEY = rv.RiverValley([4.0, 1.0], k=1)


def test_sample_gradient_guard_counts_no_minibatch_for_noise_without_one(monkeypatch):
    """Isotropic and curvature noise have no minibatch: the estimate is three float64
    arrays of ``samples * d`` entries, 24 * 5 * 2 = 240 bytes here. With the limit
    at exactly that the call goes through; one byte lower it is refused (an estimate
    that counted a minibatch of 2 for them would refuse it at the limit too)."""
    import rivervalley_lib._validation as validation

    for noise in (rv.IsotropicNoise(0.5), rv.CurvatureNoise(0.5)):
        monkeypatch.setattr(validation, "MEMORY_LIMIT", 24 * 5 * 2)
        assert rv.sample_gradient(VALLEY, noise, [1.0, 2.0], 5, rng=0).shape == (5, 2)
        monkeypatch.setattr(validation, "MEMORY_LIMIT", 24 * 5 * 2 - 1)
        with pytest.raises(ValueError, match="GiB of memory"):
            rv.sample_gradient(VALLEY, noise, [1.0, 2.0], 5, rng=0)


def test_regression_noise_guard_is_exact_on_its_bound(monkeypatch):
    """RegressionNoise.sample draws one feature matrix per minibatch: batch_size x d
    float64 numbers per state, 8 * 4 * (3 * 2) = 192 bytes for a batch of three
    states in d = 2. With the limit at exactly that the draw goes through; one byte
    lower it is refused before anything is drawn (an estimate that shrank with the
    state's size would let a huge draw through and exhaust the memory)."""
    import rivervalley_lib._validation as validation

    noise = rv.RegressionNoise(batch_size=4, label_noise=1.0)
    theta = np.ones((3, 2))
    monkeypatch.setattr(validation, "MEMORY_LIMIT", 8 * 4 * 3 * 2)
    assert noise.sample(VALLEY, theta, np.random.default_rng(0)).shape == (3, 2)
    monkeypatch.setattr(validation, "MEMORY_LIMIT", 8 * 4 * 3 * 2 - 1)
    with pytest.raises(ValueError, match="GiB of memory"):
        noise.sample(VALLEY, theta, np.random.default_rng(0))


def test_sample_gradient_accepts_a_single_draw():
    """``samples = 1`` is the smallest allowed count: one row, the full gradient
    H theta when the noise is zero."""
    g = rv.sample_gradient(VALLEY, rv.IsotropicNoise(0.0), [1.0, 2.0], 1, rng=0)
    assert g.tolist() == [[4.0, 2.0]]


def test_sample_gradient_states_its_memory_estimate_before_allocating():
    """A call whose arrays would exceed the library's 2 GiB limit is refused before
    anything is drawn, naming its arguments and its estimate: three float64 arrays
    of ``samples * d * batch_size`` entries (the minibatch features of
    ``RegressionNoise``), 24 * 2**20 * 2 * 2**10 bytes = 48 GiB here."""
    noise = rv.RegressionNoise(batch_size=2**10, label_noise=1.0)
    with pytest.raises(ValueError) as info:
        rv.sample_gradient(VALLEY, noise, [1.0, 1.0], 2**20, rng=0)
    message = str(info.value)
    assert message.startswith(
        "samples = 1048576 with d = 2 and the noise "
        "RegressionNoise(batch_size=1024, label_noise=1) would need about 48 GiB"
    ), message


def _thresholds_without_warnings(moments):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return moments.projection_thresholds()


@pytest.mark.parametrize(
    ("theta", "expected"),
    [
        # no dominant gradient: a_D = t_D = 0, Dom-SGD never raises the loss
        ([0.0, 1.0], (math.inf, 2.0)),
        # no bulk gradient: a_B = t_B = 0, the bulk step never moves the loss
        ([1.0, 0.0], (0.5, 0.0)),
    ],
)
def test_projection_thresholds_where_a_block_gradient_vanishes(theta, expected):
    """With zero noise and one block's gradient exactly zero, that block's
    denominator a_X + t_X is exactly 0: eta_D = inf and eta_B = 0 there, computed
    without a floating-point warning; the other block keeps eta_X = 2X/a_X
    (2 * 16/64 = 0.5 for the dominant block, 2 * 1/1 = 2 for the bulk)."""
    moments = rv.BlockMoments.from_state(VALLEY, rv.IsotropicNoise(0.0), theta)
    assert _thresholds_without_warnings(moments) == expected


def test_projection_thresholds_with_curvature_cancelled_by_noise():
    """A denominator a_X + t_X = 0 with X > 0 (a negative noise moment t_X, as a
    network's Hessian can give, cancelling a_X): eta_D = inf, eta_B = 0, no
    warning, and the same state by state in an array (a_B + t_B = 2 gives
    eta_B = 2 * 1/2 = 1)."""
    m = rv.BlockMoments(1.0, 1.0, 2.0, 3.0, 4.0, 9.0, 0.0, 0.0, -2.0, -3.0)
    assert _thresholds_without_warnings(m) == (math.inf, 0.0)
    arrays = m.replace(tB=np.array([-3.0, -1.0]))
    got = _thresholds_without_warnings(arrays)
    assert got.dominant == math.inf
    assert got.bulk.tolist() == [0.0, 1.0]


def test_regression_noise_states_its_feature_memory_before_drawing():
    """``RegressionNoise.sample`` draws one b x d feature matrix per state: with
    b = 2**29 and one state of d = 2 that is 8 * 2**29 * 2 bytes = 8 GiB, refused
    before drawing with the estimate in the message."""
    noise = rv.RegressionNoise(batch_size=2**29, label_noise=1.0)
    with pytest.raises(ValueError) as info:
        noise.sample(VALLEY, np.array([1.0, 1.0]), np.random.default_rng(0))
    message = str(info.value)
    assert message.startswith(
        "batch_size = 536870912 with theta of shape (2,) (one feature matrix per "
        "minibatch) would need about 8 GiB"
    ), message


def test_measure_alignment_reads_an_integer_hvp_as_floats():
    """A user HVP may return integers (here int8, whose products wrap around at 128):
    the report's moments are those of the float HVP, the closed forms of H =
    diag(100, 1) at g = (1, 1): D = B = 1, a_D = 100, a_B = 1, b_D = 100**2, b_B = 1
    (exact small integers, so compared exactly)."""
    lam = np.array([100.0, 1.0])
    report = rv.diagnostics.measure_alignment(
        [1.0, 1.0],
        lambda v: np.rint(lam * v).astype(np.int8),
        1,
        eigen=([100.0], [[1.0], [0.0]]),
    )
    m = report.moments
    got = (m.D, m.B, m.aD, m.aB, m.bD, m.bB, m.nD, m.nB, m.tD, m.tB)
    assert got == (1.0, 1.0, 100.0, 1.0, 10000.0, 1.0, 0.0, 0.0, 0.0, 0.0)


def test_critical_step_size_of_a_state_without_bulk_gradient():
    """With zero noise and no bulk gradient, A = a_D B - a_B D = 0 and C = (b_D + n_D)
    B - (b_B + n_B) D = 0 exactly: the always-falls regime, eta* = inf, without a
    floating-point warning, alone or in an array of states; a bulk gradient added
    gives the finite eta* = 2A/C of
    H = diag(4, 1) at theta = (1, 1): A = 64 - 16 = 48, C = 256 - 16 = 240."""
    zero = rv.IsotropicNoise(0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        on = rv.BlockMoments.from_state(VALLEY, zero, [1.0, 0.0])
        assert on.threshold_terms() == (0.0, 0.0)
        assert on.critical_step_size() == math.inf
        assert on.regime() == "always-falls"
        both = rv.BlockMoments.from_state(VALLEY, zero, [[1.0, 0.0], [1.0, 1.0]])
        # 96/240 is one correctly rounded division of exact integers: == 0.4
        assert both.critical_step_size().tolist() == [math.inf, 0.4]


@pytest.mark.parametrize(
    "build",
    [
        lambda d: rv.RiverValley.two_level(d=d, k=1, dominant=1.0, bulk=2.0),
        lambda d: rv.RiverValley.spread(d=d, k=1, dominant=(1.0, 2.0), bulk=(3.0, 4.0)),
    ],
    ids=["two_level", "spread"],
)
def test_valley_constructors_refuse_a_dimension_too_large_for_memory_first(build):
    """A valley of d = 2**30 eigenvalues needs 8 * 2**30 bytes = 8 GiB: the
    constructor refuses it for its size, naming d and the estimate, before checking
    or allocating anything else (here the bulk level, above the dominant one, would
    be the next error)."""
    with pytest.raises(ValueError) as info:
        build(2**30)
    message = str(info.value)
    assert message.startswith("d = 1073741824 would need about 8 GiB"), message
    with pytest.raises(ValueError, match="bulk"):
        build(4)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"k": -1}, "k must be an integer in [1, 3], got -1"),
        ({"k": 0}, "k must be an integer in [1, 3], got 0"),
        ({"k": 4}, "k must be an integer in [1, 3], got 4"),
        ({"k": 5}, "k must be an integer in [1, 3], got 5"),
        ({"bulk": -1.0}, "bulk must be in [0, 10), got -1.0"),
        ({"bulk": 10.0}, "bulk must be in [0, 10), got 10.0"),
        ({"dominant": 0.0, "bulk": 0.0}, "dominant must be > 0, got 0.0"),
    ],
)
def test_two_level_names_the_argument_out_of_its_range(bad, message):
    """``two_level(d=4, k, dominant=10, bulk)`` refuses k outside [1, d - 1] and a
    bulk level outside [0, dominant) (equal levels leave no gap) with the argument's
    own name and range, not with a message about the eigenvalue array it would
    build."""
    args = {"d": 4, "k": 1, "dominant": 10.0, "bulk": 1.0} | bad
    with pytest.raises(ValueError) as info:
        rv.RiverValley.two_level(**args)
    assert str(info.value) == message


def test_two_level_accepts_its_ranges_on_the_closed_ends():
    """k = 1 and k = d - 1 and a bulk level of exactly 0 are allowed."""
    for k in (1, 3):
        valley = rv.RiverValley.two_level(d=4, k=k, dominant=10.0, bulk=0.0)
        assert valley.eigenvalues.tolist() == [10.0] * k + [0.0] * (4 - k)


def _energy_and_alignment(valley, theta):
    g2 = valley.gradient(theta) ** 2
    return float(g2.sum()), float(g2[: valley.k].sum() / g2.sum())


def test_state_with_alignment_defaults_to_unit_gradient_energy():
    """Without ``energy`` the state has gradient energy G^2 = 1 (here chi = 1/4 on
    H = diag(4, 1, 1/4): per-coordinate energies 1/4, 3/8, 3/8, all dyadic)."""
    valley = rv.RiverValley([4.0, 1.0, 0.25], k=1)
    theta = rv.state_with_alignment(valley, 0.25)
    # tolerance: a few roundings of square roots of dyadic numbers
    assert _energy_and_alignment(valley, theta) == pytest.approx((1.0, 0.25), 1e-15)


def test_state_with_alignment_leaves_zero_curvature_bulk_coordinates_at_rest():
    """A bulk eigenvalue of exactly 0 carries no gradient, so the bulk energy goes to
    the positive-curvature bulk coordinates only: with H = diag(4, 1, 0), chi = 1/2
    and G^2 = 2, theta = (1/4, 1, 0) exactly."""
    valley = rv.RiverValley([4.0, 1.0, 0.0], k=1)
    theta = rv.state_with_alignment(valley, 0.5, energy=2.0)
    assert theta.tolist() == [0.25, 1.0, 0.0]
    assert _energy_and_alignment(valley, theta) == (2.0, 0.5)


def test_state_with_alignment_on_a_bulk_of_zero_eigenvalues():
    """When every bulk eigenvalue is 0, only chi = 1 is reachable: chi = 1 exactly is
    allowed (theta = (1/2, 0) for H = diag(2, 0) and G^2 = 1), anything below it is
    a ValueError, also inside a batch."""
    valley = rv.RiverValley([2.0, 0.0], k=1)
    assert rv.state_with_alignment(valley, 1.0).tolist() == [0.5, 0.0]
    assert rv.state_with_alignment(valley, [1.0, 1.0]).tolist() == [[0.5, 0.0]] * 2
    for chi in (0.5, [1.0, 0.999]):
        with pytest.raises(ValueError, match="no state has chi < 1"):
            rv.state_with_alignment(valley, chi)


SPREAD = {"d": 6, "k": 2, "dominant": (4.0, 8.0), "bulk": (0.5, 1.0)}


@pytest.mark.parametrize(
    ("bad", "error", "message"),
    [
        ({"d": 1}, ValueError, "d must be an integer in [2, 2**53], got 1"),
        ({"k": -1}, ValueError, "k must be an integer in [1, 5], got -1"),
        ({"k": 0}, ValueError, "k must be an integer in [1, 5], got 0"),
        ({"k": 6}, ValueError, "k must be an integer in [1, 5], got 6"),
        ({"k": 7}, ValueError, "k must be an integer in [1, 5], got 7"),
        (
            {"levels": (0, 1)},
            ValueError,
            "levels[0] must be an integer in [1, 2], got 0",
        ),
        (
            {"levels": (3, 1)},
            ValueError,
            "levels[0] must be an integer in [1, 2], got 3",
        ),
        (
            {"levels": (1, 0)},
            ValueError,
            "levels[1] must be an integer in [1, 4], got 0",
        ),
        (
            {"levels": (1, 5)},
            ValueError,
            "levels[1] must be an integer in [1, 4], got 5",
        ),
        ({"dominant": (0.0, 8.0)}, ValueError, "dominant[0] must be > 0, got 0.0"),
        ({"bulk": (0.0, 1.0)}, ValueError, "bulk[0] must be > 0, got 0.0"),
        (
            {"bulk": (-0.5, 1.0), "spacing": "linear"},
            ValueError,
            "bulk[0] must be >= 0, got -0.5",
        ),
        ({"bulk": (1.0, 0.5)}, ValueError, "bulk[1] must be >= 1, got 0.5"),
        (
            {"bulk": (0.5, 4.0)},
            ValueError,
            "bulk range must lie below the dominant range (bulk[1] < dominant[0]), "
            "got 4 >= 4",
        ),
        (
            {"levels": [1, 1, 1]},
            TypeError,
            "levels must be None or a pair (dominant levels, bulk levels) of "
            "integers, got list",
        ),
        (
            {"levels": "ab"},
            TypeError,
            "levels must be None or a pair (dominant levels, bulk levels) of "
            "integers, got str",
        ),
        (
            {"dominant": 4.0},
            TypeError,
            "dominant must be a (low, high) pair of numbers",
        ),
        (
            {"dominant": np.array([True, True])},
            TypeError,
            "dominant must be a (low, high) pair of real numbers",
        ),
    ],
)
def test_spread_names_the_argument_out_of_its_range(bad, error, message):
    """``spread(d=6, k=2, dominant=(4, 8), bulk=(1/2, 1))`` refuses each argument
    outside its range with the argument's name and range: k in [1, d - 1], levels in
    [1, k] and [1, d - k], dominant[0] > 0, bulk[0] > 0 for geometric spacing (>= 0
    for linear), high >= low, and the bulk strictly below the dominant range."""
    with pytest.raises(error) as info:
        rv.RiverValley.spread(**(SPREAD | bad))
    assert str(info.value) == message


def test_spread_accepts_its_ranges_on_the_closed_ends():
    """k = 1 and d - 1, levels = (k, d - k), a linear bulk from exactly 0 and a
    one-point range (low = high) are allowed, also as numpy arrays of floats or
    integers, and give the documented levels."""
    for k in (1, 5):
        assert rv.RiverValley.spread(**(SPREAD | {"k": k})).k == k
    full = rv.RiverValley.spread(**(SPREAD | {"levels": (2, 4)}))
    assert full.eigenvalues.tolist()[:3] == [8.0, 4.0, 1.0]
    assert full.eigenvalues[-1] == 0.5
    linear = rv.RiverValley.spread(
        **(SPREAD | {"bulk": (0.0, 1.5), "spacing": "linear"})
    )
    assert linear.eigenvalues.tolist() == [8.0, 4.0, 1.5, 1.0, 0.5, 0.0]
    flat = rv.RiverValley.spread(**(SPREAD | {"dominant": (4.0, 4.0)}))
    assert flat.eigenvalues.tolist()[:2] == [4.0, 4.0]
    as_arrays = {"dominant": np.array([4.0, 8.0]), "bulk": np.array([1, 2])}
    assert rv.RiverValley.spread(**(SPREAD | as_arrays)).eigenvalues[0] == 8.0


def test_thresholds_at_extreme_scales_of_state_and_noise():
    """The state and the noise are rescaled together by a power of two before the
    thresholds are computed, so nothing overflows: at the zero state a noise of
    1e300 (sigma**2 would overflow unscaled) gives eta_D = 2 * 0/t_D = 0 and eta_B =
    0; at a state of 2**-700 with sigma = 1/2 the noise dominates and eta* =
    2A/C ~ |theta|**2/sigma**2 ~ 2**-1400 is 0 in double precision; an empty batch of
    states gives an empty result. All without a floating-point warning."""
    theta = np.array([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        zero = rv.projection_thresholds(VALLEY, rv.IsotropicNoise(1e300), [0.0, 0.0])
        half = rv.IsotropicNoise(0.5)
        tiny = rv.critical_step_size(VALLEY, half, 2.0**-700 * theta)
        empty = rv.critical_step_size(VALLEY, half, np.ones((0, 2)))
    assert zero == (0.0, 0.0)
    assert tiny == 0.0
    assert empty.shape == (0,)


def test_critical_step_size_of_one_state_is_a_python_float():
    """For one state eta* is a Python float: math.inf in the always-falls regime
    (C = 0 exactly here), 2A/C otherwise (the dyadic moments of H = diag(4, 1)
    at theta = (1, 1): A = 48, C = 240, 2A/C = 0.4, one correctly rounded division)."""
    zero = rv.IsotropicNoise(0.0)
    for theta, expected in (([1.0, 0.0], math.inf), ([1.0, 1.0], 0.4)):
        got = rv.BlockMoments.from_state(VALLEY, zero, theta).critical_step_size()
        assert type(got) is float
        assert got == expected


@pytest.mark.parametrize(
    "method", ["expected_next", "ratio_of_expectations", "expected_loss_change"]
)
@pytest.mark.parametrize(
    ("eta", "error", "message"),
    [
        (0.0, ValueError, "eta must be > 0, got 0.0"),
        (True, TypeError, "eta must be a positive real number, got bool"),
        (np.array([0.5, 0.0]), ValueError, "eta must be > 0 everywhere, got min 0"),
    ],
)
def test_block_moment_laws_name_eta_out_of_range(method, eta, error, message):
    """The one-step laws of BlockMoments refuse a step size of 0 (on the bound), a
    bool and an array with a 0, naming ``eta`` and its range."""
    m = rv.BlockMoments(1.0, 1.0, 2.0, 1.0, 4.0, 1.0, 0, 0, 0, 0)
    with pytest.raises(error) as info:
        getattr(m, method)(eta)
    assert str(info.value) == message
