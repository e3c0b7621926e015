"""What the explorers' figures show: fixed axes, a visible answer, text that reads.

Each chapter's explorer asks the reader to predict how one quantity changes between
two slider positions. For each, this file draws the figure at the chapter's slider
values and checks, from the figure's own artists, that

- the axes limits are the same at every slider position (what moves is the data), and
- the asked-about quantity moves by a visible distance, measured in pixels of the PNG
  the book shows (dpi 110), between the two positions the prompt names.

It also checks that every text of every figure is at least ``plotting.MIN_TEXT_PX``
high where the page shows it (desktop and 390 px phone), that titles and labels are
typeset (mathtext, no ASCII "eta ="), that legends sit off the data, and that the
heat-map numbers contrast with their cells.
"""

from __future__ import annotations

import functools
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from rivervalley_lib import figures, plotting  # noqa: E402

DPI = 110
#: Smallest move, in PNG pixels, that counts as visible.
VISIBLE_PX = 10.0

# Synthetic checkpoints for the spectrum figure: four outliers separate over training.
SPEC = {
    "steps": np.array([0.0, 100.0, 300.0, 700.0, 1500.0]),
    "eigenvalues": np.array(
        [
            [20.0, 6.0, 5.5, 5.0, 4.8, 4.5, 4.0, 3.0],
            [15.0, 9.0, 8.0, 7.0, 4.0, 3.5, 3.0, 2.5],
            [12.0, 10.0, 9.0, 8.5, 3.0, 2.8, 2.5, 2.0],
            [11.0, 10.5, 10.0, 9.8, 2.4, 2.2, 2.0, 1.8],
            [11.0, 10.2, 9.9, 9.7, 2.1, 2.0, 1.9, 1.5],
        ]
    ),
    "alignment": np.array([0.5, 0.7, 0.9, 0.95, 0.9]),
    "k": 4,
}

# (chapter, figure, fixed arguments, slider, the explorer's grid) as in the chapters;
# a step size past the stability limit draws a message instead and is left out.
EXPLORERS = {
    "ch1": (
        figures.valley_2d_figure,
        {"condition": 20.0, "sigma": 0.3},
        "eta",
        [0.04, 0.12, 0.18, 0.195],
    ),
    "ch2": (
        figures.noise_figure,
        {"model": "regression", "sigma": 0.5},
        "batch_size",
        [1, 8, 16, 128],
    ),
    "ch3": (
        figures.one_step_figure,
        {"chi": 0.3, "energy": 1.0, "sigma": 0.05},
        "eta",
        [0.02, 0.18, 0.19, 0.22],
    ),
    "ch4": (figures.regime_map_figure, {"energy": 0.05}, "sigma", [0.0, 0.1, 0.2]),
    "ch5": (figures.self_correction_figure, {"sigma": 0.05}, "energy", [1e-3, 10.0]),
    "ch6": (figures.paradox_figure, {"eta_train": 1.0}, "eta", [0.5, 0.9, 1.1, 1.3]),
    "ch7": (figures.two_phase_figure, {}, "eta", [0.2, 0.5, 1.0, 1.4]),
    "ch8": (figures.spectrum_history_figure, SPEC, "index", [0, 2, 4]),
    "ch9": (figures.step_size_choice_figure, {}, "eta", [0.1, 0.3, 1.3]),
}


@functools.cache
def frame(chapter: str, value):
    fn, fixed, name, _ = EXPLORERS[chapter]
    fig = fn(**fixed, **{name: value})
    fig.set_dpi(DPI)
    FigureCanvasAgg(fig).draw()  # a real draw: the constrained layout runs, at 110 dpi
    return fig


def px(ax, x, y) -> np.ndarray:
    """Data coordinates to PNG pixels."""
    return ax.transData.transform(np.column_stack([np.atleast_1d(x), np.atleast_1d(y)]))


def limits(fig) -> list:
    return [
        (
            *(float(v) for v in ax.get_xlim() + ax.get_ylim()),
            ax.get_xscale(),
            ax.get_yscale(),
        )
        for ax in fig.axes
        if ax.axison
    ]


@pytest.mark.parametrize("chapter", sorted(EXPLORERS))
def test_axes_are_fixed_across_frames(chapter):
    """Every frame of the explorer has the same axes, limits and scales."""
    *_, grid = EXPLORERS[chapter]
    first = limits(frame(chapter, grid[0]))
    for value in grid[1:]:
        assert limits(frame(chapter, value)) == first, (chapter, value)


