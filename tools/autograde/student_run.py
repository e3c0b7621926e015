"""Run a submission's code cells and write the answer values as JSON (a subprocess).

Reads ``{"cells": [...], "answers": [...], "out": path}`` on stdin. Each cell runs in
one namespace, as in a kernel; an error is recorded and the next cell runs. otter's
``grader`` is a stub (its checks are the student's feedback, not the grade). Only
plain data leaves this process: numbers, booleans and (nested) lists of numbers.

With ``--serve`` it is a fork server (``server.py``): the init line names the modules
to import once (``{"preload": [...]}``: the setup cell's imports), and every job runs
in a forked child of that untouched interpreter.
"""

from __future__ import annotations

import json
import sys
import traceback
import types


def _otter_stub() -> None:
    class Notebook:
        def __init__(self, *args, **kwargs):
            pass

        def __getattr__(self, name):
            return lambda *args, **kwargs: None

    mod = types.ModuleType("otter")
    mod.Notebook = Notebook
    sys.modules["otter"] = mod


def plain(value, depth: int = 0):
    """A JSON-safe copy of a number, boolean or array-like of numbers; else None."""
    import numpy as np

    if depth > 3:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    try:
        a = np.asarray(value)
    except Exception:
        return None
    if a.dtype.kind in "biuf" and a.size <= 10_000_000:
        out = a.astype(float).tolist()
        return out
    if isinstance(value, list | tuple):
        return [plain(v, depth + 1) for v in value]
    return None


def run(job: dict) -> None:
    """Run one submission's cells and write its answer values to ``job["out"]``."""
    if job.get("cwd"):
        import os

        os.chdir(job["cwd"])
    _otter_stub()
    ns: dict = {"__name__": "__main__"}
    errors = []
    for i, src in enumerate(job["cells"]):
        try:
            exec(compile(src, f"<cell {i + 1}>", "exec"), ns)
        except BaseException as exc:  # noqa: B036 - a student's cell may raise anything
            if isinstance(exc, KeyboardInterrupt):
                raise
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            errors.append(f"cell {i + 1}: {tb}"[:300])
    answers = {}
    for name in job["answers"]:
        if name in ns:
            v = plain(ns[name])
            if v is not None:
                answers[name] = v
    with open(job["out"], "w") as fh:
        json.dump({"answers": answers, "errors": errors}, fh)


def _server():
    """``server.py`` beside this file, loaded without putting the grader's folder on
    the notebook's ``sys.path``."""
    import importlib.util
    import os

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "server.py")
    spec = importlib.util.spec_from_file_location("_rv_server", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _preload(init: dict):
    import importlib

    for name in init.get("preload", []):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the notebook's own import will say why
            pass
    return run


def main() -> int:
    if "--serve" in sys.argv[1:]:
        return _server().serve(_preload)
    run(json.loads(sys.stdin.read()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
