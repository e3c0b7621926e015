from given import chi, energy, midpoint, noise, np, rv, valley  # SETUP


def split(lo, hi):
    return 0.5 * (lo + hi) if midpoint == "arithmetic" else float(np.sqrt(lo * hi))


def bisect_eta_star(valley, noise, theta, lo, hi, iters=60):
    chi = rv.alignment(valley, theta)
    for _ in range(iters):
        mid = split(lo, hi)
        if rv.energy_ratio_step(valley, noise, theta, mid) > chi:
            hi = mid
        else:
            lo = mid
    return split(lo, hi)


theta = rv.state_with_alignment(valley, chi, energy)
eta_star = bisect_eta_star(valley, noise, theta, 1e-4, 0.3)
print(f"eta* by bisection: {eta_star:.6f}")
