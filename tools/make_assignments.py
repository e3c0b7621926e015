"""Build one otter-grader assignment per chapter, graded in a clean process.

Usage: python tools/make_assignments.py [--secret S] [--seed N] [--out assignments]
           [--requirements FILE] [--masters-only] [chapter ...]

Each build goes to its own folder, ``<out>/<build>/<chapter>/``: ``book`` without a
secret (the book's parameters, for self-study), ``<secret id>-seed<N>`` with one (the
secret can also come from the environment variable ``RIVERVALLEY_SECRET``). Each holds

- ``master.ipynb``: otter's master notebook, from the chapter's exercises and
  ``chapters/coursework/<chapter>/`` (setup, tasks, solution, student-side checks);
- ``student/``: the student notebook (``grader.check`` runs the student-side checks);
- ``grading/``: what ``tools/grade_submissions.py`` needs (``spec.json`` with the
  variant's parameters, the hidden and public tests and a copy of ``tools/autograde``);
- ``autograder/``: otter's Gradescope zip, whose grading step runs ``grading/``;
- ``rubric.md`` (chapters whose written questions quote numbers): those questions with
  the build's numbers, their reference answers and rubrics (tools/written_questions.py).

The conceptual and derivation questions (manual, 3 points each) are the chapter's
exercises with their solutions as the instructor's reference (with the build's numbers
where ``written.md`` quotes some); the computational one is
autograded (4 points) by the tests of ``chapters/coursework/<chapter>/hidden.py``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import pathlib
import shutil
import subprocess
import sys
import zipfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import written_questions  # noqa: E402
from autograde import variants  # noqa: E402
from exercise_text import (  # noqa: E402
    _CHECK_SENTENCE,
    _source,  # noqa: F401 - used by tests/coursework
    _title,
    exercises,
    to_markdown,
)

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOURCES = ROOT / "chapters" / "coursework"
AUTOGRADE = ROOT / "tools" / "autograde"
POINTS_MANUAL = 3


def _cell(kind: str, source: str, **meta) -> dict:
    cell = {"cell_type": kind, "metadata": meta, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _raw(text: str) -> dict:
    return _cell("raw", text)


def setup_cell(chapter: str, params: dict) -> str:
    """``setup.py`` with its ``# PARAMETERS`` import line replaced by the values, set
    after the imports."""
    source = (SOURCES / chapter / "setup.py").read_text()
    marked = [ln for ln in source.splitlines() if ln.rstrip().endswith("# PARAMETERS")]
    if len(marked) != 1:
        raise ValueError(f"{chapter}/setup.py needs one '# PARAMETERS' import line")
    lines = [ln for ln in source.splitlines() if ln not in marked]
    tree = ast.parse("\n".join(lines))
    last = max(
        n.end_lineno for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)
    )
    block = [
        "",
        "# This assignment's parameters: use these names (they differ between "
        "students).",
        *(f"{name} = {value!r}" for name, value in params.items()),
    ]
    lines[last:last] = block
    return "\n".join(lines).strip("\n") + "\n"


def solution_cell(chapter: str) -> str:
    """``solution.py`` without its ``# SETUP`` import (of the setup cell's names)."""
    text = (SOURCES / chapter / "solution.py").read_text().splitlines()
    return "\n".join(ln for ln in text if not ln.rstrip().endswith("# SETUP")).strip()


def written(chapter: str, numbers_of: dict) -> dict[str, dict[str, str]]:
    """:func:`written_questions.written` with this module's setup cell."""
    return written_questions.written(chapter, numbers_of, setup_cell)


def public_tests(chapter: str) -> list[tuple[str, str]]:
    """``(name, otter test code)`` for every check of ``public.py``: its imports, the
    function and a call with the notebook's names of its arguments."""
    source = (SOURCES / chapter / "public.py").read_text()
    tree = ast.parse(source)
    imports = [
        ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)
    ]
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            call = f"{node.name}({', '.join(a.arg for a in node.args.args)})"
            code = ast.get_source_segment(source, node)
            out.append(
                (
                    node.name,
                    "\n".join(imports) + "\n\n\n" + code + "\n\n\n" + call + "\n",
                )
            )
    return out


