"""pytest plugin for ``make mutate``: each mutant runs its fastest tests first.

mutmut runs a mutant's tests with ``-x`` (the first failure kills the mutant) but hands
them to pytest in no particular order, so a mutant that a 5 ms doctest kills could first
sit through a 20 s Monte Carlo test. Under a mutant (``MUTANT_UNDER_TEST`` names one),
this plugin sorts the collected tests by the duration mutmut measured in its stats run
(``mutmut-stats.json`` in the ``mutants/`` directory), fastest first. The tests run and
the verdict are the same; only the time to a kill changes. Outside a mutant (the stats
run, the forced-fail check, ``make test``) it does nothing.

Loaded with ``-p tests.mutation_order`` from ``[tool.mutmut] pytest_add_cli_args`` in
pyproject.toml.
"""

from __future__ import annotations

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


def pytest_collection_modifyitems(session, config, items) -> None:
    if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", ""):
        return
    durations = _durations()
    items.sort(key=lambda item: durations.get(item.nodeid, math.inf))
