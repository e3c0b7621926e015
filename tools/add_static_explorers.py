"""Insert each chapter's kernel-less interactive figure (issue 12); idempotent.

Every chapter 1-9 gets, right after its ``widget-fallback`` cell, four cells:

1. markdown ``static-explorer-text``: what to try, and a question to answer *before*
   moving the slider;
2. code ``static-explorer``: :func:`rivervalley_lib.frames.static_explorer` over the
   figure function that the live widget calls, for a grid of slider values (frames
   rendered when the book is built, linked to the sliders in the page, no kernel
   needed);
3. markdown ``static-explorer-text``: what happened;
4. code ``static-explorer-check``: the numbers and directions that text states,
   asserted.

Cells carrying those tags are removed first, so running the script again (after a merge,
say) rewrites them from this file and changes nothing else.

Usage: python tools/add_static_explorers.py [chapters_dir]
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

TAGS = ("static-explorer-text", "static-explorer", "static-explorer-check")

# chapter stem -> (predict markdown, explorer code, explain markdown, check code)
CELLS: dict[str, tuple[str, str, str, str]] = {
    "01_river_valley": (
        """### Try it in the page: the step size

The figure below answers its slider in the page itself, with no kernel: each position \
shows the
library's own `valley_2d_figure`, drawn when the book was built. **Predict first.** With
$\\lambda = 10$ and $\\mu = 0.5$, the noise-free threshold is $2/(\\lambda+\\mu) \
\\approx 0.19$.
Before you move the step size from 0.18 to 0.195, what will the alignment $\\chi_t$ of \
GD (green,
middle panel) do? And what happens past $2/\\lambda = 0.2$?""",
        """from rivervalley_lib import frames

frames.static_explorer(
    figures.valley_2d_figure,
    {"condition": 20.0, "sigma": 0.3},
    eta=[0.04, 0.08, 0.12, 0.16, 0.18, 0.19, 0.195, 0.21],
    labels={"eta": "step size"},
)""",
        """Up to 0.19 GD's alignment falls: the steep coordinate contracts by \
$|1-\\eta\\lambda|$, faster
than the flat one by $|1-\\eta\\mu|$. At 0.195 the order flips ($|1-\\eta\\lambda| > \
|1-\\eta\\mu|$)
and the alignment rises towards 1, although the step is still stable. At 0.21 GD \
diverges, and
the figure says so in words instead of plotting overflow.""",
        """gd_align = {
    e: rv.simulate(
        rv.RiverValley([10.0, 0.5], k=1), rv.IsotropicNoise(0.0), e, 60, [1.0, 8.0]
    ).alignment[0]
    for e in (0.18, 0.19, 0.195)
}
for e, a in gd_align.items():
    print(f"eta = {e}: GD alignment {a[0]:.3f} -> {a[-1]:.3f} after 60 steps")
# The text: below 2/(lambda+mu) ~ 0.19 the alignment falls, at 0.195 it rises, 0.21
# diverges.
assert round(2 / 10.5, 2) == 0.19
assert gd_align[0.18][-1] < gd_align[0.18][0] and gd_align[0.19][-1] < gd_align[0.19][0]
assert gd_align[0.195][-1] > gd_align[0.195][0]
assert (
    figures.valley_2d_figure(eta=0.21)
    .axes[0]
    .texts[0]
    .get_text()
    .startswith("diverges")
)""",
    ),
    "02_model": (
        """### Try it in the page: the batch size

This figure answers its slider without a kernel: each position is the library's
`noise_figure` for regression noise ($\\sigma = 0.5$), drawn when the book was built. \
**Predict
first.** Before you double the batch size from 8 to 16, how will the bars (the exact \
noise
variances $s_i$) change: halve, shrink by $\\sqrt 2$, or stay?""",
        """from rivervalley_lib import frames

frames.static_explorer(
    figures.noise_figure,
    {"model": "regression", "sigma": 0.5},
    batch_size=[1, 2, 8, 16, 128],
    labels={"batch_size": "batch size"},
)""",
        """Every bar halves each time the batch size doubles: a minibatch gradient \
averages $B$
independent per-example gradients, so its covariance is the per-example covariance \
divided by
$B$. From $B = 1$ to $B = 128$ the variances fall by exactly a factor 128, while their \
shape over
the eigendirections (large along the steep ones) stays the same.""",
        """# the figure's valley
