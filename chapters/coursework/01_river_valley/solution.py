from given import eta, last, noise, rv, seed, valley  # SETUP


def plateau(run, last):
    D_bar, B_bar = run.D[:, -last:].mean(), run.B[:, -last:].mean()
    return float(D_bar / (D_bar + B_bar))


run = rv.simulate(valley, noise, eta, 2000, [1.0, 8.0], seeds=500, rng=seed)
chi_sim = plateau(run, last)
chi_inf = rv.noise_floor(valley, noise, eta).alignment
print(f"simulated plateau {chi_sim:.4f}, chi_inf {chi_inf:.4f}")
