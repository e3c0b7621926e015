"""Widget update functions, called headless at their defaults and at every slider
extreme.

The ranges are the ones each figure declares (``rivervalley_lib.book.controls``), which
the chapters' widgets and explorers read. A figure must never contain
non-finite plotted data; a step size past the stability limit must produce a message in
words. Warnings are errors in this test suite (pyproject's filterwarnings), so overflow
warnings fail.
"""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import rivervalley_lib as rv  # noqa: E402
from rivervalley_lib import figures, plotting, widgets  # noqa: E402
from rivervalley_lib.book import controls  # noqa: E402

#: Every figure function, with the arguments that are not controls: recorded data, and
#: shorter runs than the chapters use (the controls' ranges are what is tested here).
FIXED = {
    figures.spectrum_history_figure: {
        "steps": [0, 5, 10],
        "eigenvalues": [[5.0, 4.0, 1.0], [6.0, 5.0, 1.0], [9.0, 8.0, 0.5]],
        "alignment": [0.2, 0.5, 0.9],
        "k": 2,
    },
    figures.paradox_figure: {"branch_step": 300, "steps": 300},
    figures.two_phase_figure: {"steps": 3000},
    figures.step_size_choice_figure: {"steps": 2000},
}
FIGURES = [getattr(figures, n) for n in figures.__all__ if n.endswith("_figure")]
EXPLORABLE = [f for f in FIGURES if hasattr(f, "controls")]
#: The symbol of each quantity, the same in every label that names it.
SYMBOLS = {
    "eta": "η",
    "sigma": "σ",
    "energy": "G²",
    "chi": "χ",
    "condition": "κ",
    "batch_size": "b",
    "lam": "λ",
    "mu": "μ",
}


def _finite_plot_data(fig: Figure) -> None:
    for ax in fig.axes:
        for line in ax.get_lines():
            y = np.asarray(line.get_ydata(), dtype=float)
            x = np.asarray(line.get_xdata(), dtype=float)
            # NaN is allowed only as a deliberate gap (e.g. eta* = inf in the
            # self-correcting regime); inf never.
            assert not np.any(np.isinf(y)) and not np.any(np.isinf(x)), (
                f"inf plotted on {ax.get_title()!r}"
            )
            assert np.isfinite(y).any() or len(y) == 0, (
                f"an all-NaN line on {ax.get_title()!r}"
            )


def _corners(ranges: dict) -> list[dict]:
    names = list(ranges)
    return [
        dict(zip(names, vals, strict=True))
        for vals in itertools.product(*(ranges[n] for n in names))
    ]


@pytest.mark.parametrize("func", EXPLORABLE, ids=lambda f: f.__name__)
def test_widget_defaults_and_extremes(func):
    """At the declared defaults, and at both ends of every declared control (every
    corner when there are at most three), a figure plots finite data."""
    fixed = FIXED.get(func, {})
    declared = controls.of(func)
    start = {c.name: c.start(fixed) for c in declared}
    ranges = {c.name: c.extremes(fixed) for c in declared}
    cases = [start] + [{**start, n: v} for n, ends in ranges.items() for v in ends]
    if len(ranges) <= 3:
        cases += _corners(ranges)
    for kwargs in cases:
        fig = func(**fixed, **kwargs)
        assert isinstance(fig, Figure)
        _finite_plot_data(fig)
        assert plotting.figure_png(fig, dpi=30)[1:4] == b"PNG"


def test_every_figure_declares_its_controls_once_with_one_symbol_per_quantity():
    # Nine explorers, one per chapter; the sign-agreement map (chapter 4) is a static
    # figure, drawn once, with no controls to declare.
    assert len(EXPLORABLE) == 9
    assert {f.__name__ for f in FIGURES} - {f.__name__ for f in EXPLORABLE} == {
        "sign_agreement_figure"
    }
    for func in EXPLORABLE:
        declared = controls.of(func)
        assert any(c.grid(FIXED.get(func, {})) for c in declared), func.__name__
        for c in declared:
            if c.name in SYMBOLS:
                assert SYMBOLS[c.name] in c.label, (func.__name__, c.label)
            # a frame value reads differently from its neighbours
            grid = [controls.readout(v) for v in c.grid(FIXED.get(func, {}))]
            assert len(set(grid)) == len(grid), (func.__name__, c.name)


