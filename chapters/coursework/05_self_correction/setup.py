import numpy as np
import sympy as sp
from parameters import bulk, eta, noise_model, seed, sigma  # PARAMETERS

import rivervalley_lib as rv
from rivervalley_lib import symbolic

valley = rv.RiverValley.two_level(d=400, k=4, dominant=10.0, bulk=bulk)
# This assignment's noise: isotropic (s_i = sigma^2), curvature (sigma^2 lambda_i).
NOISE_MODELS = {"isotropic": rv.IsotropicNoise, "curvature": rv.CurvatureNoise}
noise = NOISE_MODELS[noise_model](sigma)
