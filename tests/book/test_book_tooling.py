"""The book's build tooling: the npm asset pins, the vendoring script and the Sphinx
extension.

The extension is exercised by building a two-page Sphinx project in a temporary folder,
once per asset mode, so the one switch (RIVERVALLEY_ASSETS) is tested end to end in a
few seconds.
"""

from __future__ import annotations

import importlib.util
import json
import pathlib
import re
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ASSETS = ROOT / "tools" / "assets"
EXT_DIR = ROOT / "tools" / "sphinxext"


def _load(name: str, path: pathlib.Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_npm_assets_are_pinned_exactly_and_locked():
    pkg = json.loads((ASSETS / "package.json").read_text())
    lock = json.loads((ASSETS / "package-lock.json").read_text())
    deps = pkg["dependencies"]
    # No widget manager and no require.js: the pages have no live widgets.
    assert set(deps) == {
        "mathjax",
        "axe-core",  # not served: the browser gate's accessibility check
    }
    for name, version in deps.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), (
            f"{name} must be pinned exactly, got {version}"
        )
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert lock["packages"][""]["dependencies"] == deps
    assert deps["mathjax"].startswith("3."), (
        "the book's MathJax configuration is MathJax 3's"
    )


def test_vendor_copy_prunes_and_fails_loudly(tmp_path):
    vendor = _load("rv_vendor_assets", ROOT / "tools" / "vendor_assets.py")
    modules = tmp_path / "node_modules"
    for src, _ in vendor.COPIES:
        target = modules / src
        if "." in pathlib.PurePosixPath(src).name or src.endswith("LICENSE"):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("x")
        else:
            target.mkdir(parents=True, exist_ok=True)
            (target / "part.js").write_text("x")
    (modules / "mathjax" / "es5" / "unused.js.map").write_text("x")
    (modules / "axe-core").mkdir(parents=True)
    (modules / vendor.AXE).write_text("x")
    for name in ("mathjax", "axe-core"):
        (modules / name / "package.json").write_text(json.dumps({"version": "9.9.9"}))
    out = tmp_path / "out"
    files = {p.relative_to(out).as_posix() for p in vendor.copy_assets(modules, out)}
    assert "mathjax/tex-mml-chtml.js" in files
    # Only the listed pieces are copied, not the rest of the package.
    assert not any(f.endswith(".map") for f in files)
    # MathJax's English speech rules are served (speech works offline); axe-core is not.
    assert "mathjax/sre/mathmaps/en.json" in files
    assert not any(f.startswith("axe-core") or "axe" in f for f in files)
    assert json.loads((out / "VERSIONS.json").read_text())["mathjax"] == "9.9.9"
    (modules / "mathjax" / "es5" / "tex-mml-chtml.js").unlink()
    with pytest.raises(SystemExit, match="mathjax/es5/tex-mml-chtml.js"):
        vendor.copy_assets(modules, out)


def _build(
    tmp_path: pathlib.Path,
    monkeypatch,
    mode: str | None,
    vendor: bool = True,
    theme: str = "basic",
):
    """Build a tiny project with the extension; return the HTML of its page with
    math."""
    from sphinx.application import Sphinx

    src = tmp_path / "src"
    src.mkdir(parents=True)
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(EXT_DIR)!r})\n"
        f"extensions = ['myst_nb', 'rivervalley_book']\nhtml_theme = {theme!r}\n"
    )
    (src / "index.rst").write_text("Math\n====\n\nInline :math:`\\eta^*_t`.\n")
    if vendor:
        (src / "_vendor" / "mathjax").mkdir(parents=True)
        (src / "_vendor" / "mathjax" / "tex-mml-chtml.js").write_text("/* mathjax */")
    if mode is None:
        monkeypatch.delenv("RIVERVALLEY_ASSETS", raising=False)
    else:
        monkeypatch.setenv("RIVERVALLEY_ASSETS", mode)
    out = tmp_path / "html"
    app = Sphinx(
        str(src),
        str(src),
        str(out),
        str(tmp_path / "doctrees"),
        "html",
        status=None,
        warning=None,
        freshenv=True,
    )
    app.build()
    sys.modules.pop("rivervalley_book", None)
    return (out / "index.html").read_text(), app.config, out


def test_local_assets_are_the_default(tmp_path, monkeypatch):
    html, config, out = _build(tmp_path, monkeypatch, None)
    assert 'src="_static/mathjax/tex-mml-chtml.js' in html
    assert "cdn.jsdelivr.net" not in html
    assert (out / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()
    assert 'src="_static/rivervalley-page.js' in html


def test_theme_icons_come_from_its_stylesheet_not_its_script(tmp_path, monkeypatch):
    """The theme's 1.5 MB fontawesome.js is not loaded; its webfont icons still are."""
    html, _, out = _build(tmp_path, monkeypatch, None, theme="pydata_sphinx_theme")
    assert "fontawesome.js" not in html
    assert 'class="fa-solid fa-bars"' in html  # an icon the header shows
    css = (out / "_static" / "styles" / "pydata-sphinx-theme.css").read_text()
    assert "fa-solid-900.woff2" in css and ".fa-bars:before" in css.replace(",", " ")


def test_cdn_switch(tmp_path, monkeypatch):
    html, config, out = _build(tmp_path, monkeypatch, "cdn", vendor=False)
    assert 'src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"' in html
    assert "_static/mathjax" not in html and not (out / "_static" / "mathjax").exists()


def test_missing_vendor_folder_and_bad_mode_are_errors(tmp_path, monkeypatch):
    from sphinx.errors import ConfigError

    with pytest.raises(ConfigError, match="vendor_assets.py"):
        _build(tmp_path / "a", monkeypatch, "local", vendor=False)
    with pytest.raises(
        ConfigError,
        match=r"RIVERVALLEY_ASSETS must be one of \('local', 'cdn'\), got 'cdm'",
    ):
        _build(tmp_path / "b", monkeypatch, "cdm")


def test_identical_inline_scripts_are_written_once():
    from sphinx.builders.html._assets import _JavaScript

    ext = _load("rv_book_ext", EXT_DIR / "rivervalley_book.py")
    body = {"body": "const THEBE_JS_URL = 1"}
    scripts = [
        _JavaScript(None, **body),
        _JavaScript("a.js"),
        _JavaScript("", **body),
        _JavaScript("b.js", defer="defer"),
    ]
    context = {"script_files": scripts}
    ext._drop_duplicate_scripts(None, "p", "page.html", context, None)
    assert [(js.filename, js.attributes) for js in context["script_files"]] == [
        (None, body),
        ("a.js", {}),
        ("b.js", {"defer": "defer"}),
    ]
