"""The framework-agnostic diagnostics: exact on quadratics, and on a model the book did
not build."""

from __future__ import annotations

import math

import numpy as np
import pytest

import rivervalley_lib as rv
from rivervalley_lib.diagnostics import measure_alignment


@pytest.mark.parametrize(
    "noise",
    [rv.IsotropicNoise(0.3), rv.CurvatureNoise(0.2), rv.RegressionNoise(8, 0.5)],
    ids=["isotropic", "curvature", "regression"],
)
def test_diagnostics_recover_the_exact_quadratic_thresholds(noise):
    """On a river valley (in a rotated basis) the estimates match the closed forms."""
    rng = np.random.default_rng(0)
    valley = rv.RiverValley.spread(d=40, k=3, dominant=(6.0, 9.0), bulk=(0.05, 1.0))
    Q, _ = np.linalg.qr(rng.standard_normal((40, 40)))
    A = Q @ valley.hessian() @ Q.T
    theta_eig = np.concatenate([np.full(3, 0.05), np.full(37, 1.0)])
    w = Q @ theta_eig
    samples_eig = valley.gradient(theta_eig) + noise.sample(
        valley, np.broadcast_to(theta_eig, (20_000, 40)), rng
    )
    rep = measure_alignment(
        A @ w, lambda v: A @ v, k=3, noise_samples=samples_eig @ Q.T
    )
    # tolerance: Lanczos converged to 1e-8 relative on the eigenvalues, and the
    # alignment is a ratio of exact projections (1e-9).
    np.testing.assert_allclose(rep.eigenvalues, valley.eigenvalues[:3], rtol=1e-8)
    assert rep.alignment == pytest.approx(rv.alignment(valley, theta_eig), rel=1e-9)
    # tolerance: the noise terms are Monte Carlo estimates from 20,000 samples: 5 of
    # the report's own standard errors (delta method; their calibration is tested in
    # test_diagnostics_errors.py), each under 2 % of its value, so a factor 2 is over
    # 25 SEs away and a sign error further.
    eta_D, eta_B = rv.projection_thresholds(valley, noise, theta_eig)
    se = rep.stderr
    for got, want, err in (
        (rep.eta_star, rv.critical_step_size(valley, noise, theta_eig), se.eta_star),
        (rep.thresholds.dominant, eta_D, se.thresholds.dominant),
        (rep.thresholds.bulk, eta_B, se.thresholds.bulk),
    ):
        assert 0 < err < 0.02 * want, (err, want)
        assert abs(got - want) < 5 * err, (got, want, err)
    assert rep.noise_samples == 20_000


def test_noise_free_diagnostics_are_exact():
    valley = rv.RiverValley.spread(d=25, k=2, dominant=(4.0, 6.0), bulk=(0.1, 1.0))
    theta = np.linspace(1.0, 2.0, 25)
    rep = measure_alignment(
        valley.gradient(theta), lambda v: valley.eigenvalues * v, k=2
    )
    gd = rv.IsotropicNoise(0.0)
    # tolerance: Lanczos and round-off (1e-9 relative): without noise the estimates are
    # the closed forms; the 10 % bracket on predicts_rise rejects an eta* off by a
    # factor 2 either way.
    assert rep.eta_star == pytest.approx(
        rv.critical_step_size(valley, gd, theta), rel=1e-9
    )
    assert rep.thresholds == pytest.approx(
        rv.projection_thresholds(valley, gd, theta), rel=1e-9
    )
    assert rep.predicts_rise(1.1 * rep.eta_star) and not rep.predicts_rise(
        0.9 * rep.eta_star
    )


