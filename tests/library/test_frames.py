"""Kernel-less explorers: the frames are the library's figures, named and ordered.

Each claim is checked against the library itself: a frame's PNG must be byte-identical
to the figure function's own rendering at the frame's settings, its alt text must name
those settings, the explorer's sliders are the figure's declared controls (native range
inputs with a label and a value text from the first render), and the frame at each
position of the JSON list is the one for the sliders' positions (row-major, the only
arithmetic the page's script does).
"""

from __future__ import annotations

import base64
import html
import json
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rivervalley_lib import figures, frames, plotting  # noqa: E402
from rivervalley_lib.book import controls  # noqa: E402

FAST = {"steps": 50}  # step_size_choice_figure with few steps: cheap frames


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


def _parse(explorer) -> dict:
    """The parts of an explorer's HTML: inputs, labels, image, live region, frames."""
    text = explorer._repr_html_()
    inputs = [
        dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        | {
            k: json.loads(html.unescape(v))
            for k, v in re.findall(r"(data-\w+)='([^']*)'", tag)
        }
        for tag in re.findall(r"<input [^>]*>", text)
    ]
    labels = dict(re.findall(r'<label for="([^"]+)">([^<]*)</label>', text))
    data = re.search(
        r'<script type="application/json" class="rv-explorer-frames">(.*?)</script>',
        text,
        re.S,
    ).group(1)
    return {
        "text": text,
        "inputs": inputs,
        "labels": {k: html.unescape(v) for k, v in labels.items()},
        "img": dict(
            re.findall(r'([\w-]+)="([^"]*)"', re.search(r"<img [^>]*>", text).group(0))
        ),
        "frames": json.loads(data),
    }


def test_explorer_html_is_native_ranges_named_and_described_from_first_render():
    ex = frames.static_explorer(figures.step_size_choice_figure, FAST, dpi=30)
    (eta,) = controls.of(figures.step_size_choice_figure)
    # The claim: the sliders and frames are the ones the figure declares.
    assert ex.values == (tuple(eta.frames),) and len(ex.frames) == len(eta.frames)
    part = _parse(ex)
    (inp,) = part["inputs"]
    assert inp["type"] == "range" and inp["min"] == "0"
    assert inp["max"] == str(len(eta.frames) - 1)
    start = eta.frames.index(eta.default)
    assert inp["value"] == str(start)
    # named by its <label>, valued in words before any script runs
    assert part["labels"][inp["id"]] == eta.label == "step size η"
    assert inp["aria-valuetext"] == eta.valuetext(eta.default) == "0.3"
    assert inp["data-readouts"] == [controls.readout(v) for v in eta.frames]
    # disabled until the book's script makes it live: no control that does nothing
    assert re.search(r"<input [^>]*\bdisabled>", part["text"])
    # the image on display is the starting frame, lazily loaded, with its alt text
    shown = ex.frames[start]
    assert part["img"]["loading"] == "lazy"
    assert html.unescape(part["img"]["alt"]) == shown.alt
    assert base64.b64decode(part["img"]["src"].split(",", 1)[1]) == shown.png
    assert 'role="status" aria-live="polite"' in part["text"]
    # every frame of the JSON list is the rendered frame at that position
    for f, entry in zip(ex.frames, part["frames"], strict=True):
        assert base64.b64decode(entry["src"].split(",", 1)[1]) == f.png
        assert entry["alt"] == f.alt and json.loads(entry["call"]) == f.call
    assert 'class="rv-explorer-launch" hidden' in part["text"]


def test_two_dimensional_grid_is_row_major_with_the_last_control_fastest():
    ex = frames.static_explorer(
        figures.regime_map_figure, sigma=[0.0, 0.1], energy=[0.2, 0.05, 0.8], dpi=30
    )
    part = _parse(ex)
    assert [i["name"] for i in part["inputs"]] == ["sigma", "energy"]
    assert [i["max"] for i in part["inputs"]] == ["1", "2"]
    # the declared default energy 0.05 is where the energy slider starts
    # sigma's default 0.05 is not in this grid: its first value
    assert ex.start == (0, 1)
    for i, sigma in enumerate((0.0, 0.1)):
        for j, energy in enumerate((0.2, 0.05, 0.8)):
            assert ex.frames[i * 3 + j].settings == {"sigma": sigma, "energy": energy}
    assert "Settings: sigma = 0.1, energy = 0.8." in part["frames"][5]["alt"]


def test_controls_without_frames_stay_at_their_declared_default():
    ex = frames.static_explorer(figures.self_correction_figure, dpi=30)
    sigma, energy = controls.of(figures.self_correction_figure)
    assert not sigma.frames and [c.name for c in ex.controls] == ["energy"]
    assert all(f.call["kwargs"]["sigma"] == sigma.default for f in ex.frames)
    assert ex.values[0][ex.start[0]] == energy.default


def test_explorer_ids_are_unique_on_a_page():
    ex = frames.static_explorer(
        figures.step_size_choice_figure, FAST, eta=[1.0], dpi=30
    )
    a, b = _parse(ex), _parse(ex)
    assert a["inputs"][0]["id"] != b["inputs"][0]["id"]


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
        ({"eta": [True]}, TypeError, "numbers, strings or classes"),
        ({"eta": [0.1, 0.1000001]}, ValueError, "equal readouts"),
        ({"gamma": [0.1]}, ValueError, "not an argument"),
        ({"eta": [0.1], "dpi": 10}, ValueError, "dpi"),
        ({"eta": [0.1, 0.2, 0.3], "max_frames": 2}, ValueError, "max_frames"),
        ({"eta": [0.1], "fixed": {"eta": 1.0}}, ValueError, "both"),
    ],
)
def test_bad_input_is_rejected_by_name(kwargs, error, match):
    kwargs = dict(kwargs)  # the parametrized dict stays intact for a second run
    fixed = kwargs.pop("fixed", FAST)
    with pytest.raises(error, match=match):
        frames.render_frames(figures.step_size_choice_figure, fixed, **kwargs)


def test_unknown_figures_are_rejected():
    with pytest.raises(ValueError, match="one of the figure functions"):
        frames.render_frames(lambda eta: None, eta=[0.1])
    with pytest.raises(TypeError, match="callable"):
        frames.render_frames("valley_2d_figure", eta=[0.1])
    with pytest.raises(ValueError, match="declares its controls"):
        controls.of(print)
