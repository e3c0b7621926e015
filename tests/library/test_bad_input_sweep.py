"""The bad-input sweep: every public callable, every argument, every class of bad value.

The cases are not written by hand per function. The callables come from the
``__all__`` of the public modules (with the public methods of their classes); for each
parameter of each signature, a valid value comes from a vocabulary of argument *names*
shared by the whole API (``VALID``), and the bad values are derived from that valid
value, by class:

- ``type``: a value of another kind (an object, a string for a number, a number for a
  string, a bool for a number, a number for a callable);
- ``dtype``: complex, bool, object and string arrays (and numpy complex/bool scalars);
- ``shape``: an array one coordinate short of the valley, an empty array;
- ``nonfinite``: NaN, +inf and -inf, alone or inside an array;
- ``range``: values outside the argument's allowed range (``RANGES``, by name);
- ``huge``: Python integers too large for a float (``10**400``).

Hypothesis draws further values of each class (fixed seed, bounded examples). A call
passes when it raises a library ``TypeError`` or ``ValueError`` whose message names the
argument. The sweep asserts that at least 98 % pass, that no bad input returns a NaN or
inf silently, and that no call hangs (each is cut after ``TIMEOUT`` seconds).

``python tests/library/test_bad_input_sweep.py`` prints the report.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import importlib
import inspect
import io
import math
import numbers
import signal
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rivervalley_lib as rv

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

D = 4
VALLEY = rv.RiverValley.two_level(D, 1, 4.0, 1.0)
NOISE = rv.IsotropicNoise(0.1)
HESS = np.diag(VALLEY.eigenvalues)
#: A call running longer than this is a hang.
TIMEOUT = 20
#: The share of bad inputs that must get a clear error naming the argument.
REQUIRED = 0.98

PUBLIC_MODULES = [
    "rivervalley_lib",
    "rivervalley_lib.diagnostics",
    "rivervalley_lib.network",
    "rivervalley_lib.check",
    "rivervalley_lib.symbolic",
    "rivervalley_lib.book.plotting",
    "rivervalley_lib.book.scenarios",
    "rivervalley_lib.book.figures",
    "rivervalley_lib.book.frames",
    "rivervalley_lib.book.widgets",
]


def _hvp(v):
    return HESS @ v


@rv.plotting.alt_text("A line whose slope is eta.")
def _figure(eta: float = 0.5) -> Any:
    """A tiny figure function for the explorers."""
    fig, ax = rv.plotting.new_figure()
    ax.plot([0, 1], [0, eta])
    return fig


def _net():
    return rv.network.MLP([2, 3, 2])


def _data():
    return rv.network.gaussian_mixture(n=8, k=2, dim=2, rng=0)


def _valid() -> dict[str, Any]:
    """A valid value for every argument name of the public API (d = 4 valley)."""
    import sympy

    fig, ax = rv.plotting.new_figure()
    plt.close(fig)
    X, Y = _data()
    return {
        "valley": VALLEY,
        "noise": NOISE,
        "theta": np.ones(D),
        "theta0": np.ones(D),
        "g": np.ones(D),
        "v": np.ones(D),
        "grad_sq": np.ones(D),
        "eta": 0.1,
        "steps": 5,
        "seeds": 2,
        "rng": 0,
        "samples": 5,
        "k": 1,
        "d": D,
        "dominant": 4.0,
        "bulk": 1.0,
        "block": "dominant",
        "projection": "none",
        "squared": True,
        "exact": False,
        "chi": 0.5,
        "energy": 1.0,
        "sigma": 0.1,
        "batch_size": 2,
        "label_noise": 0.1,
        "eigenvalues": np.array([4.0, 1.0, 1.0, 1.0]),
        "chi_inf": 0.5,
        "rise": 0.9,
        "window": 1,
        "record_every": 1,
        "momentum": 0.0,
        "on_divergence": "raise",
        "record_theta": False,
        "method": "auto",
        "record_energies": [1, 2],
        "gradient": HESS @ np.ones(D),
        "hvp": _hvp,
        "noise_samples": np.ones((3, D)),
        "eigen": None,
        "lanczos_tol": 1e-8,
        "lanczos_maxiter": 200,
        "tol": 1e-8,
        "maxiter": 200,
        "dim": D,
        "values": [1.0, 2.0, 3.0],
        "reference": 3.5,
        "tolerance": 0.1,
        "what": "trend",
        "answer": 0.5,
        "rtol": 1e-3,
        "run": rv.simulate(VALLEY, NOISE, 0.1, 5, np.ones(D), seeds=2, rng=0),
        "last": 3,
        "lo": 0.1,
        "hi": 0.6,
        "factor": 1.5,
        "gaps": [0.1, 0.1, 0.1, 0.1],
        "ks": (1, 4, 16, 64),
        "lam": 10.0,
        "mu": 0.2,
        "net": _net(),
        "sizes": [2, 3, 2],
        "X": X,
        "Y": Y,
        "n": 8,
        "separation": 3.0,
        "spread": 1.0,
        "scale": 1.0,
        "refresh_every": 1,
        "xi": sympy.Symbol("xi"),
        "variance": sympy.Symbol("s"),
        "expr": sympy.Symbol("x") ** 2,
        "lhs": "y",
        "ncols": 1,
        "nrows": 1,
        "width": 4.0,
        "height": 3.0,
        "fig": fig,
        "ax": ax,
        "dpi": 30,
        "alt": "a test figure",
        "x": np.arange(3.0),
        "xy": (0.5, 0.5),
        "offset": (8.0, 0.0),
        "color": "C0",
        "label": "runs",
        "q": (0.1, 0.9),
        "log": False,
        "limit": 1.0,
        "top": 2.0,
        "across": None,
        "text": "A figure.",
        "condition": 20.0,
        "model": "regression",
        "dots": None,
        "chis": (0.9, 0.99),
        "eta_train": 1.0,
        "branch_step": 10,
        "init_scale": 7.0,
        "index": -1,
        "update": _figure,
        "figure": _figure,
        "settings": {"eta": 0.5},
        "fixed": None,
        "max_frames": 8,
        "labels": None,
        "start": None,
        "frame": rv.frames.render_frames(_figure, eta=[0.5], dpi=30)[0],
        "explorer": rv.frames.static_explorer(_figure, eta=[0.5, 1.0], dpi=30),
    }


#: Per callable, the arguments whose valid value differs from the shared vocabulary
#: (same name, another meaning or shape there).
OVERRIDES: dict[str, dict[str, Any]] = {
    "window_median": {
        "step": np.arange(0, 200, 10),
        "values": np.linspace(0.0, 1.0, 20),
        "at": [50, 100],
    },
    "MLP.hvp_fn": {"theta": np.zeros(_net().n_params)},
    "shown_text_px": {"fontsize": 10.0, "width_px": 600.0},
    "smallest_text_px": {"width_px": 600.0},
    "label_line_end": {
        "line": rv.plotting.new_figure()[1].plot([0.0, 1.0], [0.0, 1.0])[0],
        "text": "a",
    },
    "annotated_heatmap": {"values": np.ones((2, 3))},
    "contrast_ratio": {"a": "#000000", "b": "#ffffff"},
    "explore": {"figure": rv.figures.step_size_choice_figure},
    "Explorer": {"live": None, "static": None},
    "RiverValley.spread": {"dominant": (3.0, 4.0), "bulk": (0.5, 1.0)},
    "measured_phase_lengths": {"chi": np.linspace(0.1, 0.9, 20)},
    "AlignmentReport.sample_step": {
        "gradient": _hvp,
        "stochastic_gradient": _hvp,
        "samples": 4,
    },
    "MLP.unpack": {"theta": np.ones(17)},
    "MLP.predict": {"theta": np.ones(17)},
    "MLP.loss": {"theta": np.ones(17)},
    "MLP.gradient": {"theta": np.ones(17)},
    "MLP.hvp": {"theta": np.ones(17), "v": np.ones(17)},
    "train": {
        "theta0": np.ones(17) * 0.1,
        "eta": 0.05,
        "steps": 4,
        "batch_size": 4,
        "record_every": 2,
    },
    "gaussian_mixture": {"k": 2},
    "RegressionNoise.diagonal": {"theta": np.ones(D)},
    "RegressionNoise.covariance": {"theta": np.ones(D)},
    "seed_band": {"values": np.ones((2, 3))},
    "spectrum_history_figure": {
        "steps": np.arange(3),
        "eigenvalues": np.array([[3.0, 2.0, 1.0]] * 3),
        "alignment": np.array([0.1, 0.2, 0.3]),
        "k": 1,
    },
    "valley_2d_figure": {"steps": 5},
    "noise_figure": {"samples": 50},
    "one_step_figure": {
        "samples": 50,
        "valley": rv.RiverValley.two_level(40, 4, 10, 0.2),
    },
    "regime_map_figure": {"d": 40},
    "paradox_figure": {"steps": 20, "branch_step": 10},
    "two_phase_figure": {"steps": 50},
    "step_size_choice_figure": {"steps": 50},
    "describe": {
        "update": rv.figures.step_size_choice_figure,
        "settings": {"eta": 0.5},
    },
    "one_step_gaps": {"gaps": [0.1, 0.05], "ks": (1, 2), "samples": 200},
    "collapse_scale": {"steps": 50},
    "decreasing": {"values": [3.0, 2.0, 1.0], "reference": [3.0, 2.0, 1.0]},
}


#: Callables whose array arguments have no size tied to a valley or a network.
SIZE_FREE = {"RiverValley.two_level", "RiverValley.spread"}

#: The student's answers in :mod:`rivervalley_lib.check`: a bad answer is a wrong answer
#: (a printed ``✗`` and ``False``), not an error.
STUDENT_ANSWERS = {"answer", "lo", "hi", "gaps", "values"}

#: Values outside each argument's allowed range, by name.
RANGES: dict[str, list[Any]] = {
    "eta": [0.0, -0.5],
    "steps": [0, -3],
    "seeds": [0],
    "samples": [0],
    "k": [0, 99],
    "d": [1, 0],
    "sigma": [-0.1],
    "batch_size": [0],
    "label_noise": [-1.0],
    "energy": [0.0, -1.0],
    "momentum": [1.0, -0.1],
    "rise": [0.0, 1.5],
    "window": [0],
    "record_every": [0],
    "chi_inf": [-0.1, 1.5],
    "rtol": [-0.1],
    "tolerance": [-1.0],
    "factor": [0.0, -1.0],
    "lanczos_tol": [-1.0],
    "lanczos_maxiter": [0],
    "tol": [-1.0],
    "maxiter": [0],
    "dpi": [0, 10**6],
    "width": [0.0, -1.0],
    "height": [0.0],
    "ncols": [0],
    "nrows": [0],
    "q": [(0.9, 0.1), (-0.1, 0.5)],
    "max_frames": [0],
    "scale": [-1.0],
    "n": [0],
    "dim": [0],
    "separation": [-1.0],
    "spread": [-1.0],
    "refresh_every": [0],
    "lam": [-1.0],
    "mu": [-1.0],
    "limit": [0.0, -1.0],
    "init_scale": [0.0, -1.0],
    "eta_train": [0.0],
    "condition": [0.0, -2.0],
    "alt": [""],
    "text": [""],
    "model": ["bogus"],
    "projection": ["sideways"],
    "block": ["middle"],
    "method": ["fast"],
    "on_divergence": ["warn"],
    "record_energies": [[-1], [10**6]],
    "chis": [(1.5,), ()],
    "ks": [(0, 1), (), (1,)],
    "sizes": [[2], [2, 0, 2]],
    "last": [0],
}


def _receivers() -> dict[type, list[Any]]:
    """Instances whose public methods are swept."""
    g = HESS @ np.ones(D)
    report = rv.diagnostics.measure_alignment(g, _hvp, 1, noise_samples=np.ones((3, D)))
    return {
        rv.RiverValley: [VALLEY],
        rv.NoiseModel: [NOISE, rv.CurvatureNoise(0.1), rv.RegressionNoise(2, 0.1)],
        rv.diagnostics.AlignmentReport: [report],
        rv.network.MLP: [_net()],
    }


def _is_record(cls: type) -> bool:
    """Result records (named tuples, dataclasses) are returned, not called by users."""
    return (issubclass(cls, tuple) and hasattr(cls, "_fields")) or (
        dataclasses.is_dataclass(cls) and cls is not rv.network.MLP
    )


def public_callables() -> list[tuple[str, Callable, inspect.Signature]]:
    """(name, callable, signature) of every public function, constructor and method."""
    receivers = _receivers()
    found, seen = [], set()

    def add(name, func, sig):
        params = [
            p
            for p in sig.parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        if params and (name, id(func)) not in seen:
            seen.add((name, id(func)))
            found.append((name, func, sig))

    for modname in PUBLIC_MODULES:
        mod = importlib.import_module(modname)
        for attr in mod.__all__:
            obj = getattr(mod, attr)
            if inspect.isclass(obj):
                if issubclass(obj, Exception) or _is_record(obj):
                    continue
                if not inspect.isabstract(obj):
                    add(attr, obj, inspect.signature(obj))
                for meth, raw in vars(obj).items():
                    if meth.startswith("_"):
                        continue
                    if isinstance(raw, classmethod):
                        bound = getattr(obj, meth)
                        add(f"{attr}.{meth}", bound, inspect.signature(bound))
                for base, instances in receivers.items():
                    if issubclass(obj, base) or (base is obj):
                        for inst in instances:
                            if base is rv.NoiseModel and type(inst) is not obj:
                                continue
                            for meth in dir(type(inst)):
                                raw = inspect.getattr_static(type(inst), meth)
                                if meth.startswith("_") or not inspect.isfunction(raw):
                                    continue
                                bound = getattr(inst, meth)
                                add(
                                    f"{type(inst).__name__}.{meth}",
                                    bound,
                                    inspect.signature(bound),
                                )
            elif callable(obj) and inspect.isfunction(obj):
                add(attr, obj, inspect.signature(obj))
    return found


def _short(name: str) -> str:
    return name


def base_arguments(name: str, sig: inspect.Signature, valid: dict) -> dict[str, Any]:
    """Valid keyword arguments for ``name`` (defaults left out unless overridden)."""
    own = OVERRIDES.get(name, {})
    kwargs = {}
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.name in own:
            kwargs[p.name] = own[p.name]
        elif p.default is p.empty:
            if p.name not in valid:
                raise KeyError(f"{name}: no valid value for argument {p.name!r}")
            kwargs[p.name] = valid[p.name]
    if name in ("render_frames", "static_explorer"):
        kwargs["eta"] = [0.5]
    return kwargs


def valid_value(name: str, param: inspect.Parameter, valid: dict) -> Any:
    own = OVERRIDES.get(name, {})
    if param.name in own:
        return own[param.name]
    if param.default is None and valid.get(param.name) is not None:
        return valid[param.name]  # an optional argument: a valid value shows its kind
    if param.default is not param.empty:
        return param.default
    return valid[param.name]


def _is_real(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _is_numeric_array(v) -> bool:
    if isinstance(v, np.ndarray):
        return v.dtype.kind in "iuf" and v.ndim >= 1
    return (
        isinstance(v, (list, tuple))
        and len(v) > 0
        and all(_is_real(x) for x in np.ravel(np.asarray(v, dtype=object)))
    )


def _size(v) -> int:
    """The length tied to the valley (d) or the network (its parameter count)."""
    n = np.shape(v)[-1]
    return n if n in (D, 17) else -1


def bad_values(
    fname: str, param: inspect.Parameter, v: Any, sized: bool
) -> list[tuple[str, Any]]:
    """The canonical bad values of each class for an argument whose valid value is v;
    ``sized``: the callable knows the dimension (it takes a valley or a network, or is a
    method of one), so an array one coordinate short is the wrong shape."""
    cases: list[tuple[str, Any]] = []
    if v is None:
        # an optional argument: only a value of a clearly wrong kind is bad
        cases.append(("type", object()))
    elif isinstance(v, bool):
        cases += [("type", "yes"), ("type", 2.5), ("type", object())]
    elif _is_real(v):
        cases += [("type", "abc"), ("type", True), ("type", object())]
        cases += [("dtype", np.complex128(1 + 1j)), ("dtype", 1.0 + 2.0j)]
        if isinstance(v, numbers.Integral):
            cases += [("type", float(v) + 0.5)]
        cases += [("nonfinite", math.nan), ("nonfinite", math.inf)]
        cases += [("huge", 10**400), ("huge", -(10**400))]
    elif _is_numeric_array(v):
        arr = np.asarray(v, dtype=float)
        cases += [("type", "abc"), ("type", object())]
        cases += [
            ("dtype", arr + 1j),
            ("dtype", arr > 0),
            ("dtype", arr.astype(object).tolist() and np.array(arr, dtype=object)),
            ("dtype", arr.astype(str)),
        ]
        if (
            sized
            and arr.ndim >= 1
            and arr.shape[-1] == _size(v)
            and not isinstance(v, tuple)
        ):
            cases.append(("shape", arr[..., :-1]))
        cases.append(("shape", np.empty((0,))))
        bad = arr.copy()
        bad.flat[0] = math.nan
        cases.append(("nonfinite", bad))
        bad = arr.copy()
        bad.flat[-1] = math.inf
        cases.append(("nonfinite", bad))
        huge = np.asarray(v, dtype=object).copy()
        huge.flat[0] = 10**400
        cases.append(("huge", huge.tolist()))
    elif isinstance(v, str):
        cases += [("type", 3.5), ("type", object())]
    elif callable(v):
        cases += [("type", 3.5), ("type", "abc")]
    elif isinstance(v, dict):
        cases += [("type", 3.5), ("type", "abc")]
    else:
        cases += [("type", "abc"), ("type", 3.5)]
    for bad in RANGES.get(param.name, []):
        cases.append(("range", bad))
    return cases


Outcome = collections.namedtuple("Outcome", "name param kind value verdict detail")


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout


def _nonfinite(result, depth: int = 0) -> bool:
    """True if a float NaN/inf sits anywhere in the result."""
    if depth > 4:
        return False
    if isinstance(result, (float, np.floating)):
        return not math.isfinite(result)
    if isinstance(result, np.ndarray):
        return result.dtype.kind == "f" and not np.all(np.isfinite(result))
    if isinstance(result, (tuple, list)):
        return any(_nonfinite(r, depth + 1) for r in result[:50])
    if dataclasses.is_dataclass(result):
        return any(
            _nonfinite(getattr(result, f.name), depth + 1)
            for f in dataclasses.fields(result)
        )
    return False


def classify(name: str, func: Callable, kwargs: dict, param: str, kind: str, value):
    """Call ``func`` with ``kwargs[param] = value`` and name the outcome."""
    call = dict(kwargs) if param is None else dict(kwargs, **{param: value})
    student = param in STUDENT_ANSWERS and func.__module__.startswith(
        "rivervalley_lib.check"
    )
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            result = func(**call)
    except _Timeout:
        verdict, detail = "hang", f"over {TIMEOUT} s"
    except (TypeError, ValueError) as exc:
        named = (
            param is not None
            and param in str(exc)
            or (
                # a message naming the argument's element, e.g. "values[0]"
                f"{param}[" in str(exc)
            )
        )
        lib = type(exc).__module__.startswith("rivervalley_lib") or _raised_by_library(
            exc
        )
        if named and lib:
            verdict, detail = "clear", ""
        elif lib:
            verdict, detail = "wrong-name", f"{type(exc).__name__}: {exc}"
        else:
            verdict, detail = "foreign", f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - the sweep records every failure
        verdict, detail = "foreign", f"{type(exc).__name__}: {exc}"
    else:
        if student and result is False:
            verdict, detail = "clear", ""
        elif _nonfinite(result):
            verdict, detail = "silent-nonfinite", repr(result)[:80]
        else:
            verdict, detail = "accepted", repr(result)[:80]
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        plt.close("all")
    return Outcome(name, param, kind, _show(value), verdict, detail[:160])


def _raised_by_library(exc: BaseException) -> bool:
    """True if the innermost frame that raised ``exc`` is the library's own code."""
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return last is not None and "rivervalley_lib" in last


