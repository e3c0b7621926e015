"""The graded part of every chapter's computational exercise, for
tools/make_assignments.py.

The conceptual and derivation exercises are taken from the chapters as they are (manual
questions). The computational exercise's text is taken from the chapter too, with its
parameters replaced (``subs``: exact text of the book -> template), followed by the
graded tasks below.

Templates use ``<<name>>`` for a parameter. ``params[name]`` lists the allowed values;
the first one is the book's value (``SEED=0``); a variant picks the others (see
``make_assignments.pick``).

Tests: ``(points, hidden, code)``. Public tests give feedback through ``grader.check``;
hidden tests run the student's own functions on cases the student has not seen, with the
library routines that would answer the question blocked (``BLOCK``), or recompute the
prescribed simulation, so that pasting a library call or a verdict does not earn their
points.
"""

from __future__ import annotations

# Prepended to every hidden test that blocks library routines: inside ``with
# _blocked(...)``, any call to the named functions (in every loaded rivervalley_lib
# module, or "Class.method") raises, so only the student's own computation can pass.
BLOCK = """import contextlib as _cl
import sys as _sys
from unittest import mock as _mock


def _blocked(*names):
    stack = _cl.ExitStack()
    for modname, mod in list(_sys.modules.items()):
        if modname.split(".")[0] != "rivervalley_lib":
            continue
        for name in names:
            owner_name, _, attr = name.rpartition(".")
            owner = getattr(mod, owner_name, None) if owner_name else mod
            if owner is not None and attr in vars(owner):
                err = RuntimeError(f"{name} is not allowed in this exercise")
                stack.enter_context(_mock.patch.object(owner, attr, side_effect=err))
    return stack

"""

IMPORTS = (
    "import numpy as np\nimport sympy as sp\n\nimport rivervalley_lib as rv\n"
    "from rivervalley_lib import symbolic\n"
)

CHAPTERS: dict[str, dict] = {}

CHAPTERS["01_river_valley"] = dict(
    setup=IMPORTS
    + "\nvalley = rv.RiverValley([10.0, 0.5], k=1)  # the chapter's valley\n",
    params=dict(
        sigma=[0.3, 0.2, 0.25, 0.4], eta=[0.05, 0.04, 0.06, 0.03], seed=[11, 5, 23, 42]
    ),
    subs={
        r"$\sigma = 0.3$": r"$\sigma = <<sigma>>$",
        r"$\eta = 0.05$": r"$\eta = <<eta>>$",
    },
    tasks="""\
(a) Write a function `plateau(run, last)` that returns $\\bar D/(\\bar D + \\bar B)$, \
where
$\\bar D$ and $\\bar B$ average `run.D` and `run.B` (arrays of shape `(seeds, steps + \
1)`) over
the last `last` recorded steps and all seeds. *(2 points, hidden tests on traces you \
have not
seen.)*

(b) Run `run = rv.simulate(valley, rv.IsotropicNoise(<<sigma>>), <<eta>>, 2000, [1.0, \
8.0],
seeds=500, rng=<<seed>>)`, set `chi_sim = plateau(run, 500)` and `chi_inf` to the \
plateau of
`rv.noise_floor`. *(1 point public: within 2% of `chi_inf`; 1 point hidden: `chi_sim` \
comes from
that simulation.)*""",
    solution="""\
def plateau(run, last):
    D_bar, B_bar = run.D[:, -last:].mean(), run.B[:, -last:].mean()
    return float(D_bar / (D_bar + B_bar))


run = rv.simulate(valley, rv.IsotropicNoise(<<sigma>>), <<eta>>, 2000, [1.0, 8.0], \
seeds=500, rng=<<seed>>)
chi_sim = plateau(run, 500)
chi_inf = rv.noise_floor(valley, rv.IsotropicNoise(<<sigma>>), <<eta>>).alignment
print(f"simulated plateau {chi_sim:.4f}, chi_inf {chi_inf:.4f}")
""",
    tests=[
        (
            1,
            False,
            """\
# The simulated plateau agrees with the noise floor to within 2%.
assert 0 < chi_sim < 1 and abs(chi_sim - chi_inf) < 0.02 * chi_inf
""",
        ),
        (
            2,
            True,
            """\
# plateau() is the ratio of the averages, on traces the student has not seen.
from types import SimpleNamespace as _NS

_r = np.random.default_rng(2024)
for _shape, _last in (((3, 50), 10), ((7, 200), 37), ((1, 9), 9)):
    _D, _B = _r.exponential(size=_shape), _r.exponential(3.0, size=_shape)
    _want = _D[:, -_last:].mean() / (_D[:, -_last:].mean() + _B[:, -_last:].mean())
    assert abs(plateau(_NS(D=_D, B=_B), _last) - _want) < 1e-12 * _want
""",
        ),
        (
            1,
            True,
            """\
# chi_sim is the plateau of the prescribed simulation, not the closed form.
_run = rv.simulate(valley, rv.IsotropicNoise(<<sigma>>), <<eta>>, 2000, [1.0, 8.0], \
seeds=500, rng=<<seed>>)
_D, _B = _run.D[:, -500:].mean(), _run.B[:, -500:].mean()
assert abs(chi_sim - _D / (_D + _B)) < 1e-9
""",
        ),
    ],
)

