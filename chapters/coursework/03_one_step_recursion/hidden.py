"""Chapter 3: the hidden tests (tools/autograde runs them in a clean process)."""

import numpy as np
import public
import testkit as tk

import rivervalley_lib as rv


@tk.points(1, "the four gaps of the prescribed experiment, shrinking", True)
def shrinking_gaps(student, answers, P, rng):
    tk.public_check(
        public.gaps_of_the_experiment,
        list(tk.array(answers["gaps"], "gaps").ravel()),
        P["sigma"],
        P["eta"],
        P["chi0"],
    )


@tk.points(1, "predicted_alignment() is the recursion, on unseen valleys and states")
def recursion_on_unseen_cases(student, answers, P, rng):
    cases = (
        (
            rv.RiverValley.spread(
                d=int(rng.integers(30, 80)),
                k=3,
                dominant=(rng.uniform(3, 5), rng.uniform(6, 9)),
                bulk=(0.01, 0.5),
            ),
            rv.CurvatureNoise(rng.uniform(0.05, 0.3)),
        ),
        (
            rv.RiverValley.two_level(
                d=30, k=2, dominant=rng.uniform(3, 6), bulk=rng.uniform(0.1, 0.4)
            ),
            rv.IsotropicNoise(rng.uniform(0.1, 0.4)),
        ),
    )
    for v, noise in cases:
        th = rng.standard_normal(v.d)
        for eta in rng.uniform(0.02, 0.2, size=2):
            want = rv.energy_ratio_step(v, noise, th, eta)
            got = tk.number(student.predicted_alignment(v, noise, th, eta), "result")
            what = f"predicted_alignment at eta={eta:.4f}, {type(noise).__name__}"
            tk.expect_close(got, want, what, 1e-9)


@tk.points(2, "gaps are those of the prescribed experiment, with your prediction")
def gaps_of_the_experiment(student, answers, P, rng):
    """The sampled steps are recomputed here; the prediction is your function's, run
    here with the library guard on (an error in it is graded once, above)."""
    gaps = tk.array(answers["gaps"], "gaps", (4,))
    want, ref = [], []
    for k in (1, 4, 16, 64):
        v = rv.RiverValley.two_level(d=25 * k, k=k, dominant=10.0, bulk=0.2)
        th0 = rv.state_with_alignment(v, P["chi0"], energy=k / 4)
        noise = rv.IsotropicNoise(P["sigma"])
        t = np.broadcast_to(th0, (10_000, v.d))
        g = v.gradient(t) + noise.sample(v, t, np.random.default_rng(k))
        sampled = rv.alignment(v, t - P["eta"] * g).mean()
        pred = student.predicted_alignment(v, noise, th0, P["eta"])
        want.append(abs(sampled - tk.number(pred, "predicted_alignment")))
        ref.append(abs(sampled - rv.energy_ratio_step(v, noise, th0, P["eta"])))
    tk.expect_close(gaps, want, "the four gaps, with your predicted_alignment", 1e-6)
    tk.expect_close(gaps, ref, "the four gaps", 1e-6)
