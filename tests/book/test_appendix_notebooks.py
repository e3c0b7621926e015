"""Appendix notebooks: clean, listed in the table of contents, deterministic.

They run under nbval with the chapters (``make test-notebooks`` collects ``appendix/``).
"""

from __future__ import annotations

import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "appendix").glob("*.ipynb"))


def test_there_is_an_appendix_notebook():
    assert NOTEBOOKS, "appendix/ holds no notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_appendix_notebook_is_clean_and_listed(path):
    import yaml  # PyYAML is a dependency of jupyter-book

    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{path.name} cell {i} has outputs"
            assert cell.get("execution_count") is None, (
                f"{path.name} cell {i} has a count"
            )
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    listed = {ch["file"] for p in toc["parts"] for ch in p["chapters"]}
    assert f"appendix/{path.stem}" in listed, f"{path.name} is not in _toc.yml"


def _stdout_per_cell(path: pathlib.Path) -> list[str]:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    meta = {"metadata": {"path": str(path.parent)}}
    NotebookClient(nb, timeout=180, kernel_name="python3", resources=meta).execute()
    return [
        "".join(
            o["text"]
            for o in c.outputs
            if o["output_type"] == "stream" and o["name"] == "stdout"
        )
        for c in nb.cells
        if c.cell_type == "code"
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_appendix_notebook_prints_the_same_numbers_on_a_second_run(path):
    first, second = _stdout_per_cell(path), _stdout_per_cell(path)
    assert any(first), f"{path.name} prints nothing to compare"
    assert first == second