def test_explore_reads_the_declaration_for_the_live_widget_and_the_explorer():
    import io
    from contextlib import redirect_stdout

    with redirect_stdout(io.StringIO()):
        ex = widgets.explore(figures.one_step_figure, samples=100, dpi=30)
    declared = controls.of(figures.one_step_figure)
    live = ex.live.children[0].children
    # The claim: the live sliders are the declared controls, named and started alike.
    # tolerance: round-off (1e-12 relative): the slider holds the declared float.
    assert [s.description for s in live] == [c.label for c in declared]
    assert [s.value for s in live] == pytest.approx(
        [c.start({}) for c in declared], rel=1e-12
    )
    energy = next(s for s in live if s.description.startswith("gradient energy"))
    assert type(energy).__name__ == "FloatLogSlider"
    assert energy.min == pytest.approx(-3, rel=1e-12)
    assert energy.max == pytest.approx(2, rel=1e-12)
    # ... and the kernel-less explorer slides over the declared frames only.
    assert [c.name for c in ex.static.controls] == ["eta"]
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].count('type="range"') == 1
    assert "step size η</label>" in bundle["text/html"]
    # a fixed argument that is a declared control gets no slider
    with redirect_stdout(io.StringIO()):
        ex = widgets.explore(figures.one_step_figure, chi=0.5, samples=100, dpi=30)
    live = [s.description for s in ex.live.children[0].children]
    assert live == [c.label for c in declared if c.name != "chi"]
    assert all(f.call["kwargs"]["chi"] == 0.5 for f in ex.static.frames)


def test_noise_figure_takes_the_noise_class():
    a = figures.noise_figure(model=rv.CurvatureNoise, samples=50)
    b = figures.noise_figure(model="curvature", samples=50)  # the old spelling
    assert plotting.figure_png(a, dpi=30) == plotting.figure_png(b, dpi=30)
    (model, *_) = controls.of(figures.noise_figure)
    assert [v for _, v in model.options] == [
        rv.IsotropicNoise,
        rv.CurvatureNoise,
        rv.RegressionNoise,
    ]
    with pytest.raises(ValueError, match="model must be IsotropicNoise"):
        figures.noise_figure(model=float)


def test_divergent_step_size_is_reported_in_words():
    fig = figures.valley_2d_figure(eta=0.25, condition=20.0, sigma=0.3)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any("diverges" in t and r"2/\lambda_{\max}" in t for t in texts)
    assert all(not ax.get_lines() for ax in fig.axes)
    fig = figures.one_step_figure(eta=0.25)
    assert "repeated steps diverge" in fig.axes[0].get_title()
    fig = figures.regime_map_figure()
    assert any(t.get_text().startswith("diverges") for t in fig.axes[0].texts)
    for fig in (
        figures.paradox_figure(eta=1.6, branch_step=100, steps=100),
        figures.two_phase_figure(eta=1.6, steps=100),
        figures.step_size_choice_figure(eta=1.6, steps=100),
    ):
        texts = [t.get_text() for ax in fig.axes for t in ax.texts]
        assert any(
            t.startswith(r"diverges: $\eta = 1.6 > 2/\lambda_{\max} = 1.43$")
            for t in texts
        ), texts


def test_spectrum_history_figure_checks_its_arrays():
    fig = figures.spectrum_history_figure(
        [0, 5], [[4.0, 3.0, 1.0], [6.0, 5.0, 1.0]], [0.4, 0.8], k=2, index=0
    )
    assert fig.axes[0].get_title() == r"step 0: $\lambda_{2}/\lambda_{3} = 3$"
    with pytest.raises(ValueError, match="must have 2 rows"):
        figures.spectrum_history_figure([0, 5], [[4.0, 3.0, 1.0]], [0.4, 0.8], k=2)
    with pytest.raises(ValueError, match="index"):
        figures.spectrum_history_figure(
            [0, 5], [[4.0, 3.0, 1.0], [6.0, 5.0, 1.0]], [0.4, 0.8], k=2, index=2
        )


def test_regime_map_colours_match_theory():
    """The dots argument is drawn, and the map's boundary is the library's eta*."""
    from rivervalley_lib import (
        IsotropicNoise,
        RiverValley,
        critical_step_size,
        state_with_alignment,
    )

    fig = figures.regime_map_figure(dots=np.array([[0.3, 0.1, 1.0], [0.5, 0.05, -1.0]]))
    ax = fig.axes[0]
    assert len(ax.collections) >= 3  # mesh, hatch, two scatter sets
    star_line = ax.get_lines()[0]
    chis, stars = star_line.get_xdata(), star_line.get_ydata()
    rv = RiverValley.two_level(400, 4, 10.0, 0.2)
    expected = critical_step_size(
        rv, IsotropicNoise(0.05), state_with_alignment(rv, chis[::30], 1.0)
    )
    # tolerance: round-off (1e-12 relative): the line is the library's eta*
    np.testing.assert_allclose(
        stars[::30], np.where(np.isfinite(expected), expected, np.nan), rtol=1e-12
    )


