"""Chapter 6: the student-side checks (``grader.check``), also run by the grader."""

import rivervalley_lib as rv


def dom_sgd_raises_the_loss(mean, se, valley, noise, theta, eta):
    """se is positive, the mean loss change is above two standard errors, and it is
    within five standard errors of the expected change at your state and step size."""
    assert se > 0, f"se should be a positive standard error; got {se!r}"
    assert mean > 2 * se, (
        f"inside the interval a Dom-SGD step raises the loss on average: expected "
        f"mean > 2 se = {2 * se:.3e}; got mean = {mean:.3e}"
    )
    pred = rv.expected_loss_change(valley, noise, theta, eta, projection="dominant")
    assert abs(mean - pred) < 5 * se, (
        f"mean should estimate the expected change at ckpt[checkpoint] and your eta "
        f"(within 5 se = {5 * se:.2e}); got {mean:.4e}"
    )
