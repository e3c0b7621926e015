"""Submissions that try to game the grader: one code cell each, added to the untouched
student notebook (tests/coursework/test_gaming.py grades them).

Every route of issue #22 is here: patching otter's test runner, shadowing builtins and
patching numpy with constant answers, the library routes around each exercise
(an alias captured before any block, a private helper, an inherited method, the book's
``rv.sample_step``, a closed form with jitter in place of a Monte Carlo), and the book's
published code with the variant's values typed in. Each cell also sets the answer
values by the same route, so that nothing in it is honest work.
"""

from __future__ import annotations

#: Patch otter so that every check and every test passes (otter ran the tests in the
#: student's kernel, so this gave full marks), then answer with constants.
OTTER = """\
import otter

try:
    import otter.test_files.abstract_test as _at

    _at.TestFile.all_tests_passed = property(lambda self: True)
    _at.TestFile.grade = property(lambda self: 1.0)
except ImportError:  # where otter is a stub, patch what there is
    pass
otter.Notebook.check = lambda self, *a, **k: None
otter.Notebook.check_all = lambda self, *a, **k: None
"""

#: Shadow builtins and make numpy's comparisons always true, then answer with constants.
PATCH = """\
import builtins

import numpy as np

abs = lambda x: 0.0  # noqa: E731
builtins.abs = lambda x: 0.0
builtins.all = lambda x: True
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
"""

#: Constant answers and functions that return them: the worst case passes the
#: student-side check where a constant can.
CONSTANTS = {
    "01_river_valley": """\
def plateau(run, last):
    return 0.9


chi_inf = rv.noise_floor(valley, rv.IsotropicNoise(sigma), eta).alignment
chi_sim = chi_inf
""",
    "02_model": """\
def ratio_of_expectations(valley, noise, theta):
    return 0.5


ratio, mean_ratio = 0.5, 0.501
""",
    "03_one_step_recursion": """\
def predicted_alignment(valley, noise, theta, eta):
    return 0.5


gaps = [0.04, 0.01, 0.0025, 0.0006]
""",
    "04_critical_step_size": """\
def bisect_eta_star(valley, noise, theta, lo, hi, iters=60):
    return 0.1


eta_star = 0.1
""",
    "05_self_correction": """\
def noise_floors(valley, sigma, eta):
    return np.ones(valley.d)


chi_inf = chi_sim = 0.9
""",
    "06_dom_vs_bulk": """\
def dom_sgd_loss_changes(valley, noise, theta, eta, n, rng):
    return np.full(n, 1e-6)


mean, se = 1e-6, 1e-8
""",
    "07_two_phases": """\
def has_collapse(valley, noise, eta, scales, steps=3000):
    return np.ones(len(scales), dtype=bool)


c_star = float(grid[-1])
""",
    "08_neural_network": """\
def alignment_with(U, g):
    return 0.9


full = 0.9
mini = [0.9] * 200
""",
    "09_in_practice": """\
def river_valley_of(X, y, w, k):
    return rv.RiverValley(np.linspace(2, 1, 10), k=k), np.ones(10)


eta_star_tool = eta_star_lib = 0.5
""",
}

