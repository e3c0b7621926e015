"""Chapter 5: the student-side checks (``grader.check``), also run by the grader."""


def plateau_agrees_with_floor(chi_sim, chi_inf):
    """chi_inf is an alignment and the simulated plateau is within 0.01 of it."""
    assert 0 < chi_inf < 1, f"chi_inf should lie in (0, 1); got {chi_inf!r}"
    assert abs(chi_sim - chi_inf) < 0.01, (
        f"chi_sim should be within 0.01 of chi_inf = {chi_inf:.4f}; got {chi_sim!r}"
    )
