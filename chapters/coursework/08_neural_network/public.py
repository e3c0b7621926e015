"""Chapter 8: the student-side checks (``grader.check``), also run by the grader."""

from rivervalley_lib.diagnostics import measure_alignment


def full_and_minibatch_alignments(full, mini, net, th, X, Y, k):
    """full is the full-batch alignment of your trained network, and mini holds 200
    alignments between 0 and 1."""
    rep = measure_alignment(net.gradient(th, X, Y), lambda v: net.hvp(th, v, X, Y), k)
    assert abs(full - rep.alignment) < 1e-4 * rep.alignment, (
        f"full should be the full-batch alignment of your network; got {full!r}"
    )
    assert len(mini) == 200, f"mini should hold 200 alignments; got {len(mini)}"
    bad = [m for m in mini if not 0 <= m <= 1]
    assert not bad, f"an alignment lies in [0, 1]; got {bad[:3]}"
