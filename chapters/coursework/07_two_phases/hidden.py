"""Chapter 7: the hidden tests (tools/autograde runs them in a clean process)."""

import given
import numpy as np
import public
import testkit as tk

import rivervalley_lib as rv


@tk.points(1, "c_star is the first grid scale with a collapse", True)
def collapse_at_c_star(student, answers, P, rng):
    tk.public_check(
        public.collapse_at_c_star,
        tk.number(answers["c_star"], "c_star"),
        given.grid,
        given.valley,
        given.noise,
        P["eta"],
        P["frac"],
        P["init"],
    )


def _direction(v, init):
    if init == "ones":
        return np.ones(v.d)
    u = 1 / np.sqrt(v.eigenvalues)
    return u * np.sqrt(v.d) / np.linalg.norm(u)


@tk.points(1, "has_collapse() on a valley, noise and step size you have not seen")
def collapse_on_an_unseen_valley(student, answers, P, rng):
    for _ in range(10):  # a case with collapses at some scales and not at others
        v = rv.RiverValley.spread(
            d=200, k=4, dominant=(1.0, rng.uniform(1.1, 1.4)), bulk=(1e-3, 5e-3)
        )
        noise, eta = rv.IsotropicNoise(rng.uniform(0.01, 0.03)), rng.uniform(0.7, 1.1)
        scales = np.geomspace(1e-3, 20, int(rng.integers(7, 12)))
        theta0 = scales[:, None] * _direction(v, P["init"])
        mf = rv.expected_trajectory(v, noise, eta, 3000, theta0)
        floor = P["frac"] * rv.noise_floor(v, noise, eta).alignment
        want = mf.alignment.min(axis=1) < floor
        if want.any() and not want.all():
            break
    got = np.asarray(student.has_collapse(v, noise, eta, scales))
    tk.expect(
        got.shape == want.shape and got.dtype == bool,
        "has_collapse returns one boolean per scale",
        want.shape,
        got.shape,
    )
    tk.expect_equal(got, want, f"collapses at scales {np.round(scales, 4)}")


@tk.points(2, "c_star is the smallest grid scale where your has_collapse() finds one")
def c_star_from_your_function(student, answers, P, rng):
    found = np.asarray(
        student.has_collapse(given.valley, given.noise, P["eta"], given.grid), bool
    )
    tk.expect(found.any(), "your has_collapse finds a collapse on the grid")
    want = given.grid[np.argmax(found)]
    tk.expect_close(answers["c_star"], want, "c_star from your has_collapse", 1e-12)
    mf = rv.expected_trajectory(
        given.valley,
        given.noise,
        P["eta"],
        3000,
        given.grid[:, None] * _direction(given.valley, P["init"]),
    )
    floor = P["frac"] * rv.noise_floor(given.valley, given.noise, P["eta"]).alignment
    ref = given.grid[np.argmax(mf.alignment.min(axis=1) < floor)]
    tk.expect_close(answers["c_star"], ref, "c_star", 1e-12)