def test_random_figures_take_the_library_rng_convention():
    """``rng`` is a seed or a Generator (as in ``simulate``): both draw the same."""
    random_figures = (figures.valley_2d_figure, figures.noise_figure)
    for fig in (*random_figures, figures.one_step_figure):
        a = plotting.figure_png(fig(rng=3), dpi=30)
        b = plotting.figure_png(fig(rng=np.random.default_rng(3)), dpi=30)
        assert a == b, fig.__name__
        assert a != plotting.figure_png(fig(rng=4), dpi=30), fig.__name__
        with pytest.raises(TypeError, match="rng must be"):
            fig(rng="seed")


def test_one_step_figure_on_another_valley():
    """The title's eta* is the library's critical step size on the given landscape."""
    valley = rv.RiverValley.two_level(d=50, k=2, dominant=5.0, bulk=0.5)
    title = figures.one_step_figure(valley=valley, samples=50).axes[0].get_title()
    theta = rv.state_with_alignment(valley, 0.3, 1.0)
    star = rv.critical_step_size(valley, rv.IsotropicNoise(0.05), theta)
    assert rf"$\eta^*_t = {star:.3g}$" in title
    # tolerance: the title carries eta* to 3 significant figures (compared as text);
    # the default valley's 0.19 must be more than 0.01 away (here 0.36).
    assert star != pytest.approx(0.19, abs=0.01)  # not the default valley's value
    with pytest.raises(TypeError, match="valley must be a RiverValley"):
        figures.one_step_figure(valley="valley")


def test_bad_widget_arguments_are_rejected():
    with pytest.raises(ValueError, match="condition must be"):
        figures.valley_2d_figure(condition=1.0)
    with pytest.raises(ValueError, match="model must be"):
        figures.noise_figure(model="pink")
    with pytest.raises(ValueError, match="chi must be"):
        figures.one_step_figure(chi=1.0)
    with pytest.raises(ValueError, match="mu must be"):
        figures.regime_map_figure(lam=1.0, mu=2.0)
    with pytest.raises(ValueError, match="mu must be"):
        figures.regime_map_figure(mu=0.0)


def test_interact_builds_a_widget_without_display():
    import ipywidgets as w

    box = widgets.interact(
        figures.one_step_figure,
        eta=w.FloatSlider(value=0.1, min=0.01, max=0.2),
        samples=200,
    )
    assert isinstance(box, w.VBox)
    assert [c.description for c in box.children[0].children] == [""]


def test_every_widget_figure_has_a_plain_language_description():
    names = [n for n in figures.__all__ if n.endswith("_figure")]
    assert len(names) == 10
    for name in names:
        text = getattr(figures, name).alt_text
        assert len(text) > 60 and "\\" not in text and ":math:" not in text, name


def test_describe_appends_the_settings_and_rejects_unknown_figures():
    text = figures.describe(
        figures.regime_map_figure, {"lam": 10.0, "k": 4, "sigma": np.float64(0.051234)}
    )
    assert text.startswith(figures.regime_map_figure.alt_text)
    assert text.endswith("Settings: lam = 10, k = 4, sigma = 0.0512.")
    assert figures.describe(figures.noise_figure, {}) == figures.noise_figure.alt_text
    with pytest.raises(ValueError, match="update must be one of the figure functions"):
        figures.describe(print, {})
    with pytest.raises(ValueError, match="update must be one of"):
        widgets.interact(print)


def test_interact_draws_with_alt_text(monkeypatch):
    """Every redraw is shown with alt text naming the figure and the current
    settings."""
    import ipywidgets as w

    shown = []
    monkeypatch.setattr(widgets, "show", lambda fig, **kw: shown.append((fig, kw)))
    slider = w.FloatSlider(value=0.1, min=0.01, max=0.2)
    widgets.interact(figures.one_step_figure, eta=slider, samples=200)
    slider.value = 0.15
    assert len(shown) == 2 and all(isinstance(f, Figure) for f, _ in shown)
    assert shown[0][1]["alt"].endswith("Settings: eta = 0.1.")
    assert shown[1][1]["alt"].startswith(figures.one_step_figure.alt_text)
    assert shown[1][1]["alt"].endswith("Settings: eta = 0.15.")


