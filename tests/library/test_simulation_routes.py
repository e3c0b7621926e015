"""Two routes to one result: the block simulator's trace and final iterate against the
coordinate simulator and against its own recorded energies; the scale-free thresholds
against the plain ones; the heavy-ball floor against the plain floor; and the window
median's window on its bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest

import rivervalley_lib as rv

# blocks of 1, 2, 3 and 4 equal eigenvalues; the dominant block is the first
VALLEY = rv.RiverValley([2.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1], k=1)
# per seed: a block with norm <= 1, zero blocks (the size-1 block for seed 1), and a
# block whose norm exceeds 1
THETA0 = np.array(
    [
        [0.3, 0.0, 0.0, 0.2, -0.4, 0.1, 3.0, -1.0, 2.0, 0.5],
        [0.0, 0.6, -0.2, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0],
    ]
)


def test_noise_free_block_path_is_the_coordinate_path_per_seed():
    """Without noise the block chain is deterministic, x_t = (1 - eta lam)^t x_0, R = 0:
    its D and B at every recorded step (step 0 included) and its final iterate equal
    the coordinate simulator's, for a different initial state per seed, blocks of norm
    below 1 and blocks starting at exactly 0 (the size-1 block too)."""
    noise = rv.IsotropicNoise(0.0)
    runs = {
        m: rv.simulate(VALLEY, noise, 0.3, 7, THETA0, seeds=2, rng=1, method=m)
        for m in ("block", "coordinate")
    }
    block, coord = runs["block"], runs["coordinate"]
    # tolerance: both routes round differently (a^t x_0 against t products); 1e-12
    # relative is many orders below a factor 2 or a lost block
    np.testing.assert_allclose(block.D, coord.D, rtol=1e-12, atol=0)
    np.testing.assert_allclose(block.B, coord.B, rtol=1e-12, atol=0)
    np.testing.assert_allclose(block.final_theta, coord.final_theta, rtol=1e-12)
    assert block.D[0, 0] == pytest.approx(4 * 0.3**2, rel=1e-15)  # tolerance: rounding
    # and the rest of the trace is the same record of the same run
    for field in ("step", "eta", "diverged"):
        np.testing.assert_array_equal(getattr(block, field), getattr(coord, field))
    assert block.projection == coord.projection == "none"


def test_block_path_detects_divergence_where_the_coordinate_path_does():
    """An unstable step (eta lam = 2.05: the energy grows by 1.05^2 a step) from a
    state of size 1e150: both paths mark the same seed diverged (the other starts at 0
    and stays there) and, when raising, name the same first step whose loss is not
    finite, including the steps where each block's loss is finite but their sum
    overflows; no floating-point warning escapes."""
    valley = rv.RiverValley([2.05, 2.0499], k=1)
    noise = rv.IsotropicNoise(0.0)
    theta0 = np.array([[1e150, 1e150], [0.0, 0.0]])
    messages, flags = {}, {}
    for m in ("block", "coordinate"):
        run = rv.simulate(
            valley, noise, 1.0, 400, theta0, seeds=2, on_divergence="mark", method=m
        )
        flags[m] = run.diverged
        with pytest.raises(rv.DivergenceError) as err:
            rv.simulate(valley, noise, 1.0, 400, theta0, seeds=2, method=m)
        messages[m] = str(err.value)
    assert flags["block"].tolist() == flags["coordinate"].tolist() == [True, False]
    assert messages["block"] == messages["coordinate"]
    step = int(messages["block"].split("step ")[1].split(":")[0])
    # the first step whose loss sum overflows: 0.5 (2.05 + 2.0499) 1e300 1.05^(2t)
    losses = 0.5 * np.array([2.05, 2.0499]) * 1e300
    growth = np.abs(1 - np.array([2.05, 2.0499])) ** 2
    t = np.arange(400)[:, None]
    with np.errstate(over="ignore"):
        summed = np.sum(losses * growth**t, axis=1)
    assert step == int(np.argmax(~np.isfinite(summed)))


@pytest.mark.parametrize("projection", ["none", "dominant", "bulk"])
def test_block_path_final_iterate_has_the_recorded_block_energies(projection):
    """The final iterate the block path draws, theta_b = x u_0 + sqrt(R) w, has block
    energy x^2 + R: its D = sum lam^2 theta^2 over the dominant block and its B equal
    the energies recorded at the last step, per seed, with noise, for blocks of every
    size that start at zero or away from it."""
    noise = rv.IsotropicNoise(0.2)
    run = rv.simulate(
        VALLEY, noise, 0.3, 20, THETA0, seeds=2, rng=5, method="block",
        projection=projection,
    )  # fmt: skip
    g2 = (VALLEY.eigenvalues * run.final_theta) ** 2
    # tolerance: a sum of squares of x u0 + sqrt(R) w against x^2 + R, rounding only;
    # a block counted m times or missing its x^2 is off by O(1)
    np.testing.assert_allclose(g2[:, :1].sum(axis=1), run.D[:, -1], rtol=1e-12)
    np.testing.assert_allclose(g2[:, 1:].sum(axis=1), run.B[:, -1], rtol=1e-12)


def test_scale_free_thresholds_with_regression_noise():
    """The critical step size is homogeneous of degree 0 in (theta, label noise):
    a state of size 2^300 with label noise scaled by 2^300 (computed after rescaling by
    a power of two) has exactly the threshold of the ordinary-size problem."""
    valley = rv.RiverValley([2.0, 1.0, 0.1, 0.1], k=1)
    theta = np.array([1.0, -2.0, 0.5, 3.0])
    c = 2.0**300
    plain = rv.critical_step_size(valley, rv.RegressionNoise(4, 0.7), theta)
    huge = rv.critical_step_size(valley, rv.RegressionNoise(4, 0.7 * c), theta * c)
    assert 0 < plain < math.inf
    assert huge == plain  # tolerance: none, the rescaling by 2^300 is exact
    other = rv.critical_step_size(valley, rv.RegressionNoise(1, 0.7), theta)
    assert other != plain  # the batch size matters, so a lost batch size shows


def test_heavy_ball_floor_on_its_stability_bound():
    """eta lam_1 < 2(1 + beta): exactly on the bound is refused, just inside is a
    finite floor."""
    valley = rv.RiverValley([4.0, 1.0], k=1)
    noise = rv.IsotropicNoise(1.0)
    for beta in (0.0, 0.5):
        eta = 2 * (1 + beta) / 4.0  # eta lam_1 = 2 (1 + beta) exactly
        with pytest.raises(ValueError, match="2\\(1\\+beta\\)/lambda_1"):
            rv.heavy_ball_floor(valley, noise, eta, beta)
        floor = rv.heavy_ball_floor(valley, noise, eta * (1 - 2**-50), beta)
        assert math.isfinite(floor.D) and floor.D > 0


@pytest.mark.parametrize(
    ("eigenvalues", "k", "D", "B"),
    [([1.0, 0.5, 0.5, 0.5], 1, 0.25, 0.25), ([1.0, 1.0] + [0.5] * 6, 2, 0.5, 0.5)],
)
def test_heavy_ball_floor_with_equal_block_floors(eigenvalues, k, D, B):
    """At eta = 1, beta = 0 and s = 1/4 the floor per coordinate is
    eta lam s / (2 - eta lam): 1/4 for lam = 1 and 1/12 for lam = 1/2; blocks with equal
    floors give the energy ratio 1/2, also when the two floors sum to exactly 1 (a
    nonzero noise), and beta = 0 is the plain noise floor."""
    valley = rv.RiverValley(eigenvalues, k=k)
    noise = rv.IsotropicNoise(0.5)
    floor = rv.heavy_ball_floor(valley, noise, 1.0, 0.0)
    # tolerance: the sum of 3 or 6 thirds rounds in the last bit
    assert floor.D == pytest.approx(D, rel=1e-15)
    assert floor.B == pytest.approx(B, rel=1e-15)
    assert floor.alignment == pytest.approx(0.5, rel=1e-15)
    assert floor == rv.noise_floor(valley, noise, 1.0)


def test_window_median_default_and_bounds_of_the_half_width():
    """The default half-width is 50 steps (a step 50 away is in the window, 51 is
    not); half = 0 is allowed and is the value at the step itself; a negative half is
    refused even where the window does not use it (t = 0)."""
    step = np.array([0, 50, 100, 150, 151])
    values = np.array([7.0, 1.0, 2.0, 3.0, 100.0])
    # at 100: default window {50, 100, 150} -> median 2; half = 51 adds 151 -> 2.5
    assert rv.window_median(step, values, [100]) == np.array([2.0])
    assert rv.window_median(step, values, [100], half=51) == np.array([2.5])
    assert np.all(rv.window_median(step, values, [0, 150], half=0) == [7.0, 3.0])
    with pytest.raises(ValueError, match="half"):
        rv.window_median(step, values, [0], half=-1)


def test_memory_guard_of_the_final_iterate_counts_its_peak(monkeypatch):
    """The block path's final iterate is refused before allocation when it would
    exceed the memory limit, and the guard's estimate (the iterate plus four
    temporaries of the widest block) is what sampling it really allocates: with the
    limit 1% above the peak measured by tracemalloc it is drawn, 1% below refused.
    The widest block is the second one (two blocks of d/2)."""
    import tracemalloc

    import rivervalley_lib._validation as validation

    d, seeds = 40_000, 3
    valley = rv.RiverValley(np.repeat([1.0, 0.1], d // 2), k=d // 2)

    def run():
        return rv.simulate(
            valley, rv.IsotropicNoise(0.1), 0.5, 2, np.ones(d), seeds=seeds, rng=0
        )

    probe, admitted, refused = run(), run(), run()  # runs drawn before the patch
    tracemalloc.start()
    try:
        _ = probe.final_theta
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # tolerance: 1% either side; the estimate is the peak to 0.1% (a few kB of
    # Python objects), while a wrong block width or one temporary more is 15% or more
    monkeypatch.setattr(validation, "MEMORY_LIMIT", 1.01 * peak)
    assert admitted.final_theta.shape == (seeds, d)
    monkeypatch.setattr(validation, "MEMORY_LIMIT", 0.99 * peak)
    with pytest.raises(ValueError, match="final iterate"):
        _ = refused.final_theta
