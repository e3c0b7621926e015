"""The report's predictions and checks, with noise present.

A report measured from the exact noise samples :math:`g \\pm \\sigma\\sqrt d\\,e_i`
(whose covariance about :math:`g` is exactly :math:`\\sigma^2 I`) must predict what the
river valley's theory predicts for ``IsotropicNoise(sigma)``, and one real SGD step
drawn from the same samples, each once per cycle, must average to those predictions
exactly. The checks (:meth:`~AlignmentReport.quadratic_check`,
:meth:`~AlignmentReport.predicts_rise`) are tested on their boundaries and with the
inputs that make them refuse.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import rivervalley_lib as rv
from rivervalley_lib.diagnostics import measure_alignment

from .conftest import exact_noise_samples

LAM = np.array([4.0, 2.0, 1.0, 0.5])
THETA = np.array([0.5, -1.0, 1.5, 2.0])
SIGMA = 0.3


def noisy_report(theta=THETA, k=2):
    valley = rv.RiverValley(LAM, k=k)
    g = valley.gradient(theta)
    samples = exact_noise_samples(g, SIGMA)
    rep = measure_alignment(
        g, lambda v: LAM * v, k=k, theta=theta, noise_samples=samples
    )
    return valley, samples, rep


def test_noisy_report_has_the_valleys_critical_step_size():
    """With the exact samples the report's eta* is the valley's eta* under sigma^2 I
    noise, and it is not the noiseless one (the noise terms are really in it)."""
    valley, _, rep = noisy_report()
    noise = rv.IsotropicNoise(SIGMA)
    exact = rv.critical_step_size(valley, noise, THETA)
    quiet = rv.critical_step_size(valley, rv.IsotropicNoise(0.0), THETA)
    # tolerance: both are the same rational function of the same ten sums, computed
    # in a different order; 1e-12 relative is round-off, far below the noise's effect.
    assert rep.eta_star == pytest.approx(exact, rel=1e-12)
    assert abs(rep.eta_star - quiet) > 1e-3 * quiet
    moments = rv.BlockMoments.from_state(valley, noise, THETA)
    # tolerance: round-off only, as above.
    for name in ("nD", "nB", "tD", "tB"):
        assert getattr(rep.moments, name) == pytest.approx(
            getattr(moments, name), rel=1e-12
        ), name


def test_predicts_rise_is_the_sign_of_the_ratio_change_on_both_sides():
    """predicts_rise(eta) is eta > eta*: False at eta* itself (the boundary, where the
    ratio of expectations does not move) and True at the next float above it; on
    either side the ratio change predicted with noise has the predicted sign."""
    _, _, rep = noisy_report()
    star = rep.eta_star
    assert math.isfinite(star)
    assert rep.predicts_rise(star) is False
    assert rep.predicts_rise(np.nextafter(star, np.inf)) is True
    # tolerance: at eta* the ratio change is 0 up to round-off of O(1) sums.
    assert abs(rep.predict(star).ratio_change) < 1e-12
    for eta, rises in ((0.5 * star, False), (1.5 * star, True)):
        assert rep.predicts_rise(eta) is rises
        assert (rep.predict(eta).ratio_change > 0) is rises


@pytest.mark.parametrize("method", ["predicts_rise", "quadratic_check"])
def test_step_size_must_be_positive_and_any_positive_one_is_accepted(method):
    """eta = 0 (on the bound) and eta < 0 raise a ValueError that names eta; the
    smallest positive float is accepted."""
    _, _, rep = noisy_report()
    call = getattr(rep, method)
    args = () if method == "predicts_rise" else (lambda x: LAM * x,)
    for bad in (0.0, -0.1):
        with pytest.raises(ValueError, match=r"^eta must be > 0, got"):
            call(bad, *args)
    call(5e-324, *args)


def test_quadratic_check_tolerance_must_be_positive():
    """tolerance = 0 (on the bound) raises naming tolerance; a tiny tolerance is
    accepted and judges an exact quadratic reliable (its third-order term is 0)."""
    _, _, rep = noisy_report()
    grad = lambda x: LAM * x  # noqa: E731
    with pytest.raises(ValueError, match=r"^tolerance must be > 0, got"):
        rep.quadratic_check(0.1, grad, tolerance=0.0)
    check = rep.quadratic_check(0.1, grad, tolerance=5e-324)
    # tolerance: the model is the quadratic itself; the mean step's gradient differs
    # from g - eta H g by round-off only.
    assert check.third_order < 1e-14
    assert check.reliable is (check.third_order <= 5e-324)


def quartic(lam):
    """L(w) = w'Hw/2 + sum w^4/4: its gradient and its Hessian-vector product."""
    return (lambda x: lam * x + x**3), (lambda w: lambda v: (lam + 3 * w**2) * v)


