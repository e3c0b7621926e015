"""Chapter 9: the student-side checks (``grader.check``), also run by the grader."""


def tool_and_library_agree(eta_star_tool, eta_star_lib):
    """The tool's eta* and the library's eta* on your river valley agree to 1e-6."""
    assert abs(eta_star_lib - eta_star_tool) < 1e-6 * abs(eta_star_tool), (
        f"the two routes to eta* should agree to six digits; got tool "
        f"{eta_star_tool!r} and library {eta_star_lib!r}"
    )
