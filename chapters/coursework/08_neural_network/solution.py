from given import X, Y, batch, block, k, net, np, seed, th, top_eigenspace  # SETUP


def alignment_with(U, g):
    c = U.T @ g
    return float(c @ c / (g @ g))


def share(U, g):
    chi = alignment_with(U, g)
    return chi if block == "dominant" else 1 - chi


vals, U = top_eigenspace(lambda v: net.hvp(th, v, X, Y), net.n_params, k)
full = share(U, net.gradient(th, X, Y))
rng = np.random.default_rng(seed)
mini = []
for _ in range(200):
    idx = rng.choice(400, batch, replace=False)
    mini.append(share(U, net.gradient(th, X[idx], Y[idx])))
print(f"{block} share: full batch {full:.3f}, minibatches {np.mean(mini):.3f} (mean)")