CHAPTERS["02_model"] = dict(
    setup=IMPORTS
    + "\nvalley = rv.RiverValley.spread(d=200, k=10, dominant=(20.0, 60.0), "
    "bulk=(0.01, 2.0))\n",
    params=dict(
        level=[0.01, 0.008, 0.005, 0.0065],
        sigma=[0.1, 0.15, 0.08, 0.2],
        seed=[4, 9, 13, 21],
    ),
    subs={
        r"$\theta = (0.01, \dots, 0.01)$": r"$\theta = (<<level>>, \dots, <<level>>)$",
        r"$\sigma = 0.1$": r"$\sigma = <<sigma>>$",
    },
    tasks="""\
(a) Write `ratio_of_expectations(valley, noise, theta)` returning
$\\mathbb E\\lVert P_{\\mathcal D}\\hat g\\rVert^2/\\mathbb E\\lVert\\hat g\\rVert^2$, \
using
`valley.gradient(theta)`, `valley.k` and the noise variances `noise.diagonal(valley, \
theta)`.
*(2 points, hidden tests on other valleys, states and noise models.)*

(b) With `theta = np.full(valley.d, <<level>>)` and `noise = \
rv.IsotropicNoise(<<sigma>>)`, set
`ratio = ratio_of_expectations(valley, noise, theta)`, and `mean_ratio` to the average \
of
`rv.gradient_alignment(valley, g_hat)` over $10^5$ stochastic gradients
`g_hat = rv.sample_gradient(valley, noise, theta, 100_000, rng=<<seed>>)`. *(1 point \
public, 1 point hidden:
`mean_ratio` is the average of those samples.)*""",
    solution="""\
def ratio_of_expectations(valley, noise, theta):
    g = valley.gradient(theta)
    s = noise.diagonal(valley, theta)
    k = valley.k
    return float((g[:k] @ g[:k] + s[:k].sum()) / (g @ g + s.sum()))


theta = np.full(valley.d, <<level>>)
noise = rv.IsotropicNoise(<<sigma>>)
ratio = ratio_of_expectations(valley, noise, theta)
g_hat = rv.sample_gradient(valley, noise, theta, 100_000, rng=<<seed>>)
mean_ratio = float(rv.gradient_alignment(valley, g_hat).mean())
print(f"ratio of expectations {ratio:.5f}, mean of chi(g_hat) {mean_ratio:.5f}")
""",
    tests=[
        (
            1,
            False,
            """\
# Both numbers are alignments, and in this high dimension they are close.
assert 0 < ratio < 1 and 0 < mean_ratio < 1 and abs(ratio - mean_ratio) < 0.01
""",
        ),
        (
            2,
            True,
            """\
# ratio_of_expectations() is the formula, on valleys, states and noise models not seen \
before.
_r = np.random.default_rng(77)
_v = rv.RiverValley.spread(d=40, k=4, dominant=(5.0, 9.0), bulk=(0.05, 1.0))
for _nz in (rv.IsotropicNoise(0.3), rv.CurvatureNoise(0.2), rv.RegressionNoise(8, 0.5)):
    _th = _r.standard_normal(40)
    _g, _s = _v.gradient(_th), _nz.diagonal(_v, _th)
    _want = (_g[:4] @ _g[:4] + _s[:4].sum()) / (_g @ _g + _s.sum())
    assert abs(ratio_of_expectations(_v, _nz, _th) - _want) < 1e-9 * _want
""",
        ),
        (
            1,
            True,
            """\
# mean_ratio is the Monte Carlo average of the prescribed samples (the ratio of \
expectations,
# or anything close to it, does not pass).
_th = np.full(valley.d, <<level>>)
_nz = rv.IsotropicNoise(<<sigma>>)
_draws = _nz.sample(valley, np.broadcast_to(_th, (100_000, valley.d)), \
np.random.default_rng(<<seed>>))
_x = rv.gradient_alignment(valley, valley.gradient(_th) + _draws)
assert abs(mean_ratio - _x.mean()) < 1e-12 and abs(_x.mean() - ratio) > 1e-10
""",
        ),
    ],
)

