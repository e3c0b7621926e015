from given import eta, frac, grid, noise, np, rv, valley  # SETUP


def has_collapse(valley, noise, eta, scales, steps=3000):
    scales = np.asarray(scales, dtype=float)
    theta0 = scales[:, None] * np.ones(valley.d)
    sweep = rv.expected_trajectory(valley, noise, eta, steps, theta0)
    chi_inf = rv.noise_floor(valley, noise, eta).alignment
    return sweep.alignment.min(axis=1) < frac * chi_inf


collapses = has_collapse(valley, noise, eta, grid)
c_star = float(grid[np.argmax(collapses)])
print(f"a collapse appears from c = {c_star:.3g} on")
