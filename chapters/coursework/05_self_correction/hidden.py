"""Chapter 5: the hidden tests (tools/autograde runs them in a clean process)."""

import given
import numpy as np
import public
import testkit as tk

import rivervalley_lib as rv


@tk.points(1, "chi_inf is the floors' plateau; chi_sim within 0.01 of it", True)
def plateau_near_floor(student, answers, P, rng):
    tk.public_check(
        public.plateau_agrees_with_floor,
        tk.number(answers["chi_sim"], "chi_sim"),
        tk.number(answers["chi_inf"], "chi_inf"),
        given.valley,
        given.noise,
        P["eta"],
    )


@tk.points(1, "noise_floors() is the formula for your noise, on unseen valleys")
def floors_on_unseen_valleys(student, answers, P, rng):
    valleys = (
        rv.RiverValley.spread(
            d=int(rng.integers(20, 60)), k=5, dominant=(3.0, 6.0), bulk=(0.01, 0.3)
        ),
        rv.RiverValley.two_level(d=20, k=2, dominant=rng.uniform(1, 3), bulk=0.5),
    )
    for v in valleys:
        sigma, eta = rng.uniform(0.02, 0.2), rng.uniform(0.03, 0.2)
        noise = type(given.noise)(sigma)
        want = noise.stationary_gradient_energy(v, eta)
        got = tk.array(student.noise_floors(v, sigma, eta), "noise_floors")
        what = f"noise_floors(valley with d={v.d}, {sigma:.4f}, {eta:.4f}), {noise}"
        tk.expect_close(got, want, what, 1e-9)


@tk.points(1, "chi_inf is the plateau of your noise_floors()")
def chi_inf_from_your_floors(student, answers, P, rng):
    v = given.valley
    u = tk.array(student.noise_floors(v, P["sigma"], P["eta"]), "noise_floors")
    want = u[: v.k].sum() / u.sum()
    tk.expect_close(answers["chi_inf"], want, "chi_inf from your floors", 1e-9)
    ref = rv.noise_floor(v, given.noise, P["eta"]).alignment
    tk.expect_close(answers["chi_inf"], ref, "chi_inf, the plateau", 1e-9)


@tk.points(1, "chi_sim comes from the prescribed simulation")
def chi_sim_from_the_simulation(student, answers, P, rng):
    v = given.valley
    run = rv.simulate(
        v,
        given.noise,
        P["eta"],
        4000,
        np.ones(v.d),
        seeds=200,
        rng=P["seed"],
    )
    D, B = run.D[:, -1000:].mean(), run.B[:, -1000:].mean()
    tk.expect_close(answers["chi_sim"], D / (D + B), "chi_sim of the simulation", 1e-9)
