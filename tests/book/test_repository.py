"""Repository hygiene: clean notebooks, pinned requirements, a complete book
configuration."""

from __future__ import annotations

import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
APPENDIX = sorted((ROOT / "appendix").glob("*.ipynb"))
#: Every notebook of the book: the chapters and the appendix notebooks.
NOTEBOOKS = CHAPTERS + APPENDIX


def _yaml(path: pathlib.Path):
    import yaml  # PyYAML is a dependency of jupyter-book

    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name} cell {i} has outputs"
            assert cell.get("execution_count") is None, (
                f"{path.name} cell {i} has an execution count"
            )
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


def test_there_are_notebooks():
    assert CHAPTERS, "chapters/ holds no notebooks"
    assert APPENDIX, "appendix/ holds no notebooks"


def test_requirements_are_pinned_and_install_the_library():
    lines = [
        ln.strip()
        for ln in (ROOT / "requirements.txt").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert lines[-1] == "-e .[book]"  # the library with the book's extras
    for ln in lines[:-1]:
        assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][A-Za-z0-9_.]*", ln), (
            f"not an exact pin: {ln}"
        )
    names = {ln.split("==")[0].lower() for ln in lines[:-1]}
    assert {
        "jupyter-book",
        "ipywidgets",
        "numpy",
        "matplotlib",
        "sympy",
        "nbval",
    } <= names
    assert "jupyter-book==1.0.4.post1" in lines


def test_toc_lists_existing_files_in_the_four_parts():
    toc = _yaml(ROOT / "_toc.yml")
    captions = [p["caption"] for p in toc["parts"]]
    assert captions == ["Foundations", "Theory", "Experiments", "Appendix"]
    for part in toc["parts"]:
        for ch in part["chapters"]:
            stem = ROOT / ch["file"]
            assert any(stem.with_suffix(s).exists() for s in (".md", ".ipynb")), ch[
                "file"
            ]
    listed = {ch["file"] for p in toc["parts"] for ch in p["chapters"]}
    for nb in NOTEBOOKS:
        assert f"{nb.parent.name}/{nb.stem}" in listed, f"{nb.name} is not in _toc.yml"


def test_config_has_the_required_settings():
    cfg = _yaml(ROOT / "_config.yml")
    assert cfg["title"] and cfg["author"]
    assert cfg["execute"]["execute_notebooks"] == "cache"
    assert isinstance(cfg["execute"]["timeout"], int) and cfg["execute"]["timeout"] > 0
    assert cfg["bibtex_bibfiles"] == ["references.bib"]
    assert {"sphinx_proof", "sphinx_exercise"} <= set(cfg["sphinx"]["extra_extensions"])
    assert cfg["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert cfg["launch_buttons"]["notebook_interface"] == "jupyterlab"
    assert cfg["repository"]["branch"] == "main" and cfg["repository"][
        "url"
    ].startswith("https://")
    macros = cfg["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    assert {"PD", "PB", "etastar", "chit"} <= set(macros)
    bib = (ROOT / "references.bib").read_text()
    for key in ("deng2026suspicious", "song2025tiny", "gurari2018tiny"):
        assert f"{{{key}," in bib


def test_ci_runs_the_readme_commands():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in ci
    readme = (ROOT / "README.md").read_text()
    for cmd in ("make test", "make book"):
        assert cmd in ci and cmd in readme


def _public_callables():
    import inspect

    import rivervalley_lib
    from rivervalley_lib import frames, plotting, symbolic, widgets

    for mod in (rivervalley_lib, plotting, symbolic, widgets, frames):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj) and (inspect.isfunction(obj) or inspect.isclass(obj)):
                yield f"{mod.__name__}.{name}", obj


@pytest.mark.parametrize(
    "name,obj", list(_public_callables()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_public_callable_has_numpydoc_with_example(name, obj):
    doc = obj.__doc__ or ""
    assert "Examples\n" in doc and ">>>" in doc, f"{name} has no runnable example"


def test_coursework_tools_are_pinned_apart_from_binder():
    """otter-grader is pinned in requirements-coursework.txt, not in Binder's
    requirements.txt."""
    pins = [
        ln.strip()
        for ln in (ROOT / "requirements-coursework.txt").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert pins == ["otter-grader==7.0.0"]
    assert "otter" not in (ROOT / "requirements.txt").read_text().lower()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci.index("make test-coursework") == ci.index("make test") + 1
    assert "assignments/" in (ROOT / ".gitignore").read_text().splitlines()


def test_instructor_guide_reading_order_matches_the_toc():
    """The guide says to read the quick start first, then chapters 1 to 9: so does the
    TOC."""
    toc = _yaml(ROOT / "_toc.yml")
    chapters = [
        ch["file"]
        for p in toc["parts"]
        if p["caption"] != "Appendix"
        for ch in p["chapters"]
    ]
    assert chapters == ["chapters/quickstart"] + [
        f"chapters/{nb.stem}" for nb in CHAPTERS if nb.stem[:2].isdigit()
    ]
    guide = (ROOT / "appendix" / "instructor_guide.md").read_text()
    assert (
        "the quick start *A first experiment* first" in guide
        and "then chapters 1 to" in guide
    )
    for plan in ("1-week", "2-week", "3-week"):
        assert plan in guide, f"the guide has no {plan} plan"
    for n in range(1, 10):
        for kind in ("conceptual", "derivation"):
            assert f"**Chapter {n}, {kind}" in guide, (
                f"no rubric for chapter {n} {kind}"
            )