CHAPTERS["03_one_step_recursion"] = dict(
    setup=IMPORTS,
    params=dict(
        sigma=[0.3, 0.25, 0.35, 0.4],
        eta=[0.1, 0.08, 0.12, 0.09],
        chi0=[0.3, 0.25, 0.4, 0.35],
    ),
    subs={
        r"$\chit = 0.3$": r"$\chit = <<chi0>>$",
        r"$\sigma = 0.3$": r"$\sigma = <<sigma>>$",
        r"$\eta = 0.1$": r"$\eta = <<eta>>$",
    },
    tasks="""\
(a) Write `predicted_alignment(valley, noise, theta, eta)` returning the ratio of \
expectations
$\\bar\\chi_{t+1} = \\mathbb E D_{t+1}/(\\mathbb E D_{t+1} + \\mathbb E B_{t+1})$ from \
the
per-coordinate recursion $\\mathbb E[g_i'^2] = (1-\\eta\\lambda_i)^2g_i^2 + \
\\eta^2\\lambda_i^2s_i$
(`valley.eigenvalues`, `valley.gradient(theta)`, `noise.diagonal(valley, theta)`), \
**without**
`rv.energy_ratio_step` or `rv.expected_next`. *(2 points, hidden tests with \
those blocked.)*

(b) Build the list `gaps` for $k = 1, 4, 16, 64$ (in that order): for each $k$, with
`v = rv.RiverValley.two_level(d=25 * k, k=k, dominant=10.0, bulk=0.2)`,
`th0 = rv.state_with_alignment(v, <<chi0>>, energy=k / 4)` and the $10^4$ sampled steps
`nxt = rv.sample_step(v, rv.IsotropicNoise(<<sigma>>), th0, <<eta>>, 10_000, rng=k)`,
the gap is `abs(rv.alignment(v, nxt).mean() - predicted_alignment(v, \
rv.IsotropicNoise(<<sigma>>), th0, <<eta>>))`.
*(1 point public: it decreases; 1 point hidden: the values.)*""",
    solution="""\
def predicted_alignment(valley, noise, theta, eta):
    lam, g = valley.eigenvalues, valley.gradient(theta)
    s = noise.diagonal(valley, theta)
    nxt = (1 - eta * lam) ** 2 * g**2 + eta**2 * lam**2 * s
    D, B = nxt[: valley.k].sum(), nxt[valley.k :].sum()
    return float(D / (D + B))


gaps = []
for k in (1, 4, 16, 64):
    v = rv.RiverValley.two_level(d=25 * k, k=k, dominant=10.0, bulk=0.2)
    th0 = rv.state_with_alignment(v, <<chi0>>, energy=k / 4)
    nxt = rv.sample_step(v, rv.IsotropicNoise(<<sigma>>), th0, <<eta>>, 10_000, rng=k)
    gaps.append(float(abs(rv.alignment(v, nxt).mean() - predicted_alignment(v, \
rv.IsotropicNoise(<<sigma>>), th0, <<eta>>))))
print("gaps:", np.round(gaps, 5))
""",
    tests=[
        (
            1,
            False,
            """\
# Four gaps that shrink as the blocks grow.
assert len(gaps) == 4 and all(a > b > 0 for a, b in zip(gaps, gaps[1:]))
""",
        ),
        (
            2,
            True,
            BLOCK
            + """\
# predicted_alignment() is the student's recursion: the library's one-step routines \
are blocked.
_r = np.random.default_rng(5)
_cases = []
for _v, _nz in ((rv.RiverValley.spread(d=60, k=3, dominant=(4.0, 9.0), bulk=(0.01, \
0.5)), rv.CurvatureNoise(0.1)),
                (rv.RiverValley.two_level(d=30, k=2, dominant=5.0, bulk=0.3), \
rv.IsotropicNoise(0.2))):
    _th = _r.standard_normal(_v.d)
    for _eta in (0.03, 0.15):
        _cases.append((_v, _nz, _th, _eta, rv.energy_ratio_step(_v, _nz, _th, \
_eta)))
with _blocked("energy_ratio_step", "expected_next"):
    for _v, _nz, _th, _eta, _want in _cases:
        assert abs(predicted_alignment(_v, _nz, _th, _eta) - _want) < 1e-9
""",
        ),
        (
            1,
            True,
            """\
# The gaps are those of the prescribed experiment.
_want = []
for _k in (1, 4, 16, 64):
    _v = rv.RiverValley.two_level(d=25 * _k, k=_k, dominant=10.0, bulk=0.2)
    _t0 = rv.state_with_alignment(_v, <<chi0>>, energy=_k / 4)
    _t = np.broadcast_to(_t0, (10_000, _v.d))
    _n = _t - <<eta>> * (_v.gradient(_t) + rv.IsotropicNoise(<<sigma>>).sample(_v, _t, \
np.random.default_rng(_k)))
    _want.append(abs(rv.alignment(_v, _n).mean() - rv.energy_ratio_step(_v, \
rv.IsotropicNoise(<<sigma>>), _t0, <<eta>>)))
assert np.allclose(gaps, _want, rtol=1e-6, atol=0)
""",
        ),
    ],
)

