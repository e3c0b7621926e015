"""Blocks of a valley: the maximal runs of coordinates with equal eigenvalue and noise.

The mean-field recursion (theory) and the exact block simulator (simulation) both work
per block; the partition belongs to the model they share.
"""

from __future__ import annotations

import numpy as np


def block_partition(
    lam: np.ndarray, scale: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Start and end indices of the maximal runs of equal (eigenvalue, noise scale)."""
    d = lam.shape[0]
    change = np.flatnonzero((np.diff(lam) != 0) | (np.diff(scale) != 0)) + 1
    return np.r_[0, change], np.r_[change, d]
