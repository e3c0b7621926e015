r"""Exact simulation of block-structured river valleys in O(number of blocks) per step.

When the spectrum comes in blocks of equal eigenvalues and the noise is the same
Gaussian on every coordinate of a block (isotropic or curvature-aligned noise), SGD acts
on a block :math:`b` of :math:`m` coordinates as :math:`\theta' = a\theta - c\zeta` with
:math:`a = 1-\eta\lambda_b`, :math:`c = \eta\sigma_b` and
:math:`\zeta \sim \mathcal N(0, I_m)` (a block outside the projection has :math:`a = 1`,
:math:`c = 0`). The law of :math:`\zeta` is invariant under rotations, so only two
scalars per block are needed:

- :math:`x`, the coordinate along the block's initial direction :math:`u_0`:
  :math:`x' = a x - c z_1`;
- :math:`R = \lVert y\rVert^2`, the squared norm of the part :math:`y \perp u_0`.
  Rotating so that the first axis of :math:`u_0^\perp` points along :math:`y`,
  :math:`R' = (a\sqrt R - c z_2)^2 + c^2\chi^2_{m-2}`,

with :math:`z_1, z_2 \sim \mathcal N(0,1)` and :math:`\chi^2_{m-2}` independent. The
block energy is :math:`S = \sum_{i\in b}\theta_i^2 = x^2 + R`, which gives every
recorded quantity (:math:`D = \sum_{b\subset\mathcal D}\lambda_b^2 S_b`,
:math:`L_{\mathcal D} = \tfrac12\sum\lambda_b S_b`, ...). Since :math:`y_0 = 0` and the
noise is isotropic, :math:`y_t` is isotropic in :math:`u_0^\perp`, so a final iterate
with the exact joint law is :math:`\theta_b = x\,u_0 + \sqrt R\,w` with :math:`w`
uniform on the unit sphere of :math:`u_0^\perp`. (With a single chain
:math:`S' = (a\sqrt S + c z)^2 + c^2\chi^2_{m-1}` the energies would also be exact, but
the direction needed for the final iterate would be lost.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_memory
from ..model._blocks import block_partition

CHUNK = 512  # steps of random numbers drawn at once


def simulate_blocks(
    valley, scale, etas, theta0, seeds, moving, rec_steps, rng, on_record
):
    """Run the two-scalar chain per block.

    ``on_record(j, S)`` is called with the block energies ``S`` at each record.
    ``theta0`` is the initial state, (d,) shared by the seeds or (seeds, d); it is never
    tiled, so memory stays O(seeds x blocks). ``moving`` is a (d,) mask of the updated
    coordinates. Returns a :class:`BlockChain` from which :func:`sample_final` draws a
    final iterate with the exact joint law.
    """
    lam = valley.eigenvalues
    starts, ends = block_partition(lam, scale)
    m = ends - starts
    lam_b = lam[starts]
    sig_b = scale[starts]
    mov_b = moving[starts]
    nb = starts.size
    # Initial chain state: all energy along the initial direction.
    S0 = np.broadcast_to(np.add.reduceat(theta0 * theta0, starts, axis=-1), (seeds, nb))
    x = np.sqrt(S0)
    R = np.zeros_like(x)
    df = np.maximum(m - 2, 1).astype(float)
    has_chisq = m >= 3
    has_orth = m >= 2
    steps = etas.shape[0]
    on_record(0, x * x + R)
    j = 1
    n_rec = rec_steps.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        for c0 in range(0, steps, CHUNK):
            c1 = min(steps, c0 + CHUNK)
            z = rng.standard_normal((c1 - c0, seeds, nb, 2))
            chisq = rng.chisquare(df, size=(c1 - c0, seeds, nb))
            for t in range(c0, c1):
                e = etas[t]
                a = np.where(mov_b, 1.0 - e * lam_b, 1.0)
                c = np.where(mov_b, e * sig_b, 0.0)
                zt = z[t - c0]
                x = a * x - c * zt[..., 0]
                R = np.where(has_orth, (a * np.sqrt(R) - c * zt[..., 1]) ** 2, 0.0)
                R = R + np.where(has_chisq, c * c * chisq[t - c0], 0.0)
                if j < n_rec and rec_steps[j] == t + 1:
                    on_record(j, x * x + R)
                    j += 1
            # release this chunk's draws (zt is a view of z) before the next are drawn:
            # the memory guard counts one chunk's
            del z, zt, chisq
    return BlockChain(theta0=theta0, starts=starts, ends=ends, S0=S0, x=x, R=R)


@dataclass(frozen=True)
class BlockChain:
    """The final state of the two-scalar chains (see :func:`simulate_blocks`)."""

    theta0: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    S0: np.ndarray
    x: np.ndarray
    R: np.ndarray


def sample_final(chain: BlockChain, rng: np.random.Generator) -> np.ndarray:
    """A final iterate (seeds, d): ``x`` along the initial direction, ``sqrt(R)`` along
    a uniform direction orthogonal to it (the exact joint law, see the module
    docstring)."""
    seeds = chain.x.shape[0]
    d = chain.theta0.shape[-1]
    # the iterate, and about four temporaries of the largest block's size
    widest = int(np.max(chain.ends - chain.starts))
    check_memory(
        8.0 * seeds * (d + 4 * widest),
        f"the final iterate of a block-path run with seeds = {seeds}, d = {d}",
    )
    theta = np.broadcast_to(chain.theta0, (seeds, d))
    out = np.empty((seeds, d))
    for bi, (s, e_) in enumerate(zip(chain.starts, chain.ends, strict=True)):
        blk = theta[:, s:e_]
        norm = np.sqrt(chain.S0[:, bi])
        u0 = np.where(
            norm[:, None] > 0, blk / np.where(norm > 0, norm, 1.0)[:, None], 0.0
        )
        u0[norm == 0, 0] = 1.0  # no initial direction: any unit vector will do
        w = rng.standard_normal(blk.shape)
        w -= np.sum(w * u0, axis=1, keepdims=True) * u0
        wn = np.linalg.norm(w, axis=1, keepdims=True)
        w = np.where(wn > 0, w / np.where(wn > 0, wn, 1.0), 0.0)
        x, R = chain.x[:, bi : bi + 1], chain.R[:, bi : bi + 1]
        out[:, s:e_] = x * u0 + np.sqrt(R) * w
    return out
