"""Chapter 6: the hidden tests (tools/autograde runs them in a clean process)."""

import given
import numpy as np
import public
import testkit as tk


@tk.points(1, "mean estimates the expected change within 5 se", True)
def raises_the_loss(student, answers, P, rng):
    tk.public_check(
        public.mean_estimates_the_expected_change,
        tk.number(answers["mean"], "mean"),
        tk.number(answers["se"], "se"),
        given.valley,
        given.noise,
        given.ckpt[P["checkpoint"]],
        P["eta"],
    )


def _reference(v, noise, theta, eta, n, seed):
    th = np.broadcast_to(theta, (n, v.d))
    g = v.gradient(th) + noise.sample(v, th, np.random.default_rng(seed))
    return v.loss(th - eta * v.project(g, "dominant")) - v.loss(theta)


@tk.points(1, "dom_sgd_loss_changes() draws real Dom-SGD steps from the generator")
def draws_of_the_generator(student, answers, P, rng):
    v, noise = given.valley, given.noise
    for _ in range(2):
        i, eta = int(rng.integers(0, len(given.ckpt))), float(rng.uniform(0.4, 1.5))
        n, seed = int(rng.integers(500, 3000)), int(rng.integers(2**31))
        got = student.dom_sgd_loss_changes(
            v, noise, given.ckpt[i], eta, n, np.random.default_rng(seed)
        )
        got = tk.array(got, "dom_sgd_loss_changes", (n,))
        want = _reference(v, noise, given.ckpt[i], eta, n, seed)
        what = f"the {n} loss changes at checkpoint {i}, eta={eta:.3f}, same generator"
        tk.expect_close(got, want, what, 1e-9, atol=1e-15)


@tk.points(2, "mean and se are the mean and standard error of your draws")
def mean_and_se_of_your_draws(student, answers, P, rng):
    x = student.dom_sgd_loss_changes(
        given.valley,
        given.noise,
        given.ckpt[P["checkpoint"]],
        P["eta"],
        20_000,
        np.random.default_rng(P["seed"]),
    )
    x = tk.array(x, "dom_sgd_loss_changes", (20_000,))
    ref = _reference(
        given.valley,
        given.noise,
        given.ckpt[P["checkpoint"]],
        P["eta"],
        20_000,
        P["seed"],
    )
    tk.expect_close(x, ref, "your draws: the prescribed Dom-SGD steps", 1e-9, 1e-15)
    tk.expect_close(answers["mean"], x.mean(), "mean of your 20,000 changes", 1e-9)
    se = x.std(ddof=1) / np.sqrt(x.size)
    tk.expect_close(answers["se"], se, "their standard error", 1e-6)