def test_ch1_gd_alignment_turns_between_018_and_0195():
    """At 0.18 GD's alignment ends low, at 0.195 high, far apart on the fixed axis."""
    ends = {}
    for eta in (0.18, 0.195):
        ax = frame("ch1", eta).axes[1]
        gd = ax.get_lines()[0]
        assert gd.get_label() == "GD"
        ends[eta] = px(ax, gd.get_xdata()[-1], gd.get_ydata()[-1])[0, 1]
    assert ends[0.195] - ends[0.18] > 10 * VISIBLE_PX


def test_ch2_bars_move_with_the_batch_size():
    """Doubling b lowers each bar visibly; b = 1 to 128 lowers it a lot."""
    top = {}
    for b in (1, 8, 16, 128):
        ax = frame("ch2", b).axes[0]
        bar = ax.patches[0]
        top[b] = px(ax, bar.get_x(), bar.get_height())[0, 1]
    assert top[8] - top[16] > VISIBLE_PX
    assert top[1] - top[128] > 5 * VISIBLE_PX


def test_ch3_prediction_crosses_the_current_alignment():
    """The ratio-of-expectations line moves from left of chi_t to right of it."""
    side = {}
    for eta in (0.18, 0.19, 0.02, 0.22):
        ax = frame("ch3", eta).axes[0]
        now, pred, mean = (ln.get_xdata()[0] for ln in ax.get_lines()[:3])
        side[eta] = px(ax, pred, 0)[0, 0] - px(ax, now, 0)[0, 0]
        side[eta, "mean"] = px(ax, mean, 0)[0, 0]
    # at 0.18 the line is left of chi_t; at 0.19 it has moved onto chi_t and just past
    # it (0.301 against 0.3: the legend gives the number, the move is what one sees)
    assert side[0.18] < -VISIBLE_PX and side[0.19] > 0
    assert side[0.19] - side[0.18] > 2 * VISIBLE_PX
    # first and last frame: the histogram's mean moves across the axis
    assert side[0.22, "mean"] - side[0.02, "mean"] > 5 * VISIBLE_PX


def test_ch4_noise_bends_the_boundary_down_at_low_alignment():
    ax0, ax1 = (frame("ch4", s).axes[0] for s in (0.0, 0.1))
    star0, star1 = (ax.get_lines()[0] for ax in (ax0, ax1))
    i = np.searchsorted(star0.get_xdata(), 0.2)
    y0 = px(ax0, star0.get_xdata()[i], star0.get_ydata()[i])[0, 1]
    y1 = px(ax1, star1.get_xdata()[i], star1.get_ydata()[i])[0, 1]
    assert y0 - y1 > 5 * VISIBLE_PX


def test_ch4_the_two_thresholds_are_labelled_apart():
    """2/(lambda+mu) = 0.196 and 2/lambda = 0.2 each have a label, far apart."""
    ax = frame("ch4", 0.1).axes[0]
    labels = {
        t.get_text(): t.get_window_extent()
        for t in ax.texts
        if "2/" in t.get_text() and t.get_visible()
    }
    assert len(labels) == 2, labels
    a, b = labels.values()
    assert not a.overlaps(b)
    assert abs(a.y0 - b.y0) > 3 * VISIBLE_PX


def test_ch5_chi_sc_is_drawn_and_moves():
    """chi_sc is a marker on a number line, not only a title number."""
    xs = []
    for energy in (1e-3, 10.0):
        ax = frame("ch5", energy).axes[1]
        marker = [ln for ln in ax.get_lines() if ln.get_marker() == "v"]
        assert len(marker) == 1
        xs.append(px(ax, marker[0].get_xdata()[0], 0.8)[0, 0])
    assert xs[1] - xs[0] > 20 * VISIBLE_PX  # towards chi = 1, to the right


def test_ch6_dom_sgd_falls_then_rises_visibly():
    """Dom-SGD's loss change is below zero at 0.9 and above at 1.1, visibly."""
    offset = {}
    for eta in (0.9, 1.1):
        ax = frame("ch6", eta).axes[2]
        dom = ax.get_lines()[0]
        zero = px(ax, 0, 0)[0, 1]
        offset[eta] = px(ax, dom.get_xdata()[-1], dom.get_ydata()[-1])[0, 1] - zero
    assert offset[0.9] < -2 * VISIBLE_PX and offset[1.1] > 2 * VISIBLE_PX


