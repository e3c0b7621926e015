"""Every notebook prints exactly the same numbers when run twice (seeded generators
only)."""

from __future__ import annotations

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
#: The chapters and the appendix notebooks.
NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted(
    (ROOT / "appendix").glob("*.ipynb")
)


def _run_and_collect(path: pathlib.Path) -> list[str]:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    # Per cell, all stdout joined: how the kernel splits a cell's output into chunks
    # depends on timing.
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
def test_notebook_prints_the_same_numbers_on_a_second_run(path):
    first, second = _run_and_collect(path), _run_and_collect(path)
    assert any(first), f"{path.name} prints nothing to compare"
    assert first == second
