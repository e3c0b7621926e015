"""Chapter 6: the student-side checks (``grader.check``), also run by the grader."""

import rivervalley_lib as rv


def mean_estimates_the_expected_change(mean, se, valley, noise, theta, eta):
    """se is positive and the mean loss change is within five standard errors of the
    expected change at your state and step size."""
    assert se > 0, f"se should be a positive standard error; got {se!r}"
    pred = rv.expected_loss_change(valley, noise, theta, eta, projection="dominant")
    assert abs(mean - pred) < 5 * se, (
        f"mean should estimate the expected change at ckpt[checkpoint] and your eta "
        f"(within 5 se = {5 * se:.2e}); got {mean:.4e}"
    )
