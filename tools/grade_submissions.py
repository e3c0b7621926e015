"""Grade a folder of submitted notebooks in clean processes and write one CSV.

Usage: python tools/grade_submissions.py ASSIGNMENT SUBMISSIONS [--csv grades.csv]
           [--jobs N] [--timeout SECONDS]

``ASSIGNMENT`` is one chapter's build folder, ``assignments/<build>/<chapter>`` (made by
``make assignments``); its ``grading/`` folder holds the variant's parameters and the
hidden tests. Every ``*.ipynb`` in ``SUBMISSIONS`` is graded by ``tools/autograde``
(``--jobs`` at a time, default: the number of CPUs): the notebook runs in a subprocess
that only hands back answer values, and the hidden tests run on the functions extracted
from its source in a fresh interpreter. A notebook that cannot be graded (not JSON, a
crash, a timeout) gets a row with zero points and the reason; the others are not lost.

One row per submission: the file name, the score of every autograded test, the total,
the maximum, the flags for the instructor (patches of builtins, numpy, otter or the
library; shadowed builtins; the interpreter's internals) and the errors. The manual
questions (conceptual and derivation) are graded by hand with the rubrics of the
Instructor guide.
"""

from __future__ import annotations

import argparse
import csv
import os
import pathlib
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from autograde import grade as autograde  # noqa: E402


def grade_one(
    notebook: pathlib.Path, grading: pathlib.Path, timeout: float, runner=None
) -> dict:
    """:func:`autograde.grade.grade`, with any failure of the grader itself recorded as
    the submission's reason instead of stopping the folder."""
    try:
        return autograde.grade(notebook, grading, timeout=timeout, runner=runner)
    except Exception as exc:  # the row records it; the other notebooks go on
        return {
            "tests": [],
            "score": 0.0,
            "max": 0.0,
            "flags": [],
            "errors": [],
            "error": f"grader error: {type(exc).__name__}: {exc}"[:300],
        }


def grade_folder(
    assignment: pathlib.Path,
    submissions: pathlib.Path,
    out_csv: pathlib.Path,
    jobs: int | None = None,
    timeout: float = 600,
) -> list[tuple[str, dict]]:
    """Grade every notebook of ``submissions`` and write ``out_csv``."""
    grading = assignment / "grading"
    if not (grading / "spec.json").exists():
        raise SystemExit(
            f"{assignment} is not a chapter's build folder (no grading/spec.json): "
            "give assignments/<build>/<chapter>"
        )
    notebooks = sorted(submissions.glob("*.ipynb"))
    # One pair of warm fork servers per worker (autograde.grade.Runner): the imports
    # and the tests' setup happen once per worker, each notebook in forked children.
    local, runners, lock = threading.local(), [], threading.Lock()

    def one(nb: pathlib.Path) -> dict:
        if not hasattr(local, "runner"):
            try:
                local.runner = autograde.Runner(grading)
            except Exception:  # noqa: BLE001 - fall back to fresh interpreters
                local.runner = None
            with lock:
                runners.append(local.runner)
        return grade_one(nb, grading, timeout, local.runner)

    try:
        with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
            outcomes = list(pool.map(one, notebooks))
    finally:
        for runner in runners:
            if runner is not None:
                runner.close()
    # A change to the environment's files is charged to the notebook that ran while it
    # happened; with several notebooks at a time (or another process writing there) it
    # may be another's. Those notebooks are graded again, one at a time: a notebook
    # that changes the files alone keeps the verdict.
    for i, nb in enumerate(notebooks):
        if outcomes[i]["error"] == autograde.ENV_CHANGED:
            outcomes[i] = grade_one(nb, grading, timeout)
    rows = list(zip((nb.name for nb in notebooks), outcomes, strict=True))
    names: list[str] = []
    for _, r in rows:
        names += [t["name"] for t in r["tests"] if t["name"] not in names]
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with out_csv.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["submission", *names, "autograded", "max", "flags", "errors"])
        for name, r in rows:
            score = {t["name"]: t["score"] for t in r["tests"]}
            writer.writerow(
                [
                    name,
                    *(f"{score[n]:g}" if n in score else "0" for n in names),
                    f"{r['score']:g}",
                    f"{r['max']:g}",
                    "; ".join(r["flags"]),
                    "; ".join(([r["error"]] if r["error"] else []) + r["errors"]),
                ]
            )
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "assignment", type=pathlib.Path, help="assignments/<build>/<ch>"
    )
    parser.add_argument("submissions", type=pathlib.Path, help="a folder of .ipynb")
    parser.add_argument("--csv", type=pathlib.Path, default=pathlib.Path("grades.csv"))
    parser.add_argument("--jobs", "-j", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    rows = grade_folder(
        args.assignment, args.submissions, args.csv, args.jobs, args.timeout
    )
    for name, r in rows:
        note = r["error"] or ("flagged: " + "; ".join(r["flags"]) if r["flags"] else "")
        print(f"{name}: {r['score']:g} / {r['max']:g} {note}".rstrip())
    print(f"wrote {len(rows)} rows to {args.csv} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