CHAPTERS["04_critical_step_size"] = dict(
    setup=IMPORTS
    + "\nvalley = rv.RiverValley.two_level(d=400, k=4, dominant=10.0, bulk=0.2)  # the "
    "chapter's valley" + "\nnoise = rv.IsotropicNoise(0.05)\n",
    params=dict(chi=[0.2, 0.15, 0.25, 0.1], energy=[0.05, 0.03, 0.08, 0.02]),
    subs={
        r"$\chit = 0.2$": r"$\chit = <<chi>>$",
        r"$G^2 = 0.05$": r"$G^2 = <<energy>>$",
    },
    tasks="""\
(a) Write `bisect_eta_star(valley, noise, theta, lo, hi, iters=60)`: bisection on the \
sign of
`rv.energy_ratio_step(valley, noise, theta, eta) - rv.alignment(valley, theta)`, \
assuming
the alignment falls at `lo` and rises at `hi`; return the midpoint of the final bracket.
*(2 points, hidden tests on other valleys and states, with `rv.critical_step_size` \
blocked.)*

(b) Set `theta = rv.state_with_alignment(valley, <<chi>>, <<energy>>)` and
`eta_star = bisect_eta_star(valley, noise, theta, 1e-4, 0.3)`. *(1 point public: the \
alignment
changes sign around it; 1 point hidden: six significant digits.)*""",
    solution="""\
def bisect_eta_star(valley, noise, theta, lo, hi, iters=60):
    chi = rv.alignment(valley, theta)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        if rv.energy_ratio_step(valley, noise, theta, mid) > chi:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


theta = rv.state_with_alignment(valley, <<chi>>, <<energy>>)
eta_star = bisect_eta_star(valley, noise, theta, 1e-4, 0.3)
print(f"eta* by bisection: {eta_star:.6f}")
""",
    tests=[
        (
            1,
            False,
            """\
# Just below eta_star the alignment falls, just above it rises.
_chi = rv.alignment(valley, theta)
assert 1e-4 < eta_star < 0.3
assert rv.energy_ratio_step(valley, noise, theta, eta_star * (1 - 1e-3)) < _chi
assert rv.energy_ratio_step(valley, noise, theta, eta_star * (1 + 1e-3)) > _chi
""",
        ),
        (
            2,
            True,
            BLOCK
            + """\
# bisect_eta_star() bisects: new valleys and states, with rv.critical_step_size blocked.
_cases = []
for _v, _nz, _c, _G in ((rv.RiverValley.two_level(d=100, k=2, dominant=8.0, bulk=0.5), \
rv.IsotropicNoise(0.1), 0.1, 0.5),
                        (rv.RiverValley.two_level(d=50, k=5, dominant=4.0, bulk=0.1), \
rv.CurvatureNoise(0.05), 0.3, 0.2),
                        (rv.RiverValley.spread(d=80, k=4, dominant=(6.0, 9.0), \
bulk=(0.05, 0.4)), rv.IsotropicNoise(0.05), 0.2, 0.05)):
    _th = rv.state_with_alignment(_v, _c, _G)
    _cases.append((_v, _nz, _th, rv.critical_step_size(_v, _nz, _th)))
with _blocked("critical_step_size"):
    for _v, _nz, _th, _want in _cases:
        _got = bisect_eta_star(_v, _nz, _th, 1e-4, 0.999 * _v.stability_limit)
        assert abs(_got - _want) < 1e-6 * _want, (_got, _want)
""",
        ),
        (
            1,
            True,
            """\
# eta_star to six significant digits.
_want = rv.critical_step_size(valley, noise, rv.state_with_alignment(valley, <<chi>>, \
<<energy>>))
assert abs(eta_star - _want) < 1e-6 * _want
""",
        ),
    ],
    # A submission that answers with the library instead of bisecting
    # (tests/coursework).
    cheat=(
        "def bisect_eta_star",
        """\
def bisect_eta_star(valley, noise, theta, lo, hi, iters=60):
    return rv.critical_step_size(valley, noise, theta)


theta = rv.state_with_alignment(valley, <<chi>>, <<energy>>)
eta_star = bisect_eta_star(valley, noise, theta, 1e-4, 0.3)
""",
    ),
)