def test_quadratic_check_measures_the_third_order_term_for_small_gradients():
    """r = |grad(theta - eta g) - (g - eta H g)| / (eta |H g|), computed here from the
    quartic by hand, for a point whose gradient and predicted change are both small
    (|g'|^2 < 1 and eta |H g| < 1), and reliable is r <= tolerance, boundary
    included."""
    lam = np.array([4.0, 1.0])
    w = np.array([0.1, -0.2])
    grad, hvp = quartic(lam)
    rep = measure_alignment(grad(w), hvp(w), k=1, theta=w)
    eta = 0.1
    g, h = grad(w), lam + 3 * w**2
    quad = g - eta * h * g
    by_hand = np.linalg.norm(grad(w - eta * g) - quad) / (eta * np.linalg.norm(h * g))
    assert quad @ quad < 1 and eta * np.linalg.norm(h * g) < 1 and by_hand > 0
    check = rep.quadratic_check(eta, grad)
    # tolerance: the same few flops in another order; 1e-12 relative is round-off.
    assert check.third_order == pytest.approx(by_hand, rel=1e-12)
    c1, cq = grad(w - eta * g)[0], quad[0]
    gap = c1**2 / (grad(w - eta * g) @ grad(w - eta * g)) - cq**2 / (quad @ quad)
    # tolerance: round-off on ratios of O(1e-2) numbers.
    assert check.alignment_gap == pytest.approx(gap, rel=1e-10, abs=1e-15)
    r = check.third_order
    assert rep.quadratic_check(eta, grad, tolerance=r).reliable is True
    assert rep.quadratic_check(eta, grad, tolerance=np.nextafter(r, 0)).reliable is (
        False
    )


def test_quadratic_check_is_exact_along_a_flat_direction():
    """A gradient in the Hessian's null space (H g = 0) on a loss that is linear
    there: the mean step does not change the gradient, the quadratic model predicts
    no change, and the check reports a third-order term of 0 and reliable."""
    lam = np.array([4.0, 0.0])
    grad = lambda x: np.array([4.0 * x[0], 1.0])  # noqa: E731 (L = 2 x0^2 + x1)
    w = np.zeros(2)
    rep = measure_alignment(grad(w), lambda v: lam * v, k=1, theta=w)
    check = rep.quadratic_check(0.3, grad)
    assert check.third_order == 0.0 and check.reliable is True
    assert check.alignment_gap == 0.0


def test_quadratic_check_refuses_when_the_real_step_lands_on_a_stationary_point():
    """On the quartic with lambda + w^2 equal in both coordinates the mean step of
    size 1/(lambda + w^2) lands exactly at 0, where the gradient is 0 and the
    alignment undefined, though the quadratic model's gradient there is not 0."""
    lam, w = np.array([4.0, 1.0]), np.array([1.0, 2.0])
    grad, hvp = quartic(lam)
    rep = measure_alignment(grad(w), hvp(w), k=1, theta=w)
    eta = 0.2
    assert np.all(grad(w - eta * grad(w)) == 0)
    with pytest.raises(ValueError, match="gradient after the mean step is zero"):
        rep.quadratic_check(eta, grad)


def test_quadratic_check_refuses_when_the_quadratic_model_predicts_a_zero_gradient():
    """g an eigenvector of H with eta = 1/lambda: the quadratic model's next gradient
    g - eta H g is exactly 0 (its alignment undefined), while the quartic's is not."""
    lam, w = np.array([5.0, 1.0]), np.array([1.0, 0.0])
    grad, hvp = quartic(lam)  # H = diag(8, 1) at w, g = (6, 0)
    rep = measure_alignment(grad(w), hvp(w), k=1, theta=w)
    eta = 0.125
    assert np.all(grad(w) - eta * 8.0 * grad(w) == 0)
    assert grad(w - eta * grad(w)) @ grad(w - eta * grad(w)) > 0
    with pytest.raises(ValueError, match="gradient after the mean step is zero"):
        rep.quadratic_check(eta, grad)


