import numpy as np
import sympy as sp
from parameters import block, level, seed, sigma  # PARAMETERS

import rivervalley_lib as rv
from rivervalley_lib import symbolic

valley = rv.RiverValley.spread(d=200, k=10, dominant=(20.0, 60.0), bulk=(0.01, 2.0))
