"""Chapter 9: the hidden tests (tools/autograde runs them in a clean process)."""

import given
import numpy as np
import public
import testkit as tk

import rivervalley_lib as rv
from rivervalley_lib.diagnostics import measure_alignment


@tk.points(1, "the tool's eta* and the library's on your river valley agree", True)
def tool_and_library_agree(student, answers, P, rng):
    tk.public_check(
        public.tool_and_library_agree,
        tk.number(answers["eta_star_tool"], "eta_star_tool"),
        tk.number(answers["eta_star_lib"], "eta_star_lib"),
        given.X,
        given.Y,
        P["column"],
        P["wscale"],
        P["ridge"],
    )


def _valley_and_state(student, X, y, w, k):
    out = student.river_valley_of(X, y, w, k)
    tk.expect(
        isinstance(out, tuple) and len(out) == 2,
        "river_valley_of returns a pair (valley, theta)",
    )
    v, t = out
    tk.expect(isinstance(v, rv.RiverValley), "the first item is an rv.RiverValley")
    return v, tk.array(t, "theta", (X.shape[1],))


@tk.points(1, "river_valley_of() on least-squares problems you have not seen")
def unseen_least_squares(student, answers, P, rng):
    for _ in range(2):
        n, p = int(rng.integers(50, 120)), int(rng.integers(4, 9))
        k = int(rng.integers(1, p - 1))
        X = rng.standard_normal((n, p)) * np.linspace(3, 0.3, p) + 1.0
        y, w = rng.standard_normal(n), rng.standard_normal(p)
        v, t = _valley_and_state(student, X, y, w, k)
        a = P["ridge"]
        want = np.linalg.eigvalsh(X.T @ X / n + a * np.eye(p))[::-1]
        tk.expect_close(v.eigenvalues, want, "the eigenvalues, decreasing", 1e-9)
        tk.expect(v.k == k, "the valley's k", k, v.k)
        rep = measure_alignment(
            X.T @ (X @ w - y) / n + a * w,
            lambda z, X=X, n=n, a=a: X.T @ (X @ z) / n + a * z,
            k=k,
        )
        tk.expect_close(
            rv.alignment(v, t), rep.alignment, "the state's alignment", 1e-6
        )
        got = rv.critical_step_size(v, rv.IsotropicNoise(0.0), t)
        tk.expect_close(got, rep.eta_star, "eta* on your valley and state", 1e-6)


@tk.points(2, "eta_star_lib is eta* on your river_valley_of() for this problem")
def eta_star_from_your_valley(student, answers, P, rng):
    y, w = given.Y[:, P["column"]], np.full(10, P["wscale"])
    v, t = _valley_and_state(student, given.X, y, w, 2)
    want = rv.critical_step_size(v, rv.IsotropicNoise(0.0), t)
    tk.expect_close(answers["eta_star_lib"], want, "eta_star_lib on your valley", 1e-9)
    X, n, a = given.X, given.X.shape[0], P["ridge"]
    rep = measure_alignment(
        X.T @ (X @ w - y) / n + a * w, lambda z: X.T @ (X @ z) / n + a * z, k=2
    )
    tk.expect_close(answers["eta_star_lib"], rep.eta_star, "eta_star_lib", 1e-6)