def test_quadratic_check_names_the_callable_and_theta_it_rejects():
    """A gradient_fn of the wrong shape is reported as gradient_fn's fault; a theta of
    the wrong length (given to a report measured without one) as theta's."""
    _, _, rep = noisy_report()
    with pytest.raises(ValueError, match=r"^gradient_fn must return a flat vector"):
        rep.quadratic_check(0.1, lambda x: np.ones(3))
    quiet = measure_alignment(LAM * THETA, lambda v: LAM * v, k=2)
    with pytest.raises(ValueError, match=r"^theta must have last dimension d = 4"):
        quiet.quadratic_check(0.1, lambda x: LAM * x, theta=np.ones(5))
    with pytest.raises(ValueError, match=r"^theta must have last dimension d = 4"):
        quiet.draw_steps(0.1, lambda x: LAM * x, lambda x: LAM * x, theta=np.ones(5))


def test_drawn_steps_over_the_exact_samples_average_to_the_prediction():
    """One real SGD step drawn with each of the 2d = 6 exact noise samples equally
    often (the default 300 draws are 50 cycles): the draws' means of D', B', chi' and
    the loss change equal the report's predictions with noise, exactly."""
    lam = np.array([4.0, 1.0, 0.5])
    theta = np.array([0.5, -1.0, 1.5])
    g = lam * theta
    samples = exact_noise_samples(g, SIGMA)
    rep = measure_alignment(
        g, lambda v: lam * v, k=1, theta=theta, noise_samples=samples
    )
    cycle = itertools.cycle(samples - g)
    eta = 0.3

    def stochastic(x):
        return lam * x + next(cycle)

    steps = rep.draw_steps(
        eta, lambda x: lam * x, stochastic, loss_fn=lambda x: 0.5 * x @ (lam * x)
    )
    assert steps.D.shape == (300,)  # the documented default number of draws
    pred = rep.predict(eta)
    D, B = rep.moments.expected_next(eta)
    # tolerance: exact averages of the same quadratic sums, computed per draw; 1e-12
    # relative is round-off (a missing noise term would change them by O(1)).
    assert steps.D.mean() == pytest.approx(D, rel=1e-12)
    assert steps.B.mean() == pytest.approx(B, rel=1e-12)
    ratio = steps.D.mean() / (steps.D.mean() + steps.B.mean()) - rep.alignment
    assert ratio == pytest.approx(pred.ratio_change, rel=1e-10)
    assert steps.alignment.mean() - rep.alignment == pytest.approx(
        pred.mean_alignment_change, rel=1e-10
    )
    assert steps.loss_change.mean() == pytest.approx(pred.loss_change_sgd, rel=1e-12)


def test_a_loss_fn_without_a_return_value_is_reported_as_loss_fns_fault():
    """A loss_fn that forgets its ``return`` (returns None) raises an error naming
    loss_fn, not a numpy error from deep inside."""
    _, _, rep = noisy_report()
    with pytest.raises((TypeError, ValueError), match="loss_fn"):
        rep.draw_steps(
            0.1,
            lambda x: LAM * x,
            lambda x: LAM * x,
            samples=2,
            loss_fn=lambda x: None,
        )


def test_repr_shows_the_eigenvalues_to_four_decimals_and_summarises_beyond_eight():
    """The report's repr names its parameters and lists the measured eigenvalues
    rounded to 4 decimals; more than 8 of them (here 9, one past the limit) are
    summarised with an ellipsis, 8 are listed in full."""
    d = 12
    lam = np.array([9.123456789 - i for i in range(d)])
    g = np.ones(d)
    full = repr(
        measure_alignment(g, lambda v: lam * v, k=8, eigen=(lam[:8], np.eye(d)[:, :8]))
    )
    summary = repr(
        measure_alignment(g, lambda v: lam * v, k=9, eigen=(lam[:9], np.eye(d)[:, :9]))
    )
    assert "dim=12, k=8, noise_samples=0" in full
    assert "eigenvalues=[9.1235 8.1235 7.1235" in full
    assert "2.1235]" in full and "..." not in full
    assert "eigenvalues=[9.1235 8.1235 7.1235 ... 3.1235 2.1235 1.1235]" in summary


