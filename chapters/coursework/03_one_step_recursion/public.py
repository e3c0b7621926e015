"""Chapter 3: the student-side checks (``grader.check``), also run by the grader."""


def four_shrinking_gaps(gaps):
    """gaps holds four positive numbers that shrink as the blocks grow."""
    assert len(gaps) == 4, (
        f"gaps should hold 4 numbers (k = 1, 4, 16, 64); got {gaps!r}"
    )
    assert all(a > b > 0 for a, b in zip(gaps, gaps[1:], strict=False)), (
        f"the gaps should be positive and shrink as k grows; got {list(gaps)}"
    )
