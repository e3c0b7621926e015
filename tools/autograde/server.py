"""A warm interpreter that forks one fresh child per submission.

Grading a folder starts the notebook runner and the clean test process once per worker
in this form: the parent imports numpy, the library and the setup cell's modules (and,
for the tests, runs the setup cell and loads the tests) once, never runs a submission's
code, and forks a child for each submission. A child is a copy of that untouched
parent: nothing one submission does reaches the parent or the next submission. The
child's standard streams are ``/dev/null`` (the protocol's pipes stay with the
parent), it runs in its own session, and the parent kills the session at the deadline.

Protocol, one JSON object a line: the first line is the ``init`` object, then each line
is a job; after each job the parent writes ``{"timeout": bool, "status": int}``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable


def _child(handler: Callable[[dict], None], job: dict) -> None:
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    code = 0
    try:
        handler(job)
    except BaseException:  # noqa: BLE001 - the parent reports the status
        code = 1
    finally:
        os._exit(code)


def _wait(pid: int, timeout: float) -> tuple[bool, int]:
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return False, status
        if time.monotonic() > deadline:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return True, os.waitpid(pid, 0)[1]
        time.sleep(delay)
        delay = min(2 * delay, 0.02)


def serve(prepare: Callable[[dict], Callable[[dict], None]]) -> int:
    """Read the init line, ``handler = prepare(init)``, then fork a child running
    ``handler(job)`` for every job line, answering each with its outcome."""
    stdin, stdout = sys.stdin, sys.stdout
    handler = prepare(json.loads(stdin.readline()))
    stdout.write(json.dumps({"ready": True}) + "\n")
    stdout.flush()
    for line in stdin:
        job = json.loads(line)
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(handler, job)
        timed_out, status = _wait(pid, float(job.get("timeout", 600)))
        stdout.write(json.dumps({"timeout": timed_out, "status": status}) + "\n")
        stdout.flush()
    return 0
