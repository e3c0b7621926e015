"""Heavy-ball momentum: the closed-form noise floor against simulation."""

import numpy as np
import pytest

import rivervalley_lib as rv


def test_zero_momentum_is_the_sgd_floor():
    # tolerance: beta = 0 is plain SGD: the two closed forms agree to round-off (1e-12
    # relative)
    valley = rv.RiverValley.two_level(d=20, k=2, dominant=5.0, bulk=0.2)
    noise = rv.IsotropicNoise(0.3)
    assert rv.heavy_ball_floor(valley, noise, 0.2, 0.0) == pytest.approx(
        rv.noise_floor(valley, noise, 0.2), rel=1e-12
    )


def test_floor_matches_a_long_heavy_ball_run():
    valley = rv.RiverValley([2.0, 1.0, 0.5, 0.1], k=2)
    noise = rv.IsotropicNoise(1.0)
    run = rv.simulate(
        valley, noise, 0.1, 4000, np.zeros(4), seeds=200, momentum=0.5, rng=0
    )
    floor = rv.heavy_ball_floor(valley, noise, 0.1, 0.5)
    # tolerance: 5 standard errors of the mean over 200 independent seeds, computed
    # from the per-seed averages of 2000 stationary steps (about 0.5 % of the floor):
    # this rejects the floor without momentum's (1 + beta)/(1 - beta) = 3 and one with
    # 2 + 2 beta - eta lambda replaced by 2 - eta lambda (D off by 40 % or more).
    for got, want in ((run.D, floor.D), (run.B, floor.B)):
        per_seed = got[:, 2000:].mean(1)
        se = per_seed.std(ddof=1) / np.sqrt(per_seed.size)
        assert se < 0.01 * want, (se, want)
        assert abs(per_seed.mean() - want) < 5 * se, (per_seed.mean(), want, se)


def _lyapunov_floor(lam, s, eta, beta):
    """lambda^2 Var(theta) of the AR(2) chain theta' = (1 + beta - eta lam) theta
    - beta theta_prev - eta xi, Var xi = s: the stationary covariance solved from
    Sigma = A Sigma A^T + s b b^T as a 4 x 4 linear system (no closed form used)."""
    A = np.array([[1 + beta - eta * lam, -beta], [1.0, 0.0]])
    b = np.array([-eta, 0.0])
    sigma = np.linalg.solve(np.eye(4) - np.kron(A, A), s * np.kron(b, b))
    return lam**2 * sigma[0]


@pytest.mark.parametrize(
    ("eta_lam", "beta"), [(0.1, 0.5), (1.0, 0.9), (2.5, 0.5), (3.7, 0.9), (1.9, 0.0)]
)
def test_floor_is_the_stationary_variance_of_the_heavy_ball_chain(eta_lam, beta):
    # tolerance: round-off stays below 1e-9 relative. Near the edge eta lam -> 2 (1 +
    # beta) the floor grows without bound: a wrong stability term (2 - eta lam, or
    # 2 + 2 beta - 2 eta lam) is off by a factor there.
    valley = rv.RiverValley([eta_lam, 0.01], k=1)
    noise = rv.IsotropicNoise(0.7)
    got = rv.heavy_ball_floor(valley, noise, 1.0, beta).D
    assert got == pytest.approx(_lyapunov_floor(eta_lam, 0.49, 1.0, beta), rel=1e-9)


def test_stable_range_is_wider_with_momentum():
    # 2/lambda_1 < eta < 2(1 + beta)/lambda_1: plain SGD diverges, heavy ball does not
    valley = rv.RiverValley([2.0, 0.5], k=1)
    noise = rv.IsotropicNoise(1.0)
    assert np.isfinite(rv.heavy_ball_floor(valley, noise, 1.4, 0.5).D)
    with pytest.raises(ValueError, match=r"eta = 1\.4 is not below 2\(1\+beta\)"):
        rv.heavy_ball_floor(valley, noise, 1.4, 0.3)
    with pytest.raises(ValueError, match="momentum"):
        rv.heavy_ball_floor(valley, noise, 0.1, 1.0)
