"""Heavy-ball momentum: the closed-form noise floor against simulation."""

import numpy as np
import pytest

import rivervalley_lib as rv


def test_zero_momentum_is_the_sgd_floor():
    # beta = 0 is plain SGD: the two closed forms agree to rounding (pytest.approx's
    # default 1e-6 relative)
    valley = rv.RiverValley.two_level(d=20, k=2, dominant=5.0, bulk=0.2)
    noise = rv.IsotropicNoise(0.3)
    assert rv.heavy_ball_floor(valley, noise, 0.2, 0.0) == pytest.approx(
        rv.noise_floor(valley, noise, 0.2)
    )


def test_floor_matches_a_long_heavy_ball_run():
    valley = rv.RiverValley([2.0, 1.0, 0.5, 0.1], k=2)
    noise = rv.IsotropicNoise(1.0)
    run = rv.simulate(
        valley, noise, 0.1, 4000, np.zeros(4), seeds=200, momentum=0.5, rng=0
    )
    floor = rv.heavy_ball_floor(valley, noise, 0.1, 0.5)
    # 200 seeds x 2000 stationary steps: the sampling error of the mean is about 1 %;
    # 5 % rejects the floor without momentum's (1 + beta)/(1 - beta) = 3 and one with
    # 2 + 2 beta - eta lambda replaced by 2 - eta lambda (D off by 40 % or more).
    assert run.D[:, 2000:].mean() == pytest.approx(floor.D, rel=0.05)
    assert run.B[:, 2000:].mean() == pytest.approx(floor.B, rel=0.05)