CHAPTERS["05_self_correction"] = dict(
    setup=IMPORTS
    + "\nvalley = rv.RiverValley.two_level(d=400, k=4, dominant=10.0, bulk=0.2)  # the "
    "chapter's valley\n",
    params=dict(
        sigma=[0.05, 0.04, 0.06, 0.08], eta=[0.1, 0.08, 0.12, 0.06], seed=[3, 8, 17, 30]
    ),
    subs={
        r"$\sigma = 0.05$": r"$\sigma = <<sigma>>$",
        r"$\eta = 0.1$": r"$\eta = <<eta>>$",
    },
    tasks="""\
(a) Write `curvature_floor(valley, sigma, eta)` returning the array of per-coordinate \
floors
$u_i^\\infty = \\eta\\lambda_is_i/(2-\\eta\\lambda_i)$ for curvature noise $s_i = \
\\sigma^2\\lambda_i$,
**without** `rv.noise_floor` or the noise models' `stationary_gradient_energy`. *(1 \
point,
hidden tests with those blocked.)*

(b) Set `chi_inf` to the plateau computed from `curvature_floor(valley, <<sigma>>, \
<<eta>>)`.
*(1 point hidden.)*

(c) Run `run = rv.simulate(valley, rv.CurvatureNoise(<<sigma>>), <<eta>>, 4000, \
np.ones(valley.d),
seeds=200, rng=<<seed>>)` and set `chi_sim` to the ratio of the averages of `run.D` \
and `run.B`
over the last 1000 steps and all seeds. *(1 point public: within 0.01 of `chi_inf`; 1 \
point
hidden: it comes from that simulation.)*""",
    solution="""\
def curvature_floor(valley, sigma, eta):
    lam = valley.eigenvalues
    s = sigma**2 * lam
    return eta * lam * s / (2 - eta * lam)


u = curvature_floor(valley, <<sigma>>, <<eta>>)
chi_inf = float(u[: valley.k].sum() / u.sum())
run = rv.simulate(valley, rv.CurvatureNoise(<<sigma>>), <<eta>>, 4000, \
np.ones(valley.d), seeds=200, rng=<<seed>>)
D_bar, B_bar = run.D[:, -1000:].mean(), run.B[:, -1000:].mean()
chi_sim = float(D_bar / (D_bar + B_bar))
print(f"simulated plateau {chi_sim:.4f}, chi_inf {chi_inf:.4f}")
""",
    tests=[
        (
            1,
            False,
            """\
# The simulated plateau agrees with the closed form to within 0.01.
assert 0 < chi_inf < 1 and abs(chi_sim - chi_inf) < 0.01
""",
        ),
        (
            1,
            True,
            BLOCK
            + """\
# curvature_floor() is the student's formula: the library's floors are blocked.
_cases = []
for _v in (rv.RiverValley.spread(d=50, k=5, dominant=(3.0, 6.0), bulk=(0.01, 0.3)), \
rv.RiverValley.two_level(d=20, k=2, dominant=2.0, bulk=0.5)):
    for _s, _e in ((0.1, 0.2), (0.03, 0.05)):
        _cases.append((_v, _s, _e, \
rv.CurvatureNoise(_s).stationary_gradient_energy(_v, _e)))
with _blocked("noise_floor", "CurvatureNoise.stationary_gradient_energy", \
"IsotropicNoise.stationary_gradient_energy", "NoiseModel.stationary_gradient_energy"):
    for _v, _s, _e, _want in _cases:
        assert np.allclose(curvature_floor(_v, _s, _e), _want, rtol=1e-9, atol=0)
""",
        ),
        (
            1,
            True,
            """\
# chi_inf is the plateau of the floors.
assert abs(chi_inf - rv.noise_floor(valley, rv.CurvatureNoise(<<sigma>>), \
<<eta>>).alignment) < 1e-9
""",
        ),
        (
            1,
            True,
            """\
# chi_sim comes from the prescribed simulation, not from the closed form.
_run = rv.simulate(valley, rv.CurvatureNoise(<<sigma>>), <<eta>>, 4000, \
np.ones(valley.d), seeds=200, rng=<<seed>>)
_D, _B = _run.D[:, -1000:].mean(), _run.B[:, -1000:].mean()
assert abs(chi_sim - _D / (_D + _B)) < 1e-9
""",
        ),
    ],
)

