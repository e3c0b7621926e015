"""River Valley benchmarks: every performance target, as a ratio or a time, in one run.

Usage: python bench/run.py [--quick] [--book] [--coursework | --only-coursework]

Prints a table (target, measured, goal, met) and writes bench/results/latest.json and
bench/RESULTS.md (the table the book's Performance appendix includes). Timings are
medians of repeated runs; ratios are measured side by side in the same process.
"""

from __future__ import annotations

import argparse
import html
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
    """The straightforward reference: a Python loop over seeds with a dense Hessian
    matvec."""
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
    t_sim = timed(
        lambda: rv.simulate(
            valley, noise, 0.5, steps, theta0, seeds=seeds, rng=0, method="coordinate"
        )
    )
    ref_steps = 10 if quick else 20
    t_ref = timed(
        lambda: reference_sgd(
            valley, 0.01, 0.5, ref_steps, theta0, seeds, np.random.default_rng(0)
        ),
        repeat=1,
    )
    speedup = (t_ref / ref_steps) / (t_sim / steps)
    return [
        {
            "target": f"generic path / noise draw (d={d}, {seeds} seeds, {steps} "
            "steps, record every step)",
            "measured": t_sim / t_noise,
            "unit": "x",
            "goal": "<= 1.5",
            "met": t_sim / t_noise <= 1.5,
        },
        {
            "target": "speed-up over a per-seed loop with a dense Hessian matvec (per "
            "step)",
            "measured": speedup,
            "unit": "x",
            "goal": ">= 20",
            "met": speedup >= 20,
        },
    ]


