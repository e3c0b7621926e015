"""The clean process: run the hidden tests on the extracted functions and values.

Started as ``python -I clean.py`` with a JSON job on stdin: the grader folder, the
extracted student module, the answer values, the variant's parameters, the case seed,
the setup cell's source (module ``given``) and the test modules' sources. numpy, the
library and the tests are imported before the student's module is executed; the
student's output goes to stderr, and the results are written to the original stdout as
one JSON line.
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


def main() -> int:
    job = json.loads(sys.stdin.read())
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.path.insert(0, job["grader_dir"])
    import numpy as np
    import testkit

    import rivervalley_lib  # noqa: F401 - loaded before the student's code

    _module("given", job["setup"], "setup.py")
    _module("public", job["public"], "public.py")
    hidden = _module("hidden", job["hidden"], "hidden.py")
    answers = testkit.Answers(job["answers"])
    P = job["params"]
    ns: dict = {"__name__": "student"}
    student = testkit.Student(ns, job["allowed"])
    load_error = None
    try:
        student.run(exec, compile(job["student"], "<student>", "exec"), ns)
    except testkit.Failed as exc:
        load_error = str(exc)
    tests = [
        (n, f) for n, f in vars(hidden).items() if callable(f) and hasattr(f, "points")
    ]
    signal.signal(signal.SIGALRM, _alarm)
    results = []
    for i, (name, fn) in enumerate(tests):
        rng = np.random.default_rng([job["case_seed"], i])
        signal.alarm(int(job.get("test_timeout", 300)))
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