#: The library routes around an exercise, with the values they give.
LIBRARY = {
    ("03_one_step_recursion", "alias captured before any block"): """\
_en = rv.expected_next


def predicted_alignment(valley, noise, theta, eta):
    e = _en(valley, noise, theta, eta)
    return float(e.D / (e.D + e.B))


gaps = []
for k in (1, 4, 16, 64):
    v = rv.RiverValley.two_level(d=25 * k, k=k, dominant=10.0, bulk=0.2)
    th0 = rv.state_with_alignment(v, chi0, energy=k / 4)
    nxt = rv.sample_step(v, rv.IsotropicNoise(sigma), th0, eta, 10_000, rng=k)
    pred = rv.energy_ratio_step(v, rv.IsotropicNoise(sigma), th0, eta)
    gaps.append(float(abs(rv.alignment(v, nxt).mean() - pred)))
""",
    ("03_one_step_recursion", "one step of rv.expected_trajectory"): """\
def predicted_alignment(valley, noise, theta, eta):
    return float(rv.expected_trajectory(valley, noise, eta, 1, theta).alignment[-1])


gaps = []
for k in (1, 4, 16, 64):
    v = rv.RiverValley.two_level(d=25 * k, k=k, dominant=10.0, bulk=0.2)
    th0 = rv.state_with_alignment(v, chi0, energy=k / 4)
    nxt = rv.sample_step(v, rv.IsotropicNoise(sigma), th0, eta, 10_000, rng=k)
    pred = predicted_alignment(v, rv.IsotropicNoise(sigma), th0, eta)
    gaps.append(float(abs(rv.alignment(v, nxt).mean() - pred)))
""",
    ("04_critical_step_size", "alias of rv.critical_step_size at top level"): """\
_css = rv.critical_step_size


def bisect_eta_star(valley, noise, theta, lo, hi, iters=60):
    return _css(valley, noise, theta)


theta = rv.state_with_alignment(valley, chi, energy)
eta_star = bisect_eta_star(valley, noise, theta, 1e-4, 0.3)
""",
    ("04_critical_step_size", "the private eta_star_from_moments"): """\
from rivervalley_lib.theory._moments import block_moments
from rivervalley_lib.theory._one_step import eta_star_from_moments


def bisect_eta_star(valley, noise, theta, lo, hi, iters=60):
    return eta_star_from_moments(block_moments(valley, noise, theta))


theta = rv.state_with_alignment(valley, chi, energy)
eta_star = bisect_eta_star(valley, noise, theta, 1e-4, 0.3)
""",
    ("05_self_correction", "the inherited stationary_gradient_energy"): """\
def noise_floors(valley, sigma, eta):
    return noise.stationary_gradient_energy(valley, eta)


u = noise_floors(valley, sigma, eta)
chi_inf = float(u[: valley.k].sum() / u.sum())
chi_sim = chi_inf
""",
    ("06_dom_vs_bulk", "the book's rv.sample_step(projection='dominant')"): """\
def dom_sgd_loss_changes(valley, noise, theta, eta, n, rng):
    nxt = rv.sample_step(valley, noise, theta, eta, n, projection="dominant", rng=rng)
    return valley.loss(nxt) - valley.loss(theta)


changes = dom_sgd_loss_changes(
    valley, noise, ckpt[checkpoint], eta, 20_000, np.random.default_rng(seed)
)
mean, se = float(changes.mean()), float(changes.std(ddof=1) / np.sqrt(changes.size))
""",
    ("06_dom_vs_bulk", "a closed form with jitter instead of the Monte Carlo"): """\
def dom_sgd_loss_changes(valley, noise, theta, eta, n, rng):
    pred = rv.expected_loss_change(valley, noise, theta, eta, projection="dominant")
    return pred + 0.05 * abs(pred) * rng.standard_normal(n)


changes = dom_sgd_loss_changes(
    valley, noise, ckpt[checkpoint], eta, 20_000, np.random.default_rng(seed)
)
mean, se = float(changes.mean()), float(changes.std(ddof=1) / np.sqrt(changes.size))
""",
}


