import numpy as np
import sympy as sp
from parameters import batch, block, init, seed  # PARAMETERS

from rivervalley_lib.diagnostics import measure_alignment
from rivervalley_lib.network import MLP, gaussian_mixture, top_eigenspace, train

# The chapter's network, trained with SGD for 1500 steps from your initialization.
k = 4
X, Y = gaussian_mixture(n=400, k=k, dim=10, separation=3.0, spread=0.5, rng=0)
X = X + 5.0 * np.ones(10) / np.sqrt(10)
net = MLP([10, 16, k])
rng_train = np.random.default_rng(2)
trained = train(
    net,
    net.init(rng=init),
    X,
    Y,
    eta=0.05,
    steps=1500,
    batch_size=16,
    k=k,
    record_every=1500,
    rng=rng_train,
)
th = trained.theta
