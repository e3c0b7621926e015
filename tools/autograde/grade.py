"""Grade one submission against one build: student run, extraction, clean tests.

A build's ``grading/`` folder holds ``spec.json`` (the answer names, the library
allowlist, the variant's parameters and the case seed), ``hidden.py``, ``public.py``
and a copy of this package. :func:`grade` never raises on a bad notebook: it returns
the reason in ``error`` and zero points.
"""

from __future__ import annotations

import ast
import json
import os
import pathlib
import subprocess
import sys
import sysconfig
import tempfile

try:
    from . import extract
except ImportError:  # run from the autograder zip, as a plain folder on sys.path
    import extract

HERE = pathlib.Path(__file__).resolve().parent
#: The reason recorded when the environment's files changed while a notebook ran.
ENV_CHANGED = "the notebook changed files of the grading environment"


def _fingerprint(roots: list[pathlib.Path]) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file under the package roots (the grader, the build's
    grading folder, the library, numpy) and of the files at the top level of the
    import directories (``*.pth`` and ``sitecustomize.py`` run at every interpreter's
    start; a module there is importable by name): a submission that writes into what
    the clean process runs shows.

    Directories at the top level of ``site-packages`` are recorded by name only: another
    package installed or byte-compiled meanwhile (``pip install`` in the same
    environment, another user's first import) changes their mtimes, and charging that
    to the submission being graded cost reference solutions their marks (two of 70
    in an earlier ``make bench``; four of 70 with a ``pip install`` running beside it).
    """
    out: dict[str, tuple[int, int]] = {}
    for root in roots:
        for dirpath, _, files in os.walk(root):
            if "__pycache__" in dirpath:
                continue
            for f in files:
                p = os.path.join(dirpath, f)
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                out[p] = (st.st_mtime_ns, st.st_size)
    for d in {sysconfig.get_paths()[k] for k in ("stdlib", "purelib", "platlib")}:
        try:
            for entry in os.scandir(d):
                if entry.is_dir(follow_symlinks=False):
                    # its name only: a new package directory (``sitecustomize/``)
                    # shows, another install's mtime change does not
                    out[entry.path] = (0, 0)
                else:  # files and symlinks (a linked ``x.pth`` runs like a file)
                    st = entry.stat(follow_symlinks=False)
                    out[entry.path] = (st.st_mtime_ns, st.st_size)
        except OSError:
            continue
    return out


def _roots(grading: pathlib.Path) -> list[pathlib.Path]:
    import numpy

    import rivervalley_lib

    return [
        pathlib.Path(numpy.__file__).parent,
        pathlib.Path(rivervalley_lib.__file__).parent,
        grading,
        HERE,
    ]


def _python() -> str:
    return sys.executable


def _env() -> dict:
    return dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")


def preload(setup_source: str) -> list[str]:
    """The modules the setup cell imports (``from m import x`` also tries ``m.x``): a
    fork server imports them once, before any notebook runs."""
    names = ["numpy"]
    for node in ast.parse(setup_source).body:
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
            names += [f"{node.module}.{a.name}" for a in node.names]
    return list(dict.fromkeys(n for n in names if n != "parameters"))


class _Server:
    """One fork server (``server.py``): started once, one line per job."""

    def __init__(self, script: str, init: dict, log: pathlib.Path):
        self._args = [_python(), "-I", str(HERE / script), "--serve"]
        self._init, self._log = init, log
        self._start()

    def _start(self) -> None:
        self._err = self._log.open("a")
        self._proc = subprocess.Popen(
            self._args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._err,
            env=_env(),
            text=True,
            start_new_session=True,
        )
        self._send(self._init)
        if not self._proc.stdout.readline():
            raise RuntimeError(f"a grading server did not start: see {self._log}")

    def _send(self, obj: dict) -> None:
        self._proc.stdin.write(json.dumps(obj) + "\n")
        self._proc.stdin.flush()

    def call(self, job: dict) -> dict:
        """Run one job; ``{"timeout": bool, ...}`` or ``{"crashed": True}`` (the
        server is then started again for the next job)."""
        try:
            self._send(job)
            line = self._proc.stdout.readline()
        except (BrokenPipeError, OSError):
            line = ""
        if line:
            return json.loads(line)
        self.close()
        self._start()
        return {"timeout": False, "crashed": True}

    def close(self) -> None:
        try:
            self._proc.stdin.close()
        except OSError:
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc.stdout.close()
        self._err.close()


class Runner:
    """The two fork servers of one build (the notebook runner and the clean tests),
    for grading many notebooks one after another: the imports, the setup cell of the
    tests and the tests' loading happen once, each notebook in a forked child."""

    def __init__(self, grading: pathlib.Path):
        spec, hidden, public, setup = _build(grading)
        self._tmp = tempfile.TemporaryDirectory(prefix="rv-runner-")
        log = pathlib.Path(self._tmp.name) / "servers.log"
        full_setup = (grading / "setup.py").read_text()
        self.student = _Server("student_run.py", {"preload": preload(full_setup)}, log)
        self.clean = _Server("clean.py", _clean_init(spec, hidden, public, setup), log)

    def close(self) -> None:
        self.student.close()
        self.clean.close()
        self._tmp.cleanup()


def _build(grading: pathlib.Path) -> tuple[dict, str, str, str]:
    spec = json.loads((grading / "spec.json").read_text())
    hidden = (grading / "hidden.py").read_text()
    public = (grading / "public.py").read_text()
    # The tests use the setup cell's objects, not its imports for the written questions.
    setup = extract.without_unused_imports((grading / "setup.py").read_text())
    return spec, hidden, public, setup


def _clean_init(spec: dict, hidden: str, public: str, setup: str) -> dict:
    return {
        "grader_dir": str(HERE),
        "params": spec["params"],
        "case_seed": spec["case_seed"],
        "allowed": spec["allowed"],
        "hidden": hidden,
        "public": public,
        "setup": setup,
    }


def _isolated(
    script: str, payload: dict, timeout: float, cwd: str | None = None
) -> subprocess.CompletedProcess | None:
    """Run one of the grader's scripts with ``payload`` on stdin, in a fresh isolated
    interpreter (``-I``) of its own session; ``None`` if it did not finish in
    ``timeout`` seconds."""
    try:
        return subprocess.run(
            [_python(), "-I", str(HERE / script)],
            input=json.dumps(payload),
            cwd=cwd,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired:
        return None


def _run_student(job: dict, tmp: str, timeout: float, runner: Runner | None) -> str:
    """Run the notebook's cells (``job["out"]`` gets the answers): an error, or
    ``""``."""
    if runner is not None:
        got = runner.student.call(job | {"cwd": tmp, "timeout": timeout})
        if got.get("crashed"):
            return "the notebook's run stopped the grader's runner"
        return f"the notebook did not finish in {timeout:g} s" if got["timeout"] else ""
    if _isolated("student_run.py", job, timeout, cwd=tmp) is None:
        return f"the notebook did not finish in {timeout:g} s"
    return ""


def _run_clean(
    init: dict, job: dict, tmp: str, timeout: float, runner: Runner | None
) -> tuple[list, str]:
    """The hidden tests' results, and an error or ``""``."""
    if runner is not None:
        path = pathlib.Path(tmp) / "results.json"
        got = runner.clean.call(job | {"result": str(path), "timeout": timeout})
        if got.get("timeout"):
            return [], f"the hidden tests did not finish in {timeout:g} s"
        try:
            return json.loads(path.read_text().strip().splitlines()[-1])["tests"], ""
        except (OSError, ValueError, KeyError, IndexError):
            return [], "the hidden tests crashed"
    proc = _isolated("clean.py", init | job, timeout)
    if proc is None:
        return [], f"the hidden tests did not finish in {timeout:g} s"
    try:
        line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        return json.loads(line)["tests"], ""
    except (ValueError, KeyError, IndexError):
        return [], "the hidden tests crashed: " + proc.stderr[-300:]


def grade(
    notebook: pathlib.Path,
    grading: pathlib.Path,
    timeout: float = 600,
    runner: Runner | None = None,
) -> dict:
    """``{"tests": [...], "score", "max", "flags", "errors", "error"}`` for one
    submission; ``grading`` is a build's ``grading/`` folder. With a :class:`Runner`
    of that folder, the notebook and the tests run in forked children of its warm
    servers; without one, in two fresh interpreters."""
    spec, hidden, public, setup = _build(grading)
    result = {
        "tests": [],
        "score": 0.0,
        "max": spec["points"],
        "flags": [],
        "errors": [],
        "error": "",
    }
    try:
        nb = json.loads(pathlib.Path(notebook).read_text())
        sources = extract.cell_sources(nb)
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        result["error"] = f"not a readable notebook: {type(exc).__name__}: {exc}"[:300]
        return result
    result["flags"] = extract.flags(sources)
    module = extract.student_module(sources)
    roots = _roots(grading)
    before = _fingerprint(roots)
    with tempfile.TemporaryDirectory(prefix="rv-submission-") as tmp:
        out = pathlib.Path(tmp) / "answers.json"
        job = {"cells": sources, "answers": spec["answers"], "out": str(out)}
        error = _run_student(job, tmp, timeout, runner)
        if error:
            result["errors"].append(error)
        try:
            ran = json.loads(out.read_text())
            answers = {k: v for k, v in ran["answers"].items() if k in spec["answers"]}
            result["errors"] += [str(e) for e in ran["errors"]][:20]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            answers = {}
            result["errors"].append("the notebook's answer values could not be read")
        after = _fingerprint(roots)
        changed = sorted(
            k for k in set(before) | set(after) if before.get(k) != after.get(k)
        )
        if changed:
            result["flags"].append(
                "changed files of the environment: " + ", ".join(changed[:3])
            )
            result["error"] = ENV_CHANGED
            return result
        init = _clean_init(spec, hidden, public, setup)
        tests, error = _run_clean(
            init, {"student": module, "answers": answers}, tmp, timeout, runner
        )
    result["tests"], result["error"] = tests, error
    result["score"] = sum(t["score"] for t in result["tests"])
    return result
