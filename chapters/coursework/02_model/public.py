"""Chapter 2: the student-side checks (``grader.check``), also run by the grader."""


def both_alignments_and_close(ratio, mean_ratio):
    """ratio and mean_ratio are alignments in (0, 1), within 0.01 of each other."""
    assert 0 < ratio < 1 and 0 < mean_ratio < 1, (
        f"both should lie in (0, 1); got ratio={ratio!r}, mean_ratio={mean_ratio!r}"
    )
    assert abs(ratio - mean_ratio) < 0.01, (
        f"in this dimension they should be within 0.01; got {ratio:.5f} and "
        f"{mean_ratio:.5f}"
    )
