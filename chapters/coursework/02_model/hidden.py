"""Chapter 2: the hidden tests (tools/autograde runs them in a clean process)."""

import given
import numpy as np
import public
import testkit as tk

import rivervalley_lib as rv


@tk.points(1, "ratio and mean_ratio are alignments within 0.01 of each other", True)
def both_alignments(student, answers, P, rng):
    tk.public_check(
        public.both_alignments_and_close,
        tk.number(answers["ratio"], "ratio"),
        tk.number(answers["mean_ratio"], "mean_ratio"),
    )


@tk.points(2, "ratio_of_expectations() is the formula, on unseen valleys and noises")
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
        g, s = v.gradient(th), noise.diagonal(v, th)
        want = (g[:k] @ g[:k] + s[:k].sum()) / (g @ g + s.sum())
        got = tk.number(student.ratio_of_expectations(v, noise, th), "the ratio")
        what = f"ratio_of_expectations with {type(noise).__name__}, d={d}, k={k}"
        tk.expect_close(got, want, what, 1e-9)


@tk.points(1, "ratio is your function's value; mean_ratio averages the samples")
def values_of_the_experiment(student, answers, P, rng):
    theta = np.full(given.valley.d, P["level"])
    noise = rv.IsotropicNoise(P["sigma"])
    draws = noise.sample(
        given.valley,
        np.broadcast_to(theta, (100_000, given.valley.d)),
        np.random.default_rng(P["seed"]),
    )
    x = rv.gradient_alignment(given.valley, given.valley.gradient(theta) + draws)
    tk.expect_close(answers["mean_ratio"], x.mean(), "mean_ratio over the samples")
    ratio = tk.number(answers["ratio"], "ratio")
    mine = tk.number(
        student.ratio_of_expectations(given.valley, noise, theta), "your function"
    )
    tk.expect_close(ratio, mine, "ratio = ratio_of_expectations(valley, noise, theta)")