def test_figure_bundle_carries_the_alt_text_and_validates_it():
    fig, _ = plotting.new_figure()
    b = plotting.figure_bundle(fig, 'A "quoted" <figure>')
    assert (
        b["text/html"] == f'<img src="data:image/png;base64,{b["image/png"]}" alt="A '
        '&quot;quoted&quot; &lt;figure&gt;"/>'
    )
    assert b["text/plain"] == 'A "quoted" <figure>'
    with pytest.raises(TypeError, match="alt must be a str"):
        plotting.figure_bundle(fig, 3)
    with pytest.raises(ValueError, match="alt must be a non-empty"):
        plotting.figure_bundle(fig, "  ")


#: The documented parameter order of the figure functions
#: (rivervalley_lib.book.figures): the valley, the noise and its rng, the state, the
#: step size, counts, overlays.
_ORDER = {
    "valley": {"valley", "condition", "lam", "mu", "k", "d", "ks"},
    "noise": {"model", "sigma", "batch_size", "rng"},
    "state": {"chi", "energy", "chis", "init_scale"},
    "step size": {"eta", "eta_train", "ratios"},
    "counts": {"steps", "samples", "branch_step"},
    "overlay": {"dots"},
}


def test_figure_parameters_come_in_the_documented_order():
    import inspect

    rank = {name: i for i, group in enumerate(_ORDER.values()) for name in group}
    for name in figures.__all__:
        func = getattr(figures, name)
        if not name.endswith("_figure") or func is figures.spectrum_history_figure:
            continue  # spectrum_history_figure draws recorded data: the data come first
        params = list(inspect.signature(func).parameters)
        unknown = [p for p in params if p not in rank]
        assert not unknown, f"{name}: {unknown} belong to no group of the order"
        ranks = [rank[p] for p in params]
        assert ranks == sorted(ranks), f"{name}{params} is out of the documented order"


def test_sign_agreement_figure_band_is_where_the_two_thresholds_differ():
    """Each row's cells where the energy ratio rises but E[chi'] falls are exactly the
    step sizes between eta* and the exact threshold; there are no cells of the reverse
    kind; the band's width times k is about constant (the 1/k law of chapter 4)."""
    import rivervalley_lib as rv

    ratios = np.linspace(0.5, 1.6, 220)  # avoids eta = eta* exactly
    ks = (1, 4, 64)
    fig = figures.sign_agreement_figure(ks=ks, ratios=ratios)
    codes = np.asarray(fig.axes[0].collections[0].get_array()).reshape(len(ks), -1)
    exact_over_star = fig.axes[0].get_lines()[0].get_xdata()
    widths = []
    for k, row, x in zip(ks, codes, exact_over_star, strict=True):
        valley = rv.RiverValley.two_level(100 * k, k, 10.0, 0.2)
        theta = rv.state_with_alignment(valley, 0.3, 0.05 * k / 4)
        noise = rv.IsotropicNoise(0.05)
        star = rv.critical_step_size(valley, noise, theta)
        # tolerance: round-off (1e-12 relative): the line is the library's ratio
        assert x == pytest.approx(
            rv.critical_step_size(valley, noise, theta, exact=True) / star, rel=1e-12
        )
        inside = (ratios > 1) & (ratios < x)
        np.testing.assert_array_equal(row == 2, inside)
        np.testing.assert_array_equal(row == 0, ratios < 1)
        widths.append((x - 1) * k)
    assert not np.any(codes == 3)
    # tolerance: model error of the 1/k law at k = 1, 4, 64 (widths x k within
    # 0.2-0.26, i.e. 0.23 +- 13 %); a band off by a factor 2 gives 0.115 or 0.46.
    assert np.all((np.array(widths) > 0.2) & (np.array(widths) < 0.26)), widths


def test_sign_agreement_figure_rejects_bad_arguments():
    with pytest.raises(ValueError, match="ks must be"):
        figures.sign_agreement_figure(ks=(4, 2))
    with pytest.raises(ValueError, match="ratios must be"):
        figures.sign_agreement_figure(ks=(4,), ratios=np.array([1.0, 0.5]))
    with pytest.raises(ValueError, match="sigma"):
        figures.sign_agreement_figure(sigma=0.0)
