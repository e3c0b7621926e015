"""Chapter 8: the hidden tests (tools/autograde runs them in a clean process)."""

import given
import numpy as np
import public
import testkit as tk

from rivervalley_lib.diagnostics import measure_alignment
from rivervalley_lib.network import top_eigenspace


@tk.points(1, "mini holds 200 alignments in [0, 1]", True)
def two_hundred_alignments(student, answers, P, rng):
    mini = tk.array(answers["mini"], "mini")
    tk.public_check(public.two_hundred_alignments, list(mini.ravel()))


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


def _basis():
    net, th, X, Y = given.net, given.th, given.X, given.Y
    return top_eigenspace(lambda v: net.hvp(th, v, X, Y), net.n_params, given.k)[1]


@tk.points(1, "full is the full-batch alignment of your trained network")
def full_batch_alignment(student, answers, P, rng):
    net, th, X, Y = given.net, given.th, given.X, given.Y
    rep = measure_alignment(
        net.gradient(th, X, Y), lambda v: net.hvp(th, v, X, Y), given.k
    )
    tk.expect_close(answers["full"], rep.alignment, "full", 1e-4)


@tk.points(1, "mini follows the prescribed minibatches")
def prescribed_minibatches(student, answers, P, rng):
    net, th, X, Y = given.net, given.th, given.X, given.Y
    U = _basis()
    r = np.random.default_rng(P["seed"])
    want = []
    for _ in range(200):
        i = r.choice(400, P["batch"], replace=False)
        g = net.gradient(th, X[i], Y[i])
        want.append((U.T @ g) @ (U.T @ g) / (g @ g))
    tk.expect_close(tk.array(answers["mini"], "mini"), want, "mini", 1e-4, atol=1e-8)
