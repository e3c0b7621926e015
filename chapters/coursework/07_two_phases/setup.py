import numpy as np
import sympy as sp
from parameters import eta, frac, init  # PARAMETERS

import rivervalley_lib as rv
from rivervalley_lib import scenarios, symbolic

valley, noise = scenarios.HEADLINE_VALLEY, scenarios.HEADLINE_NOISE  # the chapter's
grid = np.geomspace(1e-3, 10, 41)  # initialization scales c
