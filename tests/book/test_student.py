"""The student edition: no solution leaks, and every notebook runs up to its first exercise stub."""

from __future__ import annotations

import json
import pathlib
import re
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import make_student  # noqa: E402

CHAPTERS = sorted(p for p in (ROOT / "chapters").glob("*.ipynb"))
EXERCISE_CHAPTERS = [p for p in CHAPTERS if "{exercise}" in p.read_text()]


def _text(nb) -> str:
    return "\n".join(make_student._source(c) for c in nb["cells"])


def _solution_fragments(nb) -> list[str]:
    """Every substantial line of every solution in the original notebook."""
    frags, inside = [], False
    for cell in nb["cells"]:
        src = make_student._source(cell)
        if cell["cell_type"] == "markdown":
            for block in make_student._SOLUTION_BLOCK.finditer(src):
                frags += block.group(0).splitlines()[2:-1]
            parts = re.split(r"(\{solution-start\}|\{solution-end\})", src)
            for part in parts:
                if part == "{solution-start}":
                    inside = True
                elif part == "{solution-end}":
                    inside = False
                elif inside:
                    frags += part.splitlines()
        elif inside:
            frags += src.splitlines()
    everything = _text(nb)
    # A line that also appears elsewhere in the chapter (a shared setup line) is not solution text.
    return [
        f.strip()
        for f in frags
        if len(f.strip()) >= 25 and not f.strip().startswith(("```", ":class:")) and everything.count(f.strip()) == 1
    ]


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    assert make_student.main(["--src", str(ROOT / "chapters"), "--out", str(out)]) == 0
    return out


def test_every_chapter_has_a_student_version(student_dir):
    assert sorted(p.name for p in student_dir.glob("*.ipynb")) == [p.name for p in CHAPTERS]


@pytest.mark.parametrize("path", EXERCISE_CHAPTERS, ids=[p.stem for p in EXERCISE_CHAPTERS])
def test_no_solution_leaks(student_dir, path):
    original = json.loads(path.read_text())
    student = json.loads((student_dir / path.name).read_text())
    text = _text(student)
    frags = _solution_fragments(original)
    assert frags, "the chapter should have solutions to remove"
    leaked = [f for f in frags if f in text]
    assert not leaked, f"solution text leaked into the student edition: {leaked[:3]}"
    assert "{solution" not in text
    assert text.count("{exercise}") == _text(original).count("{exercise}")
    stubs = [c for c in student["cells"] if "student-stub" in c["metadata"].get("tags", [])]
    gated = _text(original).count("{solution-start}")
    assert len(stubs) == gated and all("# YOUR CODE HERE" in make_student._source(c) for c in stubs)
    assert all(not c.get("outputs") for c in student["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("path", EXERCISE_CHAPTERS, ids=[p.stem for p in EXERCISE_CHAPTERS])
def test_student_notebook_runs_up_to_its_first_stub(student_dir, path):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.reads((student_dir / path.name).read_text(), as_version=4)
    first = next(i for i, c in enumerate(nb.cells) if "student-stub" in c.metadata.get("tags", []))
    nb.cells = nb.cells[:first]
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(student_dir)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors


def test_unbalanced_gates_are_rejected():
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "```{solution-start} ex\n:class: dropdown\n```\n"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    with pytest.raises(ValueError, match="no matching"):
        make_student.studentize(nb)
