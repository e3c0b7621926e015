from given import checkpoint, ckpt, eta, noise, np, rv, seed, valley  # SETUP


def dom_sgd_loss_changes(valley, noise, theta, eta, n, rng):
    th = np.broadcast_to(theta, (n, valley.d))
    step = valley.gradient(th) + noise.sample(valley, th, rng)
    return valley.loss(th - eta * valley.project(step, "dominant")) - valley.loss(theta)


theta = ckpt[checkpoint]
changes = dom_sgd_loss_changes(
    valley, noise, theta, eta, 20_000, np.random.default_rng(seed)
)
mean, se = float(changes.mean()), float(changes.std(ddof=1) / np.sqrt(changes.size))
pred = rv.expected_loss_change(valley, noise, theta, eta, projection="dominant")
print(f"Monte Carlo {mean:+.3e} +- {se:.1e}, predicted {pred:+.3e}")