def _points(chapter: str) -> tuple[float, list[float]]:
    """The autograded points of a chapter: total and per hidden test (from the file's
    ``@tk.points(...)`` decorators, read without importing it)."""
    tree = ast.parse((SOURCES / chapter / "hidden.py").read_text())
    pts = [
        float(ast.literal_eval(d.args[0]))
        for n in tree.body
        if isinstance(n, ast.FunctionDef)
        for d in n.decorator_list
        if isinstance(d, ast.Call) and ast.unparse(d.func) == "tk.points"
    ]
    return sum(pts), pts


def master(
    chapter: str, nb: dict, params: dict, label: str, filled: dict | None = None
) -> dict:
    """The otter master notebook of one chapter (``filled``: the written questions with
    this build's numbers, from :func:`written`)."""
    filled = filled or {}
    ex = exercises(nb)
    number = chapter[:2]
    total, _ = _points(chapter)
    config = (
        "# ASSIGNMENT CONFIG\n"
        f"name: ch{number}\n"
        "export_cell: false\n"
        "check_all_cell: false\n"
        "run_tests: false\n"
        "init_cell: true\n"
    )
    cells = [
        _raw(config),
        _cell(
            "markdown",
            f"# Coursework, chapter {int(number)}: {_title(nb)}\n\n"
            f"Read chapter {int(number)} of *River Valley* first. Answer every "
            "question in the cell below it; add code cells where you need them "
            "(sympy and the library are imported below). "
            '`grader.check("computational")` runs the student-side checks; the grade '
            "comes from hidden tests run on your "
            "functions, taken from this notebook, in a fresh Python process, and on "
            "your answer values. The conceptual and derivation answers are graded by "
            f"hand ({POINTS_MANUAL} points each); the computational question is "
            f"autograded ({total:g} points).\n",
        ),
        _cell("code", setup_cell(chapter, params)),
    ]
    for kind in ("conceptual", "derivation"):
        item = ex[f"ex-{number}-{kind}"]
        if item["solution"] is None:
            raise ValueError(f"ex-{number}-{kind} has no solution in {chapter}")
        if kind in filled:
            question = filled[kind]["question"]
            reference = (
                "**Reference solution (with this assignment's numbers).**\n\n"
                + filled[kind]["reference"]
                + "\n**Rubric** (1 point per line).\n\n"
                + filled[kind]["rubric"]
            )
        else:
            question = to_markdown(item["text"])
            reference = "**Reference solution (from the book).**\n\n" + to_markdown(
                item["solution"]
            )
        cells += [
            _raw(
                f"# BEGIN QUESTION\nname: {kind}\nmanual: true\n"
                f"points: {POINTS_MANUAL}\n"
            ),
            _cell(
                "markdown",
                f"## Exercise {int(number)}.{1 if kind == 'conceptual' else 2}\n\n"
                + question,
            ),
            _raw("# BEGIN SOLUTION"),
            _cell("markdown", reference),
            _raw("# END SOLUTION"),
            _raw("# END QUESTION"),
        ]
    text = ex[f"ex-{number}-computational"]["text"]
    for pattern, repl in _CHECK_SENTENCE:
        text = pattern.sub(repl, text)
    values = ", ".join(f"`{k} = {v!r}`" for k, v in params.items())
    cells += [
        _raw("# BEGIN QUESTION\nname: computational\n"),
        _cell(
            "markdown",
            f"## Exercise {int(number)}.3\n\n**The book's exercise** (for context: "
            "this assignment's numbers differ).\n\n"
            + to_markdown(text)
            + f"\n**Graded tasks** ({label}: {values}). Define the names below exactly "
            "as stated: the tests use them.\n\n"
            + to_markdown((SOURCES / chapter / "tasks.md").read_text())
            + "\n",
        ),
        _raw("# BEGIN SOLUTION"),
        _cell(
            "code",
            "# Your answer: define the names of the graded tasks.\n# BEGIN SOLUTION\n"
            + solution_cell(chapter)
            + "\n# END SOLUTION\n",
        ),
        _raw("# END SOLUTION"),
        _raw("# BEGIN TESTS"),
    ]
    for _, code in public_tests(chapter):
        cfg = (
            '""" # BEGIN TEST CONFIG\npoints: 1\nhidden: false\n""" # END TEST CONFIG\n'
        )
        cells.append(_cell("code", cfg + code))
    cells += [_raw("# END TESTS"), _raw("# END QUESTION")]
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "display_name": "Python 3",
                "language": "python",
                "name": "python3",
            },
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def grading_folder(
    chapter: str, where: pathlib.Path, params: dict, seed: int, secret
) -> pathlib.Path:
    """``where/grading``: the spec, the tests and the grader, for grade_submissions.py
    and for the Gradescope zip."""
    spec = variants.load()[chapter]
    total, _ = _points(chapter)
    grading = where / "grading"
    grading.mkdir()
    for name in ("hidden.py", "public.py"):
        shutil.copy(SOURCES / chapter / name, grading / name)
    (grading / "setup.py").write_text(setup_cell(chapter, params))
    shutil.copytree(
        AUTOGRADE, grading / "autograde", ignore=shutil.ignore_patterns("__pycache__")
    )
    (grading / "spec.json").write_text(
        json.dumps(
            {
                "chapter": chapter,
                "answers": spec["answers"],
                "allowed": spec["allowed"],
                "params": params,
                "case_seed": variants.case_seed(chapter, secret, seed),
                "points": total,
            },
            indent=1,
        )
        + "\n"
    )
    return grading


