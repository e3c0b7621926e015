from given import block, level, np, rv, seed, sigma, valley  # SETUP


def ratio_of_expectations(valley, noise, theta):
    g = valley.gradient(theta)
    s = noise.diagonal(valley, theta)
    part = slice(None, valley.k) if block == "dominant" else slice(valley.k, None)
    return float((g[part] @ g[part] + s[part].sum()) / (g @ g + s.sum()))


theta = np.full(valley.d, level)
noise = rv.IsotropicNoise(sigma)
ratio = ratio_of_expectations(valley, noise, theta)
g_hat = rv.sample_gradient(valley, noise, theta, 100_000, rng=seed)
chi = rv.gradient_alignment(valley, g_hat)
mean_ratio = float((chi if block == "dominant" else 1 - chi).mean())
print(f"ratio of expectations {ratio:.5f}, mean of chi(g_hat) {mean_ratio:.5f}")