CHAPTERS["06_dom_vs_bulk"] = dict(
    setup=IMPORTS
    + """from rivervalley_lib import scenarios

# The chapter's checkpoint: 3000 steps of SGD at eta = 1 from the large initialization.
valley, noise = scenarios.HEADLINE_VALLEY, scenarios.HEADLINE_NOISE
theta0 = np.full(valley.d, scenarios.HEADLINE_INIT)
pre = rv.simulate(valley, noise, 1.0, 3000, theta0, seeds=16, rng=0, record_every=50)
ckpt = pre.final_theta
""",
    params=dict(eta=[1.3, 1.25, 1.35, 1.2], seed=[5, 6, 12, 31]),
    subs={r"of size $1.3$": r"of size $<<eta>>$"},
    tasks="""\
(a) Write `dom_sgd_loss_changes(valley, noise, theta, eta, n, rng)` returning the \
array of `n`
independent one-step loss changes $L(\\theta - \\eta P_{\\mathcal D}\\hat g) - \
L(\\theta)$ of
Dom-SGD from `theta` (use `valley.gradient`, `noise.sample(valley, thetas, rng)`,
`valley.project(step, "dominant")` and `valley.loss`). *(2 points, hidden tests at \
another state
and step size.)*

(b) At `theta = ckpt[0]`, set `changes = dom_sgd_loss_changes(valley, noise, theta, \
<<eta>>, 20_000,
np.random.default_rng(<<seed>>))`, `mean` to their mean and `se` to its standard error.
*(1 point public: Dom-SGD raises the loss here; 1 point hidden: mean and standard \
error.)*""",
    solution="""\
def dom_sgd_loss_changes(valley, noise, theta, eta, n, rng):
    th = np.broadcast_to(theta, (n, valley.d))
    step = valley.gradient(th) + noise.sample(valley, th, rng)
    return valley.loss(th - eta * valley.project(step, "dominant")) - valley.loss(theta)


theta = ckpt[0]
changes = dom_sgd_loss_changes(valley, noise, theta, <<eta>>, 20_000, \
np.random.default_rng(<<seed>>))
mean, se = float(changes.mean()), float(changes.std(ddof=1) / np.sqrt(changes.size))
pred = rv.expected_loss_change(valley, noise, theta, <<eta>>, projection="dominant")
print(f"Monte Carlo {mean:+.3e} +- {se:.1e}, predicted {pred:+.3e}")
""",
    tests=[
        (
            1,
            False,
            """\
# Inside the interval, a Dom-SGD step raises the loss on average.
assert se > 0 and mean > 2 * se
""",
        ),
        (
            2,
            True,
            """\
# dom_sgd_loss_changes() draws real Dom-SGD steps, at a state and step size not seen \
before.
_th = ckpt[1]
_x = np.asarray(dom_sgd_loss_changes(valley, noise, _th, 1.1, 20_000, \
np.random.default_rng(99)))
_want = rv.expected_loss_change(valley, noise, _th, 1.1, projection="dominant")
_se = _x.std(ddof=1) / np.sqrt(_x.size)
assert _x.shape == (20_000,) and _se > 0 and abs(_x.mean() - _want) < 5 * _se
_y = np.asarray(dom_sgd_loss_changes(valley, noise, _th, 0.5, 20_000, \
np.random.default_rng(98)))
assert abs(_y.mean() - rv.expected_loss_change(valley, noise, _th, 0.5, \
projection="dominant")) < 5 * _y.std(ddof=1) / np.sqrt(_y.size)
""",
        ),
        (
            1,
            True,
            """\
# mean and se are a Monte Carlo estimate of the expected change and its standard error.
_pred = rv.expected_loss_change(valley, noise, ckpt[0], <<eta>>, projection="dominant")
_th = np.broadcast_to(ckpt[0], (20_000, valley.d))
_dl = valley.loss(_th - <<eta>> * valley.project(valley.gradient(_th) + \
noise.sample(valley, _th, np.random.default_rng(4321)), "dominant")) - \
valley.loss(ckpt[0])
_se = _dl.std(ddof=1) / np.sqrt(_dl.size)
assert abs(mean - _pred) < 5 * se and 0.7 * _se < se < 1.4 * _se and mean != _pred
""",
        ),
    ],
)

CHAPTERS["07_two_phases"] = dict(
    setup=IMPORTS
    + """from rivervalley_lib import scenarios

valley, noise = scenarios.HEADLINE_VALLEY, scenarios.HEADLINE_NOISE  # the chapter's \
valley
grid = np.geomspace(1e-3, 10, 41)  # initialization scales c
""",
    params=dict(eta=[1.0, 0.8, 1.2, 0.6]),
    subs={r"$\eta = 1$": r"$\eta = <<eta>>$"},
    tasks="""\
(a) Write `has_collapse(valley, noise, eta, scales, steps=3000)` returning a boolean \
array, one
entry per scale $c$: whether the expected alignment from $\\theta_0 = c\\,(1, \\dots, \
1)$
(`rv.expected_trajectory`, all scales in one call) dips below half the plateau \
$\\chi_\\infty$
within `steps` steps. *(2 points, hidden tests on another valley.)*

(b) Set `c_star` to the smallest scale of `grid` with a collapse at $\\eta = <<eta>>$.
*(1 point public, 1 point hidden.)*""",
    solution="""\
def has_collapse(valley, noise, eta, scales, steps=3000):
    scales = np.asarray(scales, dtype=float)
    sweep = rv.expected_trajectory(valley, noise, eta, steps, scales[:, None] * \
np.ones(valley.d))
    chi_inf = rv.noise_floor(valley, noise, eta).alignment
    return sweep.alignment.min(axis=1) < 0.5 * chi_inf


collapses = has_collapse(valley, noise, <<eta>>, grid)
c_star = float(grid[np.argmax(collapses)])
print(f"a collapse appears from c = {c_star:.3g} on")
""",
    tests=[
        (
            1,
            False,
            """\
# c_star is a scale of the grid, with a collapse there and none at the grid point \
below it.
_i = int(np.argmin(np.abs(grid - c_star)))
assert np.isclose(grid[_i], c_star) and _i > 0
assert list(has_collapse(valley, noise, <<eta>>, grid[_i - 1 : _i + 1])) == [False, \
True]
""",
        ),
        (
            2,
            True,
            """\
# has_collapse() on a valley, noise and step size not seen before.
_v = rv.RiverValley.spread(d=200, k=4, dominant=(1.0, 1.3), bulk=(1e-3, 5e-3))
_nz, _e = rv.IsotropicNoise(0.02), 0.9
_sc = np.geomspace(1e-3, 20, 9)
_mf = rv.expected_trajectory(_v, _nz, _e, 3000, _sc[:, None] * np.ones(_v.d))
_want = _mf.alignment.min(axis=1) < 0.5 * rv.noise_floor(_v, _nz, _e).alignment
assert _want.any() and not _want.all()
assert np.array_equal(np.asarray(has_collapse(_v, _nz, _e, _sc), dtype=bool), _want)
""",
        ),
        (
            1,
            True,
            """\
# c_star is the smallest scale of the grid with a collapse.
_mf = rv.expected_trajectory(valley, noise, <<eta>>, 3000, grid[:, None] * \
np.ones(valley.d))
_d = _mf.alignment.min(axis=1) < 0.5 * rv.noise_floor(valley, noise, <<eta>>).alignment
assert np.isclose(c_star, grid[np.argmax(_d)])
""",
        ),
    ],
)

