"""The tools of ``make mutate``: the pytest plugin that orders a mutant's tests
(``tests/mutation_order.py``) and the runner that runs every mutant in one pytest
session collected once (``bench/mutmut_session.py``).

The plugin's promise: the same tests run and only their order changes. Tests that
killed another mutant of the same function come first (by kills per second), the rest
fastest first, and every failure under a mutant is recorded for the next mutant. A
small pytest project in a temporary folder is run under a fake mutant to check that end
to end. The runner's promise: mutmut's own verdicts, checked by running mutmut both
ways on a small package.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

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


# A small package for mutmut: formulas that tests pin down (its mutants are killed), a
# boundary no test reaches (x > 100 -> x >= 100 survives), a doctest, a test that
# needs a fixture, and a test that reads its printed output through capsys.
PACKAGE = '''\
def add_one(x):
    return x + 1


def clip(x):
    if x > 100:
        return 100
    return x


def mean(a, b):
    return (a + b) / 2


def double(x):
    """Twice x.

    >>> double(2)
    4
    """
    return 2 * x
'''

TESTS = """\
import pytest

from pkg.f import add_one, clip, double, mean


@pytest.fixture
def three():
    return 3


def test_add_one(three):
    assert add_one(three) == 4


def test_clip_below_the_boundary():
    assert clip(1) == 1 and clip(1000) == 100


def test_mean():
    assert mean(1.0, 4.0) == 2.5


def test_arithmetic():
    assert 1 + 1 == 2  # calls no function of the package: no mutant's test


def test_double_prints(capsys):
    print(double(5))
    assert capsys.readouterr().out == "10\\n"
"""

PROJECT_TOML = """\
[tool.mutmut]
source_paths = ["pkg/"]
pytest_add_cli_args_test_selection = ["tests", "pkg"]
pytest_add_cli_args = ["-p", "no:cacheprovider", "--doctest-modules"]
"""


# Counts the pytest sessions configured and the runs of test_arithmetic (a line each).
CONFTEST = """\
import os


def pytest_configure(config):
    with open(os.environ["PYTEST_CONFIGURES"], "a") as out:
        out.write("configured\\n")


def pytest_runtest_call(item):
    if item.name == "test_arithmetic":
        with open(os.environ["PYTEST_CONFIGURES"] + ".arithmetic", "a") as out:
            out.write("ran\\n")
"""


def _mutmut_verdicts(
    project: pathlib.Path, launcher: list[str]
) -> tuple[dict, int, int]:
    """Run ``launcher run`` in the small project; mutmut's exit code of every mutant,
    how many pytest sessions were configured and how often test_arithmetic ran."""
    configures = project / "configures.txt"
    env = dict(
        os.environ,
        PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        PYTHONHASHSEED="0",
        PYTEST_CONFIGURES=str(configures),
    )
    out = subprocess.run(
        [*launcher, "run", "--max-children", "2"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    meta = json.loads((project / "mutants" / "pkg" / "f.py.meta").read_text())
    arithmetic = pathlib.Path(f"{configures}.arithmetic").read_text().splitlines()
    return (
        meta["exit_code_by_key"],
        len(configures.read_text().splitlines()),
        len(arithmetic),
    )


def test_the_session_runner_gives_mutmuts_own_verdicts(tmp_path):
    """bench/mutmut_session.py collects the tests once and runs each mutant's tests in
    that session; mutmut's own runner calls pytest.main per mutant. On the small
    package both give every mutant the same verdict, with kills and a survivor among
    them (a runner whose children shared one session's state, or lost the mutant under
    test, or reported no failure, would differ). mutmut's runner configures a pytest
    session for every mutant; the session runner a fixed few (the stats, clean and
    forced-fail runs, the test listing and the one session), fewer than the mutants.
    A test that calls no mutated function runs only where mutmut's own runner runs it
    (the stats, clean and forced-fail runs), never in a mutant's child."""
    pytest.importorskip("mutmut", reason="requirements-dev.txt installs it")
    for name in ("own", "session"):
        (tmp_path / name / "pkg").mkdir(parents=True)
        (tmp_path / name / "tests").mkdir()
        (tmp_path / name / "pkg" / "__init__.py").write_text("")
        (tmp_path / name / "pkg" / "f.py").write_text(PACKAGE)
        (tmp_path / name / "tests" / "test_f.py").write_text(TESTS)
        (tmp_path / name / "tests" / "conftest.py").write_text(CONFTEST)
        (tmp_path / name / "pyproject.toml").write_text(PROJECT_TOML)
    bin_dir = pathlib.Path(sys.executable).parent
    own, own_sessions, own_arithmetic = _mutmut_verdicts(
        tmp_path / "own", [str(bin_dir / "mutmut")]
    )
    session, sessions, arithmetic = _mutmut_verdicts(
        tmp_path / "session",
        [sys.executable, str(ROOT / "bench" / "mutmut_session.py")],
    )
    assert own_sessions >= len(own), (own_sessions, len(own))
    assert sessions < len(session), (sessions, len(session))
    assert arithmetic == own_arithmetic, (arithmetic, own_arithmetic)
    assert session == own
    codes = sorted(set(own.values()))
    assert codes == [0, 1], f"kills and a survivor expected, got {own}"
    survivors = [name for name, code in own.items() if code == 0]
    assert all("x_clip__mutmut" in name for name in survivors), survivors
