"""Install the book's browser assets from npm and copy the pieces the pages load into
``_vendor/``.

The built book loads one third-party script when it is *viewed*: MathJax 3 (the
equations). By default Sphinx takes it from a public CDN, so an offline reader sees raw
TeX. (The pages have no live widgets, hence no widget manager and no require.js: the
kernel-less explorers need neither.) ``make book`` runs this script first;
``tools/sphinxext/rivervalley_book.py`` then serves ``_vendor/`` as a static path. Set
``RIVERVALLEY_ASSETS=cdn`` to build a book that uses the CDNs instead (one switch).

The versions are pinned in ``tools/assets/package.json`` and its lockfile, both
committed. The installed packages live in ``_build/npm/`` and the pruned copy in
``_vendor/`` (about 4 MB); both are build products and are git-ignored.

Usage::

    python tools/vendor_assets.py [--out _vendor] [--work _build/npm]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tools" / "assets"
SPEC_FILES = ("package.json", "package-lock.json")

# What the pages need, as (source inside node_modules, destination inside the output
# folder).
MATHJAX = "mathjax/es5"
COPIES: tuple[tuple[str, str], ...] = (
    (f"{MATHJAX}/tex-mml-chtml.js", "mathjax/tex-mml-chtml.js"),
    # Components MathJax loads on demand, relative to its own URL: CHTML fonts, TeX
    # extensions (ams, boldsymbol, ...), the context menu and the accessibility modules
    # the menu
    # enables.
    (f"{MATHJAX}/output/chtml/fonts/woff-v2", "mathjax/output/chtml/fonts/woff-v2"),
    (f"{MATHJAX}/input/tex/extensions", "mathjax/input/tex/extensions"),
    (f"{MATHJAX}/ui", "mathjax/ui"),
    (f"{MATHJAX}/a11y", "mathjax/a11y"),
    # The speech rule engine's English rules (and its base and Nemeth braille tables):
    # MathJax fetches them from [mathjax]/sre/mathmaps when a reader explores an
    # equation with the keyboard or a screen reader. Without them speech fails offline.
    *(
        (f"{MATHJAX}/sre/mathmaps/{name}.json", f"mathjax/sre/mathmaps/{name}.json")
        for name in ("base", "en", "nemeth")
    ),
    ("mathjax/LICENSE", "mathjax/LICENSE"),
)
#: Not served with the book: the browser gate (tests/browser) injects it into every
#: page to check WCAG 2.1 A/AA. It stays in the npm folder, at this path inside it.
AXE = "axe-core/axe.min.js"
STAMP = ".stamp"


def spec_digest() -> str:
    """SHA-256 of the pinned package.json and its lockfile: what an install must
    match."""
    h = hashlib.sha256()
    for name in SPEC_FILES:
        h.update((SPEC / name).read_bytes())
    return h.hexdigest()


def npm_install(work: Path) -> Path:
    """Install the pinned packages into ``work`` with ``npm ci`` (skipped when already
    current)."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(
            "vendor_assets: `npm` was not found. Install Node.js and npm, or build "
            "with "
            "RIVERVALLEY_ASSETS=cdn to load MathJax from a CDN."
        )
    work.mkdir(parents=True, exist_ok=True)
    wanted = spec_digest()
    stamp = work / STAMP
    modules = work / "node_modules"
    if stamp.is_file() and stamp.read_text() == wanted and modules.is_dir():
        return modules
    for name in SPEC_FILES:
        shutil.copy2(SPEC / name, work / name)
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error", "--ignore-scripts"],
        cwd=work,
        check=True,
    )
    stamp.write_text(wanted)
    return modules


def copy_assets(modules: Path, out: Path) -> list[Path]:
    """Copy the pruned assets from ``modules`` into a fresh ``out`` folder; return the
    files."""
    missing = [src for src, _ in COPIES if not (modules / src).exists()]
    if not (modules / AXE).is_file():
        missing.append(AXE)
    if missing:
        sys.exit(f"vendor_assets: expected files are missing from {modules}: {missing}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for src, dst in COPIES:
        target = out / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        if (modules / src).is_dir():
            shutil.copytree(modules / src, target)
        else:
            shutil.copy2(modules / src, target)
    pinned = json.loads((SPEC / "package.json").read_text())["dependencies"]
    versions = {
        name: json.loads((modules / name / "package.json").read_text())["version"]
        for name in pinned
    }
    (out / "VERSIONS.json").write_text(json.dumps(versions, indent=2) + "\n")
    return sorted(p for p in out.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "_vendor", help="output folder"
    )
    parser.add_argument(
        "--work", type=Path, default=ROOT / "_build" / "npm", help="npm folder"
    )
    args = parser.parse_args(argv)
    modules = npm_install(args.work)
    files = copy_assets(modules, args.out)
    size = sum(f.stat().st_size for f in files)
    (args.out / STAMP).write_text(spec_digest())
    print(f"vendor_assets: {len(files)} files, {size / 2**20:.1f} MiB in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
