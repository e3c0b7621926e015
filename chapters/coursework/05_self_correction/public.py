"""Chapter 5: the student-side checks (``grader.check``), also run by the grader."""

import rivervalley_lib as rv


def plateau_agrees_with_floor(chi_sim, chi_inf, valley, noise, eta):
    """chi_inf is the plateau of your noise and parameters, and the simulated plateau
    chi_sim is within 0.01 of it."""
    want = rv.noise_floor(valley, noise, eta).alignment
    assert abs(chi_inf - want) < 1e-9, (
        f"chi_inf should be the plateau of the floors of your noise and parameters; "
        f"got {chi_inf!r}"
    )
    assert abs(chi_sim - chi_inf) < 0.01, (
        f"chi_sim should be within 0.01 of chi_inf = {chi_inf:.4f}; got {chi_sim!r}"
    )
