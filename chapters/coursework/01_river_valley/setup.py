import numpy as np
import sympy as sp
from parameters import eta, lam, last, mu, seed, sigma  # PARAMETERS

import rivervalley_lib as rv
from rivervalley_lib import symbolic

valley = rv.RiverValley([lam, mu], k=1)  # the chapter's valley, with your eigenvalues
