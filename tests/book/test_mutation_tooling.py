"""The pytest plugin that orders a mutant's tests in ``make mutate``
(``tests/mutation_order.py``).

Its promise: the same tests run and only their order changes. Tests that killed another
mutant of the same function come first (by kills per second), the rest fastest first,
and every failure under a mutant is recorded for the next mutant. A small pytest project
in a temporary folder is run under a fake mutant to check that end to end.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

from tests import mutation_order

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_a_mutant_belongs_to_its_function():
    assert mutation_order.function_of("m.x_f__mutmut_12") == "m.x_f"
    assert mutation_order.function_of("m.xǁCǁg__mutmut_1") == "m.xǁCǁg"


def test_kills_are_counted_per_function_only():
    lines = ["m.x_f\tt1", "m.x_f\tt1", "m.x_f\tt2", "m.x_fg\tt3", "m.x_g\tt1"]
    # m.x_fg shares the prefix "m.x_f" but is another function.
    assert mutation_order.kill_counts(lines, "m.x_f") == {"t1": 2, "t2": 1}
    assert mutation_order.kill_counts(lines, "m.x_h") == {}


def test_killers_go_first_by_kills_per_second_then_the_rest_fastest_first():
    durations = {"slow_killer": 2.0, "fast_killer": 0.1, "a": 0.5, "b": 0.05, "c": 1.0}
    # slow_killer: 10 kills / 2 s = 5 per s; fast_killer: 1 kill / 0.1 s = 10 per s.
    kills = {"slow_killer": 10, "fast_killer": 1}
    tests = ["a", "slow_killer", "c", "b", "fast_killer", "unmeasured"]
    ranked = mutation_order.order(tests, durations, kills)
    assert ranked == ["fast_killer", "slow_killer", "b", "a", "c", "unmeasured"]
    assert sorted(ranked) == sorted(tests), "the same tests run, only reordered"


def _run(project: pathlib.Path, mutant: str) -> list[str]:
    """Run the project's tests like mutmut (``-x``) and return the order they ran in."""
    env = dict(
        os.environ,
        MUTANT_UNDER_TEST=mutant,
        PYTHONPATH=str(ROOT),
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",  # only this plugin: a quick start
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-x",
            "-v",
            "-rN",
            "-p",
            "tests.mutation_order",
            "-p",
            "no:cacheprovider",
            "test_x.py",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return [
        line.split(" ")[0]
        for line in out.stdout.splitlines()
        if line.startswith("test_x.py::")
    ]


def test_a_kill_is_recorded_and_moves_its_test_first_for_the_next_mutant(tmp_path):
    (tmp_path / "test_x.py").write_text(
        "def test_fast():\n    pass\n\n"
        "def test_slow_killer():\n    assert False, 'kills every mutant'\n"
    )
    (tmp_path / "mutmut-stats.json").write_text(
        json.dumps(
            {
                "duration_by_test": {
                    "test_x.py::test_fast": 0.01,
                    "test_x.py::test_slow_killer": 5.0,
                }
            }
        )
    )
    first = _run(tmp_path, "m.x_f__mutmut_1")
    assert first == ["test_x.py::test_fast", "test_x.py::test_slow_killer"]
    kills = (tmp_path / "mutation-kills.txt").read_text().splitlines()
    assert kills == ["m.x_f\ttest_x.py::test_slow_killer"]
    # The next mutant of m.x_f starts with the test that killed its sibling ...
    assert _run(tmp_path, "m.x_f__mutmut_2")[0] == "test_x.py::test_slow_killer"
    # ... a mutant of another function does not; outside a mutant nothing is written.
    assert _run(tmp_path, "m.x_g__mutmut_1")[0] == "test_x.py::test_fast"
    _run(tmp_path, "")
    assert len((tmp_path / "mutation-kills.txt").read_text().splitlines()) == 3


MUTATED = '''\
def x_f__mutmut_orig(
    a, b
) -> int:
    """Doc."""
    c = a + b
    return c * 2


def x_f__mutmut_1(
    a, b
) -> int:
    """Doc."""
    c = a - b
    return c * 2


def x_f__mutmut_2(
    a, b
) -> int:
    """Doc."""
    c = a + b
    return c * 3
'''


def test_the_mutated_line_is_read_from_the_mutant_and_its_original():
    assert mutation_order.mutated_line("pkg.mod.x_f__mutmut_1", MUTATED) == "c = a - b"
    assert mutation_order.mutated_line("pkg.mod.x_f__mutmut_2", MUTATED) == (
        "return c * 3"
    )
    assert mutation_order.mutated_line("pkg.mod.x_f__mutmut_9", MUTATED) is None


def test_a_reviewed_equivalent_is_skipped_only_while_its_line_is_the_reviewed_one(
    tmp_path,
):
    """mutmut reads exit code 34 as "skipped": a mutant listed in equivalents.json
    with its mutated line ends its session with 34 before any test runs; one whose
    listed line is not its mutated line (mutmut renumbered the mutants) runs."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text(MUTATED)
    (tmp_path / "test_x.py").write_text("def test_fast():\n    pass\n")
    (tmp_path / "equivalents.json").write_text(
        json.dumps({"pkg.mod.x_f__mutmut_1": "c = a - b", "pkg.mod.x_f__mutmut_2": "c"})
    )

    def code(mutant: str) -> int:
        env = dict(
            os.environ,
            MUTANT_UNDER_TEST=mutant,
            PYTHONPATH=str(ROOT),
            PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        )
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "tests.mutation_order"]
        cmd += ["-p", "no:cacheprovider", "test_x.py"]
        return subprocess.run(
            cmd, cwd=tmp_path, env=env, capture_output=True
        ).returncode

    assert code("pkg.mod.x_f__mutmut_1") == 34
    assert code("pkg.mod.x_f__mutmut_2") == 0  # listed, but with another line: runs
    assert code("pkg.mod.x_f__mutmut_3") == 0  # not listed
