"""Entry checks of :func:`simulate`: a starting state in the float range, and the
memory a run will take, estimated before anything is allocated."""

from __future__ import annotations

import numpy as np

from .._validation import check_memory
from ..model._landscape import RiverValley
from ..model._noise import AdditiveNoise, NoiseModel
from ._blocks import CHUNK


def check_start(valley: RiverValley, theta0: np.ndarray) -> None:
    """The starting gradient energy |H theta0|^2 must be a positive normal float: a
    state whose energy underflows has an undefined alignment, one whose energy
    overflows diverges at step 0."""
    with np.errstate(over="ignore", under="ignore"):
        energy = np.sum((valley.eigenvalues * theta0) ** 2, axis=-1)
    if not np.all(np.isfinite(energy)):
        raise ValueError(
            "theta0 is too large: its gradient energy |H theta0|^2 overflows a float "
            "(keep |lambda_i theta0_i| below about 1e150)"
        )
    # a start at exactly zero is allowed (the noise moves it); a non-zero start whose
    # energy underflows would give a NaN alignment at step 0
    moving = np.any(valley.eigenvalues * theta0 != 0, axis=-1)
    if np.any((energy < np.finfo(float).tiny) & moving):
        raise ValueError(
            "theta0 must be zero or have a gradient energy |H theta0|^2 >= 2.2e-308 "
            "(keep "
            "|lambda_i theta0_i| above about 1e-150 somewhere); at zero or below the "
            "float range the alignment is undefined"
        )


def check_simulation_memory(
    valley: RiverValley,
    noise: NoiseModel,
    steps: int,
    seeds: int,
    record_every: int,
    record_theta: bool,
    blocks: int | None = None,
) -> None:
    """Refuse a run whose arrays would exceed the memory limit (2 GiB).

    Both paths hold seven series of at most ``steps // record_every + 2`` records per
    seed: the four recorded (two losses, D and B), and the trace's D + B, alignment and
    loss. ``blocks`` is the number of blocks when the run takes the exact block path,
    which never holds a (seeds, d) array: it draws, per block and seed, three random
    numbers for each step of a chunk of ``CHUNK`` steps at once; ``None`` for the
    coordinate path.
    """
    n_rec = steps // record_every + 2
    if blocks is not None:
        per_run = 7 * n_rec + blocks * (8 + 3 * min(CHUNK, steps))
    else:
        per_run = valley.d * (5 + (n_rec if record_theta else 0)) + 7 * n_rec
    if blocks is None and not isinstance(noise, AdditiveNoise):
        per_run += 3 * valley.d * getattr(noise, "batch_size", 1)  # one minibatch
    check_memory(
        8.0 * seeds * per_run,
        f"seeds = {seeds}, d = {valley.d}, steps = {steps}, "
        f"record_every = {record_every}, record_theta = {record_theta}"
        + ("" if isinstance(noise, AdditiveNoise) else f" and the noise {noise!r}"),
    )
