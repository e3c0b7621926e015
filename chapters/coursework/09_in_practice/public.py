"""Chapter 9: the student-side checks (``grader.check``), also run by the grader."""

import numpy as np

from rivervalley_lib.diagnostics import measure_alignment


def tool_and_library_agree(eta_star_tool, eta_star_lib, X, Y, column, wscale, ridge):
    """eta_star_tool is the tool's eta* for your labels, weights and weight decay, and
    the library's eta* on your river valley agrees with it to 1e-6."""
    y, w, n = Y[:, column], np.full(X.shape[1], wscale), X.shape[0]
    rep = measure_alignment(
        X.T @ (X @ w - y) / n + ridge * w, lambda z: X.T @ (X @ z) / n + ridge * z, k=2
    )
    assert abs(eta_star_tool - rep.eta_star) < 1e-9 * abs(rep.eta_star), (
        f"eta_star_tool should be measure_alignment's eta* for y = Y[:, column], "
        f"w = np.full(10, wscale) and weight decay ridge; got {eta_star_tool!r}"
    )
    assert abs(eta_star_lib - eta_star_tool) < 1e-6 * abs(eta_star_tool), (
        f"the two routes to eta* should agree to six digits; got tool "
        f"{eta_star_tool!r} and library {eta_star_lib!r}"
    )
