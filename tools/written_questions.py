"""The written questions whose numbers vary between builds (for make_assignments.py).

A chapter with ``chapters/coursework/<chapter>/written.md`` has, for its conceptual
and/or derivation question, the question, the reference answer and the rubric with
``<<name>>`` placeholders; its ``written.py`` defines ``numbers(W, given)``, which
computes the quoted numbers from the build's values ``W`` (the parameters and the
``[<chapter>.written]`` table of parameters.toml) with the library, and from the setup
cell's objects (``given()`` runs the build's setup cell). The other questions are the
book's exercises as they are.
"""

from __future__ import annotations

import importlib.util
import pathlib
import re
from collections.abc import Callable

from autograde import variants

SOURCES = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "coursework"


_WRITTEN_PART = re.compile(
    r"^<!-- (conceptual|derivation): (question|reference|rubric) -->\n", re.M
)
_PLACEHOLDER = re.compile(r"<<(\w+)>>")


def written(
    chapter: str, numbers_of: dict, setup_cell: Callable[[str, dict], str]
) -> dict[str, dict[str, str]]:
    """The written questions whose numbers vary: ``{kind: {"question", "reference",
    "rubric"}}`` from ``written.md``, every ``<<name>>`` filled in with what
    ``written.py``'s ``numbers`` computes from the build's parameters and its
    ``[<chapter>.written]`` values, and from the objects of the build's setup cell
    where it asks for them (empty where the chapter has no ``written.md``: the book's
    text is used)."""
    path = SOURCES / chapter / "written.md"
    if not path.exists():
        return {}
    spec = importlib.util.spec_from_file_location(
        f"rv_written_{chapter}", SOURCES / chapter / "written.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    setup: dict = {}

    def given() -> dict:
        """The setup cell of this build, run once (for numbers quoted from its
        objects)."""
        if not setup:
            names = variants.load()[chapter]["parameters"]
            params = {k: v for k, v in numbers_of.items() if k in names}
            exec(setup_cell(chapter, params), setup)
        return setup

    numbers = module.numbers(numbers_of, given)

    def fill(m: re.Match) -> str:
        if m.group(1) not in numbers:
            raise ValueError(f"{chapter}/written.md: no number <<{m.group(1)}>>")
        return numbers[m.group(1)]

    parts = _WRITTEN_PART.split(path.read_text())
    out: dict[str, dict[str, str]] = {}
    for kind, part, text in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        out.setdefault(kind, {})[part] = _PLACEHOLDER.sub(fill, text).strip() + "\n"
    for kind, got in out.items():
        if set(got) != {"question", "reference", "rubric"}:
            raise ValueError(f"{chapter}/written.md: {kind} needs all three parts")
    return out


def rubric_text(chapter: str, title: str, filled: dict) -> str:
    """``rubric.md`` of a build: the written questions with this build's numbers, their
    reference answers and rubrics (the other questions' rubrics are the guide's)."""
    lines = [
        f"# Chapter {int(chapter[:2])}: {title}, the written questions with this "
        "build's numbers\n",
        "The rubric's rules (one point per criterion, half points, no double "
        "deduction) are those of the Instructor guide, *Rubrics for the manual "
        "questions*.\n",
    ]
    for kind in ("conceptual", "derivation"):
        if kind in filled:
            lines += [
                f"## {kind.capitalize()}\n",
                filled[kind]["question"],
                "**Reference answer.**\n",
                filled[kind]["reference"],
                "**Rubric** (1 point per line).\n",
                filled[kind]["rubric"],
            ]
    return "\n".join(lines)
