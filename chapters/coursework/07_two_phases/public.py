"""Chapter 7: the student-side checks (``grader.check``), also run by the grader."""

import numpy as np

import rivervalley_lib as rv


def collapse_at_c_star(c_star, grid, valley, noise, eta, frac):
    """c_star is a scale of the grid, and the trajectory from it collapses."""
    assert np.isclose(grid, c_star).any(), (
        f"c_star should be on the grid; got {c_star!r}"
    )
    traj = rv.expected_trajectory(valley, noise, eta, 3000, c_star * np.ones(valley.d))
    low = traj.alignment.min()
    floor = frac * rv.noise_floor(valley, noise, eta).alignment
    assert low < floor, (
        f"from c_star the ratio should dip below frac * chi_inf = {floor:.4f}; its "
        f"minimum is {low:.4f}"
    )
