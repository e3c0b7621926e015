"""Hessian-vector products in PyTorch: the three routes side by side, in one run.

    .venv/bin/python bench/bench_hvp.py      (needs requirements-frameworks.txt)

Times one HVP (median of 50, after a warm-up) on a small classifier on 1797 inputs of
64 features, d = 1210 parameters, by (a) the adapter
``rivervalley_lib.diagnostics.torch.from_module`` (a double backward pass through a
gradient graph built once), (b) ``torch.func``'s forward-over-reverse
``jvp(grad(f))`` and (c) ``torch.autograd.functional.hvp``; each maps a float64 numpy
vector to a float64 numpy vector, so the conversions are in every route. It prints the
medians and the ratios to route (a), and checks that the three agree.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import torch
from torch.func import functional_call, grad, jvp

from rivervalley_lib.diagnostics.torch import from_module


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = torch.nn.Sequential(
        torch.nn.Linear(64, 16), torch.nn.Tanh(), torch.nn.Linear(16, 10)
    )
    x, y = torch.randn(1797, 64), torch.randint(0, 10, (1797,))
    loss_fn = torch.nn.functional.cross_entropy
    flat = from_module(model, loss_fn, (x, y))
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for _, p in model.named_parameters()]
    sizes = [p.numel() for _, p in model.named_parameters()]
    point = torch.as_tensor(flat.theta, dtype=torch.float32)

    def loss_of(vec):
        parts = torch.split(vec, sizes)
        params = {n: c.view(s) for n, c, s in zip(names, parts, shapes, strict=True)}
        return loss_fn(functional_call(model, params, (x,)), y)

    def route_func(v):
        t = torch.as_tensor(v, dtype=torch.float32)
        return jvp(grad(loss_of), (point,), (t,))[1].double().numpy()

    def route_functional(v):
        t = torch.as_tensor(v, dtype=torch.float32)
        return torch.autograd.functional.hvp(loss_of, point, t)[1].double().numpy()

    routes = {
        "(a) adapter: double backward": flat.hvp,
        "(b) torch.func jvp(grad)": route_func,
        "(c) torch.autograd.functional.hvp": route_functional,
    }
    v = np.random.default_rng(0).standard_normal(flat.theta.size)
    ref = flat.hvp(v)
    times = {}
    for name, fn in routes.items():
        out = fn(v)
        assert np.allclose(out, ref, rtol=1e-4, atol=1e-5), name
        samples = []
        for _ in range(50):
            t0 = time.perf_counter()
            fn(v)
            samples.append(time.perf_counter() - t0)
        times[name] = statistics.median(samples)
    base = times["(a) adapter: double backward"]
    print(f"torch {torch.__version__}, d = {flat.theta.size}, 1 thread")
    for name, t in times.items():
        print(f"{name:36s} {1e3 * t:7.2f} ms per HVP   x{t / base:.2f}")


if __name__ == "__main__":
    main()
