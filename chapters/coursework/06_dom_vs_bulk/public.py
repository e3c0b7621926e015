"""Chapter 6: the student-side checks (``grader.check``), also run by the grader."""


def dom_sgd_raises_the_loss(mean, se):
    """se is positive and the mean loss change is above two standard errors."""
    assert se > 0, f"se should be a positive standard error; got {se!r}"
    assert mean > 2 * se, (
        f"inside the interval a Dom-SGD step raises the loss on average: expected "
        f"mean > 2 se = {2 * se:.3e}; got mean = {mean:.3e}"
    )
