"""The written answers of submitted notebooks as PDFs, for Gradescope's manual grading.

Usage: python tools/written_pdf.py NOTEBOOK_OR_FOLDER [--out pdfs/]

Keeps the cells between otter's ``<!-- BEGIN QUESTION -->`` and
``<!-- END QUESTION -->`` markers (the conceptual and derivation questions with the
student's answers, as otter's ``--filtering`` does), renders them to HTML with nbconvert
(its classic template: MathJax from a CDN, so offline the math shows as TeX source) and
prints the HTML to PDF with headless Chromium (Debian's, as ``make test-browser``
installs it; ``$CHROMIUM`` overrides it). This is the HTML route of
``otter export -e html``, without Playwright's own browser download or LaTeX. Upload
the PDFs to a Gradescope "online assignment" or "exam/quiz".
"""

from __future__ import annotations

import argparse
import copy
import os
import pathlib
import shutil
import subprocess
import tempfile

import nbformat
from nbconvert import HTMLExporter


def written_part(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook's manual questions and their answers, nothing else."""
    out = copy.deepcopy(nb)
    keep, inside = [], False
    for cell in nb.cells:
        src = cell.source
        if "<!-- BEGIN QUESTION -->" in src:
            inside = True
        if inside:
            kept = copy.deepcopy(cell)
            if cell.cell_type == "markdown" and "<!-- END QUESTION -->" in src:
                kept.source = src.split("<!-- END QUESTION -->")[0]
            keep.append(kept)
        if (
            "<!-- END QUESTION -->" in src
            and "<!-- BEGIN QUESTION -->" not in src.split("<!-- END QUESTION -->")[-1]
        ):
            inside = False
    out.cells = [c for c in keep if c.source.strip()]
    return out


def chromium() -> str:
    exe = os.environ.get("CHROMIUM") or shutil.which("chromium") or ""
    if not exe:
        raise RuntimeError(
            "no Chromium: install it (tools/install_browser.sh) or set CHROMIUM"
        )
    return exe


def to_pdf(notebook: pathlib.Path, pdf: pathlib.Path, timeout: float = 120) -> None:
    """Write the written part of ``notebook`` to ``pdf``."""
    nb = nbformat.read(notebook, as_version=4)
    html, _ = HTMLExporter(template_name="classic").from_notebook_node(written_part(nb))
    with tempfile.TemporaryDirectory() as tmp:
        page = pathlib.Path(tmp) / "written.html"
        page.write_text(html)
        subprocess.run(
            [
                chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                "--virtual-time-budget=10000",
                f"--user-data-dir={tmp}/profile",
                f"--print-to-pdf={pdf}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
    if not pdf.exists() or pdf.read_bytes()[:5] != b"%PDF-":
        raise RuntimeError(f"Chromium wrote no PDF for {notebook}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=pathlib.Path, help="a notebook or a folder")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("pdfs"))
    args = parser.parse_args(argv)
    notebooks = (
        sorted(args.source.glob("*.ipynb")) if args.source.is_dir() else [args.source]
    )
    args.out.mkdir(parents=True, exist_ok=True)
    for nb in notebooks:
        to_pdf(nb, args.out / (nb.stem + ".pdf"))
        print(f"{nb.name} -> {args.out / (nb.stem + '.pdf')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
