"""River Valley benchmarks: every performance target measured as a ratio or a time in one run.

Usage: python bench/run.py [--quick] [--book]

Prints a table (target, measured, goal, met) and writes bench/results/latest.json and
bench/RESULTS.md (the table the book's Performance appendix includes). Timings are medians of
repeated runs; ratios are measured side by side in the same process.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import rivervalley_lib as rv  # noqa: E402


def timed(fn, repeat: int = 3) -> float:
    """Median wall time of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def reference_sgd(valley, sigma, eta, steps, theta0, seeds, rng):
    """The straightforward reference: a Python loop over seeds with a dense Hessian matvec."""
    H = valley.hessian()
    out = []
    for _ in range(seeds):
        theta = theta0.copy()
        for _ in range(steps):
            g = H @ theta + sigma * rng.standard_normal(theta.shape[0])
            theta = theta - eta * g
            out.append(0.5 * theta @ H @ theta)
    return out


def bench_generic(quick: bool) -> list[dict]:
    d, seeds, steps = 2000, 32, (500 if quick else 2000)
    valley = rv.RiverValley.spread(d=d, k=10, dominant=(1.0, 2.0), bulk=(1e-3, 0.1))
    theta0 = np.ones(d)
    noise = rv.IsotropicNoise(0.01)
    buf = np.empty((seeds, d))

    def draw_only():
        g = np.random.default_rng(0)
        for _ in range(steps):
            g.standard_normal(out=buf)

    t_noise = timed(draw_only)
    t_sim = timed(lambda: rv.simulate(valley, noise, 0.5, steps, theta0, seeds=seeds, rng=0, method="coordinate"))
    ref_steps = 10 if quick else 20
    t_ref = timed(lambda: reference_sgd(valley, 0.01, 0.5, ref_steps, theta0, seeds, np.random.default_rng(0)), repeat=1)
    speedup = (t_ref / ref_steps) / (t_sim / steps)
    return [
        {"target": f"generic path / noise draw (d={d}, {seeds} seeds, {steps} steps, record every step)", "measured": t_sim / t_noise, "unit": "x", "goal": "<= 1.5", "met": t_sim / t_noise <= 1.5},
        {"target": "speed-up over a per-seed loop with a dense Hessian matvec (per step)", "measured": speedup, "unit": "x", "goal": ">= 20", "met": speedup >= 20},
    ]


