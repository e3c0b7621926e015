"""Chapter 6: the numbers of the written questions, from the assignment's setup cell
and the library (tools/make_assignments.py fills written.md with them)."""

import rivervalley_lib as rv


def numbers(W: dict, given) -> dict:
    """The alignment of the gradient at the checkpoint ``ckpt[checkpoint]``
    of the setup cell (``given()`` runs it)."""
    setup = given()
    chi = float(rv.alignment(setup["valley"], setup["ckpt"][W["checkpoint"]]))
    return {
        "checkpoint": f"{W['checkpoint']}",
        "alignment": f"{chi:.3f}",
        "share": f"{100 * chi:.0f}",
    }
