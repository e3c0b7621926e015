"""The clean process: run the hidden tests on the extracted functions and values.

Started as ``python -I clean.py`` with a JSON job on stdin: the grader folder, the
extracted student module, the answer values, the variant's parameters, the case seed,
the setup cell's source (module ``given``) and the test modules' sources. numpy, the
library and the tests are imported before the student's module is executed; the
student's output goes to stderr, and the results are written to the original stdout as
one JSON line. With ``--serve`` it is a fork server (``server.py``): the init line holds
all but the student's module and answers, which each job brings, with the path of its
results file.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import types


def _module(name: str, source: str, filename: str) -> types.ModuleType:
    mod = types.ModuleType(name)
    mod.__file__ = filename
    sys.modules[name] = mod
    exec(compile(source, filename, "exec"), vars(mod))
    return mod


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout


def prepare(init: dict):
    """Import numpy, the library and the tests, run the setup cell (module ``given``):
    once per build in a fork server, before any student's code. Returns the runner of
    one submission's job."""
    sys.path.insert(0, init["grader_dir"])
    import numpy as np
    import testkit

    import rivervalley_lib  # noqa: F401 - loaded before the student's code

    _module("given", init["setup"], "setup.py")
    _module("public", init["public"], "public.py")
    hidden = _module("hidden", init["hidden"], "hidden.py")
    tests = [
        (n, f) for n, f in vars(hidden).items() if callable(f) and hasattr(f, "points")
    ]

    def run(job: dict, out) -> None:
        answers = testkit.Answers(job["answers"])
        P = init["params"]
        ns: dict = {"__name__": "student"}
        student = testkit.Student(ns, init["allowed"])
        load_error = None
        try:
            student.run(exec, compile(job["student"], "<student>", "exec"), ns)
        except testkit.Failed as exc:
            load_error = str(exc)
        signal.signal(signal.SIGALRM, _alarm)
        results = []
        for i, (name, fn) in enumerate(tests):
            rng = np.random.default_rng([init["case_seed"], i])
            signal.alarm(int(init.get("test_timeout", 300)))
            try:
                if load_error is not None:
                    raise testkit.Failed(load_error)
                fn(student, answers, P, rng)
                ok, msg = True, ""
            except testkit.Failed as exc:
                ok, msg = False, str(exc)
            except _Timeout:
                ok, msg = False, "the test ran out of time (an endless loop?)"
            except Exception as exc:
                ok, msg = False, f"{type(exc).__name__}: {exc}"[:500]
            finally:
                signal.alarm(0)
            results.append(
                {
                    "name": name,
                    "claim": fn.claim,
                    "points": fn.points,
                    "score": fn.points if ok else 0.0,
                    "message": msg,
                    "public": bool(getattr(fn, "public", False)),
                }
            )
        out.write(json.dumps({"tests": results}) + "\n")
        out.flush()

    return run


def _serve_job(run):
    """In a fork server's child: the results go to the file the job names (opened
    before the student's code runs)."""

    def handler(job: dict) -> None:
        with open(job["result"], "w") as out:
            run(job, out)

    return handler


def main() -> int:
    if "--serve" in sys.argv[1:]:
        import importlib.util

        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "server.py")
        spec = importlib.util.spec_from_file_location("_rv_server", path)
        server = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(server)
        return server.serve(lambda init: _serve_job(prepare(init)))
    job = json.loads(sys.stdin.read())
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    prepare(job)(job, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
