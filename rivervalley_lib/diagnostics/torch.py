r"""PyTorch adapter: a ``torch.nn.Module`` and a batch as flat numpy callables.

Optional: it imports ``torch`` only when called (``pip install torch``; the CPU build
is enough). The Hessian-vector product is a double backward pass through a graph
built once per point, the fastest of the routes measured in ``bench/bench_hvp.py``
(``torch.func``'s forward-over-reverse and ``torch.autograd.functional.hvp`` are
slower). Vectors cross the boundary as float64 numpy arrays and are cast to the
parameters' dtype.

Examples
--------
>>> import numpy as np
>>> import torch
>>> from rivervalley_lib.diagnostics import measure_alignment
>>> from rivervalley_lib.diagnostics.torch import from_module
>>> _ = torch.manual_seed(0)
>>> model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(),
...                             torch.nn.Linear(8, 3))
>>> x, y = torch.randn(64, 4), torch.randint(0, 3, (64,))
>>> f = from_module(model, torch.nn.functional.cross_entropy, (x, y))
>>> rep = measure_alignment(f.gradient_fn(f.theta), f.hvp, k=3, theta=f.theta)
>>> f.theta.shape, 0.0 <= rep.alignment <= 1.0
((67,), True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._adapters import FlatModel


def from_module(model: Any, loss_fn: Callable[..., Any], batch) -> FlatModel:
    r"""Flat-vector loss, gradient and HVP of a PyTorch module on one batch.

    With :math:`\theta` the module's parameters concatenated in
    ``model.named_parameters()`` order, :math:`L(\theta) =`
    ``loss_fn(model(inputs), targets)`` for ``batch = (inputs, targets)``; the
    gradient is one backward pass, and :math:`Hv = \nabla(\nabla L^\top v)` a second
    backward pass through the gradient's graph, built once at :math:`\theta` on the
    first call of ``hvp``. The
    module is called through ``torch.func.functional_call``: its own parameters are
    not changed.

    Parameters
    ----------
    model : torch.nn.Module
        The network (its buffers, e.g. batch-norm statistics, are used as they are;
        put it in ``eval()`` mode for a deterministic loss).
    loss_fn : callable
        ``loss_fn(outputs, targets) -> scalar tensor``, e.g.
        ``torch.nn.functional.cross_entropy``.
    batch : (inputs, targets)
        Tensors; the full training set for the gradient of
        :func:`~rivervalley_lib.diagnostics.measure_alignment`, a minibatch of the
        training batch size for its noise samples.

    Returns
    -------
    FlatModel
        ``theta`` (the parameters, concatenated), ``loss_fn`` and ``gradient_fn``
        evaluated through ``functional_call``, and ``hvp`` bound at ``theta``.

    Raises
    ------
    TypeError
        If ``model`` is not a ``torch.nn.Module`` or ``batch`` is not a pair.
    ValueError
        If the module has no trainable parameter, or a vector has the wrong length.

    Examples
    --------
    A linear least-squares model, whose Hessian is :math:`X^\top X/n`:

    >>> import numpy as np
    >>> import torch
    >>> x = torch.tensor([[1.0, 0.0], [0.0, 2.0]], dtype=torch.float64)
    >>> model = torch.nn.Linear(2, 1, bias=False).double()
    >>> f = from_module(model, lambda out, t: 0.5 * ((out - t) ** 2).mean(),
    ...                 (x, torch.zeros(2, 1, dtype=torch.float64)))
    >>> f.hvp(np.array([1.0, 1.0]))
    array([0.5, 2. ])
    """
    import torch
    from torch.func import functional_call

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise TypeError("batch must be a pair (inputs, targets)")
    inputs, targets = batch
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    if not params:
        raise ValueError("model has no trainable parameters")
    names = list(params)
    shapes = [params[n].shape for n in names]
    sizes = [params[n].numel() for n in names]
    dtype = next(iter(params.values())).dtype
    device = next(iter(params.values())).device
    dim = sum(sizes)
    theta0 = (
        torch.cat([params[n].detach().reshape(-1) for n in names])
        .to("cpu", torch.float64)
        .numpy()
        .copy()
    )

    def to_tensor(name: str, x, requires_grad: bool = False):
        arr = np.asarray(x, dtype=np.float64)
        if arr.shape != (dim,):
            raise ValueError(f"{name} must have shape ({dim},), got {arr.shape}")
        t = torch.as_tensor(arr, dtype=dtype, device=device)
        return t.requires_grad_(requires_grad)

    def loss_of(flat):
        chunks = torch.split(flat, sizes)
        p = {n: c.view(s) for n, c, s in zip(names, chunks, shapes, strict=True)}
        return loss_fn(functional_call(model, p, (inputs,)), targets)

    def to_numpy(t) -> np.ndarray:
        return t.detach().to("cpu", torch.float64).numpy()

    def loss(theta) -> float:
        with torch.no_grad():
            return float(loss_of(to_tensor("theta", theta)))

    def gradient_fn(theta) -> np.ndarray:
        flat = to_tensor("theta", theta, requires_grad=True)
        (g,) = torch.autograd.grad(loss_of(flat), flat)
        return to_numpy(g)

    graph: list = []  # built on the first HVP: (the point, its gradient's graph)

    def hvp(v) -> np.ndarray:
        v = to_tensor("v", v)
        if not graph:
            point = to_tensor("theta", theta0, requires_grad=True)
            (g,) = torch.autograd.grad(loss_of(point), point, create_graph=True)
            graph.extend([point, g])
        point, g = graph
        if not g.requires_grad:  # a loss linear in theta: H = 0
            return np.zeros(dim)
        (hv,) = torch.autograd.grad(g, point, grad_outputs=v, retain_graph=True)
        return to_numpy(hv)

    return FlatModel(theta0, loss, gradient_fn, hvp)
