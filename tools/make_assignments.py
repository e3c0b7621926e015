"""Build one otter-grader assignment per chapter from the chapters' exercise sections.

Usage: python tools/make_assignments.py [--src chapters] [--out assignments] [--seed 0]
           [--requirements FILE] [--masters-only] [chapter ...]

For each chapter with exercises, writes ``<out>/<chapter>/master.ipynb`` (otter's master
notebook) and runs ``otter assign`` on it, which writes ``<out>/<chapter>/student/``
(the student notebook) and ``<out>/<chapter>/autograder/`` (the autograder zip and the
solution notebook).

The master notebook has three questions:
- ``conceptual`` and ``derivation`` (manual, 3 points each): the chapter's
  ``{exercise}`` text as markdown, and its solution (``{solution}`` dropdown or
  ``{solution-start}`` ... ``{solution-end}`` section, code shown as a code block) as
  the instructor's reference;
- ``computational`` (autograded, 4 points): the chapter's exercise text with its
  parameters set by ``--seed``, followed by graded tasks, a reference solution and
  public/hidden tests, from ``tools/coursework_spec.py``.

``--seed 0`` uses the book's parameters; any other seed gives a variant whose parameters
all differ from the book's, so that the book's published solutions do not answer it.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import random
import re
import shutil
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import coursework_spec  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
POINTS_MANUAL = 3

_EXERCISE = re.compile(
    r"^(`{3,}|:{3,})\{exercise\}[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S
)
_SOLUTION = re.compile(
    r"^(`{3,}|:{3,})\{solution\}\s*(\S+)[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S
)
_GATE_START = re.compile(
    r"^(`{3,})\{solution-start\}\s*(\S+)[^\n]*\n.*?^\1[ \t]*$\n?", re.M | re.S
)
_GATE_END = re.compile(r"^(`{3,})\{solution-end\}[^\n]*\n\s*^\1[ \t]*$\n?", re.M | re.S)
_OPTION = re.compile(r"^:(label|class):[^\n]*\n", re.M)
_CHECK_SENTENCE = [
    (re.compile(r",? and check your [^.`]*with\s+`check\.[^`]*`[^.]*\."), "."),
    (re.compile(r"\s*Check [^.`]*with\s+`check\.[^`]*`[^.]*\."), ""),
]
_AUTHORS = {
    "deng2026suspicious": "Deng et al. (2026)",
    "song2025tiny": "Song, Ahn & Yun (2025)",
    "gurari2018tiny": "Gur-Ari, Roberts & Dyer (2018)",
    "papyan2020traces": "Papyan (2020)",
    "sagun2017empirical": "Sagun et al. (2017)",
}


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _title(nb: dict) -> str:
    """The chapter's ``# `` heading: the first markdown cell's, after its front matter.

    tools/sync_notebooks.py puts a front-matter block at the top of the first
    cell, and code cells may start with a ``# `` comment: neither is the title.
    """
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = _source(cell)
        if text.startswith("---\n"):
            text = text.split("\n---\n", 1)[-1]
        for line in text.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    raise ValueError("no '# ' heading in any markdown cell")


def _macros() -> dict[str, str]:
    """The book's MathJax macros (``_config.yml``), which a plain notebook does not
    know."""
    text = (ROOT / "_config.yml").read_text()
    block = text[text.index("macros:") :]
    found = re.findall(r"^\s+(\w+):\s*\"(.*?)\"\s*$", block, re.M)
    return {name: value.replace("\\\\", "\\") for name, value in found}


def to_markdown(text: str) -> str:
    """MyST to plain Jupyter markdown: macros expanded, roles turned into text."""
    # Each expansion is braced, so that a control word before it stays a control word
    # (``\lVert\PD`` must not become ``\lVertP_{...}``).
    for name, value in sorted(_macros().items(), key=lambda kv: -len(kv[0])):
        text = re.sub(
            r"\\" + name + r"(?![A-Za-z])", lambda _m, v=value: "{" + v + "}", text
        )

    def cite(m: re.Match) -> str:
        keys = m.group(2).split(",")
        names = [_AUTHORS.get(k.strip(), k.strip()) for k in keys]
        return "; ".join(names) if m.group(1) == ":t" else "(" + "; ".join(names) + ")"

    text = re.sub(r"\{cite(:t|:p)?\}`([^`]*)`", cite, text)
    text = re.sub(
        r"\{(?:ref|prf:ref|numref|doc)\}`([^`]*)`", r"`\1` (in the book)", text
    )
    return text


def exercises(nb: dict) -> dict[str, dict]:
    """``label -> {"text", "solution"}`` for every exercise of a chapter notebook."""
    out: dict[str, dict] = {}
    gate, gate_parts = None, []
    for cell in nb["cells"]:
        src = _source(cell)
        if gate is not None:
            if cell["cell_type"] == "code":
                gate_parts.append("```python\n" + src.strip("\n") + "\n```\n")
                continue
            end = _GATE_END.search(src)
            if end is None:
                gate_parts.append(src)
                continue
            gate_parts.append(src[: end.start()])
            out[gate]["solution"] = (
                "\n".join(p.strip("\n") for p in gate_parts if p.strip()) + "\n"
            )
            gate, gate_parts = None, []
            src = src[end.end() :]
        if cell["cell_type"] != "markdown":
            continue
        for m in _EXERCISE.finditer(src):
            label = re.search(r":label:\s*(\S+)", m.group(2)).group(1)
            out[label] = {
                "text": _OPTION.sub("", m.group(2)).strip("\n") + "\n",
                "solution": None,
            }
        for m in _SOLUTION.finditer(src):
            out[m.group(2)]["solution"] = _OPTION.sub("", m.group(3)).strip("\n") + "\n"
        start = _GATE_START.search(src)
        if start is not None:
            gate = start.group(2)
            rest = src[start.end() :]
            end = _GATE_END.search(rest)
            if end is not None:  # the whole gated solution sits in one markdown cell
                out[gate]["solution"] = rest[: end.start()].strip("\n") + "\n"
                gate = None
            else:
                gate_parts = [rest]
    if gate is not None:
        raise ValueError(
            f"{gate}: a {{solution-start}} has no matching {{solution-end}}"
        )
    return out


def pick(params: dict[str, list], seed: int, chapter: str) -> dict:
    """The book's parameters for ``seed == 0``; otherwise other values, all different
    from them."""
    if seed == 0:
        return {name: values[0] for name, values in params.items()}
    rng = random.Random(f"{chapter}:{seed}")
    return {name: rng.choice(values[1:]) for name, values in params.items()}


def fill(template: str, values: dict) -> str:
    def sub(m: re.Match) -> str:
        return (
            repr(values[m.group(1)])
            if not isinstance(values[m.group(1)], str)
            else values[m.group(1)]
        )

    out = re.sub(r"<<(\w+)>>", sub, template)
    if "<<" in out:
        raise ValueError(f"unfilled template parameter in {out[:80]!r}")
    return out


def _cell(kind: str, source: str, **meta) -> dict:
    cell = {"cell_type": kind, "metadata": meta, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _raw(text: str) -> dict:
    return _cell("raw", text)


def master(
    chapter: str, nb: dict, seed: int, requirements: pathlib.Path | None = None
) -> dict:
    """The otter master notebook of one chapter."""
    spec = coursework_spec.CHAPTERS[chapter]
    values = pick(spec["params"], seed, chapter)
    ex = exercises(nb)
    number = chapter[:2]
    title = _title(nb)
    name = f"ch{number}"
    config = (
        "# ASSIGNMENT CONFIG\n"
        f"name: {name}\n"
        "requirements: "
        f"{json.dumps(str(requirements.resolve())) if requirements else 'null'}\n"
        "export_cell: false\n"
        "check_all_cell: false\n"
        "run_tests: false\n"
        "init_cell: true\n"
        # Gradescope shows hidden test results once the grades are published.
        "generate:\n"
        "  show_hidden: true\n"
    )
    variant = "the book's parameters" if seed == 0 else f"variant SEED={seed}"
    cells = [
        _raw(config),
        _cell(
            "markdown",
            f"# Coursework, chapter {int(number)}: {title}\n\n"
            f"Read chapter {int(number)} of *River Valley* first ({variant}). Answer "
            "every "
            'question in the cell below it. `grader.check("computational")` runs the '
            "public "
            "tests; the final score also uses hidden tests, which run your functions "
            "on cases "
            "you have not seen. Add code cells where you need them (sympy and the "
            "library are imported below). The conceptual and derivation answers are "
            "graded by hand "
            f"({POINTS_MANUAL} points each); the computational question is autograded "
            f"({sum(t[0] for t in spec['tests'])} points).\n",
        ),
        _cell("code", spec["setup"]),
    ]
    for kind in ("conceptual", "derivation"):
        item = ex[f"ex-{number}-{kind}"]
        if item["solution"] is None:
            raise ValueError(f"ex-{number}-{kind} has no solution in {chapter}")
        cells += [
            _raw(
                f"# BEGIN QUESTION\nname: {kind}\nmanual: "
                f"true\npoints: {POINTS_MANUAL}\n"
            ),
            _cell(
                "markdown",
                f"## Exercise {int(number)}.{1 if kind == 'conceptual' else 2}\n\n"
                + to_markdown(item["text"]),
            ),
            _raw("# BEGIN SOLUTION"),
            _cell(
                "markdown",
                "**Reference solution (from the book).**\n\n"
                + to_markdown(item["solution"]),
            ),
            _raw("# END SOLUTION"),
            _raw("# END QUESTION"),
        ]
    text = ex[f"ex-{number}-computational"]["text"]
    for book, template in spec["subs"].items():
        if book not in text:
            raise ValueError(
                f"{chapter}: the exercise no longer contains {book!r}; update "
                "coursework_spec.py"
            )
        text = text.replace(book, fill(template, values))
    for pattern, repl in _CHECK_SENTENCE:
        text = pattern.sub(repl, text)
    points = [t[0] for t in spec["tests"]]
    cells += [
        _raw(f"# BEGIN QUESTION\nname: computational\npoints: {points}\n"),
        _cell(
            "markdown",
            f"## Exercise {int(number)}.3\n\n"
            + to_markdown(text)
            + "\n**Graded tasks.** "
            "Define the names below exactly as stated (the tests use them).\n\n"
            + to_markdown(fill(spec["tasks"], values))
            + "\n",
        ),
        _raw("# BEGIN SOLUTION"),
        _cell(
            "code",
            "# Your answer: define the names of the graded tasks.\n# BEGIN SOLUTION\n"
            + fill(spec["solution"], values).rstrip("\n")
            + "\n# END SOLUTION\n",
        ),
        _raw("# END SOLUTION"),
        _raw("# BEGIN TESTS"),
    ]
    for pts, hidden, code in spec["tests"]:
        cfg = (
            '""" # BEGIN TEST '
            f'CONFIG\npoints: {pts}\nhidden: {str(hidden).lower()}\n""" # END TEST '
            "CONFIG\n"
        )
        cells.append(_cell("code", cfg + fill(code, values)))
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
            "rivervalley": {"chapter": chapter, "seed": seed, "parameters": values},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def cheat(chapter: str, seed: int) -> str | None:
    """The library-call answer of a chapter's computational question, if the spec has
    one."""
    spec = coursework_spec.CHAPTERS[chapter]
    if "cheat" not in spec:
        return None
    return fill(spec["cheat"][1], pick(spec["params"], seed, chapter))