nv = rv.RiverValley.spread(d=40, k=3, dominant=(6.0, 12.0), bulk=(0.05, 1.0))
s = {B: rv.RegressionNoise(B, 0.5).diagonal(nv, np.ones(nv.d)) for B in (1, 8, 16, 128)}
print(
    "s_i(B=8) / s_i(B=16):",
    np.round(s[8] / s[16], 6)[:3],
    " s_i(B=1) / s_i(B=128):",
    np.round(s[1] / s[128], 6)[:3],
)
# The text: doubling B halves every bar; B = 1 -> 128 divides them by 128.
assert np.allclose(s[8] / s[16], 2.0) and np.allclose(s[1] / s[128], 128.0)""",
    ),
    "03_one_step_recursion": (
        """### Try it in the page: predict, then sample

This figure answers its slider without a kernel: each position is the library's \
`one_step_figure`
(state $\\chi_t = 0.3$, $G^2 = 1$, $\\sigma = 0.05$), drawn when the book was built. \
**Predict
first.** Here $\\etastar \\approx 0.19$: past it the energy ratio (green line) ends \
above 0.3.
Before you move $\\eta$ from 0.18 to 0.19 and then to 0.2, where will the histogram of
$\\chi_{t+1}$ and its mean (dashed) land: left or right of the dotted line at 0.3?""",
        """from rivervalley_lib import frames

frames.static_explorer(
    figures.one_step_figure,
    {"chi": 0.3, "energy": 1.0, "sigma": 0.05},
    eta=[0.02, 0.06, 0.1, 0.14, 0.18, 0.19, 0.2, 0.22],
    labels={"eta": "step size"},
)""",
        """At every step size up to 0.18 the histogram, its mean and the energy ratio \
sit left of 0.3:
the alignment falls, most for the small steps, which contract the steep directions \
fastest. At
0.19, just past $\\etastar = 0.1899$, the energy ratio $\\bar\\chi_{t+1} = 0.301$ \
crosses to the
right, but the histogram does not: its mean is 0.293, the exact $\\E[\\chi_{t+1}] = \
0.2932$, so
the alignment still falls. It rises only past the exact threshold 0.1916: at 0.2 the \
mean is
0.336. With $k = 4$ dominant directions the energy ratio is not the mean alignment \
(chapter 4
measures the difference). From 0.2 on the step is past $2/\\lambda$; one step is still \
defined,
and the title warns that repeated steps diverge.""",
        """v3, n3 = scenarios.ONE_STEP_VALLEY, rv.IsotropicNoise(0.05)
th3 = rv.state_with_alignment(v3, 0.3, 1.0)
star3 = rv.critical_step_size(v3, n3, th3)
exact3 = rv.critical_step_size(v3, n3, th3, exact=True)
steps3 = (0.02, 0.18, 0.19, 0.2)
ratio3 = {e: rv.energy_ratio_step(v3, n3, th3, e) for e in steps3}
mean3 = {e: rv.expected_alignment(v3, n3, th3, e) for e in steps3}
print(f"eta* = {star3:.4f}, exact threshold = {exact3:.4f}")
for e in steps3:
    print(f"eta = {e}: energy ratio {ratio3[e]:.4f}, E[chi'] {mean3[e]:.4f}")
# The text: eta* = 0.1899 and the exact threshold 0.1916 lie between 0.18 and 0.2.
assert round(star3, 4) == 0.1899 and round(exact3, 4) == 0.1916
# Up to 0.18 both fall; at 0.19 the energy ratio rises (0.301) but E[chi'] falls
# (0.2932); at 0.2 the alignment rises (0.336).
assert all(ratio3[e] < 0.3 and mean3[e] < 0.3 for e in (0.02, 0.18))
assert round(ratio3[0.19], 3) == 0.301 and round(mean3[0.19], 4) == 0.2932
assert round(mean3[0.2], 3) == 0.336
# The frame's sample mean at 0.19 is 0.293 (seeded draw of the figure function).
fig3 = figures.one_step_figure(eta=0.19, chi=0.3, energy=1.0, sigma=0.05)
assert "sample mean: 0.293" in [t.get_text() for t in fig3.axes[0].get_legend().texts]
assert "energy ratio rises" in fig3.axes[0].get_title()
assert "E[chi'] falls" in fig3.axes[0].get_title()""",
    ),
    "04_critical_step_size": (
        """### Try it in the page: noise against gradient, in two dimensions

