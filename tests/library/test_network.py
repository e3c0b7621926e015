"""The numpy MLP: gradient and exact HVP against finite differences, Lanczos,
training."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rivervalley_lib.network import MLP, gaussian_mixture, top_eigenspace, train

seeds = st.integers(0, 2**32 - 1)


def _fd_hessian(net, theta, X, Y, h=1e-5):
    cols = [
        (net.gradient(theta + h * e, X, Y) - net.gradient(theta - h * e, X, Y))
        / (2 * h)
        for e in np.eye(net.n_params)
    ]
    return np.column_stack(cols)


@settings(max_examples=15)
@given(seeds)
def test_gradient_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    sizes = [
        int(rng.integers(1, 4)),
        int(rng.integers(1, 5)),
        int(rng.integers(1, 4)),
        int(rng.integers(1, 4)),
    ]
    net = MLP(sizes)
    X = rng.standard_normal((7, sizes[0]))
    Y = rng.standard_normal((7, sizes[-1]))
    theta = net.init(rng=rng)
    h = 1e-6
    fd = np.array(
        [
            (net.loss(theta + h * e, X, Y) - net.loss(theta - h * e, X, Y)) / (2 * h)
            for e in np.eye(net.n_params)
        ]
    )
    # tolerance: central differences with h = 1e-6: truncation ~h^2 = 1e-12 and
    # round-off ~eps L / h = 1e-10, well inside 1e-6 relative + 1e-8 absolute; a factor
    # 2 or a sign in the gradient is off by 100 % or more.
    np.testing.assert_allclose(net.gradient(theta, X, Y), fd, atol=1e-8, rtol=1e-6)


@settings(max_examples=15)
@given(seeds)
def test_hvp_matches_full_finite_difference_hessian(seed):
    rng = np.random.default_rng(seed)
    net = MLP([3, 4, 3, 2])
    X, Y = gaussian_mixture(n=9, k=2, dim=3, rng=rng)
    theta = net.init(scale=1.5, rng=rng)
    H = np.column_stack([net.hvp(theta, e, X, Y) for e in np.eye(net.n_params)])
    # tolerance: central differences of the gradient with h = 1e-5 (truncation ~1e-10,
    # round-off ~1e-11) inside 1e-7 absolute on entries of order 0.1 to 1; symmetry and
    # linearity of the exact HVP to round-off (1e-12, 1e-10).
    np.testing.assert_allclose(H, _fd_hessian(net, theta, X, Y), atol=1e-7)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    v = rng.standard_normal(net.n_params)
    np.testing.assert_allclose(net.hvp(theta, v, X, Y), H @ v, atol=1e-10)


def test_top_eigenspace_matches_dense_eigh():
    rng = np.random.default_rng(0)
    net = MLP([4, 6, 3])
    X, Y = gaussian_mixture(n=30, k=3, dim=4, rng=1)
    theta = net.init(rng=2)
    H = np.column_stack([net.hvp(theta, e, X, Y) for e in np.eye(net.n_params)])
    w, V = np.linalg.eigh(H)
    vals, vecs = top_eigenspace(net.hvp_fn(theta, X, Y), net.n_params, 3, rng=rng)
    # tolerance: Lanczos's convergence on the eigenvalues (1e-7 relative) and on the
    # eigenspace (1e-6 on the projector, limited by the eigengap).
    np.testing.assert_allclose(vals, w[::-1][:3], rtol=1e-7)
    P_lanczos, P_dense = vecs @ vecs.T, V[:, -3:] @ V[:, -3:].T
    np.testing.assert_allclose(P_lanczos, P_dense, atol=1e-6)


def test_gaussian_mixture_is_balanced_and_seeded():
    X1, Y1 = gaussian_mixture(n=12, k=3, dim=2, separation=4.0, spread=0.1, rng=5)
    X2, _ = gaussian_mixture(n=12, k=3, dim=2, separation=4.0, spread=0.1, rng=5)
    np.testing.assert_array_equal(X1, X2)
    assert Y1.sum(0).tolist() == [4.0, 4.0, 4.0]
    # Tight classes: each point is closest to its own class mean.
    means = np.stack([X1[Y1[:, c] == 1].mean(0) for c in range(3)])
    assert np.all(
        np.argmin(((X1[:, None] - means) ** 2).sum(-1), axis=1) == Y1.argmax(1)
    )


def test_training_protocol_dom_stalls_bulk_tracks():
    """Song et al.'s headline on the book's network (the same setting as chapter 8)."""
    k = 4
    X, Y = gaussian_mixture(n=400, k=k, dim=10, separation=3.0, spread=0.5, rng=0)
    X = X + 5.0 * np.ones(10) / np.sqrt(10)
    net = MLP([10, 16, k])
    warm = train(
        net,
        net.init(rng=1),
        X,
        Y,
        eta=0.05,
        steps=1000,
        batch_size=16,
        k=k,
        record_every=100,
        rng=2,
    )
    runs = {
        p: train(
            net,
            warm.theta,
            X,
            Y,
            eta=0.05,
            steps=600,
            batch_size=16,
            k=k,
            projection=p,
            refresh_every=5,
            record_every=600,
            rng=3,
        )
        for p in ("none", "dominant", "bulk")
    }
    start = runs["none"].loss[0]
    drop = {p: start - r.loss[-1] for p, r in runs.items()}
    # tolerance: the claim's margins, not an estimate: Bulk-SGD keeps at least 70 % of
    # SGD's loss drop and Dom-SGD at most 20 %; swapping the projections (a sign-like
    # error) fails both.
    assert drop["none"] > 0 and drop["bulk"] > 0.7 * drop["none"]
    assert drop["dominant"] < 0.2 * drop["none"]


def _train_with(**changed):
    """A call of ``train`` on a tiny valid problem with ``changed`` arguments."""
    kwargs = dict(eta=0.1, steps=5, batch_size=2, k=1) | changed
    return lambda: train(
        MLP([2, 2]), np.zeros(6), np.ones((4, 2)), np.ones((4, 2)), **kwargs
    )


@pytest.mark.parametrize(
    "call,exc,fragment",
    [
        (lambda: MLP([3]), ValueError, "at least 2 entries"),
        (lambda: MLP("abc"), TypeError, "sizes must be a sequence"),
        (lambda: MLP([3, 0, 2]), ValueError, "sizes[1]"),
        (
            lambda: MLP([2, 2]).loss(np.zeros(5), np.ones((3, 2)), np.ones((3, 2))),
            ValueError,
            "last dimension d = 6",
        ),
        (
            lambda: MLP([2, 2]).loss(np.zeros(6), np.ones((3, 2)), np.ones((4, 2))),
            ValueError,
            "same number of rows",
        ),
        (
            lambda: MLP([2, 2]).gradient(
                np.full(6, np.nan), np.ones((3, 2)), np.ones((3, 2))
            ),
            ValueError,
            "finite",
        ),
        (lambda: gaussian_mixture(n=1, k=2, dim=2), ValueError, "n must be"),
        (
            lambda: gaussian_mixture(n=10, k=2, dim=2, spread=0.0),
            ValueError,
            "spread must be > 0",
        ),
        (lambda: top_eigenspace("H", 4, 2), TypeError, "hvp must be a callable"),
        (lambda: top_eigenspace(lambda v: v, 4, 4), ValueError, "k must be"),
        (_train_with(batch_size=8), ValueError, "batch_size"),
        (_train_with(eta=-0.1), ValueError, "eta must be > 0"),
        (_train_with(projection="top"), ValueError, "projection"),
    ],
)
def test_network_bad_input(call, exc, fragment):
    with pytest.raises(exc) as info:
        call()
    assert fragment in str(info.value)


def test_hvp_fn_is_the_hvp_bound_at_one_point():
    """net.hvp_fn(theta, X, Y) is v -> net.hvp(theta, v, X, Y), with theta copied (a
    later change of the caller's array does not move the point) and bad data named."""
    net = MLP([3, 4, 2])
    X, Y = gaussian_mixture(n=12, k=2, dim=3, rng=0)
    theta = net.init(rng=1)
    hvp = net.hvp_fn(theta, X, Y)
    v = np.random.default_rng(2).standard_normal(net.n_params)
    want = net.hvp(theta, v, X, Y)
    theta += 1.0
    np.testing.assert_array_equal(hvp(v), want)
    with pytest.raises(ValueError, match="X"):
        net.hvp_fn(theta, X[:, :2], Y)


def test_minibatch_gradient_is_unbiased_for_the_full_gradient():
    """The mean of many minibatch gradients lies within 5 standard errors of the full
    gradient in every coordinate, and one minibatch is not the full gradient."""
    net = MLP([3, 4, 2])
    X, Y = gaussian_mixture(n=20, k=2, dim=3, rng=0)
    theta = net.init(rng=1)
    full = net.gradient_fn(X, Y)(theta)
    # tolerance: round-off (1e-12) for the full gradient; 5 standard errors of the
    # 4000-draw mean (SE computed from the draws) for the minibatch mean.
    np.testing.assert_allclose(full, net.gradient(theta, X, Y), rtol=1e-12)
    minibatch = net.gradient_fn(X, Y, batch_size=4, rng=2)
    draws = np.array([minibatch(theta) for _ in range(4000)])
    se = draws.std(axis=0, ddof=1) / np.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - full) < 5 * se + 1e-12)
    assert not np.allclose(draws[0], full)


