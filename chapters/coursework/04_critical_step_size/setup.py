import numpy as np
import sympy as sp
from parameters import chi, energy, midpoint, sigma  # PARAMETERS

import rivervalley_lib as rv
from rivervalley_lib import symbolic

valley = rv.RiverValley.two_level(d=400, k=4, dominant=10.0, bulk=0.2)
noise = rv.IsotropicNoise(sigma)
