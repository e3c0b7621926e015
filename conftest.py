"""Collection rules for the whole repository (pytest reads this file first).

The framework adapters' modules carry doctests that need torch or jax, which only
``make test-frameworks`` installs (requirements-frameworks.txt); without them the two
modules are not collected.
"""

import importlib.util

collect_ignore = [
    f"rivervalley_lib/diagnostics/{name}.py"
    for name in ("torch", "jax")
    if importlib.util.find_spec(name) is None
]
