from given import X, Y, column, measure_alignment, np, ridge, rv, wscale  # SETUP


def river_valley_of(X, y, w, k):
    n = X.shape[0]
    H = X.T @ X / n + ridge * np.eye(X.shape[1])
    w_star = np.linalg.solve(H, X.T @ y / n)
    lam, Q = np.linalg.eigh(H)
    lam, Q = lam[::-1], Q[:, ::-1]
    return rv.RiverValley(lam, k=k), Q.T @ (w - w_star)


def grad_ls(v):
    return X.T @ (X @ v - y) / X.shape[0] + ridge * v


def hvp_ls(u):
    return X.T @ (X @ u) / X.shape[0] + ridge * u


y = Y[:, column]
w = np.full(10, wscale)
eta_star_tool = measure_alignment(grad_ls(w), hvp_ls, k=2).eta_star
valley, theta = river_valley_of(X, y, w, 2)
eta_star_lib = rv.critical_step_size(valley, rv.IsotropicNoise(0.0), theta)
print(f"eta*: tool {eta_star_tool:.6f}, library on the river valley {eta_star_lib:.6f}")