def test_predict_refuses_where_the_predicted_next_gradient_energy_is_zero():
    """g an eigenvector of H with eta = 1/lambda and no noise: E D' = E B' = 0, the
    ratio of expectations is undefined, and predict says so with that energy."""
    H = np.array([4.0, 1.0])
    rep = measure_alignment(np.array([4.0, 0.0]), lambda v: H * v, k=1)
    with pytest.raises(
        ValueError, match=r"^the predicted next gradient energy is 0 at eta = 0.25"
    ):
        rep.predict(0.25)


def test_predicted_loss_changes_carry_their_own_blocks_standard_errors():
    """E dL_X = -eta X + eta^2 (a_X + t_X) / 2 is random only through t_X, so its
    standard error is eta^2/2 times that of the sample mean of t_X, computed here from
    the exact samples' per-sample t_D, t_B; SGD's is that of t_D + t_B."""
    _, samples, rep = noisy_report()
    g = LAM * THETA
    xi = samples - g
    t = LAM * xi**2  # per-sample terms lambda_i xi_i^2
    tD, tB = t[:, :2].sum(axis=1), t[:, 2:].sum(axis=1)
    eta, m = 0.2, samples.shape[0]

    def se(x):
        return eta**2 / 2 * x.std(ddof=1) / math.sqrt(m)

    p = rep.predict(eta).stderr
    assert se(tD) > 0 and se(tB) > 0 and abs(se(tD) - se(tB)) > 0.1 * se(tB)
    # tolerance: the report's delta method differentiates these linear maps by
    # central differences (step 1e-3 sd): exact up to round-off, 1e-8 relative.
    assert p.loss_change_dominant == pytest.approx(se(tD), rel=1e-8)
    assert p.loss_change_bulk == pytest.approx(se(tB), rel=1e-8)
    assert p.loss_change_sgd == pytest.approx(se(tD + tB), rel=1e-8)


def test_mean_alignment_change_refuses_when_a_sampled_next_gradient_is_zero():
    """A noise sample with g - eta H (g + xi) = 0 exactly: that draw's alignment is
    undefined, so the mean alignment change is, and predict refuses (not nan)."""
    H = np.array([4.0, 1.0])
    g = np.array([4.0, 1.0])
    samples = np.array([[4.0, 4.0], [4.0, -2.0]])  # xi = (0, +-3); the first hits 0
    assert np.all(g - 0.25 * H * samples[0] == 0)
    rep = measure_alignment(g, lambda v: H * v, k=1, noise_samples=samples)
    with pytest.raises(ValueError, match="a sampled next gradient is zero"):
        rep.predict(0.25)


def test_the_report_keeps_its_own_copy_of_the_point_and_the_gradient():
    """The report is a snapshot: changing the caller's arrays after the measurement
    (an in-place optimiser step) changes neither report.theta nor report.gradient,
    and draw_steps still starts from the measured point."""
    theta, g = THETA.copy(), LAM * THETA
    rep = measure_alignment(g, lambda v: LAM * v, k=2, theta=theta)
    theta -= 0.1 * g  # the caller steps on in place
    g[:] = np.nan
    np.testing.assert_array_equal(rep.theta, THETA)
    np.testing.assert_array_equal(rep.gradient, LAM * THETA)
    steps = rep.draw_steps(0.1, lambda x: LAM * x, lambda x: LAM * x, samples=2)
    after = LAM * (THETA - 0.1 * LAM * THETA)
    # tolerance: the same few flops; round-off only.
    assert steps.D[0] == pytest.approx(after[:2] @ after[:2], rel=1e-14)


def test_a_report_built_by_hand_with_a_bad_point_is_refused_by_name():
    """AlignmentReport is a public frozen dataclass: a report whose theta was replaced
    by hand (NaN, wrong shape) is refused with a ValueError naming theta before any
    step is drawn, as measure_alignment refuses such a point."""
    import dataclasses

    valley = rv.RiverValley([4.0, 2.0, 0.5, 0.25], k=2)
    theta = np.array([1.0, -0.5, 2.0, 1.5])
    rep = measure_alignment(
        valley.gradient(theta), lambda v: valley.eigenvalues * v, k=2, theta=theta
    )
    for bad in ([np.nan, 0.0, 0.0, 0.0], [1.0, 2.0, 3.0]):
        broken = dataclasses.replace(rep, theta=np.array(bad))
        with pytest.raises(ValueError, match=r"\btheta\b"):
            broken.draw_steps(0.1, valley.gradient, valley.gradient, samples=4)
