"""The chapters' exercises as plain Jupyter markdown, for tools/make_assignments.py.

``exercises(nb)`` finds every ``{exercise}`` of a chapter notebook with its solution
(a ``{solution}`` dropdown or a ``{solution-start}`` ... ``{solution-end}`` section);
``to_markdown`` expands the book's MathJax macros and turns MyST roles into text.
"""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]

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