def _show(value) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


_TEMPLATES = None


def templates():
    """(name, func, base kwargs, param, valid value) for every argument swept."""
    global _TEMPLATES
    if _TEMPLATES is None:
        valid = _valid()
        out = []
        for name, func, sig in public_callables():
            kwargs = base_arguments(name, sig, valid)
            for p in sig.parameters.values():
                if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                    continue
                out.append((name, func, kwargs, p, valid_value(name, p, valid)))
        _TEMPLATES = out
    return _TEMPLATES


def sweep_canonical() -> list[Outcome]:
    out = []
    for name, func, kwargs, p, v in templates():
        sized = "." in name or any(a in kwargs for a in ("valley", "net"))
        sized = sized and not inspect.isclass(func) and name not in SIZE_FREE
        for kind, value in bad_values(name, p, v, sized):
            out.append(classify(name, func, kwargs, p.name, kind, value))
    return out


def _drawn_value(kind: str, v: Any) -> st.SearchStrategy:
    """Hypothesis strategies of bad values of one class, shaped like ``v``."""
    if kind == "nonfinite":
        return st.sampled_from([math.nan, math.inf, -math.inf])
    if kind == "huge":
        return st.integers(min_value=10**309, max_value=10**500).flatmap(
            lambda n: st.sampled_from([n, -n])
        )
    if kind == "dtype":
        shape = np.shape(v) if _is_numeric_array(v) else ()
        return st.sampled_from(["complex", "bool", "object", "str"]).flatmap(
            lambda k: st.floats(-5, 5).map(lambda x: _typed(k, x, shape))
        )
    return st.sampled_from(["abc", b"abc", object(), {"a": 1}, {1, 2}])


