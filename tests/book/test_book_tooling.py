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
    assert set(deps) == {
        "mathjax",
        "requirejs",
        "@jupyter-widgets/html-manager",
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


def test_html_manager_pin_matches_myst_nb_default():
    """Local and CDN builds load the same widget manager version."""
    from myst_nb.core.config import NbParserConfig

    default = next(u for u in NbParserConfig().ipywidgets_js if "html-manager@" in u)
    pinned = json.loads((ASSETS / "package.json").read_text())["dependencies"][
        "@jupyter-widgets/html-manager"
    ]
    assert f"html-manager@{pinned}/" in default


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
    dist = modules / vendor.WIDGET_DIST
    dist.mkdir(parents=True)
    for name in (
        "embed-amd.js",
        "106.embed.js",
        "abc.woff2",
        "embed.js.map",
        "libembed-amd.js",
    ):
        (dist / name).write_text("x")
    (modules / "axe-core").mkdir(parents=True)
    (modules / vendor.AXE).write_text("x")
    for name in ("mathjax", "requirejs", "@jupyter-widgets/html-manager", "axe-core"):
        (modules / name / "package.json").write_text(json.dumps({"version": "9.9.9"}))
    out = tmp_path / "out"
    files = {p.relative_to(out).as_posix() for p in vendor.copy_assets(modules, out)}
    assert "mathjax/tex-mml-chtml.js" in files and "require.js" in files
    assert {
        "widgets/embed-amd.js",
        "widgets/106.embed.js",
        "widgets/abc.woff2",
    } <= files
    assert (
        "widgets/embed.js.map" not in files and "widgets/libembed-amd.js" not in files
    )
    # MathJax's English speech rules are served (speech works offline); axe-core is not.
    assert "mathjax/sre/mathmaps/en.json" in files
    assert not any(f.startswith("axe-core") or "axe" in f for f in files)
    assert json.loads((out / "VERSIONS.json").read_text())["mathjax"] == "9.9.9"
    (modules / "requirejs" / "require.js").unlink()
    with pytest.raises(SystemExit, match="requirejs/require.js"):
        vendor.copy_assets(modules, out)


def _build(tmp_path: pathlib.Path, monkeypatch, mode: str | None, vendor: bool = True):
    """Build a tiny project with the extension; return the HTML of its page with
    math."""
    from sphinx.application import Sphinx

    src = tmp_path / "src"
    src.mkdir(parents=True)
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(EXT_DIR)!r})\n"
        "extensions = ['myst_nb', 'rivervalley_book']\nhtml_theme = 'basic'\n"
    )
    (src / "index.rst").write_text("Math\n====\n\nInline :math:`\\eta^*_t`.\n")
    if vendor:
        (src / "_vendor" / "mathjax").mkdir(parents=True)
        (src / "_vendor" / "widgets").mkdir()
        (src / "_vendor" / "mathjax" / "tex-mml-chtml.js").write_text("/* mathjax */")
        (src / "_vendor" / "widgets" / "embed-amd.js").write_text("/* widgets */")
        (src / "_vendor" / "require.js").write_text("/* require */")
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
    assert config.nb_ipywidgets_js == {
        "require.js": {},
        "widgets/embed-amd.js": {"data-jupyter-widgets-cdn": "widgets/"},
    }
    assert (out / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()
    assert (out / "_static" / "widgets" / "embed-amd.js").is_file()
    # The widget fix script comes first and points the manager at the local fonts.
    assert re.search(
        r'<script data-widgets-assets="widgets/" src="_static/rivervalley-widgets\.js',
        html,
    )
    assert html.index("rivervalley-widgets.js") < html.index("tex-mml-chtml.js")


def test_cdn_switch(tmp_path, monkeypatch):
    html, config, out = _build(tmp_path, monkeypatch, "cdn", vendor=False)
    assert 'src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"' in html
    assert "_static/mathjax" not in html and not (out / "_static" / "mathjax").exists()
    assert any("cdn.jsdelivr.net" in url for url in config.nb_ipywidgets_js)
    assert re.search(
        r'data-widgets-assets="https://cdn\.jsdelivr\.net/npm/@jupyter-widgets/html-manager@[\d.]+/dist/"',
        html,
    )


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