#: The book's published solution of each chapter's computational exercise (its
#: ``{solution}`` dropdown), with the variant's values typed in (the setup cell's names
#: in place of the book's numbers) and put into the functions the tasks ask for where
#: the book's code holds that computation. It is the honest answer for the book's own
#: case (the ``book`` build); a variant asks for another case (parameters.toml), which
#: this code does not compute.
BOOK = {
    "01_river_valley": """\
def plateau(run, last):
    D_bar, B_bar = run.D[:, -last:].mean(), run.B[:, -last:].mean()
    return D_bar / (D_bar + B_bar)


run = rv.simulate(
    valley, rv.IsotropicNoise(sigma), eta, 2000, [1.0, 8.0], seeds=500, rng=seed
)
chi_sim = plateau(run, last)
chi_inf = rv.noise_floor(valley, rv.IsotropicNoise(sigma), eta).alignment
""",
    "02_model": """\
def ratio_of_expectations(valley, noise, theta):
    g = valley.gradient(theta)
    s = noise.diagonal(valley, theta)
    return (np.sum(g[: valley.k] ** 2) + s[: valley.k].sum()) / (np.sum(g**2) + s.sum())


theta = np.full(valley.d, level)
noise = rv.IsotropicNoise(sigma)
ratio = ratio_of_expectations(valley, noise, theta)
draws = rv.sample_gradient(valley, noise, theta, 100_000, rng=seed)
mean_ratio = rv.gradient_alignment(valley, draws).mean()
""",
    "03_one_step_recursion": """\
def predicted_alignment(valley, noise, theta, eta):
    return rv.energy_ratio_step(valley, noise, theta, eta)


gaps = []
for k_ in (1, 4, 16, 64):
    v = rv.RiverValley.two_level(d=25 * k_, k=k_, dominant=10.0, bulk=0.2)
    th0 = rv.state_with_alignment(v, chi0, energy=k_ / 4)
    nxt = rv.sample_step(v, rv.IsotropicNoise(sigma), th0, eta, 10_000, rng=k_)
    predicted = rv.energy_ratio_step(v, rv.IsotropicNoise(sigma), th0, eta)
    gaps.append(abs(rv.alignment(v, nxt).mean() - predicted))
""",
    "04_critical_step_size": """\
def bisect_eta_star(valley, noise, theta, lo, hi, iters=60):
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if rv.energy_ratio_step(valley, noise, theta, mid) > chi:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


theta = rv.state_with_alignment(valley, chi, energy)
eta_star = bisect_eta_star(valley, noise, theta, 1e-4, 0.3)
""",
    "05_self_correction": """\
def noise_floors(valley, sigma, eta):
    lam = valley.eigenvalues
    return eta * lam * (sigma**2 * lam) / (2 - eta * lam)


u = noise_floors(valley, sigma, eta)
run = rv.simulate(
    valley, rv.CurvatureNoise(sigma), eta, 4000, np.ones(valley.d), seeds=200, rng=seed
)
D_bar, B_bar = run.D[:, -1000:].mean(), run.B[:, -1000:].mean()
chi_sim = D_bar / (D_bar + B_bar)
chi_inf = rv.noise_floor(valley, rv.CurvatureNoise(sigma), eta).alignment
""",
    "06_dom_vs_bulk": """\
def dom_sgd_loss_changes(valley, noise, theta, eta, n, rng):
    nxt = rv.sample_step(valley, noise, theta, eta, n, projection="dominant", rng=rng)
    return valley.loss(nxt) - valley.loss(theta)


theta = ckpt[checkpoint]
nxt = rv.sample_step(valley, noise, theta, eta, 20_000, projection="dominant", rng=seed)
dL = valley.loss(nxt) - valley.loss(theta)
mean, se = dL.mean(), dL.std(ddof=1) / np.sqrt(dL.size)
""",
    "07_two_phases": """\
def has_collapse(valley, noise, eta, scales, steps=3000):
    theta0 = np.asarray(scales)[:, None] * np.ones(valley.d)
    sweep = rv.expected_trajectory(valley, noise, eta, steps, theta0)
    chi_inf = rv.noise_floor(valley, noise, eta).alignment
    return sweep.alignment.min(axis=1) < frac * chi_inf


has_phase1 = has_collapse(valley, noise, eta, grid)
c_star = grid[np.argmax(has_phase1)]
""",
    "08_neural_network": """\
def alignment_with(U, g):
    return float((U.T @ g) @ (U.T @ g) / (g @ g))


vals, U = top_eigenspace(net.hvp_fn(th, X, Y), net.n_params, k)
g = net.gradient(th, X, Y)
full = alignment_with(U, g)
rng = np.random.default_rng(seed)
mini = []
for _ in range(200):
    idx = rng.choice(400, batch, replace=False)
    gb = net.gradient(th, X[idx], Y[idx])
    mini.append(alignment_with(U, gb))
""",
    "09_in_practice": """\
def river_valley_of(X, y, w, k):
    Hls = X.T @ X / X.shape[0]
    w_star = np.linalg.solve(Hls, X.T @ y / X.shape[0])
    lam, Q = np.linalg.eigh(Hls)
    lam, Q = lam[::-1], Q[:, ::-1]
    return rv.RiverValley(lam, k=k), Q.T @ (w - w_star)


y = Y[:, column]
grad_ls = lambda w: X.T @ (X @ w - y) / X.shape[0]  # noqa: E731
hvp_ls = lambda v: X.T @ (X @ v) / X.shape[0]  # noqa: E731
w = np.full(10, wscale)
eta_star_tool = measure_alignment(grad_ls(w), hvp_ls, k=2).eta_star
valley_ls, theta = river_valley_of(X, y, w, 2)
eta_star_lib = rv.critical_step_size(valley_ls, rv.IsotropicNoise(0.0), theta)
""",
}

#: Chapters where the book's code does not earn full marks even on the book's own build:
#: it calls a library routine the question blocks (3, 6), or compares with the literal
#: alignment of the book's state instead of the state's own (4: wrong on unseen states).
BOOK_NOT_FULL = {"03_one_step_recursion", "04_critical_step_size", "06_dom_vs_bulk"}
