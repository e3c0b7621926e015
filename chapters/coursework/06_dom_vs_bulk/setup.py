import numpy as np
import sympy as sp
from parameters import checkpoint, eta, seed  # PARAMETERS

import rivervalley_lib as rv
from rivervalley_lib import scenarios, symbolic

# The chapter's checkpoint: 3000 steps of SGD at eta = 1 from the large initialization.
valley, noise = scenarios.HEADLINE_VALLEY, scenarios.HEADLINE_NOISE
theta0 = np.full(valley.d, scenarios.HEADLINE_INIT)
pre = rv.simulate(valley, noise, 1.0, 3000, theta0, seeds=16, rng=0, record_every=50)
ckpt = pre.final_theta