def build(
    chapter: str,
    src: pathlib.Path,
    out: pathlib.Path,
    seed: int,
    assign: bool = True,
    requirements: pathlib.Path | None = None,
) -> pathlib.Path:
    nb = json.loads((src / f"{chapter}.ipynb").read_text())
    where = out / chapter
    if where.exists():
        shutil.rmtree(where)
    where.mkdir(parents=True)
    mpath = where / f"{chapter}.ipynb"
    mpath.write_text(
        json.dumps(
            master(chapter, nb, seed, requirements), indent=1, ensure_ascii=False
        )
        + "\n"
    )
    if assign:
        dist = where / "dist"
        otter = pathlib.Path(sys.executable).with_name("otter")
        subprocess.run(
            [str(otter), "assign", "--no-pdfs", mpath.name, dist.name],
            cwd=where,
            check=True,
            capture_output=True,
            text=True,
        )
        for part in ("student", "autograder"):
            shutil.move(str(dist / part), str(where / part))
        dist.rmdir()
        mpath.rename(where / "master.ipynb")
    return where


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "chapters",
        nargs="*",
        help="chapter stems (default: every chapter with exercises)",
    )
    parser.add_argument("--src", default=ROOT / "chapters", type=pathlib.Path)
    parser.add_argument("--out", default=ROOT / "assignments", type=pathlib.Path)
    parser.add_argument(
        "--seed", default=0, type=int, help="0: the book's parameters; other: a variant"
    )
    parser.add_argument(
        "--requirements",
        type=pathlib.Path,
        default=None,
        help="a requirements file for the grading image (Gradescope), put into the "
        "autograder zip",
    )
    parser.add_argument(
        "--masters-only",
        action="store_true",
        help="write master notebooks, skip otter assign",
    )
    args = parser.parse_args(argv)
    chapters = args.chapters or sorted(coursework_spec.CHAPTERS)
    for chapter in chapters:
        where = build(
            chapter,
            args.src,
            args.out,
            args.seed,
            assign=not args.masters_only,
            requirements=args.requirements,
        )
        print(f"{chapter}: {where}")
    print(f"wrote {len(chapters)} assignments to {args.out}/ (seed {args.seed})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