def bench_block(quick: bool) -> list[dict]:
    d, seeds, steps = 10**6, 64, (2000 if quick else 10_000)
    valley = rv.RiverValley.two_level(d=d, k=10, dominant=1.0, bulk=1e-3)
    theta0 = np.ones(d)
    noise = rv.IsotropicNoise(0.01)
    t = timed(
        lambda: rv.simulate(valley, noise, 0.5, steps, theta0, seeds=seeds, rng=0),
        repeat=3,
    )
    tracemalloc.start()
    rv.simulate(valley, noise, 0.5, steps, theta0, seeds=seeds, rng=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    goal = 2.0 if not quick else 2.0 * steps / 10_000
    return [
        {
            "target": f"exact block path, two-level d=10^6, {seeds} seeds, {steps} "
            "steps",
            "measured": t,
            "unit": "s",
            "goal": f"< {goal:g}",
            "met": t < goal,
        },
        {
            "target": "peak memory of that run (tracemalloc, beyond theta0)",
            "measured": peak / 2**20,
            "unit": "MiB",
            "goal": "note",
            "met": True,
        },
    ]


def bench_mean_field(quick: bool) -> list[dict]:
    steps = 2000 if quick else 10_000
    noise = rv.IsotropicNoise(0.01)
    # A decaying schedule forces the step-by-step recursion (a constant step uses a
    # closed form).
    sched = lambda t: 0.5 / (1 + t / 1e5)  # noqa: E731
    small = rv.RiverValley.two_level(d=10**3, k=10, dominant=1.0, bulk=1e-3)
    big = rv.RiverValley.two_level(d=10**6, k=10, dominant=1.0, bulk=1e-3)
    th_small, th_big = np.ones(10**3), np.ones(10**6)

    def per_step(valley, theta0):
        """Time per step, with the O(d) set-up (reading theta0) subtracted."""
        long = timed(
            lambda: rv.expected_trajectory(valley, noise, sched, steps, theta0)
        )
        short = timed(lambda: rv.expected_trajectory(valley, noise, sched, 10, theta0))
        return max(long - short, 1e-9) / (steps - 10)

    ratio = per_step(big, th_big) / per_step(small, th_small)
    t_const = timed(lambda: rv.expected_trajectory(big, noise, 0.5, steps, th_big))
    return [
        {
            "target": "mean-field recursion, cost per step at d=10^6 / at d=10^3 (2 "
            "blocks each)",
            "measured": ratio,
            "unit": "x",
            "goal": "<= 2 (O(blocks))",
            "met": ratio <= 2,
        },
        {
            "target": f"mean-field trajectory, constant step, d=10^6, {steps} steps "
            "(closed form)",
            "measured": t_const,
            "unit": "s",
            "goal": "note",
            "met": True,
        },
    ]


def bench_exact_threshold() -> list[dict]:
    """The exact threshold (critical_step_size(..., exact=True)) side by side with the
    closed-form eta*: d = 10^5 distinct eigenvalues, and a grid of 400 states."""
    noise = rv.IsotropicNoise(0.01)
    big = rv.RiverValley.spread(d=10**5, k=10, dominant=(9.9, 10.0), bulk=(0.01, 0.2))
    theta = rv.state_with_alignment(big, 0.3, 1.0)
    t_exact = timed(lambda: rv.critical_step_size(big, noise, theta, exact=True))
    t_closed = timed(lambda: rv.critical_step_size(big, noise, theta))
    grid = rv.RiverValley.two_level(d=400, k=4, dominant=10.0, bulk=0.2)
    states = np.stack(
        [
            rv.state_with_alignment(grid, c, e)
            for c in np.linspace(0.02, 0.98, 20)
            for e in np.geomspace(1e-3, 10.0, 20)
        ]
    )
    grid_noise = rv.IsotropicNoise(0.05)
    t_grid = timed(lambda: rv.critical_step_size(grid, grid_noise, states, exact=True))
    t_grid_closed = timed(lambda: rv.critical_step_size(grid, grid_noise, states))
    return [
        {
            "target": "exact threshold, d=10^5 distinct eigenvalues, one state",
            "measured": t_exact,
            "unit": "s",
            "goal": "<= 1",
            "met": t_exact <= 1.0,
        },
        {
            "target": "  exact / closed-form eta*, same state, side by side",
            "measured": t_exact / t_closed,
            "unit": "x",
            "goal": "note",
            "met": True,
        },
        {
            "target": "exact threshold, 400 states of the two-level d=400 valley",
            "measured": t_grid,
            "unit": "s",
            "goal": "<= 2",
            "met": t_grid <= 2.0,
        },
        {
            "target": "  exact / closed-form eta*, same grid, side by side",
            "measured": t_grid / t_grid_closed,
            "unit": "x",
            "goal": "note",
            "met": True,
        },
    ]


def bench_widgets() -> list[dict]:
    import matplotlib

    matplotlib.use("Agg")
    from rivervalley_lib import figures

    # Every figure that declares its controls (the widgets), at its defaults; a figure
    # of recorded data gets a small record.
    spectra = np.array([[5.0, 4.0, 3.0, 1.0, 0.5]] * 3)
    data = {
        "spectrum_history_figure": ([0, 1, 2], spectra, [0.2, 0.5, 0.9], 3),
    }
    names = [
        n
        for n in figures.__all__
        if n.endswith("_figure") and hasattr(getattr(figures, n), "controls")
    ]
    rows = []
    for name in names:
        make, args = getattr(figures, name), data.get(name, ())

        def update(make=make, args=args):
            fig = make(*args)
            fig.canvas.draw()

        update()  # warm-up (imports, font cache)
        t = timed(update, repeat=5)
        rows.append(
            {
                "target": f"widget update {name} (compute + Agg redraw, median of 5)",
                "measured": t * 1000,
                "unit": "ms",
                "goal": "<= 100",
                "met": t <= 0.1,
            }
        )
    return rows


def _strip_explorers(book: pathlib.Path) -> None:
    """Remove the explorer cells (``widgets.explore``) from a copy of the book."""
    for path in (book / "chapters").glob("*.ipynb"):
        nb = json.loads(path.read_text())
        nb["cells"] = [
            c
            for c in nb["cells"]
            if "static-explorer" not in c.get("metadata", {}).get("tags", [])
        ]
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def bench_book() -> list[dict]:
    """Clean builds side by side, alternating: the book, and the book without its
    kernel-less figures; the fastest of two builds of each (a shared machine only ever
    slows a build)."""
    times: dict[str, float] = {}
    for variant in ("without the kernel-less figures", "as it is") * 2:
        with tempfile.TemporaryDirectory() as tmp:
            dst = pathlib.Path(tmp) / "book"
            ignore = shutil.ignore_patterns(
                "_build",
                ".venv",
                ".git",
                "student",
                "*.egg-info",
                ".pytest_cache",
                ".hypothesis",
                "__pycache__",
                "node_modules",
            )
            shutil.copytree(ROOT, dst, ignore=ignore)
            if variant.startswith("without"):
                _strip_explorers(dst)
            jb = pathlib.Path(sys.executable).parent / "jupyter-book"
            t0 = time.perf_counter()
            done = subprocess.run(
                [str(jb), "build", str(dst), "-W", "-n", "--keep-going"],
                capture_output=True,
                text=True,
            )
            times[variant] = min(times.get(variant, np.inf), time.perf_counter() - t0)
            if done.returncode != 0:
                raise RuntimeError(
                    "the book build failed:\n"
                    + done.stdout[-3000:]
                    + done.stderr[-3000:]
                )
    t, growth = (
        times["as it is"],
        times["as it is"] - times["without the kernel-less figures"],
    )
    return [
        {
            "target": "clean book build, executing every notebook (fastest of 2)",
            "measured": t,
            "unit": "s",
            "goal": "< 180",
            "met": t < 180,
        },
        # Issue 12: the kernel-less figures may add at most 60 s to a clean build.
        {
            "target": "clean book build, growth from the kernel-less figures (fastest "
            "of 2 builds without them, alternating)",
            "measured": growth,
            "unit": "s",
            "goal": "<= 60",
            "met": growth <= 60,
        },
    ]


# In-page timing of one slider move: keydown (capture) -> the new frame is in the DOM,
# decoded, and a frame has been painted (requestAnimationFrame after decode).
_RESPONSE_JS = """
(root) => {
  window.__rvTimes = [];
  let t0 = null;
  document.addEventListener("keydown", () => { t0 = performance.now(); }, true);
  const done = (img) => {
    if (t0 === null) return;
    const start = t0; t0 = null;
    img.decode().then(() => requestAnimationFrame(() => \
window.__rvTimes.push(performance.now() - start)));
  };
  new MutationObserver((records) => {
    for (const r of records) if (r.type === "attributes" && r.target.matches && \
r.target.matches("img.rv-frame")) { done(r.target); return; }
  }).observe(root, { subtree: true, attributes: true, attributeFilter: ["src"] });
}
"""

#: Every byte a page fetched, as Chromium counts it (Resource Timing: the document and
#: each subresource; encodedBodySize is what came over the wire, decodedBodySize after
#: decompression).
_WEIGHT_JS = """
() => {
  const entries = [...performance.getEntriesByType("navigation"),
                   ...performance.getEntriesByType("resource")];
  return {
    requests: entries.length,
    encoded: entries.reduce((s, e) => s + e.encodedBodySize, 0),
    decoded: entries.reduce((s, e) => s + e.decodedBodySize, 0),
  };
}
"""
#: What a web server compresses (images and woff2 fonts are compressed already).
_GZIP_TYPES = (".html", ".js", ".css", ".json", ".svg", ".map", ".txt", ".woff", ".ttf")


def _serve(directory: pathlib.Path):
    """Serve ``directory`` on 127.0.0.1 as a web host would: text gzip-compressed when
    the browser accepts it (as GitHub Pages and Read the Docs do)."""
    import functools
    import gzip
    import http.server
    import threading

    cache: dict[str, bytes] = {}

    class Gzip(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            path = pathlib.Path(self.translate_path(self.path))
            if (
                "gzip" not in self.headers.get("Accept-Encoding", "")
                or not path.is_file()
                or not path.name.endswith(_GZIP_TYPES)
            ):
                return super().do_GET()
            key = str(path)
            if key not in cache:
                cache[key] = gzip.compress(path.read_bytes(), compresslevel=6)
            body = cache[key]
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Gzip, directory=str(directory))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _press_and_time(page, handle, presses: int) -> list[float]:
    """Alternate ArrowRight / ArrowLeft on a focused slider; the in-page response times
    (ms)."""
    page.evaluate("() => { window.__rvTimes = []; }")
    handle.focus()
    top, now = (int(handle.get_attribute("max")), int(handle.input_value()))
    first = "ArrowLeft" if now == top else "ArrowRight"
    other = "ArrowRight" if first == "ArrowLeft" else "ArrowLeft"
    for j in range(presses):
        page.keyboard.press(first if j % 2 == 0 else other)
        page.wait_for_function(
            f"() => window.__rvTimes.length >= {j + 1}", timeout=10000
        )
        page.wait_for_timeout(30)
    return page.evaluate("() => window.__rvTimes")


#: The weight budget of a chapter page on a cold load (issue 21).
BUDGET_MB = {"compressed": 2.0, "uncompressed": 4.0}


def page_weights(html_dir: pathlib.Path, ctx_factory, base: str) -> dict[str, dict]:
    """Cold load of every chapter page at 1280 x 900: bytes fetched, as Chromium counts.

    Each page opens in a new browser context (empty cache) and is measured once the
    network has been idle for 500 ms (MathJax's fonts, the images near the viewport);
    any request that leaves the local server is recorded.
    """
    from urllib.parse import urlsplit

    out = {}
    host = urlsplit(base).netloc
    for page_path in sorted((html_dir / "chapters").glob("0*.html")):
        ctx = ctx_factory()
        page = ctx.new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        away: list[str] = []
        page.on(
            "request",
            lambda r, away=away: (
                urlsplit(r.url).netloc not in (host, "") and away.append(r.url)
            ),
        )
        page.add_init_script("performance.setResourceTimingBufferSize(10000)")
        page.goto(f"{base}chapters/{page_path.name}", wait_until="networkidle")
        out[page_path.stem] = {**page.evaluate(_WEIGHT_JS), "external": away}
        ctx.close()
    return out


def bench_static_book(presses: int = 12, html_dir: pathlib.Path | None = None) -> list:
    """The built book in Chromium: each chapter's weight on a cold load (against the
    budget), and the explorers' slider-to-figure time."""
    import shutil as _shutil

    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.chromium import CHROMIUM_ARGS  # the browser gates' flags

    html_dir = html_dir or ROOT / "_build" / "html"
    chapters = sorted((html_dir / "chapters").glob("0*.html"))
    if not chapters:
        raise RuntimeError(f"no chapters in {html_dir}: run `make book` first")
    chromium = __import__("os").environ.get("CHROMIUM") or _shutil.which("chromium")
    server, base = _serve(html_dir)
    rows: list[dict] = []
    times: list[float] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_ARGS
            )
            weights = page_weights(html_dir, browser.new_context, base)
            for name, w in weights.items():
                for kind, size in (
                    ("compressed", w["encoded"]),
                    ("uncompressed", w["decoded"]),
                ):
                    mb = size / 1e6
                    rows.append(
                        {
                            "target": f"page weight {name}, cold load, {kind} "
                            f"({w['requests']} requests, Chromium resource timing)",
                            "measured": mb,
                            "unit": "MB",
                            "goal": f"<= {BUDGET_MB[kind]:g}",
                            "met": mb <= BUDGET_MB[kind] and not w["external"],
                        }
                    )
            ctx = browser.new_context()
            for page_path in chapters:
                page = ctx.new_page()
                page.goto(f"{base}chapters/{page_path.name}", wait_until="load")
                box = page.locator(".rv-explorer").first
                box.scroll_into_view_if_needed()
                page.evaluate(_RESPONSE_JS, box.element_handle())
                times += _press_and_time(
                    page, box.locator('input[type="range"]').first, presses
                )
                page.close()
            browser.close()
    finally:
        server.shutdown()
    med = statistics.median(times)
    rows.append(
        {
            "target": "explorers: slider-to-figure response in Chromium (range input, "
            f"frame files, 9 chapters x {presses} key presses, median)",
            "measured": med,
            "unit": "ms",
            "goal": "<= 50",
            "met": med <= 50,
        }
    )
    rows.append(
        {
            "target": "explorers: the same with the largest of those presses (max)",
            "measured": max(times),
            "unit": "ms",
            "goal": "note",
            "met": True,
        }
    )
    return rows