class SoftmaxRegression:
    """A model the book did not build: multinomial logistic regression, written
    independently."""

    def __init__(self, X, labels, n_classes, l2=1e-2):
        self.X, self.labels, self.c, self.l2 = X, labels, n_classes, l2
        self.n, self.p = X.shape

    def _probs(self, w):
        logits = self.X @ w.reshape(self.p, self.c)
        logits -= logits.max(1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(1, keepdims=True)

    def grad(self, w):
        P = self._probs(w)
        P[np.arange(self.n), self.labels] -= 1
        return (self.X.T @ P / self.n).ravel() + self.l2 * w

    def hessian(self, w):
        P = self._probs(w)
        H = np.zeros((self.p * self.c, self.p * self.c))
        for i in range(self.n):
            S = np.diag(P[i]) - np.outer(P[i], P[i])
            H += np.kron(np.outer(self.X[i], self.X[i]), S)
        return H / self.n + self.l2 * np.eye(self.p * self.c)

    def hvp(self, w, v):
        P = self._probs(w)
        V = v.reshape(self.p, self.c)
        XV = self.X @ V
        inner = P * XV - P * (P * XV).sum(1, keepdims=True)
        return (self.X.T @ inner / self.n).ravel() + self.l2 * v

    def minibatch_grads(self, w, m, b, rng):
        out = []
        for _ in range(m):
            idx = rng.choice(self.n, size=b, replace=False)
            sub = SoftmaxRegression(self.X[idx], self.labels[idx], self.c, self.l2)
            out.append(sub.grad(w))
        return np.array(out)


def test_diagnostics_on_a_second_model_match_dense_linear_algebra():
    rng = np.random.default_rng(3)
    X, Y = rv.network.gaussian_mixture(n=120, k=3, dim=4, separation=3.0, rng=4)
    model = SoftmaxRegression(X, Y.argmax(1), 3)
    w = 0.1 * rng.standard_normal(12)
    H = model.hessian(w)
    # tolerance: round-off (1e-12) of the HVP against the dense Hessian; Lanczos on a
    # 12 x 12 matrix to 1e-7; the thresholds to 1e-6 (the dense reference takes one
    # more eigendecomposition); a factor 2 or a sign is off by 100 % or more.
    np.testing.assert_allclose(model.hvp(w, np.eye(12)[5]), H[:, 5], atol=1e-12)
    samples = model.minibatch_grads(w, 400, 10, rng)
    rep = measure_alignment(
        model.grad(w), lambda v: model.hvp(w, v), k=3, noise_samples=samples
    )
    # Dense reference computation of every quantity.
    vals, vecs = np.linalg.eigh(H)
    U, lam = vecs[:, ::-1][:, :3], vals[::-1][:3]
    np.testing.assert_allclose(rep.eigenvalues, lam, rtol=1e-7)
    g = model.grad(w)
    P = U @ U.T
    assert rep.alignment == pytest.approx(g @ P @ g / (g @ g), rel=1e-7)
    xi = samples - g
    Sigma = xi.T @ xi / len(xi)
    D, B = g @ P @ g, g @ (np.eye(12) - P) @ g
    aD, aB = g @ P @ H @ P @ g, g @ (np.eye(12) - P) @ H @ (np.eye(12) - P) @ g
    bD, bB = np.sum((P @ H @ g) ** 2), np.sum(((np.eye(12) - P) @ H @ g) ** 2)
    nD, nB = np.trace(P @ H @ Sigma @ H), np.trace((np.eye(12) - P) @ H @ Sigma @ H)
    tD, tB = np.trace(P @ H @ Sigma), np.trace((np.eye(12) - P) @ H @ Sigma)
    C = (bD + nD) * B - (bB + nB) * D
    eta_star = 2 * (aD * B - aB * D) / C if C > 0 else math.inf
    assert rep.eta_star == pytest.approx(eta_star, rel=1e-6)
    assert rep.thresholds.dominant == pytest.approx(2 * D / (aD + tD), rel=1e-6)
    assert rep.thresholds.bulk == pytest.approx(2 * B / (aB + tB), rel=1e-6)


def test_diagnostics_bad_input():
    H = np.diag([3.0, 2.0, 1.0])
    g = H @ np.ones(3)
    with pytest.raises(TypeError, match="hvp must be a callable"):
        measure_alignment(g, H, k=1)
    # hvp(theta, v), the convention of some frameworks: named, with the fix.
    with pytest.raises(TypeError, match=r"hvp must be callable as hvp\(v\)"):
        measure_alignment(g, lambda theta, v: H @ v, k=1)
    with pytest.raises(ValueError, match="gradient is zero"):
        measure_alignment(np.zeros(3), lambda v: H @ v, k=1)
    with pytest.raises(ValueError, match="k must be"):
        measure_alignment(g, lambda v: H @ v, k=3)
    with pytest.raises(ValueError, match="noise_samples"):
        measure_alignment(g, lambda v: H @ v, k=1, noise_samples=np.ones((1, 3)))
    with pytest.raises(ValueError, match="finite"):
        measure_alignment(np.full(3, np.nan), lambda v: H @ v, k=1)
    # A framework returning a (1, dim) row: the error names the argument, not numpy.
    with pytest.raises(ValueError, match=r"gradient must be a flat vector"):
        measure_alignment(g[None, :], lambda v: H @ v, k=1)
    with pytest.raises(
        ValueError, match=r"hvp must return a flat vector of shape \(3,\)"
    ):
        measure_alignment(g, lambda v: (H @ v)[None, :], k=1)
    with pytest.raises(ValueError, match="lanczos_tol must be"):
        measure_alignment(g, lambda v: H @ v, k=1, lanczos_tol=-1.0)
    with pytest.raises(ValueError, match="lanczos_maxiter must be|maxiter must be"):
        measure_alignment(g, lambda v: H @ v, k=1, lanczos_maxiter=0)
    rep = measure_alignment(g, lambda v: H @ v, k=1)
    with pytest.raises(ValueError, match="eta must be"):
        rep.predict(-0.1)


def test_bulk_curvature_is_not_clipped():
    """A negative bulk curvature gives a negative a_B (no clipping) and eta_B = inf:
    Bulk-SGD then lowers the local quadratic model at every step size."""
    H = np.diag([4.0, -0.5, -0.2])
    g = H @ np.array([0.1, 1.0, 1.0])
    rep = measure_alignment(g, lambda v: H @ v, k=1)
    # tolerance: round-off (1e-12 relative) of a 3 x 3 diagonal quadratic form.
    assert rep.moments.aB == pytest.approx(-(0.5**3) - 0.2**3, rel=1e-12)
    assert rep.thresholds.bulk == math.inf
    for eta in (0.01, 0.1, 1.0):
        assert rep.predict(eta).loss_change_bulk < 0


def test_predict_matches_the_library_one_step_laws():
    """On a river valley the predicted one-step changes are the library's closed
    forms."""
    valley = rv.RiverValley.spread(d=30, k=3, dominant=(5.0, 8.0), bulk=(0.1, 1.0))
    theta = np.linspace(0.5, 2.0, 30)
    rep = measure_alignment(
        valley.gradient(theta), lambda v: valley.eigenvalues * v, k=3
    )
    gd = rv.IsotropicNoise(0.0)
    for eta in (0.05, 0.2, 0.3):
        p = rep.predict(eta)
        chi_next = rv.energy_ratio_step(valley, gd, theta, eta)
        # tolerance: round-off of the same closed forms (1e-12 absolute on the ratio
        # change, 1e-9 relative on the loss changes, which go through Lanczos).
        assert p.ratio_change == pytest.approx(chi_next - rep.alignment, abs=1e-12)
        for name, proj in (("sgd", "none"), ("dominant", "dominant"), ("bulk", "bulk")):
            exact = rv.expected_loss_change(valley, gd, theta, eta, projection=proj)
            assert getattr(p, f"loss_change_{name}") == pytest.approx(exact, rel=1e-9)
        assert rep.predicts_rise(eta) == (p.ratio_change > 0)


def test_lanczos_options_are_passed_through():
    H = np.diag(np.linspace(10.0, 0.1, 50))
    g = H @ np.ones(50)
    loose = measure_alignment(g, lambda v: H @ v, k=2, lanczos_tol=1e-2)
    tight = measure_alignment(
        g, lambda v: H @ v, k=2, lanczos_tol=0.0, lanczos_maxiter=5000
    )
    # tolerance: the tight run to round-off (1e-12); the loose one to its own
    # lanczos_tol (1e-2).
    np.testing.assert_allclose(tight.eigenvalues, [10.0, H[1, 1]], rtol=1e-12)
    np.testing.assert_allclose(loose.eigenvalues, tight.eigenvalues, rtol=1e-2)


def _quadratic(dim: int = 6):
    H = np.diag([9.0, 6.0, 1.0, 0.5, 0.2, 0.1])[:dim, :dim]
    theta = np.linspace(1.0, -0.5, dim)
    rep = measure_alignment(H @ theta, lambda v: H @ v, k=2)
    return H, theta, rep


def test_draw_steps_without_noise_is_the_quadratic_prediction():
    """On a quadratic loss with exact gradients, every draw is the one deterministic
    step, and predict() is exact: loss changes and the next alignment agree."""
    H, theta, rep = _quadratic()
    grad = lambda w: H @ w  # noqa: E731
    loss = lambda w: 0.5 * w @ H @ w  # noqa: E731
    for eta in (0.05, 0.2):
        p = rep.predict(eta)
        for projection, want in (
            ("none", p.loss_change_sgd),
            ("dominant", p.loss_change_dominant),
            ("bulk", p.loss_change_bulk),
        ):
            s = rep.draw_steps(
                eta,
                grad,
                grad,
                samples=3,
                projection=projection,
                loss_fn=loss,
                theta=theta,
            )
            # tolerance: round-off (1e-12 relative, 1e-14 absolute where the change is
            # ~0): on a quadratic with exact gradients every draw is the deterministic
            # step.
            np.testing.assert_allclose(s.loss_change, want, rtol=1e-12, atol=1e-14)
        s = rep.draw_steps(eta, grad, grad, samples=2, theta=theta)
        np.testing.assert_allclose(
            s.alignment - rep.alignment, p.ratio_change, rtol=1e-10, atol=1e-14
        )
        np.testing.assert_allclose(
            s.D + s.B, [np.sum((H @ (theta - eta * H @ theta)) ** 2)] * 2, rtol=1e-12
        )


def test_draw_steps_with_noise_matches_the_exact_expectation():
    """Isotropic gradient noise of level sigma: the mean loss change of Dom-SGD is
    -eta g^T P g + eta^2/2 (g^T P H P g + sigma^2 tr(P H)) within 5 standard errors, and
    the draws are those of a hand-written loop over the same generator."""
    H, theta, rep = _quadratic()
    sigma, eta, n = 0.3, 0.15, 20_000
    grad = lambda w: H @ w  # noqa: E731
    loss = lambda w: 0.5 * w @ H @ w  # noqa: E731
    rng = np.random.default_rng(4)
    s = rep.draw_steps(
        eta,
        grad,
        lambda w: H @ w + sigma * rng.standard_normal(6),
        samples=n,
        projection="dominant",
        loss_fn=loss,
        theta=theta,
    )
    P = np.diag([1.0, 1.0, 0, 0, 0, 0])
    g = H @ theta
    want = -eta * g @ P @ g + 0.5 * eta**2 * (
        g @ P @ H @ P @ g + sigma**2 * np.trace(P @ H)
    )
    se = s.loss_change.std(ddof=1) / np.sqrt(n)
    # tolerance: 5 standard errors of the 20 000-sample mean (SE computed from the
    # samples); the hand-written loop makes the same draws (round-off, 1e-12).
    assert abs(s.loss_change.mean() - want) < 5 * se
    rng, ref = np.random.default_rng(4), []
    for _ in range(5):
        nxt = theta - eta * P @ (H @ theta + sigma * rng.standard_normal(6))
        ref.append(loss(nxt) - loss(theta))
    np.testing.assert_allclose(s.loss_change[:5], ref, rtol=1e-12)


def test_draw_steps_projections_split_the_next_gradient():
    """Without noise, Dom-SGD and Bulk-SGD draws are the one projected step: D', B' and
    chi' of the next full gradient, split by the report's basis."""
    H, theta, rep = _quadratic()
    grad = lambda w: H @ w  # noqa: E731
    P = np.diag([1.0, 1.0, 0, 0, 0, 0])
    for projection, proj in (("dominant", P), ("bulk", np.eye(6) - P)):
        s = rep.draw_steps(
            0.1, grad, grad, samples=2, projection=projection, theta=theta
        )
        g = H @ (theta - 0.1 * proj @ H @ theta)
        want_D, want_B = g[:2] @ g[:2], g[2:] @ g[2:]
        # tolerance: round-off (1e-10 relative) of one projected step computed two
        # ways.
        np.testing.assert_allclose(s.D, want_D, rtol=1e-10)
        np.testing.assert_allclose(s.B, want_B, rtol=1e-10)
        np.testing.assert_allclose(s.alignment, want_D / (want_D + want_B), rtol=1e-10)
        assert s.loss_change is None


def test_draw_steps_bad_input():
    """Every bad argument or callable result raises, naming it."""
    H, theta, rep = _quadratic()
    grad = lambda w: H @ w  # noqa: E731
    with pytest.raises(TypeError, match="gradient_fn must be a callable"):
        rep.draw_steps(0.1, None, grad, theta=theta)
    with pytest.raises(TypeError, match="loss_fn must be a callable"):
        rep.draw_steps(0.1, grad, grad, loss_fn=1.0, theta=theta)
    with pytest.raises(ValueError, match=r"gradient_fn must return a flat"):
        rep.draw_steps(0.1, lambda w: (H @ w)[:3], grad, theta=theta)
    with pytest.raises(ValueError, match="zero vector after draw 0"):
        rep.draw_steps(0.1, lambda w: 0 * w, grad, theta=theta)
    with pytest.raises(ValueError, match="loss_fn returned nan"):
        rep.draw_steps(0.1, grad, grad, loss_fn=lambda w: np.nan, theta=theta)
    with pytest.raises(ValueError, match="loss_fn must return a scalar"):
        rep.draw_steps(0.1, grad, grad, loss_fn=lambda w: w, theta=theta)
    with pytest.raises(ValueError, match="samples must be"):
        rep.draw_steps(0.1, grad, grad, samples=1, theta=theta)
    with pytest.raises(ValueError, match="projection must be"):
        rep.draw_steps(0.1, grad, grad, projection="top", theta=theta)
    with pytest.raises(ValueError, match="eta must be"):
        rep.draw_steps(0.0, grad, grad, theta=theta)
    with pytest.raises(ValueError, match="theta is not the point|theta must"):
        rep.draw_steps(0.1, grad, grad, theta=theta[:3])
    with pytest.raises(TypeError, match="stochastic_gradient_fn must be a callable"):
        rep.draw_steps(0.1, grad, H @ theta, theta=theta)
    with pytest.raises(ValueError, match=r"stochastic_gradient_fn must return a flat"):
        rep.draw_steps(0.1, grad, lambda w: (H @ w)[None, :], theta=theta)


def test_z_score_is_the_mean_in_standard_errors():
    """z = (mean - reference) / (s / sqrt(n)); too few, equal or non-finite values
    raise."""
    from rivervalley_lib.diagnostics import z_score

    x = np.random.default_rng(0).normal(0.3, 2.0, size=400)
    se = x.std(ddof=1) / np.sqrt(x.size)
    # tolerance: round-off (1e-12) of the same mean and SE.
    assert z_score(x) == pytest.approx(x.mean() / se, rel=1e-12)
    assert z_score(x, reference=x.mean()) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="values must be a flat array"):
        z_score([1.0])
    with pytest.raises(ValueError, match="all equal"):
        z_score([2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        z_score([1.0, np.nan])
