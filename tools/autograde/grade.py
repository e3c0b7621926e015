"""Grade one submission against one build: student run, extraction, clean tests.

A build's ``grading/`` folder holds ``spec.json`` (the answer names, the library
allowlist, the variant's parameters and the case seed), ``hidden.py``, ``public.py``
and a copy of this package. :func:`grade` never raises on a bad notebook: it returns
the reason in ``error`` and zero points.
"""

from __future__ import annotations

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

    Directories at the top level of ``site-packages`` are not fingerprinted: another
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
                if entry.is_file(follow_symlinks=False):
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


def grade(notebook: pathlib.Path, grading: pathlib.Path, timeout: float = 600) -> dict:
    """``{"tests": [...], "score", "max", "flags", "errors", "error"}`` for one
    submission; ``grading`` is a build's ``grading/`` folder."""
    spec = json.loads((grading / "spec.json").read_text())
    hidden = (grading / "hidden.py").read_text()
    public = (grading / "public.py").read_text()
    # The tests use the setup cell's objects, not its imports for the written questions.
    setup = extract.without_unused_imports((grading / "setup.py").read_text())
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
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
    with tempfile.TemporaryDirectory(prefix="rv-submission-") as tmp:
        out = pathlib.Path(tmp) / "answers.json"
        job = {"cells": sources, "answers": spec["answers"], "out": str(out)}
        try:
            subprocess.run(
                [_python(), "-I", str(HERE / "student_run.py")],
                input=json.dumps(job),
                cwd=tmp,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                start_new_session=True,
            )
        except subprocess.TimeoutExpired:
            result["errors"].append(f"the notebook did not finish in {timeout:g} s")
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
    job = {
        "grader_dir": str(HERE),
        "student": module,
        "answers": answers,
        "params": spec["params"],
        "case_seed": spec["case_seed"],
        "allowed": spec["allowed"],
        "hidden": hidden,
        "public": public,
        "setup": setup,
    }
    try:
        proc = subprocess.run(
            [_python(), "-I", str(HERE / "clean.py")],
            input=json.dumps(job),
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            start_new_session=True,
        )
        line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        result["tests"] = json.loads(line)["tests"]
    except subprocess.TimeoutExpired:
        result["error"] = f"the hidden tests did not finish in {timeout:g} s"
    except (ValueError, KeyError, IndexError):
        result["error"] = "the hidden tests crashed: " + proc.stderr[-300:]
    result["score"] = sum(t["score"] for t in result["tests"])
    return result
