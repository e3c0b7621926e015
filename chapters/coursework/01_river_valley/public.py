"""Chapter 1: the student-side checks (``grader.check``), also run by the grader."""

import rivervalley_lib as rv


def plateau_near_noise_floor(chi_sim, chi_inf, valley, noise, eta):
    """chi_inf is the noise floor's plateau, and chi_sim is within 2% of it."""
    want = rv.noise_floor(valley, noise, eta).alignment
    assert abs(chi_inf - want) < 1e-9 * want, (
        f"chi_inf should be rv.noise_floor(...).alignment for your noise and "
        f"parameters; "
        f"got {chi_inf!r}"
    )
    assert 0 < chi_sim < 1 and abs(chi_sim - chi_inf) < 0.02 * chi_inf, (
        f"chi_sim should be within 2% of chi_inf = {chi_inf:.4f}; got {chi_sim!r}"
    )
