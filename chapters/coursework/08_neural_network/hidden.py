"""Chapter 8: the hidden tests (tools/autograde runs them in a clean process)."""

import given
import numpy as np
import public
import testkit as tk

from rivervalley_lib.network import top_eigenspace


@tk.points(1, "full is your network's full-batch alignment; mini has 200", True)
def two_hundred_alignments(student, answers, P, rng):
    mini = tk.array(answers["mini"], "mini")
    tk.public_check(
        public.full_and_minibatch_alignments,
        tk.number(answers["full"], "full"),
        list(mini.ravel()),
        given.net,
        given.th,
        given.X,
        given.Y,
        given.k,
        P["block"],
    )


@tk.points(1, "alignment_with() on subspaces and vectors you have not seen")
def alignment_with_unseen_subspaces(student, answers, P, rng):
    for _ in range(3):
        d = int(rng.integers(5, 60))
        kk = int(rng.integers(1, d))
        U = np.linalg.qr(rng.standard_normal((d, kk)))[0]
        g = rng.standard_normal(d)
        want = (U.T @ g) @ (U.T @ g) / (g @ g)
        got = tk.number(student.alignment_with(U, g), "alignment_with")
        tk.expect_close(got, want, f"alignment_with on a {d}x{kk} basis", 1e-10)


def _share(chi, block):
    return chi if block == "dominant" else 1 - chi


def _basis():
    net, th, X, Y = given.net, given.th, given.X, given.Y
    return top_eigenspace(lambda v: net.hvp(th, v, X, Y), net.n_params, given.k)[1]


@tk.points(1, "full is your alignment_with() at the full-batch gradient")
def full_batch_alignment(student, answers, P, rng):
    net, th, X, Y = given.net, given.th, given.X, given.Y
    mine = tk.number(student.alignment_with(_basis(), net.gradient(th, X, Y)), "yours")
    what = f"full, the {P['block']} share"
    tk.expect_close(answers["full"], _share(mine, P["block"]), what, 1e-6)
    g = net.gradient(th, X, Y)
    c = _basis().T @ g
    tk.expect_close(answers["full"], _share(c @ c / (g @ g), P["block"]), what, 1e-4)


@tk.points(1, "mini: your alignment_with() on the prescribed minibatches")
def prescribed_minibatches(student, answers, P, rng):
    net, th, X, Y = given.net, given.th, given.X, given.Y
    U = _basis()
    r = np.random.default_rng(P["seed"])
    want, ref = [], []
    for _ in range(200):
        i = r.choice(400, P["batch"], replace=False)
        g = net.gradient(th, X[i], Y[i])
        mine = tk.number(student.alignment_with(U, g), "alignment_with")
        want.append(_share(mine, P["block"]))
        ref.append(_share((U.T @ g) @ (U.T @ g) / (g @ g), P["block"]))
    mini = tk.array(answers["mini"], "mini")
    tk.expect_close(mini, want, "mini, with your alignment_with", 1e-4, atol=1e-8)
    tk.expect_close(mini, ref, "mini", 1e-4, atol=1e-8)