This regime map answers two sliders without a kernel: each of the 12 positions is the \
library's
`regime_map_figure` ($\\lambda = 10$, $\\mu = 0.2$, $k = 4$, $d = 400$), drawn when \
the book was built.
**Predict first.** Before you raise the noise $\\sigma$ from 0 to 0.1 at $G^2 = 0.05$, \
which way
will the $\\etastar$ curve move at low alignment: down, up, or nowhere? Then: what do \
you expect
when you raise $\\sigma$ **and** $G^2$ together, doubling $\\sigma$ while quadrupling \
$G^2$?""",
        """from rivervalley_lib import frames

frames.static_explorer(
    figures.regime_map_figure,
    sigma=[0.0, 0.05, 0.1, 0.2],
    energy=[0.0125, 0.05, 0.2],
    labels={"sigma": "noise sigma", "energy": "energy G^2"},
)""",
        """With $\\sigma = 0$ the boundary is the flat line $2/(\\lambda+\\mu) \
\\approx 0.196$. Noise bends it
down at low alignment (a small $D_t$ is swamped by the noise the step injects) and up \
at high
alignment. Doubling $\\sigma$ while quadrupling $G^2$ changes nothing: the map depends \
only on the
ratio $c = \\sigma^2/G^2$, as the sympy cell below shows, so the frames along that \
diagonal
($\\sigma$ = 0.05, 0.1, 0.2 with $G^2$ = 0.0125, 0.05, 0.2) are identical.""",
        """v4 = rv.RiverValley.two_level(400, 4, 10.0, 0.2)
low = rv.state_with_alignment(v4, 0.1, 0.05)
star_quiet = rv.critical_step_size(v4, rv.IsotropicNoise(0.0), low)
star_noisy = rv.critical_step_size(v4, rv.IsotropicNoise(0.1), low)
print(
    f"eta* at chi = 0.1, G^2 = 0.05: sigma = 0 -> {star_quiet:.4f}, sigma = 0.1 -> "
    f"{star_noisy:.4f}"
)
# The text: flat line 2/(lambda+mu) ~ 0.196 without noise; noise lowers eta* at low
# alignment.
assert round(2 / 10.2, 3) == 0.196 and np.isclose(star_quiet, 2 / 10.2)
assert star_noisy < star_quiet
# The text: the map depends only on sigma^2 / G^2: equal along the diagonal of the grid.
chis4 = np.linspace(0.05, 0.95, 19)
diag = [
    np.asarray(
        rv.critical_step_size(
            v4, rv.IsotropicNoise(s), rv.state_with_alignment(v4, chis4, G2)
        )
    )
    for s, G2 in ((0.05, 0.0125), (0.1, 0.05), (0.2, 0.2))
]
assert all(np.allclose(diag[0], dd, equal_nan=True) for dd in diag[1:])""",
    ),
    "05_self_correction": (
        """### Try it in the page: the gradient energy

This figure answers its slider without a kernel: each position is the library's
`self_correction_figure` ($\\sigma = 0.05$), drawn when the book was built. **Predict \
first.**
Before you raise the gradient energy $G^2$ from 0.001 to 10, which way will the \
self-correction
level $\\chi_{\\rm sc}$ (in the title) move: towards 1, or down?""",
        """from rivervalley_lib import frames

frames.static_explorer(
    figures.self_correction_figure,
    {"sigma": 0.05},
    energy=[0.001, 0.01, 0.1, 1.0, 10.0],
    start={"energy": 0.01},
    labels={"energy": "energy G^2"},
)""",
        """$\\chi_{\\rm sc}$ climbs towards 1, from 0.965 at $G^2 = 0.001$ to 0.99996 \
at $G^2 = 10$. A
larger gradient makes the same noise relatively smaller, so more of the high-alignment \
states
get a finite $\\etastar$ (their curves cross zero), and only states ever closer to \
$\\chi = 1$
correct themselves at every step size.""",
        """sc = [
    rv.self_correction_threshold(scenarios.ONE_STEP_VALLEY, rv.IsotropicNoise(0.05), G2)
    for G2 in (0.001, 0.00316, 0.01, 0.0316, 0.1, 0.316, 1.0, 3.16, 10.0)
]
print("chi_sc over the grid:", np.round(sc, 5))
# The text: chi_sc rises with G^2, from 0.965 to 0.99996.
assert np.all(np.diff(sc) > 0)
assert round(sc[0], 3) == 0.965 and round(sc[-1], 5) == 0.99996""",
    ),
    "06_dom_vs_bulk": (
        """### Try it in the page: cross the dominant threshold

