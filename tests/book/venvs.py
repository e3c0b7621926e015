"""A fresh virtual environment for the install tests (Binder's path and a clean
``pip install``): nothing of the caller's environment leaks in."""

from __future__ import annotations

import os
import pathlib
import subprocess
import venv


def fresh_venv(
    env_dir: pathlib.Path, *pip_args: str, cwd: pathlib.Path | None = None
) -> tuple[pathlib.Path, dict[str, str]]:
    """Create a venv with pip at ``env_dir`` and ``pip install`` ``pip_args`` into it.

    Returns its python and the environment to run it in: the caller's, without
    ``PYTHONPATH`` and ``VIRTUAL_ENV``, so only what the venv installed is importable.
    """
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    subprocess.run(
        [str(py), "-m", "pip", "install", "--quiet", *pip_args],
        cwd=cwd,
        env=env,
        check=True,
        timeout=1500,
    )
    return py, env
