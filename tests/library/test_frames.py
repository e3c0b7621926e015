"""Kernel-less explorers: the frames are the library's figures, named and linked.

Each claim is checked against the library itself: a frame's PNG must be byte-identical
to the figure function's own rendering at the frame's settings, its alt text must name
those settings, and every slider must be joined to the stacks of its level by a
``jslink`` (the only thing the page runs).
"""

from __future__ import annotations

import base64
import html
import json
import re

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from ipywidgets.widgets.widget_link import Link  # noqa: E402

from rivervalley_lib import figures, frames, plotting  # noqa: E402

FAST = {"steps": 50}  # step_size_choice_figure with few steps: cheap frames


def _links(box) -> list:
    """Every jslink whose source is one of the box's sliders."""
    from ipywidgets.widgets.widget import (
        _instances,
    )  # every live widget, links included

    sl = {id(s) for s in frames.sliders(box)}
    return [
        x for x in _instances.values() if isinstance(x, Link) and id(x.source[0]) in sl
    ]


def test_frames_are_the_library_figures_byte_for_byte():
    fr = frames.render_frames(
        figures.step_size_choice_figure, FAST, eta=[0.5, 1.5], dpi=40
    )
    for f in fr:
        # The claim: each frame is exactly what the figure function draws at its
        # settings.
        again = plotting.figure_png(
            figures.step_size_choice_figure(**FAST, **f.settings), dpi=40
        )
        assert f.png == again
        assert f.alt.endswith(f"Settings: eta = {f.settings['eta']:.3g}.")
        assert f.call == {
            "figure": "step_size_choice_figure",
            "kwargs": {"steps": 50, **f.settings},
            "dpi": 40,
        }
    assert fr[0].png != fr[1].png  # the figure does change with eta (1.5 diverges)


def test_frame_html_carries_png_alt_and_call():
    f = frames.render_frames(figures.step_size_choice_figure, FAST, eta=[1.0], dpi=30)[
        0
    ]
    tag = frames.frame_html(f)
    src = re.search(r'src="data:image/png;base64,([^"]+)"', tag).group(1)
    assert base64.b64decode(src) == f.png
    assert html.unescape(re.search(r'alt="([^"]+)"', tag).group(1)) == f.alt
    assert (
        json.loads(html.unescape(re.search(r'data-call="([^"]+)"', tag).group(1)))
        == f.call
    )


def test_two_dimensional_grid_nests_stacks_and_links_every_level():
    box = frames.static_explorer(
        figures.regime_map_figure,
        sigma=[0.0, 0.1],
        energy=[0.05, 0.2, 0.8],
        start={"energy": 0.2},
        dpi=30,
    )
    s_sigma, s_energy = frames.sliders(box)
    assert s_sigma.options == ("0", "0.1") and s_energy.options == (
        "0.05",
        "0.2",
        "0.8",
    )
    assert s_energy.index == 1
    outer = box.children[1]
    assert isinstance(outer, w.Stack) and len(outer.children) == 2
    assert all(isinstance(c, w.Stack) and len(c.children) == 3 for c in outer.children)
    links = _links(box)
    # One link for the outer stack, one per inner stack (2): the energy slider drives
    # both.
    targets = {(id(x.source[0]), id(x.target[0])) for x in links}
    assert (id(s_sigma), id(outer)) in targets
    assert all((id(s_energy), id(c)) in targets for c in outer.children)
    assert all(
        x.source[1] == "index" and x.target[1] == "selected_index" for x in links
    )
    # The frame at (sigma index 1, energy index 2) is the figure at sigma = 0.1, energy
    # = 0.8.
    leaf = outer.children[1].children[2]
    assert "Settings: sigma = 0.1, energy = 0.8." in html.unescape(leaf.value)
    assert frames.EXPLORER_CLASS in box._dom_classes


def test_start_defaults_to_the_figure_default():
    box = frames.static_explorer(
        figures.step_size_choice_figure, FAST, eta=[0.5, 1.0, 1.3], dpi=30
    )
    assert (
        frames.sliders(box)[0].value == "1"
    )  # step_size_choice_figure's default eta = 1.0
    assert box.children[1].selected_index == 1


def test_array_arguments_are_fixed_and_recorded_by_settings_only():
    spectra = np.array([[5.0, 4.0, 1.0, 0.5], [9.0, 8.0, 1.0, 0.4]])
    fixed = {"steps": [0, 10], "eigenvalues": spectra, "alignment": [0.5, 0.9], "k": 2}
    fr = frames.render_frames(
        figures.spectrum_history_figure, fixed, index=[0, 1], dpi=30
    )
    assert [f.call for f in fr] == [
        {"figure": "spectrum_history_figure", "settings": {"index": i}, "dpi": 30}
        for i in (0, 1)
    ]
    assert fr[1].alt.endswith("Settings: index = 1.")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "at least one grid"),
        ({"eta": []}, ValueError, "at least one value"),
        ({"eta": 0.5}, TypeError, "sequence"),
        ({"eta": "0.5"}, TypeError, "sequence"),
        ({"eta": [0.5, float("nan")]}, ValueError, "finite"),
        ({"eta": [True]}, TypeError, "numbers or strings"),
        ({"eta": [0.1, 0.1000001]}, ValueError, "equal readouts"),
        ({"gamma": [0.1]}, ValueError, "not an argument"),
        ({"eta": [0.1], "dpi": 10}, ValueError, "dpi"),
        ({"eta": [0.1, 0.2, 0.3], "max_frames": 2}, ValueError, "max_frames"),
        ({"eta": [0.1], "fixed": {"eta": 1.0}}, ValueError, "both"),
    ],
)
def test_bad_input_is_rejected_by_name(kwargs, error, match):
    fixed = kwargs.pop("fixed", FAST)
    with pytest.raises(error, match=match):
        frames.render_frames(figures.step_size_choice_figure, fixed, **kwargs)


def test_unknown_figures_and_bad_start_are_rejected():
    with pytest.raises(ValueError, match="one of the figure functions"):
        frames.render_frames(lambda eta: None, eta=[0.1])
    with pytest.raises(TypeError, match="callable"):
        frames.render_frames("valley_2d_figure", eta=[0.1])
    with pytest.raises(ValueError, match="not in the grid"):
        frames.static_explorer(
            figures.step_size_choice_figure, FAST, eta=[0.5], start={"eta": 0.7}, dpi=30
        )
    with pytest.raises(ValueError, match="is not a grid"):
        frames.static_explorer(
            figures.step_size_choice_figure,
            FAST,
            eta=[0.5],
            labels={"beta": "b"},
            dpi=30,
        )