This figure answers its slider without a kernel: each position is the library's \
`paradox_figure`
(checkpoint trained at $\\eta_{\\rm train} = 1$), drawn when the book was built. \
**Predict first.**
The checkpoint's threshold is $\\etaD \\approx 1$. Before you move $\\eta$ from 0.9 to \
1.1, what
will Dom-SGD's expected loss (red) do: keep falling, stall, or rise? And Bulk-SGD's \
(blue)?""",
        """from rivervalley_lib import frames

frames.static_explorer(
    figures.paradox_figure,
    {"eta_train": 1.0},
    eta=[0.5, 0.9, 1.0, 1.1, 1.3, 1.5],
    start={"eta": 1.3},
    labels={"eta": "eta after branching"},
)""",
        """Below $\\etaD$ Dom-SGD still lowers the loss, at $\\eta = 1$ it stalls, and \
from 1.1 on it
raises it: the dominant steps only stir the noise floor. Bulk-SGD lowers the loss at \
every stable
step size and tracks SGD. From 1.5 on the step size is past $2/\\lambda_1 \\approx \
1.43$ and the
figure reports divergence instead of a curve.""",
        """verdict6 = {
    e: figures.paradox_figure(eta=e).axes[0].get_title() for e in (0.9, 1.0, 1.1, 1.4)
}
for e, t in verdict6.items():
    print(f"eta = {e}: {t}")
# The text: Dom-SGD lowers the loss below eta_D ~ 1, stalls at 1, raises it above;
# Bulk-SGD lowers it.
assert verdict6[0.9].startswith("Dom-SGD lowers") and verdict6[1.0].startswith(
    "Dom-SGD stalls"
)
assert verdict6[1.1].startswith("Dom-SGD raises") and verdict6[1.4].startswith(
    "Dom-SGD raises"
)
assert all(t.endswith("Bulk-SGD lowers it") for t in verdict6.values())
assert round(scenarios.HEADLINE_VALLEY.stability_limit, 2) == 1.43""",
    ),
    "07_two_phases": (
        """### Try it in the page: the step size sets the clock

This figure answers its slider without a kernel: each position is the library's
`two_phase_figure` (initialization $c = 7$), drawn when the book was built. **Predict \
first.**
Before you double $\\eta$ from 0.5 to 1, will phase 2 (the rise of the alignment, \
ending at
$T_2$) take longer or shorter, and by roughly what factor?""",
        """from rivervalley_lib import frames

frames.static_explorer(
    figures.two_phase_figure,
    eta=[0.2, 0.5, 0.7, 1.0, 1.4, 1.5],
    labels={"eta": "step size"},
)""",
        """Phase 2 ends between two and three times sooner (the cell below prints the \
measured $T_2$):
the bulk drains at a rate $\\propto \\eta\\mu$, so $T_2$ shrinks at least like \
$1/\\eta$. Phase 1,
the collapse, takes about ten steps at both step sizes, and the plateau $\\chiinf$ \
creeps up with
$\\eta$. From 1.5 on the step size is past $2/\\lambda_1 \\approx 1.43$ and the figure \
says that SGD
diverges.""",
        """T1_7, T2_7, plateau7 = {}, {}, {}
for e in (0.5, 1.0):
    mf7 = rv.expected_trajectory(valley, noise, e, 20_000, theta0)
    plateau7[e] = rv.noise_floor(valley, noise, e).alignment
    T1_7[e], T2_7[e] = rv.measured_phase_lengths(mf7.alignment, plateau7[e])
print(
    f"measured T1: {T1_7}, T2: {T2_7}, T2 ratio {T2_7[0.5] / T2_7[1.0]:.2f}, plateau: "
    f"{plateau7}"
)
# The text: doubling eta ends phase 2 two to three times sooner; phase 1 about ten
# steps; plateau up.
assert 2 < T2_7[0.5] / T2_7[1.0] < 3
assert max(T1_7.values()) <= 15 and plateau7[1.0] > plateau7[0.5]""",
    ),
    "08_neural_network": (
        """### Try it in the page: walk through the checkpoints

This figure answers its slider without a kernel: each position is the library's
`spectrum_history_figure` for one recorded checkpoint of the training run above, drawn \
when the
book was built. **Predict first.** The data have $k = 4$ classes. Before you move from \
the first
checkpoint to the last, how many eigenvalues do you expect to stand clearly above the \
rest?""",
        """from rivervalley_lib import frames