CHAPTERS["08_neural_network"] = dict(
    setup="""import numpy as np
import sympy as sp

from rivervalley_lib.diagnostics import measure_alignment
from rivervalley_lib.network import MLP, gaussian_mixture, top_eigenspace, train

# The chapter's network, trained with SGD for 1500 steps.
k = 4
X, Y = gaussian_mixture(n=400, k=k, dim=10, separation=3.0, spread=0.5, rng=0)
X = X + 5.0 * np.ones(10) / np.sqrt(10)
net = MLP([10, 16, k])
th = train(net, net.init(rng=1), X, Y, eta=0.05, steps=1500, batch_size=16, k=k, \
record_every=1500, rng=np.random.default_rng(2)).theta
""",
    params=dict(batch=[16, 8, 32, 24], seed=[7, 3, 11, 19]),
    subs={"(batch 16)": "(batch <<batch>>)"},
    tasks="""\
(a) Write `alignment_with(U, g)` returning $\\lVert U^\\top g\\rVert^2/\\lVert \
g\\rVert^2$ for a
matrix `U` with orthonormal columns. *(1 point hidden.)*

(b) With `vals, U = top_eigenspace(lambda v: net.hvp(th, v, X, Y), net.n_params, k)`, \
set
`full = alignment_with(U, net.gradient(th, X, Y))`. *(1 point hidden.)*

(c) With `rng = np.random.default_rng(<<seed>>)`, build the list `mini` of 200 \
alignments of
minibatch gradients `net.gradient(th, X[idx], Y[idx])`, each with
`idx = rng.choice(400, <<batch>>, replace=False)`. *(1 point public, \
1 point hidden.)*""",
    solution="""\
def alignment_with(U, g):
    c = U.T @ g
    return float(c @ c / (g @ g))


vals, U = top_eigenspace(lambda v: net.hvp(th, v, X, Y), net.n_params, k)
full = alignment_with(U, net.gradient(th, X, Y))
rng = np.random.default_rng(<<seed>>)
mini = []
for _ in range(200):
    idx = rng.choice(400, <<batch>>, replace=False)
    mini.append(alignment_with(U, net.gradient(th, X[idx], Y[idx])))
print(f"full-batch alignment {full:.3f}; mean minibatch alignment {np.mean(mini):.3f}")
""",
    tests=[
        (
            1,
            False,
            """\
# 200 alignments, each between 0 and 1.
assert len(mini) == 200 and all(0 <= m <= 1 for m in mini)
""",
        ),
        (
            1,
            True,
            """\
# alignment_with() on random subspaces and vectors.
_r = np.random.default_rng(8)
for _d, _kk in ((10, 3), (50, 7)):
    _U = np.linalg.qr(_r.standard_normal((_d, _kk)))[0]
    _g = _r.standard_normal(_d)
    assert abs(alignment_with(_U, _g) - (_U.T @ _g) @ (_U.T @ _g) / (_g @ _g)) < 1e-12
""",
        ),
        (
            1,
            True,
            """\
# full is the full-batch alignment at the end of training.
_rep = measure_alignment(net.gradient(th, X, Y), lambda v: net.hvp(th, v, X, Y), k)
assert abs(full - _rep.alignment) < 1e-4 * _rep.alignment
""",
        ),
        (
            1,
            True,
            """\
# mini follows the prescribed minibatches.
_vals, _U = top_eigenspace(lambda v: net.hvp(th, v, X, Y), net.n_params, k)
_r = np.random.default_rng(<<seed>>)
_want = []
for _ in range(200):
    _i = _r.choice(400, <<batch>>, replace=False)
    _g = net.gradient(th, X[_i], Y[_i])
    _want.append((_U.T @ _g) @ (_U.T @ _g) / (_g @ _g))
assert np.allclose(mini, _want, rtol=1e-4, atol=1e-8)
""",
        ),
    ],
)