#: Gradescope's grading step, in place of otter's ``run_otter.py`` (the lines before it,
#: which activate otter's environment with Python and the library, stay).
GRADING_STEP = (
    "# River Valley: grade in clean processes (tools/autograde), not in the student's "
    "kernel.\ncd /autograder/source && python rv_grading/autograde/gradescope.py "
    "/autograder\n"
)


def init_cell(notebook_name: str) -> str:
    """The student notebook's first cell: otter-grader from its pin in
    requirements-coursework.txt, installed on first use where it is missing (Binder
    builds requirements.txt only: otter would add pandas and Docker tooling, 100 MB,
    to every reader's environment, and grading does not run in the student's kernel)."""
    pin = next(
        ln.strip()
        for ln in (ROOT / "requirements-coursework.txt").read_text().splitlines()
        if ln.strip().startswith("otter-grader")
    )
    return (
        "# Initialize Otter (installed on first use where it is missing, e.g. Binder)\n"
        "try:\n"
        "    import otter\n"
        "except ImportError:\n"
        f"    %pip install --quiet {pin}\n"
        "    import otter\n"
        f'grader = otter.Notebook("{notebook_name}")'
    )


def _binder_init_cell(where: pathlib.Path) -> None:
    path = next((where / "student").glob("*.ipynb"))
    nb = json.loads(path.read_text())
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    if "".join(first["source"]).startswith("# Initialize Otter"):
        first["source"] = init_cell(path.name)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def _gradescope_zip(where: pathlib.Path) -> None:
    """Add ``grading/`` to otter's zip and make its ``run_autograder`` call it."""
    zpath = next((where / "autograder").glob("*.zip"))
    with zipfile.ZipFile(zpath) as z:
        items = {n: z.read(n) for n in z.namelist()}
    lines = items["run_autograder"].decode().splitlines(keepends=True)
    if not any("run_otter.py" in ln for ln in lines):
        raise ValueError("otter's run_autograder no longer calls run_otter.py")
    items["run_autograder"] = "".join(
        GRADING_STEP if "run_otter.py" in ln else ln for ln in lines
    ).encode()
    zpath.unlink()
    # Named by chapter and build, not by otter's timestamp.
    zpath = zpath.with_name(f"{where.name}-{where.parent.name}-autograder.zip")
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items.items():
            z.writestr(name, data)
        z.writestr("rv_grading/__init__.py", "")
        for f in sorted((where / "grading").rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts:
                z.write(f, "rv_grading/" + f.relative_to(where / "grading").as_posix())


def build(
    chapter: str,
    out: pathlib.Path,
    secret: str | None = None,
    seed: int = 0,
    assign: bool = True,
    src: pathlib.Path = ROOT / "chapters",
    requirements: pathlib.Path | None = None,
) -> pathlib.Path:
    """Build one chapter into ``out/<build id>/<chapter>`` and return that folder."""
    spec = variants.load()[chapter]
    params = variants.values(chapter, spec, secret, seed)
    bid = variants.build_id(secret, seed)
    label = "the book's parameters" if bid == "book" else "your variant"
    nb = json.loads((src / f"{chapter}.ipynb").read_text())
    where = out / bid / chapter
    if where.exists():
        shutil.rmtree(where)
    where.mkdir(parents=True)
    mpath = where / f"{chapter}.ipynb"
    quoted = params | variants.written_values(chapter, spec, secret, seed)
    filled = written(chapter, quoted)
    mnb = master(chapter, nb, params, label, filled)
    if requirements is not None:
        mnb["cells"][0]["source"] += (
            f"requirements: {json.dumps(str(requirements.resolve()))}\n"
        )
    mpath.write_text(json.dumps(mnb, indent=1, ensure_ascii=False) + "\n")
    grading_folder(chapter, where, params, seed, secret)
    if filled:
        text = written_questions.rubric_text(chapter, _title(nb), filled)
        (where / "rubric.md").write_text(text)
    if assign:
        otter = pathlib.Path(sys.executable).with_name("otter")
        subprocess.run(
            [str(otter), "assign", "--no-pdfs", mpath.name, "dist"],
            cwd=where,
            check=True,
            capture_output=True,
            text=True,
        )
        for part in ("student", "autograder"):
            shutil.move(str(where / "dist" / part), str(where / part))
        (where / "dist").rmdir()
        _binder_init_cell(where)
        _gradescope_zip(where)
    mpath.rename(where / "master.ipynb")
    return where


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter stems (default: all nine)")
    parser.add_argument("--src", default=ROOT / "chapters", type=pathlib.Path)
    parser.add_argument("--out", default=ROOT / "assignments", type=pathlib.Path)
    parser.add_argument(
        "--secret",
        default=os.environ.get("RIVERVALLEY_SECRET") or None,
        help="the instructor's secret (default: $RIVERVALLEY_SECRET); without one, "
        "the book's build",
    )
    parser.add_argument(
        "--seed", default=0, type=int, help="the variant under the secret"
    )
    parser.add_argument(
        "--requirements",
        type=pathlib.Path,
        default=None,
        help="a requirements file for Gradescope's image, put into the autograder zip",
    )
    parser.add_argument(
        "--masters-only",
        action="store_true",
        help="skip otter assign (master and grading/ only)",
    )
    parser.add_argument(
        "--build-id",
        action="store_true",
        help="print the build's folder name, build nothing",
    )
    args = parser.parse_args(argv)
    try:
        bid = variants.build_id(args.secret, args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    if args.build_id:
        print(bid)
        return 0
    chapters = args.chapters or sorted(variants.load())
    for chapter in chapters:
        where = build(
            chapter,
            args.out,
            args.secret,
            args.seed,
            assign=not args.masters_only,
            src=args.src,
            requirements=args.requirements,
        )
        print(f"{chapter}: {where}")
    print(f"wrote {len(chapters)} assignments to {args.out / bid}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
