"""The written answers of submitted notebooks as PDFs, for Gradescope's manual grading.

Usage: python tools/written_pdf.py NOTEBOOK_OR_FOLDER [--out pdfs/]

Runs otter's own PDF export, ``otter export --exporter html --filtering``: otter keeps
the cells between its ``<!-- BEGIN QUESTION -->`` and ``<!-- END QUESTION -->`` markers
(the conceptual and derivation questions with the student's answers) and prints them
with nbconvert's WebPDF exporter, which drives Chromium through Playwright. No LaTeX is
needed. Playwright looks for its own browser build (``playwright install chromium``
downloads it, which needs the internet); where that is missing, this script points
Playwright at the system's Chromium (Debian's, as ``tools/install_browser.sh`` installs
it; ``$CHROMIUM`` overrides it) through a ``PLAYWRIGHT_BROWSERS_PATH`` folder holding a
two-line launcher where Playwright expects its headless shell. Offline, the math of the
question text shows as TeX source (MathJax comes from a CDN). Upload the PDFs to a
Gradescope "online assignment" or "exam/quiz".
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import shlex
import shutil
import subprocess
import sys
import tempfile


def chromium() -> str:
    exe = os.environ.get("CHROMIUM") or shutil.which("chromium") or ""
    if not exe:
        raise RuntimeError(
            "no Chromium: install it (tools/install_browser.sh) or set CHROMIUM"
        )
    return exe


def playwright_browsers(folder: pathlib.Path) -> pathlib.Path:
    """A ``PLAYWRIGHT_BROWSERS_PATH`` in ``folder`` whose headless shell (the build
    Playwright's ``browsers.json`` pins) runs the system's Chromium."""
    import playwright

    pinned = pathlib.Path(playwright.__file__).parent / "driver/package/browsers.json"
    revision = next(
        b["revision"]
        for b in json.loads(pinned.read_text())["browsers"]
        if b["name"] == "chromium-headless-shell"
    )
    exe = (
        folder
        / f"chromium_headless_shell-{revision}"
        / "chrome-headless-shell-linux64"
        / "chrome-headless-shell"
    )
    exe.parent.mkdir(parents=True, exist_ok=True)
    exe.write_text(f'#!/bin/sh\nexec {shlex.quote(chromium())} "$@"\n')
    exe.chmod(0o755)
    return folder


def to_pdf(notebook: pathlib.Path, pdf: pathlib.Path, timeout: float = 180) -> None:
    """Write the written part of ``notebook`` to ``pdf`` with ``otter export``."""
    otter = pathlib.Path(sys.executable).with_name("otter")
    with tempfile.TemporaryDirectory(prefix="rv-pdf-") as tmp:
        env = dict(os.environ)
        if "PLAYWRIGHT_BROWSERS_PATH" not in env:
            browsers = playwright_browsers(pathlib.Path(tmp))
            env["PLAYWRIGHT_BROWSERS_PATH"] = str(browsers)
        proc = subprocess.run(
            [
                str(otter),
                "export",
                "--exporter",
                "html",
                "--filtering",
                str(notebook),
                str(pdf),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    if proc.returncode != 0 or not pdf.exists() or pdf.read_bytes()[:5] != b"%PDF-":
        raise RuntimeError(
            f"otter export wrote no PDF for {notebook}: " + proc.stderr[-800:]
        )


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
