"""The page scripts' workarounds for upstream bugs, each with its way out.

Every fix in ``tools/sphinxext/static/*.js`` and ``tools/sphinxext/*.py`` that works
around a defect of a package the book uses carries an ``@patch`` line: its name, the
package (``npm:`` pinned in ``tools/assets/package-lock.json``, ``pip:`` pinned in
``requirements.txt``), the first
release that makes it unnecessary (``fixed-in``, or ``none``) and the newest release
checked to still need it (``checked-through``). These tests fail when the pin reaches
``fixed-in`` (delete the fix) or moves past ``checked-through`` (check the new release:
delete the fix, or raise ``checked-through``), so no workaround outlives its bug
silently.
"""

from __future__ import annotations

import json
import pathlib
import re
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPHINXEXT = ROOT / "tools" / "sphinxext"
LOCK = ROOT / "tools" / "assets" / "package-lock.json"
REQUIREMENTS = ROOT / "requirements.txt"

_PATCH = re.compile(
    r"@patch (?P<name>[a-z0-9-]+) (?P<kind>npm|pip):(?P<package>\S+) "
    r"fixed-in:(?P<fixed>none|\d+(?:\.\d+)*) "
    r"checked-through:(?P<checked>\d+(?:\.\d+)*)"
)
#: The workarounds issue 21 names, and the file each lives in.
EXPECTED = {
    "header-toggles": "rivervalley-page.js",
    "theme-button-names": "rivervalley-page.js",
    "fontawesome-script": "rivervalley_book.py",
}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _patches() -> list[dict[str, str]]:
    found = []
    files = [*SPHINXEXT.glob("static/*.js"), *SPHINXEXT.glob("*.py")]
    for path in sorted(files, key=lambda p: p.name):
        for m in _PATCH.finditer(path.read_text()):
            found.append({**m.groupdict(), "file": path.name, "path": path})
    return found


def pinned(kind: str, package: str) -> str:
    """The exact version the repository pins for ``package``."""
    if kind == "npm":
        lock = json.loads(LOCK.read_text())
        return lock["packages"][f"node_modules/{package}"]["version"]
    for line in REQUIREMENTS.read_text().splitlines():
        name, sep, version = line.strip().partition("==")
        if sep and name.lower() == package.lower():
            return version
    raise LookupError(f"{package} is not pinned in {REQUIREMENTS.name}")


def test_every_named_workaround_is_declared_once():
    patches = _patches()
    names = [p["name"] for p in patches]
    assert sorted(names) == sorted(EXPECTED), names
    for p in patches:
        assert p["file"] == EXPECTED[p["name"]], p


@pytest.mark.parametrize("patch", _patches(), ids=lambda p: p["name"])
def test_workaround_names_its_upstream_issue(patch):
    """The comment block of each fix links the upstream issue or says none was found."""
    text = patch["path"].read_text()
    # The comment paragraph that ends with the @patch line (a JS block comment's
    # " *" line or a blank line separates paragraphs).
    block = re.split(r"\n[ *]*\n", text[: text.index(f"@patch {patch['name']} ")])[-1]
    assert "Upstream:" in block, block
    assert re.search(r"[\w.-]+/[\w.-]+#\d+|no issue found", block), block


@pytest.mark.parametrize("patch", _patches(), ids=lambda p: p["name"])
def test_workaround_is_still_needed_at_the_pinned_version(patch):
    version = pinned(patch["kind"], patch["package"])
    if patch["fixed"] != "none":
        assert _version(version) < _version(patch["fixed"]), (
            f"{patch['package']} {version} is pinned, and {patch['fixed']} fixes what "
            f"the '{patch['name']}' workaround in {patch['file']} works around: "
            "delete it"
        )
    assert _version(version) <= _version(patch["checked"]), (
        f"{patch['package']} {version} is pinned, newer than {patch['checked']}, the "
        f"last release checked to need the '{patch['name']}' workaround in "
        f"{patch['file']}: check whether it still does, then delete the workaround or "
        "raise its checked-through"
    )


def test_the_check_reads_the_pins(tmp_path, monkeypatch):
    """The version check fires: a pin past checked-through, or at fixed-in, fails."""
    lock = {"packages": {"node_modules/x": {"version": "2.0.0"}}}
    (tmp_path / "lock.json").write_text(json.dumps(lock))
    monkeypatch.setattr(sys.modules[__name__], "LOCK", tmp_path / "lock.json")
    base = {"name": "t", "kind": "npm", "package": "x", "file": "f.js"}
    with pytest.raises(AssertionError, match="newer than 1.9.9"):
        test_workaround_is_still_needed_at_the_pinned_version(
            {**base, "fixed": "none", "checked": "1.9.9"}
        )
    with pytest.raises(AssertionError, match="delete it"):
        test_workaround_is_still_needed_at_the_pinned_version(
            {**base, "fixed": "2.0.0", "checked": "2.0.0"}
        )
    test_workaround_is_still_needed_at_the_pinned_version(
        {**base, "fixed": "none", "checked": "2.0.0"}
    )
