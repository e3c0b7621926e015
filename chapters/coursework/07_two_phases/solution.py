from given import eta, frac, grid, init, noise, np, rv, valley  # SETUP


def direction(valley):
    if init == "ones":
        return np.ones(valley.d)
    u = 1 / np.sqrt(valley.eigenvalues)
    return u * np.sqrt(valley.d) / np.linalg.norm(u)


def has_collapse(valley, noise, eta, scales, steps=3000):
    scales = np.asarray(scales, dtype=float)
    theta0 = scales[:, None] * direction(valley)
    sweep = rv.expected_trajectory(valley, noise, eta, steps, theta0)
    chi_inf = rv.noise_floor(valley, noise, eta).alignment
    return sweep.alignment.min(axis=1) < frac * chi_inf


collapses = has_collapse(valley, noise, eta, grid)
c_star = float(grid[np.argmax(collapses)])
print(f"a collapse appears from c = {c_star:.3g} on")
