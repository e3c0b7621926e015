"""The otter assignments (make assignments): full marks for the solutions, less for
anything else.

For every chapter: the solution notebook earns full autograded marks under
``otter run``; the untouched student notebook earns less; a variant (another SEED)
builds, its solution earns full marks, and the book's own solution does not; no solution
text is left in a student notebook; the zip, run as Gradescope runs it, gives the
solution full marks and publishes the hidden tests after grading. On the chapter 4
bisection exercise, answering with ``rv.critical_step_size`` earns less. Run with
``make test-coursework`` (installs otter-grader from requirements-coursework.txt).
"""

from __future__ import annotations

import atexit
import functools
import json
import pathlib
import re
import shutil
import sys
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import coursework_spec  # noqa: E402
import grade_submissions  # noqa: E402
import make_assignments  # noqa: E402

CHAPTERS = sorted(coursework_spec.CHAPTERS)
VARIANT = 7
_TMP = pathlib.Path(tempfile.mkdtemp(prefix="rv-coursework-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


@functools.cache
def built(chapter: str, seed: int) -> pathlib.Path:
    """Build one chapter's assignment (once per test process) and return its folder."""
    return make_assignments.build(
        chapter, ROOT / "chapters", _TMP / f"seed{seed}", seed
    )


def _zip(where: pathlib.Path) -> pathlib.Path:
    return next((where / "autograder").glob("*.zip"))


def _notebook(where: pathlib.Path, part: str) -> pathlib.Path:
    return next((where / part).glob("*.ipynb"))


def _score(notebook: pathlib.Path, where: pathlib.Path) -> tuple[float, float]:
    scores = grade_submissions.grade(notebook, _zip(where))
    assert scores, f"otter run reported no autograded question for {notebook}"
    return sum(s for s, _ in scores.values()), sum(m for _, m in scores.values())


def _text(nb: dict) -> str:
    return "\n".join(make_assignments._source(c) for c in nb["cells"])


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_full_marks_and_untouched_student_less(chapter):
    where = built(chapter, 0)
    got, full = _score(_notebook(where, "autograder"), where)
    assert (
        full == sum(t[0] for t in coursework_spec.CHAPTERS[chapter]["tests"])
        and got == full
    ), (got, full)
    got, full = _score(_notebook(where, "student"), where)
    assert got < full, f"the untouched student notebook earned {got}/{full}"


#: What Gradescope runs inside its image: the zip's ``run_autograder`` activates otter's
#: environment and calls ``otter.run.run_autograder.main("/autograder")`` on the layout
#: ``source/`` (the zip), ``submission/`` (the upload), ``results/`` (results.json).
GRADESCOPE_RUN = (
    "import sys\nfrom otter.run.run_autograder import main\nmain(sys.argv[1])\n"
)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_gradescope_grading_step_full_marks_and_hidden_tests_after_publishing(
    chapter, tmp_path
):
    """The zip as Gradescope runs it (the step after its image is built; that build and
    the upload need a Gradescope account): the solution earns full marks, public tests
    are visible at once and the hidden ones after the grades are published, as the
    instructor guide says."""
    import subprocess
    import zipfile

    where = built(chapter, 0)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(_zip(where)) as z:
        z.extractall(root / "source")
    assert (root / "source" / "run_autograder").exists()
    runner = (root / "source" / "run_otter.py").read_text()
    assert 'run_autograder("/autograder")' in runner
    (root / "submission").mkdir()
    (root / "results").mkdir()
    shutil.copy(_notebook(where, "autograder"), root / "submission")
    proc = subprocess.run(
        [sys.executable, "-c", GRADESCOPE_RUN, str(root)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    results = root / "results" / "results.json"
    assert results.exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
    tests = json.loads(results.read_text())["tests"]
    graded = [t for t in tests if t.get("max_score") is not None]
    full = sum(t[0] for t in coursework_spec.CHAPTERS[chapter]["tests"])
    assert sum(t["max_score"] for t in graded) == full
    assert sum(t["score"] for t in graded) == full, graded
    hidden = any(t[1] for t in coursework_spec.CHAPTERS[chapter]["tests"])
    public = [t for t in tests if t["name"] == "Public Tests"]
    assert public and all(t["visibility"] == "visible" for t in public)
    assert hidden and all(t["visibility"] == "after_published" for t in graded), graded


def test_ch4_library_call_instead_of_bisection_earns_less(tmp_path):
    chapter = "04_critical_step_size"
    where = built(chapter, 0)
    nb = json.loads(_notebook(where, "autograder").read_text())
    marker = coursework_spec.CHAPTERS[chapter]["cheat"][0]
    cells = [
        c
        for c in nb["cells"]
        if c["cell_type"] == "code" and marker in make_assignments._source(c)
    ]
    assert len(cells) == 1
    cells[0]["source"] = make_assignments.cheat(chapter, 0)
    sub = tmp_path / _notebook(where, "autograder").name
    sub.write_text(json.dumps(nb))
    got, full = _score(sub, where)
    assert 0 < got < full, (
        f"rv.critical_step_size in place of bisection earned {got}/{full}"
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_variant_solution_full_marks_and_book_solution_less(chapter):
    spec = coursework_spec.CHAPTERS[chapter]
    book, variant = (
        make_assignments.pick(spec["params"], 0, chapter),
        make_assignments.pick(spec["params"], VARIANT, chapter),
    )
    assert all(book[p] != variant[p] for p in book), (
        "every parameter of a variant differs from the book's"
    )
    where = built(chapter, VARIANT)
    got, full = _score(_notebook(where, "autograder"), where)
    assert got == full, f"the variant's own solution earned {got}/{full}"
    got, full = _score(_notebook(built(chapter, 0), "autograder"), where)
    assert got < full, f"the book's solution answered the variant: {got}/{full}"


def _solution_lines(chapter: str, where: pathlib.Path) -> list[str]:
    """Substantial lines of the reference solutions: the spec's code and the book's
    solution text."""
    master = json.loads((where / "master.ipynb").read_text())
    lines, inside, given = [], False, []
    for cell in master["cells"]:
        src = make_assignments._source(cell)
        if cell["cell_type"] == "raw" and src.startswith("# BEGIN SOLUTION"):
            inside = True
        elif cell["cell_type"] == "raw" and src.startswith("# END SOLUTION"):
            inside = False
        elif inside:
            lines += [ln.strip() for ln in src.splitlines()]
        elif cell["cell_type"] == "markdown":
            given.append(src)
    # A line the question itself states (the graded tasks spell out the calls to make)
    # is not solution text.
    prompt = "\n".join(given)
    return [
        ln
        for ln in lines
        if len(ln) >= 25
        and not ln.startswith(("#", "```", "**Reference"))
        and ln not in prompt
    ]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_student_notebook_has_readable_exercises_and_no_solution(chapter):
    where = built(chapter, 0)
    student = _text(json.loads(_notebook(where, "student").read_text()))
    lines = _solution_lines(chapter, where)
    assert len(lines) >= 5, "the master notebook should hold solutions to remove"
    leaked = [ln for ln in lines if ln in student]
    assert not leaked, f"solution text in the student notebook: {leaked[:3]}"
    assert not re.search(
        r"\{(exercise|solution|cite|ref)|:label:|BEGIN "
        r"SOLUTION|`check\.|\\etastar|\\chiinf",
        student,
    )
    for n in (1, 2, 3):
        assert f"## Exercise {int(chapter[:2])}.{n}" in student
    assert student.count("_Type your answer here") == 2, (
        "one answer cell per manual question"
    )
    assert 'grader.check("computational")' in student
