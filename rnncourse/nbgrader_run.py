"""Running nbgrader's commands for the course, from any process.

nbgrader runs ``alembic`` from ``PATH`` when it creates ``gradebook.db``: the interpreter's own
``bin/`` (the course environment) comes first, whether or not the environment is activated.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def env(base: dict | None = None) -> dict:
    """``base`` (default: this process's environment) with the course environment first on PATH."""
    base = dict(os.environ if base is None else base)
    return {**base, "PATH": str(BIN) + os.pathsep + base.get("PATH", "")}


def nbgrader(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``nbgrader ARGS`` in the course root ``root``; with ``check``, a failure ends the program
    with nbgrader's own words."""
    proc = subprocess.run([str(BIN / "nbgrader"), *args], cwd=root, env=env(),
                          capture_output=True, text=True)
    if check and proc.returncode != 0:
        sys.exit(f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return proc
