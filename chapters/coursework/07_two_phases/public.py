"""Chapter 7: the student-side checks (``grader.check``), also run by the grader."""

import numpy as np

import rivervalley_lib as rv


def collapse_at_c_star(c_star, grid, valley, noise, eta, frac, init):
    """c_star is a scale of the grid: the trajectory from it collapses, the one from
    the grid point below does not."""
    near = np.flatnonzero(np.isclose(grid, c_star))
    assert near.size == 1 and near[0] > 0, (
        f"c_star should be a grid scale above the first; got {c_star!r}"
    )
    scales = grid[near[0] - 1 : near[0] + 1]
    u = np.ones(valley.d)
    if init == "equal-loss":
        u = 1 / np.sqrt(valley.eigenvalues)
        u *= np.sqrt(valley.d) / np.linalg.norm(u)
    theta0 = scales[:, None] * u
    low = rv.expected_trajectory(valley, noise, eta, 3000, theta0).alignment.min(axis=1)
    floor = frac * rv.noise_floor(valley, noise, eta).alignment
    assert low[1] < floor, (
        f"from c_star the ratio should dip below frac * chi_inf = {floor:.4f}; its "
        f"minimum is {low[1]:.4f}"
    )
    assert low[0] >= floor, "the grid scale below c_star already has a collapse"