def test_ch7_phase_two_bar_shrinks_when_eta_doubles():
    widths = {}
    for eta in (0.5, 1.0):
        ax = frame("ch7", eta).axes[1]
        bar = ax.patches[1]  # phase 2
        a, b = px(ax, [bar.get_x(), bar.get_x() + bar.get_width()], [0, 0])
        widths[eta] = b[0] - a[0]
    assert widths[0.5] / widths[1.0] > 2 and widths[0.5] - widths[1.0] > 5 * VISIBLE_PX


def test_ch8_colour_does_not_answer_and_the_gap_opens():
    """Every bar has one colour in every frame; the k-th gap grows visibly."""
    gaps = []
    for index in (0, 4):
        ax = frame("ch8", index).axes[0]
        colours = {to_rgba(p.get_facecolor()) for p in ax.patches}
        assert len(colours) == 1, colours
        k = SPEC["k"]
        h = [px(ax, 0, p.get_height())[0, 1] for p in ax.patches[k - 1 : k + 1]]
        gaps.append(h[0] - h[1])
        ticks = ax.get_xticks()
        # tolerance: the ticks are integers up to round-off (np.allclose's 1e-8); the
        # gap must open by a visible 5 VISIBLE_PX, a display margin, not an estimate.
        assert np.allclose(ticks, np.round(ticks)), ticks  # integer index ticks
    assert gaps[1] - gaps[0] > 5 * VISIBLE_PX


def test_ch9_loss_floor_rises_with_the_step_size():
    ys = []
    for eta in (0.3, 1.3):
        ax = frame("ch9", eta).axes[1]
        floor = ax.get_lines()[1]
        ys.append(px(ax, 0, floor.get_ydata()[0])[0, 1])
    assert ys[1] - ys[0] > 2 * VISIBLE_PX


# ---------------------------------------------------------------- text that reads


def all_frames():
    return [(ch, v) for ch, (*_, grid) in sorted(EXPLORERS.items()) for v in grid]


@pytest.mark.parametrize("where", sorted(plotting.DISPLAY_WIDTH_PX))
def test_text_is_legible_where_the_page_shows_it(where):
    """No text smaller than MIN_TEXT_PX on a desktop or a 390 px phone."""
    width = plotting.DISPLAY_WIDTH_PX[where]
    too_small = {
        (ch, v): round(plotting.smallest_text_px(frame(ch, v), width_px=width), 1)
        for ch, v in all_frames()
        if plotting.smallest_text_px(frame(ch, v), width_px=width)
        < plotting.MIN_TEXT_PX
    }
    assert not too_small, too_small


ASCII_MATH = re.compile(r"\b(eta|kappa|lambda|sigma|chi|mu)\b\*? ?[=<>]")


def test_titles_and_labels_are_typeset():
    """Greek letters are mathtext ($\\eta = 0.1$), never ASCII 'eta = 0.1'."""
    for ch, v in all_frames():
        fig = frame(ch, v)
        for t in fig.findobj(Text):
            text = t.get_text()
            bare = re.sub(r"\$[^$]*\$", "", text)  # outside math
            assert not ASCII_MATH.search(bare), (ch, v, text)


def test_legends_do_not_cover_the_data_and_fit_the_figure():
    for ch, v in all_frames():
        fig = frame(ch, v)
        legends = [ax.get_legend() for ax in fig.axes] + list(fig.legends)
        page = fig.bbox
        for legend in filter(None, legends):
            box = legend.get_window_extent()
            for ax in fig.axes:
                assert not box.overlaps(ax.get_window_extent()), (ch, v)
            # not cut off by the edge of the PNG
            assert page.x0 <= box.x0 and box.x1 <= page.x1 + 1, (ch, v)
            assert page.y0 <= box.y0 and box.y1 <= page.y1 + 1, (ch, v)


def test_heat_map_numbers_contrast_with_their_cells():
    """WCAG contrast of each number with its cell is at least 4.5 (AA)."""
    fig, ax = plotting.new_figure()
    values = np.arange(25.0).reshape(5, 5) ** 2
    im = plotting.annotated_heatmap(ax, values)
    for t in ax.texts:
        j, i = t.get_position()
        cell = im.cmap(im.norm(values[int(i), int(j)]))
        ratio = plotting.contrast_ratio(t.get_color(), cell)
        # tolerance: 4.5 is WCAG 2's AA minimum contrast for normal text, a standard's
        # threshold, not an estimate.
        assert ratio >= 4.5, (t.get_text(), t.get_color(), ratio)
