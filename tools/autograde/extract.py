"""The student's functions from a notebook's source, by AST, and the flags.

Only top-level ``def`` statements (with literal defaults and no decorators), plain
literal constants and imports of the scientific modules are extracted. Nothing else in
the notebook (an assignment to ``np.allclose``, ``abs = ...``, an alias of a library
routine, a patch of otter) reaches the clean process that runs the hidden tests.
:func:`flags` reports, for the instructor, the statements that patch builtins, numpy,
otter or the library, or reach for the interpreter's internals.
"""

from __future__ import annotations

import ast
import builtins

#: Top-level modules a graded function may import (at the notebook's top level).
IMPORTABLE = {
    "numpy",
    "scipy",
    "sympy",
    "math",
    "cmath",
    "rivervalley_lib",
    "itertools",
    "functools",
    "collections",
    "statistics",
    "fractions",
    "operator",
    "typing",
    "dataclasses",
    "__future__",
}
#: Modules whose attributes a submission has no business setting.
PROTECTED = {"numpy", "rivervalley_lib", "otter", "builtins", "math", "scipy", "sympy"}
#: Reaching for these is reported: they can change the interpreter or the grader.
INTERNALS = {
    "sys",
    "os",
    "gc",
    "inspect",
    "importlib",
    "ctypes",
    "subprocess",
    "unittest",
    "pickle",
    "marshal",
    "shutil",
    "signal",
    "threading",
    "multiprocessing",
}
_CALLS = {"setattr", "delattr", "exec", "eval", "compile", "__import__", "globals"}
_BUILTINS = set(dir(builtins))


def cell_sources(nb: dict) -> list[str]:
    """The code cells' sources, IPython magics and shell lines blanked."""
    out = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        lines = [
            "" if ln.lstrip().startswith(("%", "!")) else ln for ln in src.split("\n")
        ]
        out.append("\n".join(lines))
    return out


def _parse(sources: list[str]) -> list[tuple[int, ast.Module | None]]:
    out = []
    for i, src in enumerate(sources):
        try:
            out.append((i, ast.parse(src)))
        except SyntaxError:
            out.append((i, None))
    return out


def _literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _extractable_def(node: ast.FunctionDef) -> bool:
    args = node.args
    defaults = list(args.defaults) + [d for d in args.kw_defaults if d is not None]
    return not node.decorator_list and all(_literal(d) for d in defaults)


def student_module(sources: list[str]) -> str:
    """Python source of the extracted module: the allowed imports its functions use,
    then the last top-level binding of every function (``def`` or ``name = lambda``) and
    literal constant.
    A name of a builtin is never bound: a shadowed ``abs`` stays the real one."""
    imports: list[str] = []
    defs: dict[str, str] = {}
    for _, tree in _parse(sources):
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                mods = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                if (
                    all(m.split(".")[0] in IMPORTABLE for m in mods)
                    and getattr(node, "level", 0) == 0
                    and not any(a.name == "*" for a in node.names)
                ):
                    text = ast.unparse(node)
                    if text not in imports:
                        imports.append(text)
            elif isinstance(node, ast.FunctionDef):
                if _extractable_def(node) and node.name not in _BUILTINS:
                    defs.pop(node.name, None)
                    defs[node.name] = ast.unparse(node)
                else:
                    defs.pop(node.name, None)
            elif (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                name, value = node.targets[0].id, node.value
                defs.pop(name, None)
                if name in _BUILTINS:
                    continue
                if _literal(value) or (
                    isinstance(value, ast.Lambda)
                    and all(_literal(d) for d in value.args.defaults)
                ):
                    defs[name] = ast.unparse(node)
    used = used_names("\n".join(defs.values()))
    imports = [i for i in imports if bound_names(i) & used]
    return "\n".join(imports) + "\n\n\n" + "\n\n\n".join(defs.values()) + "\n"


def used_names(source: str) -> set[str]:
    """Every name ``source`` reads."""
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}


def bound_names(import_source: str) -> set[str]:
    """The names an import statement binds."""
    node = ast.parse(import_source).body[0]
    return {(a.asname or a.name).split(".")[0] for a in node.names}


def without_unused_imports(source: str) -> str:
    """``source`` without the top-level imports none of its statements use (the setup
    cell's sympy, for the derivation questions, is not needed by the tests)."""
    tree = ast.parse(source)
    body = [n for n in tree.body if not isinstance(n, ast.Import | ast.ImportFrom)]
    used = used_names(ast.unparse(ast.Module(body=body, type_ignores=[])))
    kept = []
    for n in tree.body:
        if isinstance(n, ast.Import | ast.ImportFrom):
            n.names = [a for a in n.names if (a.asname or a.name).split(".")[0] in used]
            if not n.names:
                continue
        kept.append(n)
    tree.body = kept
    return ast.unparse(tree) + "\n"


def _root(node: ast.AST, aliases: dict[str, str]) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    return None


def flags(sources: list[str]) -> list[str]:
    """What the instructor should look at: patches of builtins, numpy, otter or the
    library, shadowed builtins, the interpreter's internals, cells that do not parse."""
    out: list[str] = []
    aliases: dict[str, str] = {"__builtins__": "builtins"}
    for i, tree in _parse(sources):
        where = f"cell {i + 1}"
        if tree is None:
            out.append(f"{where}: does not parse")
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    root = a.name.split(".")[0]
                    aliases[(a.asname or a.name).split(".")[0]] = root
                    if root in INTERNALS or (root == "otter" and "." in a.name):
                        out.append(f"{where}: imports {a.name}")
            elif isinstance(node, ast.ImportFrom):
                root = (node.module or "").split(".")[0]
                for a in node.names:
                    aliases[a.asname or a.name] = root
                if root in INTERNALS or root == "otter":
                    out.append(f"{where}: imports from {node.module}")
            elif isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
                targets = (
                    node.targets
                    if isinstance(node, ast.Assign | ast.Delete)
                    else [node.target]
                )
                for t in targets:
                    if isinstance(t, ast.Attribute | ast.Subscript):
                        root = _root(t, aliases)
                        if root in PROTECTED or root in INTERNALS:
                            out.append(f"{where}: patches {ast.unparse(t)} ({root})")
                    elif isinstance(t, ast.Name) and t.id in _BUILTINS:
                        out.append(f"{where}: shadows the builtin {t.id}")
            elif isinstance(node, ast.FunctionDef) and node.name in _BUILTINS:
                out.append(f"{where}: shadows the builtin {node.name}")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id in _CALLS:
                    out.append(f"{where}: calls {node.func.id}()")
            elif isinstance(node, ast.Name) and node.id == "__builtins__":
                out.append(f"{where}: uses __builtins__")
    return list(dict.fromkeys(out))
