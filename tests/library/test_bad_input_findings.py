"""The ten findings of the adversarial sweep (issue 23), one test each or more.

Setup as in the issue: ``V2 = RiverValley([5, 1], 1)``, ``Z = IsotropicNoise(0)``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import rivervalley_lib as rv
from rivervalley_lib import check

V2 = rv.RiverValley([5.0, 1.0], 1)
Z = rv.IsotropicNoise(0.0)


# 1. arrays that outlive the call are copies
def test_1_simulate_block_path_does_not_keep_the_callers_theta0():
    th = np.ones(400)
    valley = rv.RiverValley.two_level(400, 4, 10.0, 0.2)
    tr = rv.simulate(valley, Z, 0.05, 5, th, rng=0)
    th[:] = 1000.0  # the caller reuses its array
    final = tr.final_theta
    # tolerance: round-off (1e-9 relative) of the loss of the recorded final iterate;
    # the caller's changed array would give a loss 1e6 times larger.
    assert np.isclose(valley.loss(final), tr.loss[0, -1], rtol=1e-9), (
        "final_theta must be drawn from the run, not from the caller's changed array"
    )


def test_1_measure_alignment_copies_eigen():
    H = np.diag([4.0, 3.0, 1.0, 0.5])
    lam, U = np.array([4.0]), np.eye(4)[:, :1].copy()
    rep = rv.diagnostics.measure_alignment(
        H @ np.ones(4), lambda v: H @ v, 1, eigen=(lam, U)
    )
    U[:] = 7.0
    lam[:] = -1.0
    assert rep.eigenvectors[0, 0] == 1.0 and rep.eigenvalues[0] == 4.0


# 2. the exact threshold never returns 0.0 for "undecidable"
def test_2_exact_threshold_is_not_zero_where_the_changes_are_below_tolerance():
    valley = rv.RiverValley.two_level(1000, 10, 1.0, 1e-6)
    noise = rv.IsotropicNoise(0.01)
    try:
        eta = rv.critical_step_size(valley, noise, np.ones(1000), exact=True)
    except ValueError as exc:  # undecidable at the quadrature tolerance: said so
        assert "theta" in str(exc) and "tolerance" in str(exc)
    else:
        book = rv.critical_step_size(valley, noise, np.ones(1000))
        assert eta > 0, "0.0 claims the alignment rises at every step size"
        # tolerance: model error: with 10 and 990 coordinates per block E[chi'] is
        # within a few per cent of the energy ratio, whose threshold is the book's
        # eta*; 5 % rejects a factor 2 (off by 50 % or 100 %).
        assert math.isclose(eta, book, rel_tol=0.05) or math.isinf(eta)


# 3. overflow: scale-invariant quantities are computed from a normalised state
@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e160, 1e300])
def test_3_4_scale_invariant_quantities_do_not_depend_on_the_scale(scale):
    one = np.array([1.0, 1.0])
    big = scale * one
    assert rv.alignment_regime(V2, Z, big) == rv.alignment_regime(V2, Z, one)
    # tolerance: round-off of a normalised state (math.isclose's 1e-9, 1e-12 relative)
    assert math.isclose(
        rv.critical_step_size(V2, Z, big), rv.critical_step_size(V2, Z, one)
    )
    assert math.isclose(rv.alignment(V2, big), rv.alignment(V2, one))
    got, want = (
        rv.projection_thresholds(V2, Z, big),
        rv.projection_thresholds(V2, Z, one),
    )
    assert np.allclose(got, want, rtol=1e-12)


def test_3_integers_too_large_for_a_float_are_a_clear_error():
    with pytest.raises(ValueError, match="theta must contain numbers of float size"):
        rv.alignment(V2, [10**400, 1])
    with pytest.raises(ValueError, match="eta must be a real number of float size"):
        rv.expected_next(V2, Z, [1.0, 1.0], 10**400)
    with pytest.raises(ValueError, match=r"steps must be an integer in \[1, 2\*\*53\]"):
        rv.simulate(V2, Z, 0.1, 10**400, [1.0, 1.0])


# 4. underflow
def test_4_simulate_refuses_a_start_whose_energy_underflows():
    with pytest.raises(
        ValueError, match="theta0 must be zero or have a gradient energy"
    ):
        rv.simulate(V2, Z, 0.1, 3, [1e-200, 1e-200])


def test_4_simulate_refuses_a_start_whose_energy_overflows_instead_of_blaming_eta():
    with pytest.raises(ValueError, match="theta0 is too large"):
        rv.simulate(V2, Z, 0.1, 3, [1e200, 1e200])


# 5. complex arrays
@pytest.mark.parametrize("bad", [np.array([1 + 5j, 1]), np.array([True, False])])
def test_5_complex_and_bool_arrays_are_rejected(bad):
    with pytest.raises(TypeError, match="theta must be an array of real numbers"):
        rv.alignment(V2, bad)


# 6. valid input does not crash
def test_6_batched_theta0_with_a_constant_step():
    batch = rv.expected_trajectory(
        V2, rv.IsotropicNoise(0.1), 0.1, 5, np.ones((2, 3, 2))
    )
    single = rv.expected_trajectory(V2, rv.IsotropicNoise(0.1), 0.1, 5, np.ones(2))
    assert batch.D.shape == (2, 3, 6)
    # tolerance: round-off: the batched and the single run are one recursion (1e-12)
    assert np.allclose(batch.D[1, 2], single.D, rtol=1e-12, atol=0)
    assert np.allclose(batch.B[0, 0], single.B, rtol=1e-12, atol=0)


def test_6_phase_lengths_when_a_bulk_mode_is_killed_in_one_step():
    p = rv.phase_lengths(
        rv.RiverValley([0.9, 0.5, 0.5], 1),
        rv.IsotropicNoise(0.01),
        2.0,
        np.full(3, 10.0),
    )
    assert p.T2 == 1.0 and math.isfinite(p.T1) and p.T1 > 0


def test_6_phase_lengths_at_a_tiny_step_size():
    noise, eta = rv.IsotropicNoise(0.01), 1e-17
    p = rv.phase_lengths(
        rv.RiverValley([0.9, 0.5, 0.5], 1), noise, eta, np.full(3, 10.0)
    )
    # log(D0/Dinf) / (2 eta lambda): finite and huge, not a ZeroDivisionError.
    # tolerance: round-off (1e-9 relative) against the closed form with
    # -log(1 - eta lambda) = eta lambda, exact in floating point at eta = 1e-17. (The
    # older window 1e17 < T < 1e20 admitted a factor 2 either way.)
    d_inf, b_inf, _ = rv.noise_floor(rv.RiverValley([0.9, 0.5, 0.5], 1), noise, eta)
    t1 = math.log(0.9**2 * 100 / d_inf) / (2 * eta * 0.9)
    t2 = math.log(0.5**2 * 200 / b_inf) / (2 * eta * 0.5)
    assert math.isclose(p.T1, t1, rel_tol=1e-9) and math.isclose(p.T2, t2, rel_tol=1e-9)


def test_6_two_d_valley_condition_is_validated():
    with pytest.raises(ValueError, match="condition must be > 1"):
        rv.scenarios.two_d_valley(0)


# 7. the checks validate their tolerances
@pytest.mark.parametrize("rtol", [math.inf, -0.1, math.nan, 1.0])
def test_7_check_rtol_is_validated(rtol):
    valley = rv.RiverValley.two_level(d=10, k=2, dominant=3.0, bulk=1.0)
    # tolerance: none compared: rtol is the argument whose validation is under test.
    with pytest.raises(ValueError, match=r"rtol must be .*\[0, 1\)"):
        check.critical_step_size(123.0, valley, Z, [1.0] * 10, rtol=rtol)


def test_7_check_tolerance_and_factor_are_validated():
    with pytest.raises(ValueError, match="tolerance must be >= 0"):
        check.decreasing([2.0, 1.0], reference=[2.0, 1.0], tolerance=-1.0)
    with pytest.raises(ValueError, match="factor must be"):
        check.collapse_scale(1.0, V2, Z, 0.1, factor=math.inf)


# 8. memory and run time are bounded before anything is allocated
def test_8_memory_guard_names_the_arguments_and_the_estimate():
    with pytest.raises(ValueError, match=r"batch_size=1000000.* GiB"):
        rv.simulate(V2, rv.RegressionNoise(10**6, 0.1), 0.01, 5, [1.0, 1.0], seeds=200)
    with pytest.raises(ValueError, match=r"batch_size = 100000 .*GiB"):
        rv.figures.noise_figure(batch_size=10**5)


def test_8_memory_guard_counts_what_each_path_allocates():
    """The exact block path holds a few numbers per block and seed, never a (seeds, d)
    array: a two-level run at d = 10^6 with 64 seeds and 10^4 recorded steps is about
    20 MiB there (the bench's run), while the coordinate path would need 2.4 GiB."""
    valley = rv.RiverValley.two_level(10**6, 10, 1.0, 1e-3)
    noise, theta0 = rv.IsotropicNoise(0.01), np.ones(10**6)
    with pytest.raises(ValueError, match=r"seeds = 64, d = 1000000.* 2\.42 GiB"):
        rv.simulate(valley, noise, 0.5, 10_000, theta0, seeds=64, method="coordinate")
    run = rv.simulate(valley, noise, 0.5, 10_000, theta0, seeds=64, rng=0)
    assert run.D.shape == (64, 10_001) and np.all(np.isfinite(run.loss))
    # its final iterate is (64, 10^6) plus four temporaries of the bulk block: refused
    with pytest.raises(ValueError, match=r"final iterate .*seeds = 64, d = 1000000"):
        _ = run.final_theta
    # the block path's random draws count: 125 000 blocks of 8 equal eigenvalues take
    # 3 x 512 numbers per block and seed at once, 92 GiB for 64 seeds
    many = rv.RiverValley(np.repeat(np.linspace(1.0, 1e-3, 125_000), 8), k=8)
    with pytest.raises(ValueError, match=r"seeds = 64, d = 1000000.* GiB"):
        rv.simulate(many, noise, 0.5, 1000, theta0, seeds=64)
    # and the guard comes before the step-size schedule of a refused length is built
    calls = []

    def schedule(t):
        calls.append(t)
        return 0.5

    with pytest.raises(ValueError, match="GiB"):
        rv.simulate(many, noise, schedule, 1000, theta0, seeds=64)
    assert calls == []


def test_8_run_time_caps():
    with pytest.raises(ValueError, match=r"steps must be an integer in \[2, 1000000\]"):
        rv.figures.step_size_choice_figure(steps=10**7)
    valley = rv.RiverValley.two_level(10**6, 10, 1.0, 0.01)
    with pytest.raises(ValueError, match=r"steps = 10000 with theta0 .* updates"):
        rv.expected_trajectory(
            valley,
            rv.IsotropicNoise(0.01),
            0.5,
            10**4,
            np.ones(10**6),
            record_energies=[1],
        )


# 9. the noise models' methods validate
def test_9_stationary_energy_only_in_the_stable_range():
    with pytest.raises(ValueError, match=r"eta must be in \(0, 0.4\)"):
        rv.IsotropicNoise(0.1).stationary_gradient_energy(V2, 1.0)
    with pytest.raises(ValueError, match="eta must be finite"):
        rv.IsotropicNoise(0.1).stationary_gradient_energy(V2, math.nan)


def test_9_sample_accepts_a_seed():
    a = rv.IsotropicNoise(0.1).sample(V2, np.ones(2), 0)
    b = rv.IsotropicNoise(0.1).sample(V2, np.ones(2), np.random.default_rng(0))
    assert np.array_equal(a, b)


# 10. no raw dependency error
def test_10_measured_phase_lengths_of_an_empty_series():
    with pytest.raises(ValueError, match="chi must be a non-empty"):
        rv.measured_phase_lengths([], 0.5)


def test_10_spread_levels_and_regime_map_dots():
    with pytest.raises(TypeError, match="levels must be None or a pair"):
        rv.RiverValley.spread(5, 2, (3.0, 4.0), (0.5, 1.0), levels=2)
    with pytest.raises(ValueError, match=r"dots must have shape \(n, 3\)"):
        rv.figures.regime_map_figure(d=40, dots=np.ones((3, 2)))


def test_10_lanczos_failures_are_named():
    rng = np.random.default_rng(0)
    H = np.diag(np.linspace(1.0, 1.001, 60))
    # the smallest budget allowed, k + 3 = 6 HVPs, cannot separate a near-degenerate top
    with pytest.raises(rv.diagnostics.LanczosNoConvergence, match="maxiter"):
        rv.diagnostics.measure_alignment(
            rng.normal(size=60), lambda v: H @ v, 3, lanczos_maxiter=6
        )
    with pytest.raises(ValueError, match="lanczos_maxiter"):
        rv.diagnostics.measure_alignment(
            rng.normal(size=60), lambda v: H @ v, 3, lanczos_maxiter=1
        )


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: rv.plotting.new_figure(0), "ncols"),
        (lambda: rv.plotting.figure_png("fig"), "fig"),
        (lambda: rv.plotting.diverged_message(None, 0.1, 0.2), "ax"),
        (lambda: rv.plotting.hatch_divergent(None, 1.0, 2.0), "ax"),
        (lambda: rv.frames.frame_html("frame"), "frame"),
        (lambda: rv.widgets.explore("box"), "figure"),
    ],
)
def test_10_plotting_helpers_and_frames_validate(call, name):
    with pytest.raises((TypeError, ValueError), match=name):
        call()


def test_seed_band_checks_shapes():
    fig, ax = rv.plotting.new_figure()
    with pytest.raises(ValueError, match=r"values must have shape \(n, 3\)"):
        rv.plotting.seed_band(ax, np.arange(3.0), np.ones((2, 4)), color="C0")


# global state
def test_use_book_style_is_also_a_context_manager():
    import matplotlib as mpl

    before = dict(mpl.rcParams)
    with rv.plotting.use_book_style():
        assert mpl.rcParams["axes.spines.top"] is False
    assert dict(mpl.rcParams) == before


def test_the_library_figures_do_not_depend_on_use_book_style():
    import matplotlib as mpl

    def png() -> bytes:
        fig = rv.figures.step_size_choice_figure(steps=50)
        return rv.plotting.figure_png(fig, dpi=30)

    with mpl.rc_context({"lines.linewidth": 5.0, "axes.grid": False, "font.size": 20}):
        foreign = png()
    with rv.plotting.use_book_style():
        styled = png()
    assert foreign == styled, "a figure's pixels changed with the session's rcParams"
