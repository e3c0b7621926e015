"""Chapter 2: the student-side checks (``grader.check``), also run by the grader."""

import numpy as np

import rivervalley_lib as rv


def mean_ratio_of_the_samples(ratio, mean_ratio, valley, level, sigma, seed, block):
    """mean_ratio is the average share of the block in the prescribed samples, and
    ratio is within 0.01 of it."""
    theta = np.full(valley.d, level)
    noise = rv.IsotropicNoise(sigma)
    g_hat = rv.sample_gradient(valley, noise, theta, 100_000, rng=seed)
    chi = rv.gradient_alignment(valley, g_hat)
    want = (chi if block == "dominant" else 1 - chi).mean()
    assert abs(mean_ratio - want) < 1e-9 * want, (
        f"mean_ratio should average the {block} shares of the 100,000 samples of "
        f"your parameters; got {mean_ratio!r}"
    )
    assert 0 < ratio < 1 and abs(ratio - mean_ratio) < 0.01, (
        f"ratio should be a share within 0.01 of mean_ratio = {mean_ratio:.5f}; "
        f"got {ratio!r}"
    )
