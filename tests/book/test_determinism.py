"""Every notebook prints exactly the same numbers when run twice (seeded generators
only)."""

from __future__ import annotations

import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p.name for p in (ROOT / "chapters").glob("*.ipynb"))


def _run_and_collect(name: str) -> list[str]:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / "chapters" / name, as_version=4)
    NotebookClient(
        nb,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / "chapters")}},
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


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_prints_the_same_numbers_on_a_second_run(name):
    first, second = _run_and_collect(name), _run_and_collect(name)
    assert any(first), f"{name} prints nothing to compare"
    assert first == second
