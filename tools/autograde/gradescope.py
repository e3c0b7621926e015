"""Gradescope's grading step: grade the uploaded notebook, write results.json.

Run as ``python3 rv_grading/autograde/gradescope.py /autograder`` by the zip's
``run_autograder`` (tools/make_assignments.py puts it there). The build's grading
folder is this package's parent. Hidden tests are listed with their claims and scores;
their messages (expected against actual) are shown only if the instructor built the zip
with ``RIVERVALLEY_SHOW_HIDDEN=1``, and then only after the grades are published.
"""

from __future__ import annotations

import json
import os
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import grade  # noqa: E402


def results(outcome: dict, show_hidden: bool) -> dict:
    """Gradescope's results.json from one :func:`grade.grade` outcome."""
    tests = []
    for t in outcome["tests"]:
        status = "PASSED" if t["score"] == t["points"] else "FAILED"
        body = f"{status}: {t['claim']}"
        if t["public"] or show_hidden:
            body += ("\n" + t["message"]) if t["message"] else ""
        tests.append(
            {
                "name": t["name"] + (" (public)" if t["public"] else " (hidden)"),
                "score": t["score"],
                "max_score": t["points"],
                "output": body,
                "visibility": "visible" if t["public"] else "after_published",
            }
        )
    notes = outcome["errors"] + ([outcome["error"]] if outcome["error"] else [])
    return {
        "score": outcome["score"],
        "output": "\n".join(notes) or "Graded in a clean process.",
        "tests": tests,
    }


def main(root: str) -> int:
    root_path = pathlib.Path(root)
    grading = HERE.parent
    show = (grading / "SHOW_HIDDEN").exists() or os.environ.get(
        "RIVERVALLEY_SHOW_HIDDEN"
    ) == "1"
    subs = sorted((root_path / "submission").glob("*.ipynb"))
    if subs:
        outcome = grade.grade(subs[0], grading)
    else:
        outcome = {"tests": [], "score": 0.0, "errors": [], "error": "no notebook"}
    out = root_path / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results(outcome, show), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
