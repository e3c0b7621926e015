"""Chapter 3: the student-side checks (``grader.check``), also run by the grader."""

import numpy as np

import rivervalley_lib as rv


def gaps_of_the_experiment(gaps, sigma, eta, chi0):
    """gaps holds the four gaps of the prescribed experiment (to 1e-6), which shrink."""
    assert len(gaps) == 4, (
        f"gaps should hold 4 numbers (k = 1, 4, 16, 64); got {gaps!r}"
    )
    assert all(a > b > 0 for a, b in zip(gaps, gaps[1:], strict=False)), (
        f"the gaps should be positive and shrink as k grows; got {list(gaps)}"
    )
    for k, gap in zip((1, 4, 16, 64), gaps, strict=True):
        v = rv.RiverValley.two_level(d=25 * k, k=k, dominant=10.0, bulk=0.2)
        th0 = rv.state_with_alignment(v, chi0, energy=k / 4)
        noise = rv.IsotropicNoise(sigma)
        nxt = rv.sample_step(v, noise, th0, eta, 10_000, rng=k)
        want = abs(
            rv.alignment(v, nxt).mean() - rv.energy_ratio_step(v, noise, th0, eta)
        )
        assert np.isclose(gap, want, rtol=1e-6, atol=0), (
            f"the gap for k = {k} is not that of the prescribed experiment with your "
            f"parameters; got {gap!r}"
        )
