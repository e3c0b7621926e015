"""Chapter 8: the student-side checks (``grader.check``), also run by the grader."""

from rivervalley_lib.diagnostics import measure_alignment


def full_and_minibatch_alignments(full, mini, net, th, X, Y, k, block):
    """full is the full-batch gradient's share of the block in your trained network,
    and mini holds 200 shares between 0 and 1."""
    rep = measure_alignment(net.gradient(th, X, Y), lambda v: net.hvp(th, v, X, Y), k)
    want = rep.alignment if block == "dominant" else 1 - rep.alignment
    assert abs(full - want) < 1e-4 * want, (
        f"full should be the full-batch gradient's {block} share in your network; "
        f"got {full!r}"
    )
    assert len(mini) == 200, f"mini should hold 200 shares; got {len(mini)}"
    bad = [m for m in mini if not 0 <= m <= 1]
    assert not bad, f"a share lies in [0, 1]; got {bad[:3]}"
