"""Chapter 4: the student-side checks (``grader.check``), also run by the grader."""

import rivervalley_lib as rv


def sign_change_around(eta_star, valley, noise, chi, energy):
    """Just below eta_star the alignment falls, just above it rises."""
    theta = rv.state_with_alignment(valley, chi, energy)
    now = rv.alignment(valley, theta)
    assert 1e-4 < eta_star < 0.3, (
        f"eta_star should lie in (1e-4, 0.3); got {eta_star!r}"
    )
    below = rv.energy_ratio_step(valley, noise, theta, eta_star * (1 - 1e-3))
    above = rv.energy_ratio_step(valley, noise, theta, eta_star * (1 + 1e-3))
    assert below < now < above, (
        f"at 0.999 eta_star the predicted alignment should fall below chi = {now:.6f} "
        f"and at 1.001 eta_star rise above it; got {below:.6f} and {above:.6f}"
    )