frames.static_explorer(
    figures.spectrum_history_figure,
    {
        "steps": np.array(checkpoints, dtype=float),
        "eigenvalues": spectra,
        "alignment": np.array(chi_at),
        "k": k,
    },
    index=list(range(len(checkpoints))),
    start={"index": len(checkpoints) - 1},
    labels={"index": "checkpoint"},
)""",
        """Four outliers, one per class, separate from the bulk as training goes on: \
the gap ratio
$\\lambda_4/\\lambda_5$ in the title grows from its value at initialization to above 3 \
at the last
checkpoint, while the alignment of the gradient with the top-4 eigenspace (right \
panel) settles
high. The cell below prints the gap ratio at every checkpoint.""",
        """gap8 = spectra[:, k - 1] / spectra[:, k]
print("gap ratio lambda_k / lambda_k+1 per checkpoint:", np.round(gap8, 2))
# The text: k = 4 outliers; the gap ratio grows from the first checkpoint to above 3 at
# the last.
assert k == 4 and gap8[-1] > 3 and gap8[-1] > gap8[0]""",
    ),
    "09_in_practice": (
        """### Try it in the page: faster, but to a higher floor

This figure answers its slider without a kernel: each position is the library's
`step_size_choice_figure`, drawn when the book was built. **Predict first.** Before \
you raise
$\\eta$ from 0.3 to 1.3, will the loss floor (dotted, right panel) go down, stay, or \
go up? And
the plateau of the alignment?""",
        """from rivervalley_lib import frames

frames.static_explorer(
    figures.step_size_choice_figure,
    eta=[0.1, 0.3, 0.8, 1.0, 1.3, 1.5],
    labels={"eta": "step size"},
)""",
        """Both go up. A larger stable step drains the bulk faster (the loss curve \
drops sooner), but
the noise floor $\\tfrac12\\sum_i u_i^\\infty/\\lambda_i$ grows with $\\eta$ and the \
plateau $\\chiinf$
rises with it. From 1.5 on the step size is past $2/\\lambda_1 \\approx 1.43$ and the \
figure says
that SGD diverges.""",
        """floor9 = [
    0.5
    * float(np.sum(noise.stationary_gradient_energy(valley, e) / valley.eigenvalues))
    for e in (0.3, 0.8, 1.3)
]
plateau9 = [rv.noise_floor(valley, noise, e).alignment for e in (0.3, 0.8, 1.3)]
print(
    "loss floor at eta = 0.3, 0.8, 1.3:",
    np.round(floor9, 5),
    " plateau:",
    np.round(plateau9, 3),
)
# The text: the floor and the plateau both rise with eta.
assert floor9[0] < floor9[1] < floor9[2] and plateau9[0] < plateau9[1] < plateau9[2]""",
    ),
}


def _cell(kind: str, source: str, tag: str) -> dict:
    cell = {
        "cell_type": kind,
        "id": uuid.uuid5(uuid.NAMESPACE_URL, tag + source).hex[:8],
        "metadata": {"tags": [tag]},
        "source": source.splitlines(keepends=True),
    }
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    # keys in sorted order, as `ruff format` writes every notebook cell
    return dict(sorted(cell.items()))


def apply(path: Path) -> bool:
    """Rewrite one chapter; return whether its file changed."""
    stem = path.stem
    nb = json.loads(path.read_text())
    cells = [
        c
        for c in nb["cells"]
        if not set(c.get("metadata", {}).get("tags", [])) & set(TAGS)
    ]
    where = [
        i
        for i, c in enumerate(cells)
        if "widget-fallback" in c.get("metadata", {}).get("tags", [])
    ]
    if len(where) != 1:
        raise SystemExit(
            f"{path}: expected one widget-fallback cell, found {len(where)}"
        )
    predict, code, explain, check = CELLS[stem]
    new = [
        _cell("markdown", predict, "static-explorer-text"),
        _cell("code", code, "static-explorer"),
        _cell("markdown", explain, "static-explorer-text"),
        _cell("code", check, "static-explorer-check"),
    ]
    cells[where[0] + 1 : where[0] + 1] = new
    before = path.read_text()
    nb["cells"] = cells
    after = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if after != before:
        path.write_text(after)
    return after != before


def main(argv: list[str]) -> int:
    root = (
        Path(argv[1])
        if len(argv) > 1
        else Path(__file__).resolve().parents[1] / "chapters"
    )
    for stem in CELLS:
        changed = apply(root / f"{stem}.ipynb")
        print(f"{stem}: {'updated' if changed else 'unchanged'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
