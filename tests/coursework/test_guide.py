"""The instructor guide's commands for running a course, run as written.

The ``bash`` blocks of the guide's "Running a course" section are executed in order in
one shell from the repository root, with ``HOME`` in a temporary folder; between them,
one line puts the build's solution notebook and a broken notebook where the guide's
grading command looks for submissions.
"""

from __future__ import annotations

import csv
import os
import pathlib
import re
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
GUIDE = ROOT / "appendix" / "instructor_guide.md"


def _blocks() -> list[str]:
    text = GUIDE.read_text()
    section = text.split("## Running a course", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, re.S)


def test_running_a_course_commands_run_as_written(tmp_path):
    build, grade = _blocks()
    assert "make assignments" in build and "grade_submissions.py" in grade
    glue = (
        "mkdir -p ~/course/submissions/04\n"
        "cp $BUILD/04_critical_step_size/autograder/*.ipynb ~/course/submissions/04/\n"
        "echo 'not a notebook' > ~/course/submissions/04/broken.ipynb\n"
    )
    script = "set -euo pipefail\n" + build + glue + grade
    env = dict(os.environ, HOME=str(tmp_path))
    env.pop("RIVERVALLEY_SECRET", None)
    proc = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    text = (tmp_path / "course" / "grades" / "04.csv").read_text()
    rows = {r["submission"]: r for r in csv.DictReader(text.splitlines())}
    assert rows["04_critical_step_size.ipynb"]["autograded"] == "4", rows
    assert rows["broken.ipynb"]["autograded"] == "0"
    assert "not a readable notebook" in rows["broken.ipynb"]["errors"]
    assert "-seed1" in proc.stdout
