"""Chapter 8: the student-side checks (``grader.check``), also run by the grader."""


def two_hundred_alignments(mini):
    """mini holds 200 alignments, each between 0 and 1."""
    assert len(mini) == 200, f"mini should hold 200 alignments; got {len(mini)}"
    bad = [m for m in mini if not 0 <= m <= 1]
    assert not bad, f"an alignment lies in [0, 1]; got {bad[:3]}"
