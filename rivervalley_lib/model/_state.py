"""Checks shared by every layer: a state on a valley, the moving coordinates of a
projected update, and that an argument is a valley."""

from __future__ import annotations

import numpy as np

from ._landscape import RiverValley


def moving_mask(valley: RiverValley, projection: str) -> np.ndarray:
    """The (d,) mask of the coordinates that SGD (``"none"``), Dom-SGD (``"dominant"``)
    or Bulk-SGD (``"bulk"``) updates.

    Internal API of the simulator and the mean field.
    """
    if projection == "none":
        return np.ones(valley.d, dtype=bool)
    return valley.dominant_mask if projection == "dominant" else ~valley.dominant_mask


def validate_landscape(valley) -> RiverValley:
    """Return ``valley`` if it is a :class:`RiverValley`, else raise TypeError."""
    if not isinstance(valley, RiverValley):
        raise TypeError(f"valley must be a RiverValley, got {type(valley).__name__}")
    return valley