def bench_block(quick: bool) -> list[dict]:
    d, seeds, steps = 10**6, 64, (2000 if quick else 10_000)
    valley = rv.RiverValley.two_level(d=d, k=10, dominant=1.0, bulk=1e-3)
    theta0 = np.ones(d)
    noise = rv.IsotropicNoise(0.01)
    t = timed(lambda: rv.simulate(valley, noise, 0.5, steps, theta0, seeds=seeds, rng=0), repeat=3)
    tracemalloc.start()
    rv.simulate(valley, noise, 0.5, steps, theta0, seeds=seeds, rng=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    goal = 2.0 if not quick else 2.0 * steps / 10_000
    return [
        {"target": f"exact block path, two-level d=10^6, {seeds} seeds, {steps} steps", "measured": t, "unit": "s", "goal": f"< {goal:g}", "met": t < goal},
        {"target": "peak memory of that run (tracemalloc, beyond theta0)", "measured": peak / 2**20, "unit": "MiB", "goal": "note", "met": True},
    ]


def bench_mean_field(quick: bool) -> list[dict]:
    steps = 2000 if quick else 10_000
    noise = rv.IsotropicNoise(0.01)
    # A decaying schedule forces the step-by-step recursion (a constant step uses a closed form).
    sched = lambda t: 0.5 / (1 + t / 1e5)  # noqa: E731
    small = rv.RiverValley.two_level(d=10**3, k=10, dominant=1.0, bulk=1e-3)
    big = rv.RiverValley.two_level(d=10**6, k=10, dominant=1.0, bulk=1e-3)
    th_small, th_big = np.ones(10**3), np.ones(10**6)

    def per_step(valley, theta0):
        """Time per step, with the O(d) set-up (reading theta0) subtracted."""
        long = timed(lambda: rv.expected_trajectory(valley, noise, sched, steps, theta0))
        short = timed(lambda: rv.expected_trajectory(valley, noise, sched, 10, theta0))
        return max(long - short, 1e-9) / (steps - 10)

    ratio = per_step(big, th_big) / per_step(small, th_small)
    t_const = timed(lambda: rv.expected_trajectory(big, noise, 0.5, steps, th_big))
    return [
        {"target": "mean-field recursion, cost per step at d=10^6 / at d=10^3 (2 blocks each)", "measured": ratio, "unit": "x", "goal": "<= 2 (O(blocks))", "met": ratio <= 2},
        {"target": f"mean-field trajectory, constant step, d=10^6, {steps} steps (closed form)", "measured": t_const, "unit": "s", "goal": "note", "met": True},
    ]


def bench_widgets() -> list[dict]:
    import matplotlib

    matplotlib.use("Agg")
    from rivervalley_lib import widgets

    spectra = np.array([[5.0, 4.0, 3.0, 1.0, 0.5]] * 3)
    cases = {
        "valley_2d_figure": lambda: figures.valley_2d_figure(),
        "noise_figure": lambda: figures.noise_figure(),
        "one_step_figure": lambda: figures.one_step_figure(),
        "regime_map_figure": lambda: figures.regime_map_figure(),
        "self_correction_figure": lambda: figures.self_correction_figure(),
        "paradox_figure": lambda: figures.paradox_figure(),
        "two_phase_figure": lambda: figures.two_phase_figure(),
        "spectrum_history_figure": lambda: figures.spectrum_history_figure([0, 1, 2], spectra, [0.2, 0.5, 0.9], k=3),
        "step_size_choice_figure": lambda: figures.step_size_choice_figure(),
    }
    rows = []
    for name, make in cases.items():

        def update():
            fig = make()
            fig.canvas.draw()

        update()  # warm-up (imports, font cache)
        t = timed(update, repeat=5)
        rows.append({"target": f"widget update {name} (compute + Agg redraw, median of 5)", "measured": t * 1000, "unit": "ms", "goal": "<= 100", "met": t <= 0.1})
    return rows


def bench_book() -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        dst = pathlib.Path(tmp) / "book"
        ignore = shutil.ignore_patterns("_build", ".venv", ".git", "student", "*.egg-info", ".pytest_cache", ".hypothesis", "__pycache__")
        shutil.copytree(ROOT, dst, ignore=ignore)
        jb = pathlib.Path(sys.executable).parent / "jupyter-book"
        t0 = time.perf_counter()
        done = subprocess.run([str(jb), "build", str(dst), "-W", "-n", "--keep-going"], capture_output=True, text=True)
        t = time.perf_counter() - t0
        if done.returncode != 0:
            raise RuntimeError("the book build failed:\n" + done.stdout[-3000:] + done.stderr[-3000:])
    return [{"target": "clean book build, executing every notebook", "measured": t, "unit": "s", "goal": "< 180", "met": t < 180}]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (goals scaled where stated)")
    parser.add_argument("--book", action="store_true", help="also time a clean book build (about 3 minutes)")
    args = parser.parse_args(argv)
    rows = bench_generic(args.quick) + bench_block(args.quick) + bench_mean_field(args.quick) + bench_widgets()
    if args.book:
        rows += bench_book()
    width = max(len(r["target"]) for r in rows)
    lines = [f"{'target':<{width}} | {'measured':>12} | {'goal':<16} | met"]
    for r in rows:
        lines.append(f"{r['target']:<{width}} | {r['measured']:>9.3g} {r['unit']:<2} | {r['goal']:<16} | {'yes' if r['met'] else 'NO'}")
    print("\n".join(lines))
    meta = {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(), "cpus": __import__("os").cpu_count(), "quick": args.quick, "date": time.strftime("%Y-%m-%d")}
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2, default=float) + "\n")
    md = ["| target | measured | goal | met |", "|---|---|---|---|"]
    md += [f"| {r['target']} | {r['measured']:.3g} {r['unit']} | {r['goal']} | {'yes' if r['met'] else '**no**'} |" for r in rows]
    md.append("")
    md.append(f"Measured on {meta['date']}: Python {meta['python']}, NumPy {meta['numpy']}, {meta['machine']}, {meta['cpus']} CPUs{' (quick mode)' if args.quick else ''}.")
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(md) + "\n")
    return 0 if all(r["met"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
