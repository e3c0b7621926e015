import numpy as np
import sympy as sp
from parameters import chi0, eta, sigma  # PARAMETERS

import rivervalley_lib as rv
from rivervalley_lib import symbolic