def markdown_cell(text: str) -> str:
    r"""``text`` as the literal content of a Markdown table cell in ``RESULTS.md``.

    The book includes that file, and Markdown passes raw HTML through: a target named
    ``<input type=range>`` became a live slider on the Performance page. Escape ``&``,
    ``<`` and ``>`` as HTML entities and ``|`` (a cell separator) with a backslash.

    >>> markdown_cell("plain <input type=range> | x & y")
    'plain &lt;input type=range&gt; \\| x &amp; y'
    """
    return html.escape(text, quote=False).replace("|", "\\|")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes (goals scaled where stated)"
    )
    parser.add_argument(
        "--book",
        action="store_true",
        help="also time a clean book build (about 3 minutes)",
    )
    parser.add_argument(
        "--static-book",
        action="store_true",
        help="also measure _build/html in Chromium (after make book): page weights "
        "against the budget, explorer response",
    )
    parser.add_argument(
        "--coursework",
        action="store_true",
        help="also grade 100 coursework submissions (a few minutes)",
    )
    parser.add_argument(
        "--only-coursework",
        action="store_true",
        help="only the coursework grading target",
    )
    args = parser.parse_args(argv)
    rows = (
        []
        if args.only_coursework
        else bench_generic(args.quick)
        + bench_block(args.quick)
        + bench_mean_field(args.quick)
        + bench_exact_threshold()
        + bench_widgets()
    )
    if args.coursework or args.only_coursework:
        from coursework import bench_coursework

        rows += bench_coursework()
    if args.static_book:
        rows += bench_static_book()
    if args.book:
        rows += bench_book()
    width = max(len(r["target"]) for r in rows)
    lines = [f"{'target':<{width}} | {'measured':>12} | {'goal':<16} | met"]
    for r in rows:
        lines.append(
            f"{r['target']:<{width}} | {r['measured']:>9.3g} {r['unit']:<2} "
            f"| {r['goal']:<16} | {'yes' if r['met'] else 'NO'}"
        )
    print("\n".join(lines))
    if args.only_coursework:  # alone: keep the full table of RESULTS.md as it is
        out = ROOT / "bench" / "results" / "coursework.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(rows, indent=2, default=float) + "\n")
        return 0 if all(r["met"] for r in rows) else 1
    meta = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpus": __import__("os").cpu_count(),
        "quick": args.quick,
        "date": time.strftime("%Y-%m-%d"),
    }
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=2, default=float) + "\n"
    )
    md = ["| target | measured | goal | met |", "|---|---|---|---|"]
    md += [
        f"| {markdown_cell(r['target'])} | {r['measured']:.3g} {r['unit']} "
        f"| {markdown_cell(r['goal'])} | {'yes' if r['met'] else '**no**'} |"
        for r in rows
    ]
    md.append("")
    md.append(
        f"Measured on {meta['date']}: Python {meta['python']}, "
        f"NumPy {meta['numpy']}, {meta['machine']}, {meta['cpus']} "
        f"CPUs{' (quick mode)' if args.quick else ''}."
    )
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(md) + "\n")
    return 0 if all(r["met"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
