from given import eta, noise, noise_model, np, rv, seed, sigma, valley  # SETUP


def noise_floors(valley, sigma, eta):
    lam = valley.eigenvalues
    s = sigma**2 * (lam if noise_model == "curvature" else np.ones_like(lam))
    return eta * lam * s / (2 - eta * lam)


u = noise_floors(valley, sigma, eta)
chi_inf = float(u[: valley.k].sum() / u.sum())
run = rv.simulate(valley, noise, eta, 4000, np.ones(valley.d), seeds=200, rng=seed)
D_bar, B_bar = run.D[:, -1000:].mean(), run.B[:, -1000:].mean()
chi_sim = float(D_bar / (D_bar + B_bar))
print(f"simulated plateau {chi_sim:.4f}, chi_inf {chi_inf:.4f}")
