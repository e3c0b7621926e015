"""``mutmut run`` whose mutants run in one pytest session collected once.

mutmut (3.8, ``process_isolation = "fork"``) forks a child per mutant, and each child
calls ``pytest.main`` with the mutant's tests: a new pytest session that parses the
options, loads the plugins, collects the named test files and filters them, before the
first test runs. For a mutant that its first test kills, that setup was most of its
time (0.2 of a killed mutant's mean 0.46 s in run 6).

Here the parent collects every selected test once, in one session that it configures
and starts but never runs, after mutmut's clean run and forced-fail check and before
the first mutant. Each child, a fork of that parent, takes the collected items of its
mutant's tests and runs them in the inherited session with pytest's own run loop (the
same hooks, fixtures, ``-x`` and exit codes as ``pytest.main``). A child starts from the
parent's state, not from the last child's, as before. The mutated functions are
mutmut's trampolines, which read ``MUTANT_UNDER_TEST`` at each call, so code collected
before the mutant was chosen runs the mutant.

A mutant whose tests are not all among the collected items (none in practice), every
mutant when the collection fails, and the stats run, clean run and forced-fail check,
go through mutmut's own ``pytest.main``. A child maps at most 6 GiB more than it
inherits (``MEMORY_HEADROOM``).
``-s``: no global output capture, whose temporary files the children would share
(their output goes to /dev/null; ``capsys`` works as before).

Run as ``python bench/mutmut_session.py run [--max-children N] [MUTANT ...]``, which is
``mutmut run`` with this runner (``bench/mutation_report.py --run`` does it).
"""

from __future__ import annotations

import gc
import os
import resource
import sys
from collections.abc import Iterable
from typing import Any

from mutmut.runners.harness import PytestRunner
from mutmut.utils.file_utils import change_cwd
from mutmut.workers.isolation import ForkRunner

PLUGIN = "tests.mutation_order"  # its ordering and equivalence skip run here too

# A mutant child may map this much beyond what it inherits from the parent: a mutant
# that lifts one of the library's memory guards makes the test that relies on the
# guard allocate tens of GiB; with the cap the allocation fails at once with a
# MemoryError (the test fails: killed), rather than pushing the 24 GiB machine into the
# kernel's OOM kill (exit -9, which mutmut does not count as killed) after half a
# minute. The library refuses anything above 2 GiB, and its tests use far less.
MEMORY_HEADROOM = 6 * 2**30

# pytest.main's exit codes
OK, TESTS_FAILED, INTERRUPTED, INTERNAL_ERROR, NO_TESTS = 0, 1, 2, 3, 5


def mapped_bytes() -> int:
    """This process's mapped address space (the first field of /proc/self/statm)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


class SessionRunner(PytestRunner):
    """mutmut's pytest runner, with mutants run in a session collected once."""

    def __init__(self) -> None:
        super().__init__()
        self.session: Any = None
        self.items: dict[str, Any] = {}

    def session_args(self) -> list[str]:
        """The options of mutmut's per-mutant ``pytest.main`` (as ``execute_pytest``
        puts them together, over the whole test selection), plus ``-s``."""
        return [
            "--rootdir=.",
            "--tb=native",
            "-s",
            *self._pytest_args_regular_run([]),
            *self._pytest_add_cli_args,
        ]

    def collect_once(self) -> None:
        """Configure and start a session and collect every selected test (none runs)."""
        from _pytest.config import _prepareconfig
        from _pytest.main import Session

        saved = sys.stdout, sys.stderr
        # pytest's terminal reporter keeps the stream it is configured with.
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115
        try:
            with change_cwd("mutants"):
                config = _prepareconfig(self.session_args())
                session = Session.from_config(config)
                config._do_configure()
                config.hook.pytest_sessionstart(session=session)
                config.hook.pytest_collection(session=session)
        except BaseException:  # noqa: BLE001  (with -x a collection error raises)
            session = None
        finally:
            sys.stdout, sys.stderr = saved
        if session is None or session.testsfailed:
            print("    collection failed: each mutant runs its own pytest.main")
            return
        self.session = session
        self.items = {item.nodeid: item for item in session.items}
        print(f"    {len(self.items)} tests collected once for all mutants")

    def run_tests(self, *, mutant_name: str | None, tests: Iterable[str]) -> int:
        tests = list(tests)
        if mutant_name is not None:  # a mutant's forked child
            cap = mapped_bytes() + MEMORY_HEADROOM
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        if (
            mutant_name is None
            or self.session is None
            or not all(test in self.items for test in tests)
        ):
            return super().run_tests(mutant_name=mutant_name, tests=tests)
        with change_cwd("mutants"):
            return self.run_in_session([self.items[test] for test in tests])

    def run_in_session(self, items: list[Any]) -> int:
        """Run ``items`` in the collected session; pytest.main's exit code."""
        from _pytest.outcomes import Exit

        session = self.session
        config = session.config
        plugin = config.pluginmanager.get_plugin(PLUGIN)
        if plugin is not None:
            plugin.skip_if_equivalent()  # exits with mutmut's "skipped" code
            plugin.pytest_collection_modifyitems(
                session=session, config=config, items=items
            )
        session.items = items
        session.testscollected = len(items)
        # The exit codes of pytest.main (_pytest.main.wrap_session).
        try:
            config.hook.pytest_runtestloop(session=session)
        except session.Failed:  # -x: the first failure stops the loop
            return TESTS_FAILED
        except (KeyboardInterrupt, Exit) as stop:  # Ctrl-C, pytest.exit()
            return getattr(stop, "returncode", None) or INTERRUPTED
        except session.Interrupted:
            return INTERRUPTED
        except BaseException:  # noqa: BLE001
            return INTERNAL_ERROR
        if session.testsfailed:
            return TESTS_FAILED
        return OK if items else NO_TESTS


class SessionForkRunner(ForkRunner):
    """mutmut's fork-per-mutant runner, which collects the session before forking."""

    def startup(self) -> None:
        self.test_runner.collect_once()
        gc.collect()  # the earlier sessions' garbage is not frozen with the session
        super().startup()  # gc.freeze(): the children share the collected session


def get_mutant_runner(max_workers: int = 1) -> SessionForkRunner:
    from mutmut.configuration import config

    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, got {max_workers}")
    runner = SessionRunner()
    runner.prepare_main_test_run()
    return SessionForkRunner(
        max_workers=max_workers, test_runner=runner, debug=config().debug
    )


def main() -> None:
    import mutmut.__main__ as mutmut_main

    # One BLAS thread per child: two children share two cores, mutmut's timeout is
    # CPU time, which a multi-threaded BLAS spends twice as fast as wall time, and a
    # thread pool would map memory under the cap above. Set before numpy is imported.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"

    mutmut_main.get_mutant_runner = get_mutant_runner
    mutmut_main.cli()


if __name__ == "__main__":
    main()
