"""The library's shape: a curated API with complete docstrings, small one-concept
modules, and imports that flow one way with no private name crossing a module."""

from __future__ import annotations

import ast
import importlib
import inspect
import pathlib

import pytest

import rivervalley_lib as rv

LIB = pathlib.Path(rv.__file__).parent

# The layers, lowest first: a module may import only from modules in earlier layers
# (or its own layer's earlier entries, listed left to right).
LAYERS = [
    ["_docstrings"],
    ["_grading"],
    ["_validation"],
    ["_landscape"],
    ["_noise"],
    ["_moments"],
    ["_exact"],
    ["_one_step"],
    ["_projections"],
    ["_blocks", "_linalg"],
    ["_sampled_step"],
    ["_mean_field", "_states"],
    ["_trace"],
    ["_simulate"],
    ["_measure"],
    ["_symbolic_recursion"],
    ["symbolic", "plotting", "network"],
    ["diagnostics", "scenarios"],
    ["_figures_theory", "_figures_regimes", "_figures_dynamics"],
    ["figures"],
    ["_checks_theory"],
    ["widgets", "check", "frames"],
    ["__init__"],
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}
PUBLIC_MODULES = [
    "rivervalley_lib",
    "rivervalley_lib.symbolic",
    "rivervalley_lib.plotting",
    "rivervalley_lib.network",
    "rivervalley_lib.diagnostics",
    "rivervalley_lib.scenarios",
    "rivervalley_lib.figures",
    "rivervalley_lib.widgets",
    "rivervalley_lib.frames",
    "rivervalley_lib.check",
]


def _modules() -> list[pathlib.Path]:
    return sorted(LIB.glob("*.py"))


def test_every_module_is_in_a_layer():
    assert sorted(p.stem for p in _modules()) == sorted(RANK)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_modules_are_small(path):
    """One concept per module: none over 500 lines."""
    n = len(path.read_text().splitlines())
    assert n <= 500, f"{path.name} has {n} lines"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_imports_flow_one_way_and_no_private_name_crosses_a_module(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level != 1:
            continue
        targets = [node.module] if node.module else [a.name for a in node.names]
        for target in targets:
            assert RANK[target] < RANK[path.stem] or (
                RANK[target] == RANK[path.stem]
                and LAYERS[RANK[target]].index(target)
                < LAYERS[RANK[path.stem]].index(path.stem)
            ), f"{path.name} imports {target}, which is not below it"
        if node.module:
            private = [a.name for a in node.names if a.name.startswith("_")]
            assert not private, (
                f"{path.name} imports private {private} from {node.module}"
            )


def test_all_is_written_once_per_public_module():
    for path in _modules():
        has_all = "__all__" in path.read_text()
        public = (
            f"rivervalley_lib.{path.stem}" in PUBLIC_MODULES or path.stem == "__init__"
        )
        assert has_all == public, path.name


def _public_callables():
    """Every function and class in the ``__all__`` of a public module."""
    seen = set()
    for modname in PUBLIC_MODULES:
        mod = importlib.import_module(modname)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj) and id(obj) not in seen:
                seen.add(id(obj))
                yield f"{modname}.{name}", obj


@pytest.mark.parametrize(
    "name,obj", list(_public_callables()), ids=[n for n, _ in _public_callables()]
)
def test_every_public_callable_documents_parameters_returns_and_examples(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert "Examples\n--------" in doc, f"{name}: no Examples section"
    if inspect.isclass(obj):
        return
    params = [p for p in inspect.signature(obj).parameters if p not in ("self", "cls")]
    if params:
        assert "Parameters\n----------" in doc, f"{name}: no Parameters section"
    assert "Returns\n-------" in doc or "Yields\n------" in doc, f"{name}: no Returns"
