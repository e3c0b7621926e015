from given import chi0, eta, np, rv, sigma  # SETUP


def predicted_alignment(valley, noise, theta, eta):
    lam, g = valley.eigenvalues, valley.gradient(theta)
    s = noise.diagonal(valley, theta)
    nxt = (1 - eta * lam) ** 2 * g**2 + eta**2 * lam**2 * s
    D, B = nxt[: valley.k].sum(), nxt[valley.k :].sum()
    return float(D / (D + B))


gaps = []
for k in (1, 4, 16, 64):
    v = rv.RiverValley.two_level(d=25 * k, k=k, dominant=10.0, bulk=0.2)
    th0 = rv.state_with_alignment(v, chi0, energy=k / 4)
    noise = rv.IsotropicNoise(sigma)
    nxt = rv.sample_step(v, noise, th0, eta, 10_000, rng=k)
    pred = predicted_alignment(v, noise, th0, eta)
    gaps.append(float(abs(rv.alignment(v, nxt).mean() - pred)))
print("gaps:", np.round(gaps, 5))
