import numpy as np
import sympy as sp
from parameters import eta, lam, last, mu, noise_model, seed, sigma  # PARAMETERS

import rivervalley_lib as rv
from rivervalley_lib import symbolic

valley = rv.RiverValley([lam, mu], k=1)  # the chapter's valley, with your eigenvalues
# This assignment's noise: isotropic (s_i = sigma^2), curvature (sigma^2 lambda_i).
NOISE_MODELS = {"isotropic": rv.IsotropicNoise, "curvature": rv.CurvatureNoise}
noise = NOISE_MODELS[noise_model](sigma)
