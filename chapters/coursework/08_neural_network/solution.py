from given import X, Y, batch, k, net, np, seed, th, top_eigenspace  # SETUP


def alignment_with(U, g):
    c = U.T @ g
    return float(c @ c / (g @ g))


vals, U = top_eigenspace(lambda v: net.hvp(th, v, X, Y), net.n_params, k)
full = alignment_with(U, net.gradient(th, X, Y))
rng = np.random.default_rng(seed)
mini = []
for _ in range(200):
    idx = rng.choice(400, batch, replace=False)
    mini.append(alignment_with(U, net.gradient(th, X[idx], Y[idx])))
print(f"full-batch alignment {full:.3f}; mean minibatch alignment {np.mean(mini):.3f}")
