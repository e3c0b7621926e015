from given import level, np, rv, seed, sigma, valley  # SETUP


def ratio_of_expectations(valley, noise, theta):
    g = valley.gradient(theta)
    s = noise.diagonal(valley, theta)
    k = valley.k
    return float((g[:k] @ g[:k] + s[:k].sum()) / (g @ g + s.sum()))


theta = np.full(valley.d, level)
noise = rv.IsotropicNoise(sigma)
ratio = ratio_of_expectations(valley, noise, theta)
g_hat = rv.sample_gradient(valley, noise, theta, 100_000, rng=seed)
mean_ratio = float(rv.gradient_alignment(valley, g_hat).mean())
print(f"ratio of expectations {ratio:.5f}, mean of chi(g_hat) {mean_ratio:.5f}")