def test_train_steps_with_the_minibatch_gradient_of_gradient_fn():
    """One step of train is theta0 - eta * the first draw of gradient_fn with the same
    seed: the stochastic gradient the chapters sample is the one training uses."""
    net = MLP([3, 4, 2])
    X, Y = gaussian_mixture(n=20, k=2, dim=3, rng=0)
    theta0 = net.init(rng=1)
    run = train(net, theta0, X, Y, eta=0.1, steps=1, batch_size=4, k=1, rng=3)
    draw = net.gradient_fn(X, Y, batch_size=4, rng=3)(theta0)
    # tolerance: round-off of one step computed two ways (1e-15 absolute)
    np.testing.assert_allclose(run.theta, theta0 - 0.1 * draw, rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    "kwargs,exc,fragment",
    [
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"batch_size": 21}, ValueError, "batch_size"),
        ({"batch_size": 2.5}, TypeError, "batch_size"),
        ({"batch_size": 4, "rng": -1}, ValueError, "rng"),
    ],
)
def test_gradient_fn_names_its_bad_argument(kwargs, exc, fragment):
    net = MLP([3, 4, 2])
    X, Y = gaussian_mixture(n=20, k=2, dim=3, rng=0)
    with pytest.raises(exc, match=fragment):
        net.gradient_fn(X, Y, **kwargs)
