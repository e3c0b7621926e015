import numpy as np
import sympy as sp
from parameters import column, ridge, wscale  # PARAMETERS

import rivervalley_lib as rv
from rivervalley_lib.diagnostics import measure_alignment
from rivervalley_lib.network import gaussian_mixture

# The chapter's Gaussian-mixture inputs.
X, Y = gaussian_mixture(n=400, k=4, dim=10, separation=3.0, spread=0.5, rng=0)
X = X + 5.0 * np.ones(10) / np.sqrt(10)
