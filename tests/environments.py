"""A fresh Python environment for a test, made without the network: a virtual environment whose
packages are this one's, linked file by file (hard links cost no space and take a second), as
an install on a new machine would leave it. Without this checkout's own `rnncourse`: the test
installs the course it is about (a copy, a learner pack, a Gradescope bundle)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path


def purelib(python: Path) -> Path:
    return Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())


def linked_environment(venv: Path) -> dict:
    """Make ``venv``; returns what its commands' environment needs besides ``os.environ``.

    Its site-packages hold this environment's packages (hard links, or copies across file
    systems) and its ``bin/`` the console scripts (nbgrader, jupyter, alembic, ...) started by its
    own interpreter. Jupyter's data (nbconvert's templates, extensions' settings) is shared."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    ours, site = Path(sysconfig.get_paths()["purelib"]), purelib(venv / "bin" / "python")
    link = ["cp", "-al"] if os.stat(ours).st_dev == os.stat(site).st_dev else ["cp", "-a"]
    subprocess.run([*link, f"{ours}/.", str(site)], check=True)
    for entry in site.glob("*rnncourse*"):  # this checkout's editable install
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    prefix = str(Path(sys.prefix)).encode()
    for script in Path(sys.executable).parent.iterdir():
        target = venv / "bin" / script.name
        if target.exists() or script.is_symlink() or not script.is_file():
            continue
        text = script.read_bytes()
        if text.startswith(b"#!") and prefix in text[:300]:  # a script started by our interpreter
            target.write_bytes(text.replace(prefix, str(venv).encode()))
            target.chmod(0o755)
    for data in ("share", "etc"):
        if (Path(sys.prefix) / data).is_dir():
            (venv / data).symlink_to(Path(sys.prefix) / data)
    return {"PIP_CONFIG_FILE": os.devnull}


def pip_install(venv: Path, *args: str, cwd: Path | None = None, env: dict | None = None) -> None:
    """``pip install ARGS`` in ``venv``, offline: only what is installed there already may meet
    a requirement, and the build uses the setuptools found there."""
    proc = subprocess.run([venv / "bin" / "python", "-m", "pip", "install", *args, "--no-index",
                           "--no-build-isolation", "--quiet", "--disable-pip-version-check"],
                          cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {}), "PIP_CONFIG_FILE": os.devnull})
    assert proc.returncode == 0, proc.stdout + proc.stderr
