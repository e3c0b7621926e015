"""Chapter 4: the hidden tests (tools/autograde runs them in a clean process)."""

import given
import numpy as np
import public
import testkit as tk

import rivervalley_lib as rv


@tk.points(1, "the alignment falls just below eta_star and rises just above", True)
def sign_change(student, answers, P, rng):
    tk.public_check(
        public.sign_change_around,
        tk.number(answers["eta_star"], "eta_star"),
        given.valley,
        given.noise,
        P["chi"],
        P["energy"],
    )


def _split(lo, hi, midpoint):
    return 0.5 * (lo + hi) if midpoint == "arithmetic" else float(np.sqrt(lo * hi))


def _bisection_followed(student, v, noise, th, lo, hi, iters, midpoint):
    """Run the student's bisection and check every evaluation it makes."""
    got = tk.number(
        student.bisect_eta_star(v, noise, th, lo, hi, iters), "bisect_eta_star"
    )
    etas = [
        float(args["eta"])
        for name, args in student.calls
        if name == "energy_ratio_step"
    ]
    tk.expect(
        len(etas) == iters,
        f"one rv.energy_ratio_step per iteration ({iters} iterations)",
        iters,
        len(etas),
    )
    chi = rv.alignment(v, th)
    for i, eta in enumerate(etas):
        mid = _split(lo, hi, midpoint)
        tk.expect_close(
            eta, mid, f"evaluation {i + 1} at the bracket's {midpoint} midpoint", 1e-12
        )
        if rv.energy_ratio_step(v, noise, th, mid) > chi:
            hi = mid
        else:
            lo = mid
    final = _split(lo, hi, midpoint)
    tk.expect_close(got, final, f"the {midpoint} midpoint of the final bracket", 1e-12)
    return got


@tk.points(1, "bisect_eta_star() bisects, evaluation by evaluation, on unseen states")
def bisects_on_unseen_states(student, answers, P, rng):
    cases = (
        (
            rv.RiverValley.two_level(d=100, k=2, dominant=rng.uniform(6, 9), bulk=0.5),
            rv.IsotropicNoise(rng.uniform(0.05, 0.15)),
        ),
        (
            rv.RiverValley.spread(d=80, k=4, dominant=(6.0, 9.0), bulk=(0.05, 0.4)),
            rv.CurvatureNoise(rng.uniform(0.03, 0.08)),
        ),
    )
    for (v, noise), iters in zip(cases, rng.integers(25, 60, size=2), strict=True):
        th = rv.state_with_alignment(v, rng.uniform(0.1, 0.3), rng.uniform(0.05, 0.5))
        want = rv.critical_step_size(v, noise, th)
        got = _bisection_followed(
            student,
            v,
            noise,
            th,
            1e-4,
            0.999 * v.stability_limit,
            int(iters),
            P["midpoint"],
        )
        tk.expect_close(got, want, "the bisection's eta* against the library", 1e-5)


@tk.points(2, "eta_star is what your bisection gives for this state")
def eta_star_from_your_bisection(student, answers, P, rng):
    theta = rv.state_with_alignment(given.valley, P["chi"], P["energy"])
    mine = _bisection_followed(
        student, given.valley, given.noise, theta, 1e-4, 0.3, 60, P["midpoint"]
    )
    tk.expect_close(answers["eta_star"], mine, "eta_star = bisect_eta_star(...)", 1e-9)
    want = rv.critical_step_size(given.valley, given.noise, theta)
    tk.expect_close(answers["eta_star"], want, "eta_star to six digits", 1e-6)