CHAPTERS["09_in_practice"] = dict(
    setup="""import numpy as np
import sympy as sp

import rivervalley_lib as rv
from rivervalley_lib.diagnostics import measure_alignment
from rivervalley_lib.network import gaussian_mixture

# The chapter's Gaussian-mixture inputs.
X, Y = gaussian_mixture(n=400, k=4, dim=10, separation=3.0, spread=0.5, rng=0)
X = X + 5.0 * np.ones(10) / np.sqrt(10)
""",
    params=dict(column=[0, 1, 2, 3], wscale=[0.0, 0.1, -0.2, 0.3]),
    subs={
        "with $y$ the first column of the\none-hot labels": "with $y$ column "
        "<<column>> (counting from 0) of the\none-hot labels"
    },
    tasks="""\
(a) Write `river_valley_of(X, y, w, k)` returning `(valley, theta)`: the river valley
`rv.RiverValley(eigenvalues, k=k)` of $L(w) = \\frac1{2n}\\lVert Xw - y\\rVert^2$ \
(eigenvalues of
$H = X^\\top X/n$ in decreasing order) and the state $\\theta = Q^\\top(w - w^\\star)$.
*(2 points, hidden tests on other least-squares problems.)*

(b) With `y = Y[:, <<column>>]` and `w = np.full(10, <<wscale>>)`, set
`rep = measure_alignment(grad_ls(w), hvp_ls, k=2)` (`grad_ls(w)` the gradient of $L$ and
`hvp_ls(v)` its Hessian-vector product) and `eta_star_lib = \
rv.critical_step_size(valley, rv.IsotropicNoise(0.0), theta)` from your
`river_valley_of(X, y, w, 2)`. *(1 point public: the tool's eigenvalues; 1 point hidden:
`eta_star_lib`.)*""",
    solution="""\
def river_valley_of(X, y, w, k):
    n = X.shape[0]
    H = X.T @ X / n
    w_star = np.linalg.solve(H, X.T @ y / n)
    lam, Q = np.linalg.eigh(H)
    lam, Q = lam[::-1], Q[:, ::-1]
    return rv.RiverValley(lam, k=k), Q.T @ (w - w_star)


y = Y[:, <<column>>]
w = np.full(10, <<wscale>>)
grad_ls = lambda v: X.T @ (X @ v - y) / X.shape[0]  # noqa: E731
hvp_ls = lambda u: X.T @ (X @ u) / X.shape[0]  # noqa: E731
rep = measure_alignment(grad_ls(w), hvp_ls, k=2)
valley, theta = river_valley_of(X, y, w, 2)
eta_star_lib = rv.critical_step_size(valley, rv.IsotropicNoise(0.0), theta)
print(f"eta*: tool {rep.eta_star:.6f}, library on the river valley {eta_star_lib:.6f}")
""",
    tests=[
        (
            1,
            False,
            """\
# The tool's top eigenvalues are those of X^T X / n.
assert np.allclose(rep.eigenvalues, np.linalg.eigvalsh(X.T @ X / X.shape[0])[::-1][:2])
""",
        ),
        (
            2,
            True,
            """\
# river_valley_of() on least-squares problems not seen before: same spectrum, same eta*.
_r = np.random.default_rng(31)
for _n, _p, _k in ((60, 6, 1), (90, 8, 3)):
    _X = _r.standard_normal((_n, _p)) * np.linspace(3, 0.3, _p) + 1.0
    _y, _w = _r.standard_normal(_n), _r.standard_normal(_p)
    _v, _t = river_valley_of(_X, _y, _w, _k)
    assert np.allclose(_v.eigenvalues, np.linalg.eigvalsh(_X.T @ _X / _n)[::-1])
    _rep = measure_alignment(_X.T @ (_X @ _w - _y) / _n, lambda z: _X.T @ (_X @ z) / \
_n, k=_k)
    _got = rv.critical_step_size(_v, rv.IsotropicNoise(0.0), _t)
    assert abs(_got - _rep.eta_star) < 1e-6 * abs(_rep.eta_star)
    assert abs(rv.alignment(_v, _t) - _rep.alignment) < 1e-6
""",
        ),
        (
            1,
            True,
            """\
# eta_star_lib is eta* of this problem.
_y, _w = Y[:, <<column>>], np.full(10, <<wscale>>)
_rep = measure_alignment(X.T @ (X @ _w - _y) / X.shape[0], lambda z: X.T @ (X @ z) / \
X.shape[0], k=2)
assert abs(eta_star_lib - _rep.eta_star) < 1e-6 * abs(_rep.eta_star)
""",
        ),
    ],
)
