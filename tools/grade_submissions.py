"""Grade a folder of submitted notebooks with otter and write one CSV.

Usage: python tools/grade_submissions.py AUTOGRADER_ZIP SUBMISSIONS_DIR [--csv
grades.csv]

Runs ``otter run`` (in the current environment, which must have ``rivervalley_lib`` and
otter-grader installed: ``make assignments`` sets this up) on every ``*.ipynb`` in
``SUBMISSIONS_DIR``, one after the other, and writes one row per submission: the file
name, the score of every autograded question, the total and the maximum. Manual
questions (conceptual and derivation) are not in the zip's tests: add their rubric
points by hand (Instructor guide).
"""

from __future__ import annotations

import argparse
import csv
import json
import pathlib
import subprocess
import sys
import tempfile


def grade(
    notebook: pathlib.Path, autograder_zip: pathlib.Path, timeout: float = 600
) -> dict[str, tuple[float, float]]:
    """``question -> (score, max_score)`` for one submission, from ``otter run``'s
    results.json."""
    otter = pathlib.Path(sys.executable).with_name("otter")
    with tempfile.TemporaryDirectory() as out:
        proc = subprocess.run(
            [
                str(otter),
                "run",
                "--no-logo",
                "-a",
                str(autograder_zip),
                "-o",
                out,
                str(notebook),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        results = pathlib.Path(out) / "results.json"
        if not results.exists():
            raise RuntimeError(
                "otter run failed on "
                f"{notebook}:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
            )
        data = json.loads(results.read_text())
    return {
        t["name"]: (float(t.get("score") or 0.0), float(t["max_score"]))
        for t in data["tests"]
        if t.get("max_score") is not None
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "autograder", type=pathlib.Path, help="the autograder zip of the assignment"
    )
    parser.add_argument(
        "submissions", type=pathlib.Path, help="a folder of submitted .ipynb files"
    )
    parser.add_argument("--csv", type=pathlib.Path, default=pathlib.Path("grades.csv"))
    args = parser.parse_args(argv)
    rows, questions = [], []
    for nb in sorted(args.submissions.glob("*.ipynb")):
        scores = grade(nb, args.autograder)
        questions += [q for q in scores if q not in questions]
        rows.append((nb.name, scores))
        total = sum(s for s, _ in scores.values())
        print(f"{nb.name}: {total:g} / {sum(m for _, m in scores.values()):g}")
    with args.csv.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["submission", *questions, "total", "max"])
        for name, scores in rows:
            writer.writerow(
                [
                    name,
                    *(f"{scores[q][0]:g}" if q in scores else "" for q in questions),
                    f"{sum(s for s, _ in scores.values()):g}",
                    f"{sum(m for _, m in scores.values()):g}",
                ]
            )
    print(f"wrote {len(rows)} rows to {args.csv}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
