"""Chapter 7: the written questions' numbers (tools/make_assignments.py fills
written.md with them). The conceptual question names the assignment's step size."""


def numbers(W: dict, given=None) -> dict:
    """The step size of the check: the assignment's ``eta``."""
    return {"eta_phrase": f"the assignment's step size $\\eta = {W['eta']:g}$"}
