"""Chapter 2: the hidden tests (tools/autograde runs them in a clean process)."""

import given
import numpy as np
import public
import testkit as tk

import rivervalley_lib as rv


@tk.points(1, "mean_ratio averages the prescribed samples; ratio is close", True)
def both_alignments(student, answers, P, rng):
    tk.public_check(
        public.mean_ratio_of_the_samples,
        tk.number(answers["ratio"], "ratio"),
        tk.number(answers["mean_ratio"], "mean_ratio"),
        given.valley,
        P["level"],
        P["sigma"],
        P["seed"],
        P["block"],
    )


def _ratio(v, noise, th, block):
    g, s = v.gradient(th), noise.diagonal(v, th)
    part = slice(None, v.k) if block == "dominant" else slice(v.k, None)
    return (g[part] @ g[part] + s[part].sum()) / (g @ g + s.sum())


@tk.points(1, "ratio_of_expectations() is the formula, on unseen valleys and noises")
def formula_on_unseen_cases(student, answers, P, rng):
    d, k = int(rng.integers(20, 60)), int(rng.integers(2, 6))
    v = rv.RiverValley.spread(
        d=d, k=k, dominant=(rng.uniform(3, 5), rng.uniform(6, 9)), bulk=(0.05, 1.0)
    )
    noises = (
        rv.IsotropicNoise(rng.uniform(0.1, 0.5)),
        rv.CurvatureNoise(rng.uniform(0.1, 0.5)),
        rv.RegressionNoise(int(rng.integers(2, 10)), rng.uniform(0.1, 1.0)),
    )
    for noise in noises:
        th = rng.standard_normal(d)
        want = _ratio(v, noise, th, P["block"])
        got = tk.number(student.ratio_of_expectations(v, noise, th), "the ratio")
        what = (
            f"ratio_of_expectations ({P['block']} block) with {type(noise).__name__}, "
            f"d={d}, k={k}"
        )
        tk.expect_close(got, want, what, 1e-9)


def _samples(P):
    theta = np.full(given.valley.d, P["level"])
    noise = rv.IsotropicNoise(P["sigma"])
    return (
        theta,
        noise,
        rv.sample_gradient(given.valley, noise, theta, 100_000, rng=P["seed"]),
    )


@tk.points(1, "mean_ratio is the average share of the block in the prescribed samples")
def mean_ratio_of_the_samples(student, answers, P, rng):
    _, _, g_hat = _samples(P)
    chi = rv.gradient_alignment(given.valley, g_hat)
    want = (chi if P["block"] == "dominant" else 1 - chi).mean()
    tk.expect_close(answers["mean_ratio"], want, f"mean_ratio, {P['block']} shares")


@tk.points(1, "ratio is your ratio_of_expectations() at this state and noise")
def ratio_from_your_function(student, answers, P, rng):
    theta, noise, _ = _samples(P)
    mine = student.ratio_of_expectations(given.valley, noise, theta)
    mine = tk.number(mine, "your function")
    tk.expect_close(answers["ratio"], mine, "ratio = ratio_of_expectations(...)")
    want = _ratio(given.valley, noise, theta, P["block"])
    tk.expect_close(answers["ratio"], want, "ratio, the ratio of expectations")
