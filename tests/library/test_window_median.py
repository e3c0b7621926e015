"""rv.window_median: how ch 7 smooths a curve to compare it with a digitised figure."""

from __future__ import annotations

import numpy as np
import pytest

import rivervalley_lib as rv


def test_window_median_is_the_median_over_the_window():
    step = np.arange(0, 1001, 10)
    values = np.sin(step / 97.0)
    at = np.array([0, 120, 500, 1000])
    got = rv.window_median(step, values, at, half=50)
    for t, g in zip(at, got, strict=True):
        window = (step == 0) if t == 0 else (np.abs(step - t) <= 50)
        assert g == np.median(values[window])
    assert got[0] == values[0]  # the start alone, before the first step


def test_window_median_keeps_the_shape_of_at():
    assert rv.window_median([0, 1, 2], [1.0, 2.0, 3.0], 1, half=1).shape == ()


def test_window_median_rejects_empty_windows_and_mismatched_shapes():
    with pytest.raises(ValueError, match="no recorded step within"):
        rv.window_median([0, 100], [1.0, 2.0], [50], half=10)
    with pytest.raises(ValueError, match="same shape"):
        rv.window_median([0, 1, 2], [1.0, 2.0], [1])
    with pytest.raises(ValueError, match="half"):
        rv.window_median([0, 1], [1.0, 2.0], [1], half=-1)
