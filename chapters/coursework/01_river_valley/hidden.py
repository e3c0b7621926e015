"""Chapter 1: the hidden tests (tools/autograde runs them in a clean process)."""

from types import SimpleNamespace

import given
import public
import testkit as tk

import rivervalley_lib as rv


@tk.points(1, "chi_inf is the noise floor's plateau; chi_sim is within 2% of it", True)
def floor_and_plateau(student, answers, P, rng):
    tk.public_check(
        public.plateau_near_noise_floor,
        tk.number(answers["chi_sim"], "chi_sim"),
        tk.number(answers["chi_inf"], "chi_inf"),
        given.valley,
        given.noise,
        P["eta"],
    )


@tk.points(1, "plateau(run, last) is the ratio of the averages, on unseen traces")
def plateau_on_unseen_traces(student, answers, P, rng):
    for _ in range(3):
        shape = (int(rng.integers(1, 9)), int(rng.integers(20, 300)))
        last = int(rng.integers(1, shape[1] + 1))
        D = rng.exponential(size=shape)
        B = rng.exponential(rng.uniform(0.5, 5.0), size=shape)
        want = D[:, -last:].mean() / (D[:, -last:].mean() + B[:, -last:].mean())
        got = tk.number(student.plateau(SimpleNamespace(D=D, B=B), last), "plateau")
        tk.expect_close(got, want, f"plateau(run, {last}) on a {shape} trace", 1e-10)


@tk.points(2, "chi_sim is what your plateau() gives on the prescribed simulation")
def chi_sim_from_the_simulation(student, answers, P, rng):
    chi_sim = tk.number(answers["chi_sim"], "chi_sim")
    run = rv.simulate(
        given.valley, given.noise, P["eta"], 2000, [1.0, 8.0], seeds=500, rng=P["seed"]
    )
    D, B = run.D[:, -P["last"] :].mean(), run.B[:, -P["last"] :].mean()
    tk.expect_close(chi_sim, D / (D + B), "chi_sim of the prescribed simulation", 1e-9)
    mine = tk.number(student.plateau(run, P["last"]), "plateau(run, last)")
    tk.expect_close(chi_sim, mine, "chi_sim = plateau(run, last)", 1e-9)
