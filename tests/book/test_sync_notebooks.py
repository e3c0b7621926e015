"""The notebooks carry what JupyterLab needs, generated from the book's single sources.

``tools/sync_notebooks.py`` copies the MathJax macros of ``_config.yml`` into each
notebook's MyST frontmatter and writes citations (and references to other notebooks) as
readable links; ``tools/sphinxext/rivervalley_notebooks.py`` reads them back as the book
wrote them. These tests fail when a notebook is out of sync (re-run ``python
tools/sync_notebooks.py``) and check that the round trip leaves the book's source
unchanged.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
APPENDIX = sorted((ROOT / "appendix").glob("*.ipynb"))
#: Every notebook the script syncs by default: the chapters and the appendix notebooks.
NOTEBOOKS = CHAPTERS + APPENDIX


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


sync = _load("sync_notebooks", ROOT / "tools" / "sync_notebooks.py")


def _nb(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _markdown(nb: dict) -> list[str]:
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def _frontmatter(nb: dict) -> dict:
    first = _markdown(nb)[0]
    match = re.match(r"\A---\n(.*?)^---\n", first, re.M | re.S)
    assert match, (
        f"the first markdown cell does not start with frontmatter: {first[:200]!r}"
    )
    return yaml.safe_load(match.group(1))


def test_book_notebooks_are_in_sync():
    # Fails when a macro, references.bib or a notebook changed without re-running the
    # script. The appendix notebooks are covered too, and are the script's default.
    assert ROOT / "appendix" / "misreadings.ipynb" in APPENDIX
    assert sync.default_paths() == NOTEBOOKS
    stale = sync.out_of_sync(NOTEBOOKS)
    assert stale == [], f"run `python tools/sync_notebooks.py`: out of sync: {stale}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_frontmatter_holds_exactly_the_config_macros(path):
    # Read independently of the script: _config.yml's macros, and the notebook's YAML
    # frontmatter.
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    macros = config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]
    assert len(macros) >= 10
    math = _frontmatter(_nb(path))["math"]
    assert math == {"\\" + name: body for name, body in macros.items()}


def test_a_changed_macro_puts_every_notebook_out_of_sync():
    macros = sync.load_macros()
    changed = {**macros, "etastar": "\\eta^{\\star}_{t}"}
    assert sync.out_of_sync(NOTEBOOKS, macros=changed) == NOTEBOOKS
    assert sync.out_of_sync(NOTEBOOKS, macros={**macros, "newmacro": "x"}) == NOTEBOOKS


_ROLES = r"cite(?::[a-z]+)?|ref|prf:ref|numref|doc"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_sync_is_idempotent_and_the_book_reads_its_own_source_back(path):
    nb = _nb(path)
    bib, index = sync.Bibliography(), sync.LabelIndex()
    macros = sync.load_macros()
    book = sync.book_source(nb)
    # Synced twice is synced once; syncing the book's source gives the committed
    # notebook back.
    assert sync.sync_notebook(nb, macros, bib, index, path.parent) == nb
    assert sync.sync_notebook(book, macros, bib, index, path.parent) == nb
    # The book's source has no trace of the JupyterLab form: roles, and no generated
    # frontmatter.
    text = "".join(_markdown(book))
    assert sync.MARKER not in text
    assert not re.search(r'\]\([^)]* "(cite|ref|prf:ref|numref|doc)[: ]', text)
    links = sum(len(re.findall(rf' "(?:{_ROLES}) ', s)) for s in _markdown(nb))
    roles = len(re.findall(rf"\{{(?:{_ROLES})\}}`", text))
    in_nb = len(re.findall(rf"\{{(?:{_ROLES})\}}`", "".join(_markdown(nb))))
    assert roles == links + in_nb
    # Every link to a notebook points at a notebook that exists, relative to this one.
    for target in re.findall(
        rf'\]\(([^\s)]+\.ipynb) "(?:{_ROLES}) ', "".join(_markdown(nb))
    ):
        assert (path.parent / target).is_file(), target
    # Code cells are untouched.
    code = [c["source"] for c in nb["cells"] if c["cell_type"] == "code"]
    assert code == [c["source"] for c in book["cells"] if c["cell_type"] == "code"]


def test_citations_are_author_year_from_references_bib():
    bib = sync.Bibliography()
    # The first authors and years below are those of references.bib.
    assert bib.text("cite:t", ["deng2026suspicious"]) == "Deng et al. (2026)"
    assert bib.text("cite:t", ["papyan2020traces"]) == "Papyan (2020)"
    assert bib.text("cite:t", ["gurari2018tiny"]) == "Gur-Ari et al. (2018)"
    assert bib.text("cite", ["song2025tiny", "deng2026suspicious"]) == (
        "(Song et al., 2025; Deng et al., 2026)"
    )
    assert bib.text("cite:p", ["sagun2017empirical"]) == "(Sagun et al., 2017)"
    assert bib.url("song2025tiny") == "https://arxiv.org/abs/2405.16002"
    with pytest.raises(ValueError, match="nosuchkey"):
        bib.text("cite:t", ["nosuchkey"])
    with pytest.raises(ValueError, match="cite:year"):
        bib.text("cite:year", ["deng2026suspicious"])


def test_roles_and_links_round_trip():
    bib = sync.Bibliography()
    text = (
        "As {cite:t}`deng2026suspicious` show, and others"
        " {cite}`song2025tiny,gurari2018tiny`."
    )
    linked = sync.roles_to_links(text, bib)
    assert "{cite" not in linked
    assert "[Deng et al. (2026)](https://arxiv.org/abs/2601.11789" in linked
    assert "[(Song et al., 2025; Gur-Ari et al., 2018)](" in linked
    assert sync.links_to_roles(linked) == text
    assert sync.roles_to_links(linked, bib) == linked


def test_references_to_other_notebooks_become_links_to_them():
    index = sync.LabelIndex()
    # prop-critical-step is the first proposition of chapter 4 (no other notebook
    # defines it).
    assert index.by_label["prop-critical-step"] == (
        ROOT / "chapters" / "04_critical_step_size.ipynb",
        "Proposition 1 of chapter 4",
    )
    text = "From {prf:ref}`prop-critical-step` and {ref}`local-label`."
    linked = sync.xrefs_to_links(
        text, index, here={"local-label"}, folder=ROOT / "chapters"
    )
    assert linked == (
        "From [Proposition 1 of chapter 4]"
        '(04_critical_step_size.ipynb "prf:ref prop-critical-step")'
        " and {ref}`local-label`."
    )
    assert sync.links_to_roles(linked) == text


def test_one_index_across_folders_and_links_relative_to_the_referring_notebook():
    # The default index covers chapters/ and appendix/: an appendix label is found...
    index = sync.LabelIndex()
    assert index.folders == [ROOT / "chapters", ROOT / "appendix"]
    assert index.by_label["misreading-batch-size"][0] == APPENDIX[0].parent / (
        "misreadings.ipynb"
    )
    # ...and from the appendix, a chapter's label is a link into ../chapters/.
    text = (
        "See {prf:ref}`prop-self-correction`,"
        " {ref}`the threshold <sec-exact-threshold>`,"
        " {doc}`../chapters/04_critical_step_size`,"
        " {doc}`chapter 7 <../chapters/07_two_phases>` and {doc}`notation`."
    )
    linked = sync.xrefs_to_links(text, index, here=set(), folder=ROOT / "appendix")
    assert linked == (
        "See [Proposition 1 of chapter 5](../chapters/05_self_correction.ipynb"
        ' "prf:ref prop-self-correction"),'
        " [the threshold](../chapters/04_critical_step_size.ipynb"
        ' "ref the threshold <sec-exact-threshold>"),'
        # A {doc} link reads as the notebook's title, as the book shows it.
        " [The critical step size](../chapters/04_critical_step_size.ipynb"
        ' "doc ../chapters/04_critical_step_size"),'
        " [chapter 7](../chapters/07_two_phases.ipynb"
        ' "doc chapter 7 <../chapters/07_two_phases>")'
        # notation is a Markdown page, not a notebook: the role stays.
        " and {doc}`notation`."
    )
    # The book reads the roles back, and a second sync changes nothing.
    assert sync.links_to_roles(linked) == text
    again = sync.xrefs_to_links(
        sync.links_to_roles(linked), index, set(), ROOT / "appendix"
    )
    assert again == linked
    # From a chapter, the same label is a link within chapters/.
    assert sync.xrefs_to_links(
        "{prf:ref}`prop-self-correction`", index, set(), ROOT / "chapters"
    ) == (
        "[Proposition 1 of chapter 5](05_self_correction.ipynb"
        ' "prf:ref prop-self-correction")'
    )


def test_misreadings_links_to_the_chapters_and_reads_back_as_roles():
    # The committed appendix notebook: its cross-folder references (prf:ref, ref, doc)
    # are links into ../chapters/, and its book source has the roles back.
    path = ROOT / "appendix" / "misreadings.ipynb"
    nb = _nb(path)
    text = "".join(_markdown(nb))
    ch4 = "](../chapters/04_critical_step_size.ipynb"
    assert f'{ch4} "prf:ref prop-critical-step")' in text
    assert f'{ch4} "ref sec-exact-threshold")' in text
    assert (
        "[In practice: measuring alignment in your own training]"
        '(../chapters/09_in_practice.ipynb "doc ../chapters/09_in_practice")'
    ) in text
    assert not re.search(r"\{(?:ref|prf:ref|doc|cite(?::[a-z]+)?)\}`", text)
    book = "".join(_markdown(sync.book_source(nb)))
    assert "{doc}`../chapters/09_in_practice`" in book
    assert "{prf:ref}`prop-critical-step`" in book
    assert "{cite:t}`deng2026suspicious`" in book
    assert "../chapters/" not in book.replace("{doc}`../chapters/", "")


def test_the_book_extension_reads_notebooks_back(tmp_path):
    ext = _load(
        "rivervalley_notebooks",
        ROOT / "tools" / "sphinxext" / "rivervalley_notebooks.py",
    )

    class Env:
        @staticmethod
        def doc2path(docname):
            return ROOT / f"{docname}.ipynb"

    class App:
        env = Env()

    for path in (CHAPTERS[0], ROOT / "appendix" / "misreadings.ipynb"):
        source = [path.read_text(encoding="utf-8")]
        ext._read_as_book(App(), f"{path.parent.name}/{path.stem}", source)
        assert json.loads(source[0]) == sync.book_source(_nb(path))
        assert sync.MARKER not in source[0]
        # No generated link is left (their titles carry the role).
        assert not re.search(r'\\"(cite(:[a-z]+)?|ref|prf:ref|numref|doc) ', source[0])
    # The appendix's cross-folder references are roles again.
    assert "{doc}`../chapters/07_two_phases`" in source[0]
    assert "{prf:ref}`prop-self-correction`" in source[0]
    # Markdown pages are left alone.
    App.env.doc2path = staticmethod(lambda docname: ROOT / f"{docname}.md")
    md = ['{cite:t}`x` [a](b "cite:t x")']
    ext._read_as_book(App(), "intro", md)
    assert md == ['{cite:t}`x` [a](b "cite:t x")']


def test_script_check_mode_reports_and_writes_nothing(tmp_path, capsys):
    nb = _nb(CHAPTERS[0])
    stale = tmp_path / CHAPTERS[0].name
    stale.write_text(sync.dumps(sync.book_source(nb)), encoding="utf-8")
    before = stale.read_text()
    assert sync.main(["--check", str(stale)]) == 1
    assert stale.read_text() == before
    assert sync.main([str(stale)]) == 0
    assert sync.main(["--check", str(stale)]) == 0
    assert "Generated by tools/sync_notebooks.py" in stale.read_text()
    capsys.readouterr()
