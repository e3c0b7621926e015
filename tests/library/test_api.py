"""The library's shape: a curated API with complete docstrings, small one-concept
modules in subpackages whose imports follow the package's Architecture table, and no
private name crossing a module."""

from __future__ import annotations

import ast
import importlib
import inspect
import pathlib

import pytest

import rivervalley_lib as rv

LIB = pathlib.Path(rv.__file__).parent

PACKAGE = "rivervalley_lib"
#: Private base modules every subpackage may import.
BASE = {"_validation"}


def _architecture() -> dict[str, set[str]]:
    """The subpackage graph, read from the one place it is written: the package
    docstring's ``Architecture`` table (``name  <- dependencies``)."""
    doc = rv.__doc__
    table = doc[doc.index("Architecture\n------------") :].split("::", 1)[1]
    graph = {}
    for line in table.strip("\n").splitlines():
        if not line.strip():
            break
        name, _, deps = line.partition("<-")
        graph[name.strip()] = {d.strip() for d in deps.split(",") if d.strip()}
    return graph


GRAPH = _architecture()
PUBLIC_MODULES = [
    PACKAGE,
    *(f"{PACKAGE}.{sub}" for sub in GRAPH),
    *(f"{PACKAGE}.book.{m}" for m in rv.book.__all__),
]


def _modules() -> list[pathlib.Path]:
    return sorted(LIB.rglob("*.py"))


def _dotted(path: pathlib.Path) -> str:
    parts = [PACKAGE, *path.relative_to(LIB).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _subpackage(dotted: str) -> str:
    """``rivervalley_lib.theory._one_step`` -> ``theory``; a base module is itself."""
    return dotted.split(".")[1] if "." in dotted else ""


def _imports(path: pathlib.Path) -> list[tuple[int, str, list[str]]]:
    """(line, absolute module, imported names) of every relative import in ``path``."""
    package = _dotted(path)
    package = package if path.name == "__init__.py" else package.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")
            base = base[: len(base) - node.level + 1]
            names = [a.name for a in node.names]
            if node.module:
                found.append((node.lineno, ".".join([*base, node.module]), names))
            else:
                found += [(node.lineno, ".".join([*base, n]), []) for n in names]
    return found


def test_the_architecture_table_names_every_subpackage_once_and_has_no_circle():
    folders = {p.name for p in LIB.iterdir() if (p / "__init__.py").exists()}
    assert set(GRAPH) == folders, "the Architecture table and the folders disagree"
    assert {p.stem for p in LIB.glob("*.py")} == BASE | {"__init__"}
    assert all(deps <= set(GRAPH) for deps in GRAPH.values())
    done: set[str] = set()
    while len(done) < len(GRAPH):
        ready = {n for n, deps in GRAPH.items() if n not in done and deps <= done}
        assert ready, f"the Architecture table has a circle among {set(GRAPH) - done}"
        done |= ready


def test_theory_and_simulation_are_independent():
    assert "simulation" not in GRAPH["theory"] and "theory" not in GRAPH["simulation"]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(LIB)))
def test_modules_are_small(path):
    """One concept per module: none over 500 lines."""
    n = len(path.read_text().splitlines())
    assert n <= 500, f"{path.name} has {n} lines"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(LIB)))
def test_imports_follow_the_architecture_and_no_private_name_crosses_a_module(path):
    """A module imports from its own subpackage, a base module, or a subpackage that the
    Architecture table lists under its own; never a private (``_x``) name."""
    me = _dotted(path)
    mine = _subpackage(me)
    for line, target, names in _imports(path):
        theirs = _subpackage(target)
        if path == LIB / "__init__.py":
            allowed = True  # the package re-exports every layer
        else:
            allowed = (
                theirs == mine
                or target.split(".")[1] in BASE
                or theirs in GRAPH.get(mine, set())
            )
        assert allowed, f"{me} (line {line}) imports {target}, not below it"
        private = [n for n in names if n.startswith("_")]
        assert not private, f"{me} (line {line}) imports private {private}"


def test_no_circle_between_modules_inside_a_subpackage():
    modules = {_dotted(p): p for p in _modules() if p.name != "__init__.py"}
    edges = {
        m: {t for _, t, _ in _imports(p) if t in modules and t != m}
        for m, p in modules.items()
    }
    done: set[str] = set()
    while len(done) < len(edges):
        ready = {m for m, deps in edges.items() if m not in done and deps <= done}
        assert ready, f"import circle among {sorted(set(edges) - done)}"
        done |= ready


def test_all_is_written_once_per_public_module():
    for path in _modules():
        has_all = "__all__" in path.read_text()
        assert has_all == (_dotted(path) in PUBLIC_MODULES), _dotted(path)


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
