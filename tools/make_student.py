"""Write the student edition of the chapters: exercises kept, solutions removed.

Usage: python tools/make_student.py [--src chapters] [--out student]

In each notebook:
- a ```` ````{solution} ```` block in a markdown cell is removed;
- everything between ```` ```{solution-start} ```` and ```` ```{solution-end} ```` (gated solutions) is
  removed: its prose is dropped and its code cells are replaced by a single ``# YOUR CODE HERE``
  stub cell, tagged ``student-stub``;
- outputs and execution counts are cleared.
Everything else is copied unchanged.
"""

from __future__ import annotations

import argparse
import copy
import json
import pathlib
import re
import shutil

STUB = "# YOUR CODE HERE\n"
STUB_TAG = "student-stub"
_SOLUTION_BLOCK = re.compile(r"^(`{3,}|:{3,})\{solution\}[^\n]*\n.*?^\1[ \t]*$\n?", re.M | re.S)
_GATE_START = re.compile(r"^(`{3,})\{solution-start\}[^\n]*\n.*?^\1[ \t]*$\n?", re.M | re.S)
_GATE_END = re.compile(r"^(`{3,})\{solution-end\}[^\n]*\n\s*^\1[ \t]*$\n?", re.M | re.S)


def _source(cell) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _stub(exercise: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": [STUB_TAG]},
        "outputs": [],
        "source": f"# Exercise {exercise}\n" + STUB,
    }


def studentize(nb: dict) -> dict:
    """Return a copy of the notebook with every solution removed."""
    out = copy.deepcopy(nb)
    cells: list[dict] = []
    inside, pending_stub, label = False, False, "?"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            if inside:
                if pending_stub:
                    cells.append(_stub(label))
                    pending_stub = False
                continue
            new = copy.deepcopy(cell)
            new["outputs"], new["execution_count"] = [], None
            cells.append(new)
            continue
        text, kept = _source(cell), []
        while text:
            if inside:
                end = _GATE_END.search(text)
                if end is None:
                    text = ""
                    break
                inside, text = False, text[end.end() :]
            else:
                text = _SOLUTION_BLOCK.sub("", text)
                start = _GATE_START.search(text)
                if start is None:
                    kept.append(text)
                    break
                kept.append(text[: start.start()])
                found = re.search(r"\{solution-start\}\s*(\S+)", start.group(0))
                label = found.group(1) if found else "?"
                inside, pending_stub, text = True, True, text[start.end() :]
        joined = "".join(kept).strip("\n")
        if joined.strip():
            new = copy.deepcopy(cell)
            new["source"] = joined + "\n"
            cells.append(new)
    if inside:
        raise ValueError("a {solution-start} has no matching {solution-end}")
    for c in cells:
        c.pop("id", None)
    out["cells"] = cells
    out["nbformat_minor"] = min(out.get("nbformat_minor", 4), 4)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default="chapters", type=pathlib.Path)
    parser.add_argument("--out", default="student", type=pathlib.Path)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    paths = sorted(args.src.glob("*.ipynb"))
    for path in paths:
        nb = json.loads(path.read_text())
        (args.out / path.name).write_text(json.dumps(studentize(nb), indent=1, ensure_ascii=False) + "\n")
    # Data files the chapters read (data/headline_digitised.csv) go along with them.
    if (args.src / "data").is_dir():
        shutil.copytree(args.src / "data", args.out / "data", dirs_exist_ok=True)
    print(f"wrote {len(paths)} student notebooks to {args.out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
