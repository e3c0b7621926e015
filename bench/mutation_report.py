"""Mutation score of the core: run mutmut and write bench/MUTATION.md.

``make mutate`` calls ``python bench/mutation_report.py --run``: mutmut (settings in
pyproject.toml, ``[tool.mutmut]``) mutates the functions of rivervalley_lib's model,
theory, simulation, diagnostics and check subpackages and runs, for each mutant, the
library tests and doctests that call the mutated function. This script then reads
mutmut's results (``mutants/**/*.py.meta``), applies the reviewed list of equivalent
mutants (``bench/mutation_equivalents.toml``) and writes the score, the run time (wall
and CPU) and every survivor with its diff to ``bench/MUTATION.md``.

Score = killed / (mutants - equivalents). A mutant counts as killed when a test failed
(or it timed out: a mutant that makes the code loop forever is caught). An equivalent
entry is keyed by mutmut's mutant name and records the mutated line; mutmut numbers
mutants per function, so after the library changes an entry whose name is gone, or
whose name now points at another line, no longer applies: it is listed as stale (and the
mutant, if it survives, is a survivor again) rather than silently trusted.

Without ``--run`` it only rewrites the report from the last run's results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import resource
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "bench" / "MUTATION.md"
EQUIVALENTS = ROOT / "bench" / "mutation_equivalents.toml"
TIMING = ROOT / "mutants" / "run-time.json"
MANUAL = ROOT / "bench" / "mutation_manual.toml"
MANUAL_RESULTS = ROOT / "mutants" / "manual.json"
SAMPLE = ROOT / "mutants" / "sample.json"

TARGET = 95.0  # % of the non-equivalent mutants killed (issue 24)

# mutmut's exit codes (mutmut.stats.status_by_exit_code, mutmut 3.8).
KILLED = {1, 3}
TIMEOUT = {36, 24, -24, 152, 255}
SURVIVED = {0}
NO_TESTS = {5, 33}
NOT_CHECKED = {None}  # the run was stopped before it reached these
SKIPPED = {34}  # a reviewed equivalent, not run again (tests/mutation_order.py)


def run_mutmut(jobs: int, nice: int, names: list[str] | None = None) -> dict:
    """Run ``mutmut run`` (bench/mutmut_session.py); return its wall and CPU time and
    the load average.

    Not niced by default: under a load of 20 on the shared 2-core machine a niced run
    got 1.2 min of CPU in 44 min of wall time. The 1-minute load average is sampled
    every 30 s during the run.
    """
    import threading

    # Reviewed equivalents are not run again (their tests cannot fail: that is what
    # the review established); the plugin skips a mutant only while its mutated line is
    # the reviewed one, and write_report checks that again with mutmut's own diff.
    # MUTATE_RECHECK_EQUIVALENTS=1 runs them like any other mutant.
    skip = ROOT / "mutants" / "equivalents.json"
    skip.parent.mkdir(exist_ok=True)
    if os.environ.get("MUTATE_RECHECK_EQUIVALENTS"):
        skip.unlink(missing_ok=True)
    else:
        lines = {n: " ".join(e["line"].split()) for n, e in load_equivalents().items()}
        skip.write_text(json.dumps(lines, indent=0))
    # ``mutmut run`` whose mutants run in one pytest session collected once, rather
    # than a pytest.main each (bench/mutmut_session.py).
    launcher = ROOT / "bench" / "mutmut_session.py"
    cmd = [sys.executable, str(launcher), "run", "--max-children", str(jobs)]
    cmd += names or []
    if nice:
        cmd = ["nice", "-n", str(nice), *cmd]
    loads: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(30.0):
            loads.append(os.getloadavg()[0])

    sampler = threading.Thread(target=sample, daemon=True)
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    sampler.start()
    # No plugin autoload: each mutant's pytest session scanned the installed packages'
    # entry points (nbval, xdist, anyio, ...) again; the one plugin the library tests
    # use, hypothesis's, is loaded by name in pyproject.toml.
    env = {
        **os.environ,
        "PYTHONHASHSEED": "0",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    # mutmut's output is passed through as it comes; the moment it starts on the
    # mutants splits the wall time into setup (mutant generation, the stats run over
    # every selected test, the clean run, the forced-fail check) and the mutants.
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE)
    mutants_start = None
    tail = b""
    while chunk := proc.stdout.read1(65536):
        sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        if mutants_start is None:
            tail = (tail + chunk)[-4096:]
            if b"Running mutation testing" in tail:
                mutants_start = time.perf_counter()
    proc.wait()
    stop.set()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    timing = {
        "wall_s": time.perf_counter() - start,
        "setup_s": (mutants_start or time.perf_counter()) - start,
        "cpu_s": (after.ru_utime - before.ru_utime)
        + (after.ru_stime - before.ru_stime),
        "jobs": jobs,
        "nice": nice,
        "load_before": load_before,
        "load_mean": sum(loads) / len(loads) if loads else load_before,
        "load_max": max(loads, default=load_before),
        "finished": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "exit_code": proc.returncode,
        "sample": len(names) if names else None,
    }
    TIMING.parent.mkdir(exist_ok=True)
    TIMING.write_text(json.dumps(timing, indent=1))
    return timing


def sample_mutants(n: int, seed: int) -> list[str]:
    """Generate the mutants (as ``mutmut run`` does first) and draw ``n`` names
    uniformly at random without replacement: the sample's score estimates the full
    run's when the full run does not fit the time available."""
    import random

    code = (
        "from pathlib import Path\n"
        "from mutmut.__main__ import copy_src_dir, copy_also_copy_files, "
        "create_mutants\n"
        "from mutmut.mutation.trampoline import set_mutant_under_test\n"
        "set_mutant_under_test('mutant_generation')\n"
        "Path('mutants').mkdir(exist_ok=True)\n"
        "copy_src_dir(); copy_also_copy_files(); create_mutants(2)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    names = sorted(load_results())
    chosen = sorted(random.Random(seed).sample(names, min(n, len(names))))
    SAMPLE.write_text(json.dumps(chosen, indent=0))
    return chosen


def run_manual() -> list[dict]:
    """Apply each hand-written mutant of bench/mutation_manual.toml to a copy of the
    package and run its tests there; killed = the tests failed (exit code 1)."""
    import shutil
    import tempfile

    entries = tomllib.loads(MANUAL.read_text()).get("mutant", [])
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        pkg = Path(tmp) / "rivervalley_lib"
        tests = [str(ROOT / "tests" / "library")]
        for entry in [None, *entries]:
            shutil.rmtree(pkg, ignore_errors=True)
            shutil.copytree(ROOT / "rivervalley_lib", pkg)
            if entry is not None:
                target = pkg / entry["file"]
                text = target.read_text()
                if text.count(entry["old"]) != 1:
                    out.append({**entry, "status": "stale"})
                    continue
                target.write_text(text.replace(entry["old"], entry["new"]))
                tests = [str(ROOT / "tests" / "library" / t) for t in entry["tests"]]
            # Run from the copy: `python -m` puts it first on sys.path, and pytest's
            # importlib mode (pyproject.toml) adds nothing before it.
            cmd = [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml")]
            cmd += ["--rootdir", str(ROOT), "-q", "-x", "-p", "no:cacheprovider"]
            cmd += ["-p", "no:xdist", "--no-header", *tests]
            if entry is None:
                probe = [
                    sys.executable,
                    "-c",
                    "import rivervalley_lib as m; print(m.__file__)",
                ]
                where = subprocess.run(probe, cwd=tmp, capture_output=True, text=True)
                if not where.stdout.strip().startswith(tmp):
                    sys.exit("manual mutants: the copy is not the package imported")
                # Unmutated, the same tests pass: a kill is the mutant's doing.
                union = sorted({t for e in entries for t in e["tests"]})
                base = cmd + [str(ROOT / "tests" / "library" / t) for t in union]
                if subprocess.run(base, cwd=tmp, capture_output=True).returncode:
                    sys.exit("manual mutants: the tests fail without a mutant")
                continue
            code = subprocess.run(cmd, cwd=tmp, capture_output=True).returncode
            status = {0: "survived", 1: "killed"}.get(code, f"error (exit {code})")
            out.append({**entry, "status": status})
    MANUAL_RESULTS.parent.mkdir(exist_ok=True)
    MANUAL_RESULTS.write_text(json.dumps(out, indent=1))
    return out


def mutant_durations_by_name() -> dict[str, float]:
    """mutmut's wall time of every checked mutant (its tests, in one child)."""
    out = {}
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        for name, code in data["exit_code_by_key"].items():
            if code is not None and name in data.get("durations_by_key", {}):
                out[name] = float(data["durations_by_key"][name])
    return out


def mutant_durations() -> list[float]:
    return list(mutant_durations_by_name().values())


def load_results() -> dict[str, tuple[str, int | None]]:
    """{mutant name: (source path, exit code)} from mutmut's .meta files."""
    out = {}
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        src = str(meta.relative_to(ROOT / "mutants"))[: -len(".meta")]
        for name, code in data["exit_code_by_key"].items():
            out[name] = (src, code)
    return out


def mutant_diff(name: str, path: str) -> str:
    """The mutated lines of one mutant (mutmut's own diff, headers dropped)."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        from mutmut.mutation.diff_apply import get_diff_for_mutant

        diff = get_diff_for_mutant(name, path=path)
    finally:
        os.chdir(cwd)
    lines = [
        ln
        for ln in diff.splitlines()
        if ln[:1] in "+-" and not ln.startswith(("+++", "---"))
    ]
    return "\n".join(lines)


def changed_line(diff: str) -> str:
    """The mutated source line, whitespace-normalised (to match equivalences)."""
    plus = [" ".join(ln[1:].split()) for ln in diff.splitlines() if ln[:1] == "+"]
    return plus[0] if plus else ""


def applies(entry: dict | None, diff: str) -> bool:
    """Whether a reviewed equivalence entry still names this mutant's mutated line
    (mutmut renumbers mutants when the library changes)."""
    return bool(entry) and " ".join(entry["line"].split()) == changed_line(diff)


def load_equivalents() -> dict[str, dict]:
    if not EQUIVALENTS.exists():
        return {}
    return tomllib.loads(EQUIVALENTS.read_text()).get("mutant", {})


def write_report(timing: dict | None) -> tuple[float, int]:
    results = load_results()
    if not results:
        sys.exit("no mutmut results in mutants/: run `make mutate` first")
    equivalents = load_equivalents()
    killed, timeouts, survivors, no_tests, other = [], [], [], [], []
    unchecked = [name for name, (_, code) in results.items() if code in NOT_CHECKED]
    skipped, stale_skips = [], []
    for name, (path, code) in results.items():
        if code in SKIPPED:
            skipped.append((name, path))
        elif code in KILLED:
            killed.append(name)
        elif code in TIMEOUT:
            timeouts.append(name)
        elif code in SURVIVED:
            survivors.append((name, path))
        elif code in NO_TESTS:
            no_tests.append((name, path))
        elif code not in NOT_CHECKED:
            other.append((name, path, code))

    equivalent, stale, live, in_law = [], [], [], []
    skipped_names = {name for name, _ in skipped}
    for name, path in survivors + no_tests + skipped:
        diff = mutant_diff(name, path)
        entry = equivalents.get(name)
        if applies(entry, diff):
            equivalent.append((name, entry["reason"], diff))
            if entry.get("kind") == "law":
                in_law.append(name)
        elif name in skipped_names:
            # skipped by the plugin, but mutmut's diff is not the reviewed line
            stale_skips.append(name)
            unchecked.append(name)
        else:
            if entry:
                stale.append(name)
            note = "no test calls it" if (name, path) in no_tests else ""
            live.append((name, diff, note))
    missing = sorted(set(equivalents) - set(results))
    # an entry whose mutant a test kills is wrong (or points at another mutation now)
    caught_entries = sorted(
        n for n in equivalents if n in results and results[n][1] in KILLED | TIMEOUT
    )
    effective = len(results) - len(equivalent) - len(unchecked)
    caught = len(killed) + len(timeouts)
    score = 100.0 * caught / effective if effective else math.nan
    sampled = bool(timing and timing.get("sample"))
    in_sample = set(json.loads(SAMPLE.read_text())) if sampled else set()
    stopped = [n for n in unchecked if n in in_sample]
    if effective:
        # Wilson 95 % interval: the score of the whole population when the checked
        # mutants are a uniform random sample of it (make mutate-sample).
        z, p = 1.96, caught / effective
        mid = (p + z * z / (2 * effective)) / (1 + z * z / effective)
        half = (
            z
            * math.sqrt(p * (1 - p) / effective + z * z / (4 * effective**2))
            / (1 + z * z / effective)
        )
        interval = (100 * (mid - half), 100 * (mid + half))

    by_module: dict[str, list[int]] = {}
    for name, (path, code) in results.items():
        row = by_module.setdefault(path, [0, 0, 0])
        row[0] += 1
        row[1] += code in KILLED or code in TIMEOUT
        row[2] += any(name == e[0] for e in equivalent)

    md = ["# Mutation score of the core", ""]
    md += [
        "Written by `make mutate` (`bench/mutation_report.py`, mutmut settings in "
        "`pyproject.toml`); do not edit by hand. Mutated: `rivervalley_lib/model`, "
        "`theory`, `simulation`, `diagnostics`, `check`; tests: `tests/library` and "
        "the doctests of those modules, each mutant running the tests that call its "
        "function.",
        "",
        (
            f"**Score: {score:.1f} %** of non-equivalent mutants killed "
            if effective
            else "**No score: no mutant was checked** "
        )
        + f"({caught} of {effective}; {len(results)} mutants, {len(equivalent)} "
        f"equivalent, {len(live)} surviving)."
        + (
            f" **This is a uniform random sample** of {timing['sample']} of the "
            f"{len(results)} mutants (seed {timing.get('seed')}): 95 % interval of "
            f"the full run's score {interval[0]:.1f}-{interval[1]:.1f} %"
            + (
                f", valid only for mutants like the checked ones: the {len(stopped)} "
                "stopped (the slowest) are not covered."
                if stopped
                else "."
            )
            if sampled and effective
            else ""
        )
        + (
            f" **Partial run: {len(results) - len(unchecked)} of {len(results)} "
            "mutants checked**; the score covers only those, and mutmut checks the "
            "mutants with the cheapest tests first, so it is not the full run's."
            if unchecked and not sampled
            else ""
        ),
        "",
        f"- killed by a failing test: {len(killed)}; by a timeout: {len(timeouts)} "
        "(a mutant running over its time limit counts as caught, as in mutmut; "
        "listed below)",
        f"- equivalent (reviewed in `bench/mutation_equivalents.toml`): "
        f"{len(equivalent)}"
        + (
            f", of which {len(in_law)} only equal in distribution (a fixed seed "
            "draws another sample)"
            if in_law
            else ""
        )
        + (
            f"; {len(skipped) - len(stale_skips)} of them not run again (reviewed "
            "before this run, their "
            "mutated line checked against the review; `make mutate "
            "MUTATE_RECHECK_EQUIVALENTS=1` runs them)"
            if len(skipped) > len(stale_skips)
            else ""
        ),
        f"- surviving: {len(live)}"
        + (f" (of which {len(no_tests)} called by no test)" if no_tests else ""),
    ]
    if other:
        md.append(f"- other outcomes (suspicious, segfault): {len(other)}")
    if stopped:
        md.append(
            f"- **sampled but not checked** (the run was stopped before them, the "
            f"slowest to test; not in the score): {len(stopped)}"
        )
    if unchecked:
        md.append(
            (
                "- not in the sample (not checked; not in the score): "
                if sampled
                else "- **not checked** (the run stopped before them; not in the "
                "score): "
            )
            + f"{len(unchecked)}"
        )
    if timing:
        checked = len(results) - len(unchecked)
        wall = timing["wall_s"] + sum(e["wall_s"] for e in timing.get("followups", []))
        per = wall * timing["jobs"] / checked if checked else math.nan
        md += [
            "",
            f"Run time: {timing['wall_s'] / 60:.1f} min wall, "
            f"{timing['cpu_s'] / 60:.1f} min CPU (user + system of mutmut and its "
            f"children), `--max-children {timing['jobs']}`"
            + (f", `nice {timing['nice']}`" if timing.get("nice") else "")
            + f", finished {timing['finished']}; 1-min load average "
            f"{timing['load_before']:.1f} at the start"
            + (
                f", {timing['load_mean']:.1f} on average and "
                f"{timing['load_max']:.1f} at most during the run"
                if "load_mean" in timing
                else ""
            )
            + " on a shared 2-core machine"
            + (
                f"; mutmut exited with code {timing['exit_code']}"
                + (" (stopped by hand)" if timing["exit_code"] in (-15, -2) else "")
                if timing.get("exit_code")
                else ""
            )
            + ".",
            "",
        ]
        if "setup_s" in timing:
            md += [
                f"Of that wall time, {timing['setup_s'] / 60:.1f} min went to "
                "mutmut's setup (generating the mutants, the stats run that times "
                "every selected test and records which functions it calls, the clean "
                "run, the forced-fail check, and collecting the tests once for all "
                "the mutants, one process) and "
                f"{(timing['wall_s'] - timing['setup_s']) / 60:.1f} min to the "
                "mutants.",
                "",
            ]
        for extra in timing.get("followups", []):
            md.append(
                f"Then `mutmut run <names>` on {extra['mutants']} named mutants "
                f"({extra['why']}): {extra['wall_s'] / 60:.1f} min wall, 1-min load "
                f"average {extra['load']:.1f}."
            )
        md += [
            *([""] if timing.get("followups") else []),
            f"Cost: {per:.2f} worker-seconds per checked mutant (wall of all runs x "
            f"children / {checked} checked, including the stats, clean and "
            "forced-fail runs).",
        ]
        durations = mutant_durations()
        if durations:
            mean = sum(durations) / len(durations)
            md += [
                "",
                f"Per mutant: {mean:.1f} s of wall time on average (mutmut's own "
                f"measure, {len(durations)} mutants; the longest "
                f"{max(durations):.0f} s): the {len(results)} mutants need about "
                f"{len(results) * mean / timing['jobs'] / 60:.0f} min with "
                f"{timing['jobs']} children at this load, plus the stats and clean "
                "runs (one pass of the selected tests each)"
                + (
                    f". A lower bound: the {len(stopped)} sampled mutants stopped "
                    "unchecked are the slowest, mutants of functions that most tests "
                    "call (simulate, RiverValley, the moments), each with a test set "
                    "that takes minutes in full."
                    if stopped
                    else "."
                ),
            ]
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    left_out = [
        a.split("=", 1)[1].rsplit("/", 1)[-1]
        for a in cfg.get("pytest_add_cli_args", [])
        if a.startswith(("--ignore=tests", "--deselect=tests"))
    ]
    if left_out:
        md += [
            "",
            "Left out of the mutation runs (they still run in `make test`; reasons "
            "in `pyproject.toml`): " + ", ".join(f"`{t}`" for t in left_out) + ".",
        ]
    md += [
        "",
        "| module | mutants | caught (killed or timed out) | equivalent |",
        "|---|---:|---:|---:|",
    ]
    for path, (n, k, e) in sorted(by_module.items()):
        md.append(f"| `{path}` | {n} | {k} | {e} |")

    md += ["", "## Survivors", ""]
    if not live:
        md.append("None.")
    reasons = (
        tomllib.loads(EQUIVALENTS.read_text()).get("survivor", {})
        if EQUIVALENTS.exists()
        else {}
    )
    # A reason applies while its recorded line is the mutant's (as an equivalence).
    why = {
        name: reasons[name]["reason"]
        for name, diff, _ in live
        if applies(reasons.get(name), diff)
    }
    for name, diff, note in live:
        shown = why.get(name, "not reviewed yet.")
        if name in reasons and name not in why:
            shown += f" (the reason on record is for `{reasons[name]['line']}`)"
        md += [
            f"### `{name}`" + (f" ({note})" if note else ""),
            "",
            "```diff",
            diff,
            "```",
            "",
            f"Why it survives: {shown}",
            "",
        ]
    md += ["", "## Equivalent mutants", ""]
    if not equivalent:
        md.append("None.")
    for name, reason, diff in equivalent:
        md += [f"- `{name}`: {reason}", "", "  ```diff"]
        md += ["  " + ln for ln in diff.splitlines()] + ["  ```", ""]
    if other:
        md += ["", "## Other outcomes", ""]
        md += [f"- `{name}`: exit code {code}" for name, _, code in other]
    if timeouts:
        md += ["", "## Timed out (counted as caught)", ""]
        durations = mutant_durations_by_name()
        md += [
            f"- `{n}`" + (f" ({durations[n]:.0f} s)" if n in durations else "")
            for n in sorted(timeouts)
        ]
    if stale or stale_skips or missing or caught_entries:
        md += ["", "## Stale equivalence entries (review)", ""]
        md += [f"- `{n}`: now names a different mutated line" for n in stale]
        md += [
            f"- `{n}`: skipped as equivalent, but mutmut's diff is not the reviewed "
            "line (not checked: run it with `mutmut run` after fixing the entry)"
            for n in stale_skips
        ]
        md += [f"- `{n}`: no such mutant any more" for n in missing]
        md += [f"- `{n}`: a test kills this mutant" for n in caught_entries]
    if MANUAL_RESULTS.exists():
        manual = json.loads(MANUAL_RESULTS.read_text())
        n_killed = sum(m["status"] == "killed" for m in manual)
        md += ["", "## Hand-written mutants of the functions mutmut skips", ""]
        md += [
            "mutmut 3 does not mutate decorated functions: in the core, 10 "
            "properties (`RiverValley.d`, `k`, `eigenvalues`, `dominant_mask`, "
            "`stability_limit`, `gap_ratio`, `MeanFieldTrajectory.alignment`, "
            "`BlockMoments.alignment`, `Trace.seeds`, `Trace.final_theta`) and 6 "
            "abstract methods without a body. `bench/mutation_manual.toml` lists "
            "plausible bugs of the properties with a formula, and of formulas the "
            "issue names (mutated by mutmut too since the docstring decorators went). "
            f"Killed: {n_killed} of {len(manual)}.",
            "",
        ]
        md += [f"- {m['status']}: {m['bug']} (`{m['file']}`)" for m in manual]
    REPORT.write_text("\n".join(md).rstrip() + "\n")
    return score, sum(name not in why for name, _, _ in live)


def rerun_survivors(jobs: int, nice: int, why: str) -> None:
    """``mutmut run <names>`` on the last run's survivors that are not reviewed as
    equivalent (and on skipped equivalents no longer reviewed); the follow-up (its
    wall time, load and how many it killed) is added to the run's timing, so the
    report shows it beside the full run."""
    equivalents = load_equivalents()
    names = [
        name
        for name, (path, code) in load_results().items()
        if code in SURVIVED | NO_TESTS | SKIPPED
        and not applies(equivalents.get(name), mutant_diff(name, path))
    ]
    if not names:
        return
    timing = json.loads(TIMING.read_text())
    before = load_results()
    extra = run_mutmut(jobs, nice, names)
    after = load_results()
    # mutmut resets every mutant of a function whose source changed, and a changed
    # function can have new mutants; check those too, or they would drop out of the
    # score as "not checked".
    reset = [
        n
        for n, (_, c) in after.items()
        if c is None and (n not in before or before[n][1] is not None)
    ]
    if reset:
        more = run_mutmut(jobs, nice, reset)
        extra["wall_s"] += more["wall_s"]
        names += reset
        after = load_results()
    killed = sum(after[n][1] in KILLED for n in names)
    timed_out = sum(after[n][1] in TIMEOUT for n in names)
    timing.setdefault("followups", []).append(
        {
            "mutants": len(names),
            "wall_s": extra["wall_s"],
            "load": extra["load_mean"],
            "why": f"{why}: {killed} killed"
            + (f", {timed_out} timed out" if timed_out else ""),
        }
    )
    TIMING.write_text(json.dumps(timing, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run mutmut first")
    parser.add_argument("--jobs", type=int, default=2, help="mutmut --max-children")
    parser.add_argument("--nice", type=int, default=0, help="run mutmut niced")
    parser.add_argument(
        "--sample", type=int, default=0, help="check only N random mutants"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample")
    parser.add_argument(
        "--manual", action="store_true", help="only the hand-written mutants"
    )
    parser.add_argument(
        "--rerun-survivors",
        metavar="WHY",
        help="check the last run's surviving (not equivalent) mutants again, e.g. "
        "after adding tests; WHY is recorded in the report",
    )
    args = parser.parse_args()
    if args.rerun_survivors:
        rerun_survivors(args.jobs, args.nice, args.rerun_survivors)
    if args.manual:
        for m in run_manual():
            print(f"{m['status']}: {m['bug']}")
        if not any((ROOT / "mutants").glob("**/*.py.meta")):
            return
    timing = None
    if args.run:
        names = sample_mutants(args.sample, args.seed) if args.sample else None
        timing = run_mutmut(args.jobs, args.nice, names)
        if names:
            timing["seed"] = args.seed
            TIMING.write_text(json.dumps(timing, indent=1))
    if args.run:
        run_manual()
    if timing is None and TIMING.exists():
        timing = json.loads(TIMING.read_text())
    score, unreviewed = write_report(timing)
    shown = "not measured" if math.isnan(score) else f"{score:.1f} %"
    print(f"mutation score {shown}: see {REPORT.relative_to(ROOT)}")
    if timing:
        print(
            f"mutmut: {timing['wall_s'] / 60:.1f} min wall, "
            f"{timing['cpu_s'] / 60:.1f} min CPU"
        )
    # The release gate (issue 24), on a full run or its follow-up: a sample's score is
    # an estimate with an interval, reported but not judged.
    if (args.run and not args.sample) or args.rerun_survivors:
        problems = []
        if not score >= TARGET:
            problems.append(f"the score ({shown}) is below {TARGET:.0f} %")
        if unreviewed:
            problems.append(
                f"{unreviewed} survivor(s) without a reason in "
                "bench/mutation_equivalents.toml ([survivor])"
            )
        if problems:
            sys.exit("make mutate fails: " + "; ".join(problems))


if __name__ == "__main__":
    main()
