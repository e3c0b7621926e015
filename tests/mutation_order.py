"""pytest plugin for ``make mutate``: each mutant runs its fastest tests first.

mutmut runs a mutant's tests with ``-x`` (the first failure kills the mutant) but hands
them to pytest in no particular order, so a mutant that a 5 ms doctest kills could first
sit through a 20 s Monte Carlo test. Under a mutant (``MUTANT_UNDER_TEST`` names one),
this plugin sorts the collected tests by the duration mutmut measured in its stats run
(``mutmut-stats.json`` in the ``mutants/`` directory), fastest first. The tests run and
the verdict are the same; only the time to a kill changes. Outside a mutant (the stats
run, the forced-fail check, ``make test``) it does nothing.

Tests that already killed another mutant of the same function go first: the test
that caught a function's sign flip usually catches its dropped factor too. Each failure
under a mutant is appended to ``mutation-kills.txt`` (one line: function, tab, test
id); a mutant's tests are then ranked by kills of its function per second of test
time, and the tests that never killed one follow, fastest first.

A mutant reviewed as equivalent (``equivalents.json``, written from
``bench/mutation_equivalents.toml`` by ``bench/mutation_report.py`` before the run)
is not run again when its mutated line is still the reviewed one: its session ends at
once with mutmut's "skipped" exit code (34), and the report counts it as equivalent
only after checking the line once more against mutmut's own diff.

Loaded with ``-p tests.mutation_order`` from ``[tool.mutmut] pytest_add_cli_args`` in
pyproject.toml.
"""

from __future__ import annotations

import difflib
import json
import math
import os
from pathlib import Path

_DURATIONS: dict[str, float] | None = None


def _durations() -> dict[str, float]:
    global _DURATIONS
    if _DURATIONS is None:
        stats = Path("mutmut-stats.json")
        _DURATIONS = (
            json.loads(stats.read_text())["duration_by_test"] if stats.exists() else {}
        )
    return _DURATIONS


KILLS = Path("mutation-kills.txt")


def function_of(mutant: str) -> str:
    """The mangled function a mutant belongs to (``m.x_f__mutmut_3`` -> ``m.x_f``)."""
    return mutant.rsplit("__mutmut_", 1)[0]


def kill_counts(lines: list[str], function: str) -> dict[str, int]:
    """How many mutants of ``function`` each test killed (``mutation-kills.txt``)."""
    counts: dict[str, int] = {}
    prefix = function + "\t"
    for line in lines:
        if line.startswith(prefix):
            test = line[len(prefix) :]
            counts[test] = counts.get(test, 0) + 1
    return counts


def order(
    tests: list[str], durations: dict[str, float], kills: dict[str, int]
) -> list[str]:
    """Tests in the order to run them: by kills per second first, then fastest first.

    A test that killed k of the function's mutants and takes t seconds comes before
    one that killed none; among killers the higher k / t goes first (the order that
    minimises the expected time to the first failure when k estimates how likely a
    test fails).
    """

    def key(test: str) -> tuple[int, float]:
        seconds = durations.get(test, math.inf)
        if kills.get(test):
            return (0, -kills[test] / (seconds + 1e-3))
        return (1, seconds)

    return sorted(tests, key=key)


def _mutant() -> str:
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    return name if "__mutmut_" in name else ""


EQUIVALENTS = Path("equivalents.json")
SKIPPED = 34  # mutmut's exit code for "skipped"


def _body(lines: list[str], name: str) -> list[str] | None:
    """The lines of the function ``name`` in a mutated module (after its ``def``)."""
    for i, line in enumerate(lines):
        if line.lstrip().startswith(f"def {name}("):
            indent = len(line) - len(line.lstrip())
            j = i + 1
            # the body: blank lines, deeper lines, and the ")" closing a signature
            while j < len(lines) and (
                not lines[j].strip()
                or len(lines[j]) - len(lines[j].lstrip()) > indent
                or lines[j].lstrip().startswith(")")
            ):
                j += 1
            return lines[i + 1 : j]
    return None


def mutated_line(mutant: str, source: str) -> str | None:
    """The first line the mutant changes in its function, whitespace-normalised (as
    ``bench/mutation_report.changed_line`` reads it from mutmut's diff)."""
    function = mutant.rsplit(".", 1)[1]
    lines = source.splitlines()
    new = _body(lines, function)
    orig = _body(lines, function.rsplit("__mutmut_", 1)[0] + "__mutmut_orig")
    if new is None or orig is None:
        return None
    plus = [ln[2:] for ln in difflib.ndiff(orig, new) if ln.startswith("+ ")]
    return " ".join(plus[0].split()) if plus else None


def skip_if_equivalent() -> None:
    """End the process with mutmut's "skipped" code if the mutant under test is a
    reviewed equivalent whose mutated line is still the reviewed one."""
    mutant = _mutant()
    if not mutant or not EQUIVALENTS.exists():
        return
    line = json.loads(EQUIVALENTS.read_text()).get(mutant)
    if line is None:
        return
    module = Path(mutant.rsplit(".", 1)[0].replace(".", "/") + ".py")
    if module.exists() and mutated_line(mutant, module.read_text()) == line:
        os._exit(SKIPPED)


def pytest_configure(config) -> None:
    # a mutant's own pytest session (bench/mutmut_session.py calls it before it runs a
    # mutant in the session collected once)
    skip_if_equivalent()


def pytest_collection_modifyitems(session, config, items) -> None:
    mutant = _mutant()
    if not mutant:
        return
    lines = KILLS.read_text().splitlines() if KILLS.exists() else []
    kills = kill_counts(lines, function_of(mutant))
    ranked = order([item.nodeid for item in items], _durations(), kills)
    position = {test: i for i, test in enumerate(ranked)}
    items.sort(key=lambda item: position[item.nodeid])


def pytest_runtest_logreport(report) -> None:
    mutant = _mutant()
    if mutant and report.failed:
        # One short line per kill, written with O_APPEND: two children appending at
        # once do not interleave within a line.
        with KILLS.open("a") as out:
            out.write(f"{function_of(mutant)}\t{report.nodeid}\n")