def _typed(kind: str, x: float, shape: tuple) -> Any:
    base = np.full(shape, x) if shape else np.float64(x)
    if kind == "complex":
        return np.asarray(base + 1j) if shape else np.complex128(x + 1j)
    if kind == "bool":
        return np.asarray(base > 0) if shape else np.bool_(x > 0)
    if kind == "object":
        return np.array([str(x)] * max(1, int(np.prod(shape))), dtype=object)
    return np.asarray(base).astype(str)


def _applies(kind: str, v: Any) -> bool:
    if kind in ("nonfinite", "huge"):
        return _is_real(v) or _is_numeric_array(v)
    if kind == "dtype":
        return _is_real(v) or _is_numeric_array(v)
    return v is not None and not isinstance(v, (str, dict))


def sweep_drawn(max_examples: int) -> list[Outcome]:
    """Further bad values drawn by Hypothesis (derandomized: the same every run)."""
    out: list[Outcome] = []
    items = templates()

    @settings(
        max_examples=max_examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def draw(data):
        name, func, kwargs, p, v = data.draw(st.sampled_from(items), label="argument")
        kinds = [k for k in ("type", "dtype", "nonfinite", "huge") if _applies(k, v)]
        if not kinds:
            return
        kind = data.draw(st.sampled_from(kinds), label="class")
        value = data.draw(_drawn_value(kind, v), label="value")
        out.append(classify(name, func, kwargs, p.name, kind, value))

    draw()
    return out


def report(outcomes: list[Outcome]) -> str:
    total = len(outcomes)
    counts = collections.Counter(o.verdict for o in outcomes)
    lines = [f"{total} bad inputs over {len({o.name for o in outcomes})} callables:"]
    for verdict, n in counts.most_common():
        lines.append(f"  {verdict:18s} {n:5d}  ({100 * n / total:.1f} %)")
    by_kind = collections.defaultdict(collections.Counter)
    for o in outcomes:
        by_kind[o.kind][o.verdict == "clear"] += 1
    lines.append(
        "  clear errors per class: "
        + ", ".join(
            f"{k} {c[True]}/{c[True] + c[False]}" for k, c in sorted(by_kind.items())
        )
    )
    for o in outcomes:
        if o.verdict != "clear":
            lines.append(
                f"  {o.verdict}: {o.name}({o.param}={o.value}) [{o.kind}] {o.detail}"
            )
    return "\n".join(lines)


def test_every_public_callable_has_a_valid_call():
    """The sweep starts from a valid call of each callable: without it, a bad-input
    error could come from another argument."""
    failures = []
    valid = _valid()
    for name, func, sig in public_callables():
        try:
            kwargs = base_arguments(name, sig, valid)
        except KeyError as exc:
            failures.append(str(exc))
            continue
        outcome = classify(name, func, kwargs, None, "valid", None)
        if outcome.verdict not in ("accepted", "silent-nonfinite"):
            failures.append(f"{name}: {outcome.detail}")
    assert not failures, "no valid base call:\n" + "\n".join(failures)


def test_bad_input_sweep():
    outcomes = sweep_canonical() + sweep_drawn(max_examples=400)
    text = report(outcomes)
    print(text)
    clear = sum(o.verdict == "clear" for o in outcomes) / len(outcomes)
    silent = [o for o in outcomes if o.verdict == "silent-nonfinite"]
    hangs = [o for o in outcomes if o.verdict == "hang"]
    assert not silent, "bad input returned NaN/inf silently:\n" + text
    assert not hangs, "bad input hung:\n" + text
    assert clear >= REQUIRED, (
        f"only {100 * clear:.1f} % of bad inputs get a clear error naming the "
        f"argument (need {100 * REQUIRED:g} %):\n" + text
    )


if __name__ == "__main__":
    import sys

    outcomes = sweep_canonical()
    if "--canonical" not in sys.argv:
        outcomes += sweep_drawn(max_examples=400)
    print(report(outcomes))
