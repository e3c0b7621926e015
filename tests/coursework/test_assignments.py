"""The coursework as a student trying to game it and as an instructor would use it.

Every chapter is built (``make_assignments.build``) and graded by ``tools/autograde``:
the reference solution earns full marks, the untouched student notebook nothing, and
every gaming route of issue #22 (tests/coursework/gaming.py) at most a quarter of the
autograded points. Variants come from a secret; a folder of submissions with broken
notebooks is graded to a CSV with a row per notebook. Run with ``make test-coursework``.
"""

from __future__ import annotations

import atexit
import csv
import functools
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "coursework"))
import gaming  # noqa: E402
import grade_submissions  # noqa: E402
import make_assignments  # noqa: E402
from autograde import extract, variants  # noqa: E402
from autograde import grade as autograde  # noqa: E402

CHAPTERS = sorted(variants.load())
SECRET = "test-coursework-secret"
_TMP = pathlib.Path(tempfile.mkdtemp(prefix="rv-coursework-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


@functools.cache
def built(chapter: str, secret: str | None = None, seed: int = 0) -> pathlib.Path:
    """One chapter's build (once per test process): its folder."""
    return make_assignments.build(chapter, _TMP / "assignments", secret, seed)


def _notebook(where: pathlib.Path, part: str) -> pathlib.Path:
    return next((where / part).glob("*.ipynb"))


def grade(notebook: pathlib.Path | dict, where: pathlib.Path) -> dict:
    """Grade a notebook (a path, or a notebook dict written to a file first)."""
    if isinstance(notebook, dict):
        path = pathlib.Path(tempfile.mkstemp(suffix=".ipynb", dir=_TMP)[1])
        path.write_text(json.dumps(notebook))
        notebook = path
    return autograde.grade(notebook, where / "grading")


def with_cell(where: pathlib.Path, code: str) -> dict:
    """The untouched student notebook with one code cell added at its end."""
    nb = json.loads(_notebook(where, "student").read_text())
    nb["cells"].append(
        {
            "cell_type": "code",
            "metadata": {},
            "source": code,
            "execution_count": None,
            "outputs": [],
        }
    )
    return nb


def _report(result: dict) -> str:
    return json.dumps(
        [(t["name"], t["score"], t["message"][:200]) for t in result["tests"]]
        + [result["error"], result["errors"][:3]],
        indent=1,
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_full_marks_untouched_student_nothing(chapter):
    where = built(chapter)
    r = grade(_notebook(where, "autograder"), where)
    assert r["max"] == 4 and r["score"] == r["max"], _report(r)
    assert not r["flags"], f"the reference solution is flagged: {r['flags']}"
    r = grade(_notebook(where, "student"), where)
    assert r["score"] == 0, f"the untouched student notebook earned {r['score']}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_patching_otter_earns_at_most_a_quarter(chapter):
    where = built(chapter)
    r = grade(with_cell(where, gaming.OTTER + "\n" + gaming.CONSTANTS[chapter]), where)
    assert r["score"] <= r["max"] / 4, _report(r)
    assert any("otter" in f for f in r["flags"]), r["flags"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_shadowed_builtins_and_patched_numpy_earn_at_most_a_quarter(chapter):
    where = built(chapter)
    r = grade(with_cell(where, gaming.PATCH + "\n" + gaming.CONSTANTS[chapter]), where)
    assert r["score"] <= r["max"] / 4, _report(r)
    flags = " | ".join(r["flags"])
    assert "shadows the builtin abs" in flags and "np.allclose (numpy)" in flags, flags


@pytest.mark.parametrize(
    ("chapter", "route"), sorted(gaming.LIBRARY), ids=lambda x: str(x)[:40]
)
def test_library_route_earns_at_most_a_quarter(chapter, route):
    where = built(chapter)
    r = grade(with_cell(where, gaming.LIBRARY[chapter, route]), where)
    assert r["score"] <= r["max"] / 4, _report(r)
    hidden = [t for t in r["tests"] if not t["public"]]
    assert all(t["score"] == 0 for t in hidden), _report(r)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_book_code_with_the_variants_values_earns_at_most_a_quarter(chapter):
    """The book's published code, the variant's values typed in: full marks on the
    book's own build (where it is the honest answer; less where it calls a blocked
    routine or compares with a literal), at most a quarter on two variants, which ask
    for a case the book does not work out."""
    cell = gaming.BOOK[chapter]
    where = built(chapter)
    r = grade(with_cell(where, cell), where)
    if chapter in gaming.BOOK_NOT_FULL:
        assert r["score"] < r["max"], _report(r)
    else:
        assert r["score"] == r["max"], f"not the book's answer: {_report(r)}"
    for seed in (3, 4):
        where = built(chapter, SECRET, seed)
        r = grade(with_cell(where, cell), where)
        assert r["score"] <= r["max"] / 4, f"seed {seed}: {_report(r)}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_variant_from_secret_full_marks_and_book_solution_less(chapter):
    spec = variants.load()[chapter]
    assert variants.count(spec) >= 20, f"{chapter} has {variants.count(spec)} variants"
    book = variants.values(chapter, spec, None, 0)
    where = built(chapter, SECRET, 3)
    assert where.parent.name == f"{variants.secret_id(SECRET)}-seed3"
    params = json.loads((where / "grading" / "spec.json").read_text())["params"]
    assert all(params[p] != book[p] for p in book), (params, book)
    r = grade(_notebook(where, "autograder"), where)
    assert r["score"] == r["max"], _report(r)
    r = grade(_notebook(built(chapter), "autograder"), where)
    assert r["score"] <= r["max"] / 4, f"the book's solution on a variant: {_report(r)}"


def test_variants_need_the_secret_and_differ_between_secrets():
    with pytest.raises(ValueError, match="SECRET"):
        variants.build_id(None, 5)
    for chapter, spec in variants.load().items():
        seen = {
            json.dumps(variants.values(chapter, spec, SECRET, seed))
            for seed in range(40)
        }
        assert len(seen) >= 10, f"{chapter}: 40 seeds gave {len(seen)} variants"
        other = variants.values(chapter, spec, SECRET + "x", 1)
        assert variants.case_seed(chapter, SECRET, 1) != variants.case_seed(
            chapter, SECRET + "x", 1
        )
        assert isinstance(other, dict)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_student_notebook_holds_no_solution_and_no_secret(chapter):
    where = built(chapter, SECRET, 3)
    student = _notebook(where, "student").read_text()
    solution = make_assignments.solution_cell(chapter).splitlines()
    leaked = [ln for ln in solution if len(ln.strip()) >= 25 and ln.strip() in student]
    # The question and the student-side checks (public.py) are shown on purpose.
    shown = (make_assignments.SOURCES / chapter / "tasks.md").read_text() + (
        make_assignments.SOURCES / chapter / "public.py"
    ).read_text()
    leaked = [ln for ln in leaked if ln.strip() not in shown]
    assert not leaked, f"solution text in the student notebook: {leaked[:3]}"
    assert SECRET not in student and "seed3" not in student
    text = "\n".join("".join(c["source"]) for c in json.loads(student)["cells"])
    assert 'grader.check("computational")' in text
    assert text.count("_Type your answer here") == 2


def test_gradescope_step_grades_in_a_clean_process(tmp_path):
    """The zip as Gradescope runs it (unpacked as /autograder/source, the submission in
    /autograder/submission): full marks, public tests visible, hidden ones after the
    grades are published and without their messages (expected values) unless the
    instructor opts in."""
    where = built("04_critical_step_size")
    root = tmp_path / "autograder"
    with zipfile.ZipFile(next((where / "autograder").glob("*.zip"))) as z:
        z.extractall(root / "source")
    script = (root / "source" / "run_autograder").read_text()
    assert "rv_grading/autograde/gradescope.py" in script
    (root / "submission").mkdir()
    sub = with_cell(where, gaming.CONSTANTS["04_critical_step_size"])
    (root / "submission" / "sub.ipynb").write_text(json.dumps(sub))
    subprocess.run(
        [sys.executable, "rv_grading/autograde/gradescope.py", str(root)],
        cwd=root / "source",
        check=True,
        timeout=600,
    )
    out = json.loads((root / "results" / "results.json").read_text())
    tests = out["tests"]
    assert sum(t["max_score"] for t in tests) == 4 and out["score"] <= 1
    for t in tests:
        public = t["name"].endswith("(public)")
        assert t["visibility"] == ("visible" if public else "after_published")
        if not public and t["score"] < t["max_score"]:
            assert "expected" not in t["output"], t["output"]
    shutil.copy(_notebook(where, "autograder"), root / "submission" / "sub.ipynb")
    subprocess.run(
        [sys.executable, "rv_grading/autograde/gradescope.py", str(root)],
        cwd=root / "source",
        check=True,
        timeout=600,
    )
    assert json.loads((root / "results" / "results.json").read_text())["score"] == 4


def test_grading_a_folder_survives_bad_notebooks(tmp_path):
    where = built("01_river_valley")
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(_notebook(where, "autograder"), subs / "a_solution.ipynb")
    (subs / "b_not_json.ipynb").write_text("{ this is not a notebook")
    loop = with_cell(where, "while True:\n    pass\n")
    (subs / "c_endless.ipynb").write_text(json.dumps(loop))
    raises = with_cell(where, "raise SystemExit(3)\n")
    (subs / "d_exits.ipynb").write_text(json.dumps(raises))
    out = tmp_path / "out" / "grades.csv"
    grade_submissions.grade_folder(where, subs, out, jobs=2, timeout=60)
    rows = {r["submission"]: r for r in csv.DictReader(out.read_text().splitlines())}
    assert set(rows) == {
        "a_solution.ipynb",
        "b_not_json.ipynb",
        "c_endless.ipynb",
        "d_exits.ipynb",
    }
    assert rows["a_solution.ipynb"]["autograded"] == "4"
    assert rows["a_solution.ipynb"]["plateau_on_unseen_traces"] == "1"
    assert "not a readable notebook" in rows["b_not_json.ipynb"]["errors"]
    assert "did not finish" in rows["c_endless.ipynb"]["errors"]
    assert rows["c_endless.ipynb"]["autograded"] == "0"
    assert "SystemExit" in rows["d_exits.ipynb"]["errors"]


def test_extraction_keeps_functions_and_drops_patches():
    src = [
        "import numpy as np\nimport os\nabs = lambda x: 0.0\nnp.allclose = len\n",
        "_alias = np.mean\nK = 3\n\n@staticmethod\ndef decorated(x):\n    return x\n",
        "def f(x, n=2):\n    return np.abs(x) * K\n\n"
        "def g(x, h=print('hi')):\n    return 1\n",
    ]
    module = extract.student_module(src)
    assert "import numpy as np" in module and "import os" not in module
    assert "def f(" in module and "K = 3" in module
    for dropped in ("allclose", "_alias", "decorated", "def g", "abs ="):
        assert dropped not in module, dropped
    flags = " | ".join(extract.flags(src))
    assert "shadows the builtin abs" in flags and "imports os" in flags
    assert "patches np.allclose (numpy)" in flags


def test_student_first_cell_runs_where_otter_is_installed_and_installs_it_elsewhere():
    """The first cell imports otter, or installs the pin of requirements-coursework.txt
    first (Binder's environment is requirements.txt, which leaves otter out)."""
    where = built("01_river_valley")
    nb = json.loads(_notebook(where, "student").read_text())
    first = "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])
    pin = (ROOT / "requirements-coursework.txt").read_text().split("otter-grader==")[1]
    assert f"%pip install --quiet otter-grader=={pin.split()[0]}" in first
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        import os

        cwd = os.getcwd()
        os.chdir(where / "student")
        import warnings

        with warnings.catch_warnings():  # otter's traitlets use; not the cell's
            warnings.simplefilter("ignore", DeprecationWarning)
            result = shell.run_cell(first)
    finally:
        os.chdir(cwd)
    assert result.success, result.error_in_exec
    assert type(shell.user_ns["grader"]).__name__ == "Notebook"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_sources_are_one_set_of_files_per_chapter(chapter):
    """chapters/coursework/<chapter>/ holds the five sources; the parameters named by
    the setup cell's ``# PARAMETERS`` line are those of parameters.toml, the tasks name
    each of them, and the hidden tests are worth 4 points."""
    import ast

    folder = make_assignments.SOURCES / chapter
    for name in ("setup.py", "tasks.md", "solution.py", "public.py", "hidden.py"):
        assert (folder / name).is_file(), name
    marked = [
        ln
        for ln in (folder / "setup.py").read_text().splitlines()
        if ln.endswith("# PARAMETERS")
    ]
    assert len(marked) == 1
    names = {a.name for a in ast.parse(marked[0]).body[0].names}
    assert names == set(variants.load()[chapter]["parameters"])
    tasks = (folder / "tasks.md").read_text()
    assert all(f"`{n}`" in tasks for n in names), names
    assert make_assignments._points(chapter)[0] == 4
    for f in (ROOT / "tools").rglob("*.py"):
        if "autograde" in f.parts or f.name in (
            "make_assignments.py",
            "exercise_text.py",
        ):
            assert len(f.read_text().splitlines()) <= 500, f


def test_a_change_to_the_environment_is_charged_to_the_notebook_that_made_it(tmp_path):
    """Two notebooks graded at a time: one appends to the build's hidden tests while it
    runs. It scores nothing, with the reason; the solution graded beside it (which saw
    the change happen) is graded again alone and keeps its marks."""
    where = built("01_river_valley")
    subs = tmp_path / "subs"
    subs.mkdir()
    for i in range(3):
        shutil.copy(_notebook(where, "autograder"), subs / f"a_solution{i}.ipynb")
    target = where / "grading" / "hidden.py"
    writes = with_cell(
        where,
        "import time\n"
        f"for _ in range(20):\n    open({str(target)!r}, 'a').write('#')\n"
        "    time.sleep(0.1)\n",
    )
    (subs / "b_writes.ipynb").write_text(json.dumps(writes))
    out = tmp_path / "grades.csv"
    try:
        grade_submissions.grade_folder(where, subs, out, jobs=2, timeout=120)
    finally:
        target.write_text(target.read_text().rstrip("#\n") + "\n")
    rows = {r["submission"]: r for r in csv.DictReader(out.read_text().splitlines())}
    assert rows["b_writes.ipynb"]["autograded"] == "0"
    assert autograde.ENV_CHANGED in rows["b_writes.ipynb"]["errors"]
    for i in range(3):
        assert rows[f"a_solution{i}.ipynb"]["autograded"] == "4", rows


def test_written_questions_quote_the_variants_numbers_from_the_library():
    """Chapters 3 and 5 quote numbers in a written question: the book's build quotes the
    book's (those of its published solution), a variant its own, and the reference
    answer and the rubric the same numbers, which agree with a computation here."""
    import math
    import re

    spec3 = variants.load()["03_one_step_recursion"]
    seen = set()
    for secret, seed in ((None, 0), (SECRET, 3), (SECRET, 4), (SECRET, 5)):
        W = variants.written_values("03_one_step_recursion", spec3, secret, seed)
        f = make_assignments.written("03_one_step_recursion", W)["conceptual"]
        factor = W["k"] * W["lam"] ** 2 / ((W["d"] - W["k"]) * W["mu"] ** 2)
        quoted = float(re.search(r"about ([\d.]+) times", f["rubric"])[1])
        assert abs(quoted / factor - 1) < 5e-3, (W, quoted, factor)
        assert f"$k = {W['k']}$, $d = {W['d']}$" in f["question"], f["question"]
        assert f"about\n{quoted:g} times" in f["reference"], f["reference"]
        if secret is None:
            assert "10\\,\\sigma^2" in f["rubric"] and "999 times" in f["rubric"]
        seen.add(f["question"])
    assert len(seen) >= 3, "the written question's numbers do not vary"
    spec5 = variants.load()["05_self_correction"]
    for secret, seed in ((None, 0), (SECRET, 3), (SECRET, 4)):
        W = variants.written_values("05_self_correction", spec5, secret, seed)
        f = make_assignments.written("05_self_correction", W)["derivation"]
        kappa_sq = float(re.search(r"\\kappa\\ge\\sqrt\{([\d.]+)\}", f["rubric"])[1])
        plateau = rv_two_level(W["d"], W["k"], 1.0, 1.0 / math.sqrt(kappa_sq))
        assert abs(plateau - W["target"]) < 1e-4, (W, kappa_sq, plateau)
        assert f"\\chi_\\infty \\ge {W['target']:g}$" in f["question"]
        assert f"\\sqrt{{{kappa_sq:g}}}" in f["reference"]
        if secret is None:
            assert "\\approx43.4" in f["rubric"] and "19\\,(d-k)" in f["rubric"]


def rv_two_level(d: int, k: int, lam: float, mu: float) -> float:
    """The small-eta curvature-noise plateau of a two-level valley, from the library."""
    import rivervalley_lib as rv

    valley = rv.RiverValley.two_level(d=d, k=k, dominant=lam, bulk=mu)
    return rv.noise_floor(valley, rv.CurvatureNoise(1.0), 1e-6).alignment


def test_written_numbers_reach_the_student_the_reference_and_the_rubric():
    where = built("05_self_correction", SECRET, 3)
    W = variants.written_values(
        "05_self_correction", variants.load()["05_self_correction"], SECRET, 3
    )
    student = json.loads(_notebook(where, "student").read_text())
    text = "\n".join("".join(c["source"]) for c in student["cells"])
    assert f"$k = {W['k']}$ and $d = {W['d']}$. Use sympy." in text, text[-3000:]
    assert "Reference solution" not in text and "Rubric" not in text
    solution = _notebook(where, "autograder").read_text()
    assert "Reference solution (with this assignment's numbers)" in solution
    rubric = (where / "rubric.md").read_text()
    line = [ln for ln in rubric.splitlines() if ln.startswith("- (3)")][0]
    assert f"$k = {W['k']}$, $d = {W['d']}$" in line


def test_written_answers_to_pdf_with_otter_export(tmp_path):
    """tools/written_pdf.py runs ``otter export --exporter html --filtering`` offline on
    a submission: a PDF comes out, and what otter prints (its filtered notebook) holds
    the two written answers and not the computational question."""
    import re
    import warnings

    import written_pdf

    with warnings.catch_warnings():  # otter's traitlets use; not the route's
        warnings.simplefilter("ignore", DeprecationWarning)
        from otter.export.exporters.via_html import PDFViaHTMLExporter

    where = built("04_critical_step_size")
    nb = json.loads(_notebook(where, "student").read_text())
    answers = iter(["ANSWER-ONE: the noise floor.", "ANSWER-TWO: G cancels."])
    for cell in nb["cells"]:
        if "".join(cell["source"]).startswith("_Type your answer here"):
            cell["source"] = next(answers)
    sub = tmp_path / "subs" / "student.ipynb"
    sub.parent.mkdir()
    sub.write_text(json.dumps(nb))
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "written_pdf.py"), str(sub.parent)]
        + ["--out", str(tmp_path / "pdfs")],
        check=True,
        timeout=600,
    )
    pdf = (tmp_path / "pdfs" / "student.pdf").read_bytes()
    assert pdf[:5] == b"%PDF-" and re.search(rb"/Type\s*/Page(?!s)", pdf)
    printed = PDFViaHTMLExporter.load_notebook(str(sub), filtering=True)
    text = "\n".join(c.source for c in printed.cells)
    assert "ANSWER-ONE" in text and "ANSWER-TWO" in text
    assert "Exercise 4.3" not in text and "grader.check" not in text
    assert written_pdf.chromium()


def test_warm_servers_give_every_notebook_a_fresh_child(tmp_path):
    """Graded one after another by the same worker's fork servers: a notebook that
    patches numpy and the library, and one that kills the server running it, change
    nothing for the solutions graded after them (each runs in a fresh fork of an
    untouched parent; a dead server is started again)."""
    where = built("01_river_valley")
    subs = tmp_path / "subs"
    subs.mkdir()
    patch = with_cell(
        where,
        gaming.PATCH + "import rivervalley_lib\nrivervalley_lib.simulate = None\n",
    )
    (subs / "a_patch.ipynb").write_text(json.dumps(patch))
    shutil.copy(_notebook(where, "autograder"), subs / "b_solution.ipynb")
    kill = with_cell(
        where, "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"
    )
    (subs / "c_kills.ipynb").write_text(json.dumps(kill))
    shutil.copy(_notebook(where, "autograder"), subs / "d_solution.ipynb")
    out = tmp_path / "grades.csv"
    grade_submissions.grade_folder(where, subs, out, jobs=1, timeout=120)
    rows = {r["submission"]: r for r in csv.DictReader(out.read_text().splitlines())}
    assert rows["a_patch.ipynb"]["autograded"] == "0"
    assert "stopped the grader's runner" in rows["c_kills.ipynb"]["errors"]
    assert rows["c_kills.ipynb"]["autograded"] == "0"
    assert rows["b_solution.ipynb"]["autograded"] == "4", rows
    assert rows["d_solution.ipynb"]["autograded"] == "4", rows


@pytest.mark.parametrize("seed", [0, 3])
def test_written_question_of_chapter_6_quotes_the_checkpoints_alignment(seed):
    """The share quoted is the alignment at the build's own checkpoint, computed here
    from the build's setup cell (grading/setup.py) and the library."""
    import re

    import rivervalley_lib as rv

    secret = SECRET if seed else None
    where = built("06_dom_vs_bulk", secret, seed)
    setup: dict = {}
    exec((where / "grading" / "setup.py").read_text(), setup)
    P = json.loads((where / "grading" / "spec.json").read_text())["params"]
    chi = rv.alignment(setup["valley"], setup["ckpt"][P["checkpoint"]])
    rubric = (where / "rubric.md").read_text()
    quoted = re.search(r"is (\d+)%\s+dominant \(its alignment is ([\d.]+)\)", rubric)
    assert quoted, rubric[:600]
    assert int(quoted[1]) == round(100 * chi) and float(quoted[2]) == round(chi, 3)
    student = _notebook(where, "student").read_text()
    assert f"`ckpt[{P['checkpoint']}]`, is {quoted[1]}%" in student
