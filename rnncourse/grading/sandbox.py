"""Where a learner's code runs: a bubblewrap sandbox, as an unprivileged user, with limits.

Inside the sandbox the learner's process sees the Python installation read-only,
the course package (``rnncourse``) and ``data/`` read-only, and an empty private
``/tmp``. It has no network, no view of other processes, and cannot read
``autograder/``, ``solutions/``, ``source/``, submissions or the gradebook.
Resource limits bound memory, CPU time, processes, open files and file sizes.

Where bubblewrap cannot run (a laptop without it, a container without user
namespaces), ``mode()`` falls back to "rlimit": the same limits and a private
working folder, but no filesystem isolation. Graders of record should require
bubblewrap (``COURSE_SANDBOX=bwrap`` makes its absence an error).
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding rnncourse/
NOBODY = 65534


@dataclass(frozen=True)
class Limits:
    memory_mb: int = 6144
    cpu_seconds: int = 1200
    processes: int = 512
    file_mb: int = 64
    open_files: int = 512


class SandboxUnavailable(RuntimeError):
    pass


def _python_roots() -> list[Path]:
    """Folders the interpreter needs: the environment, the base install, and their real paths."""
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent}
    for p in list(roots):
        roots.add(p.resolve())
    return sorted(roots, key=lambda p: len(p.parts))


def _parents(path: Path) -> list[Path]:
    return [p for p in reversed(path.parents) if p != Path("/")]


def bwrap_command(inner: list[str], *, readable: list[Path], as_root: bool) -> list[str]:
    cmd = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
           "--unshare-cgroup-try", "--die-with-parent", "--new-session",
           "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
           "--perms", "1777", "--tmpfs", "/tmp", "--chdir", "/tmp"]
    for name in ("bin", "lib", "lib64", "sbin"):
        target = Path("/") / name
        if target.is_symlink():
            cmd += ["--symlink", os.readlink(target), str(target)]
        elif target.exists():
            cmd += ["--ro-bind", str(target), str(target)]
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/group"):
        if os.path.exists(etc):
            cmd += ["--ro-bind", etc, etc]
    bound, made = [Path("/usr")], set()

    def covered(p: Path) -> bool:
        return any(p == b or b in p.parents for b in bound)

    for path in readable:
        if not path.exists() or covered(path):
            continue
        for parent in _parents(path):
            if parent not in made and not covered(parent):
                cmd += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        cmd += ["--ro-bind", str(path), str(path)]
        bound.append(path)
    if not as_root:
        cmd += ["--unshare-user"]
        return cmd + inner
    # bubblewrap runs as root here: drop to an unprivileged user with no capabilities.
    return cmd + ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                  "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"] + inner


@functools.cache
def bwrap_works() -> bool:
    if shutil.which("bwrap") is None:
        return False
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        return False
    probe = bwrap_command(["/bin/true"], readable=[], as_root=os.geteuid() == 0)
    try:
        return subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def mode() -> str:
    wanted = os.environ.get("COURSE_SANDBOX", "auto")
    if wanted == "rlimit":
        return "rlimit"
    if bwrap_works():
        return "bwrap"
    if wanted == "bwrap":
        raise SandboxUnavailable(
            "COURSE_SANDBOX=bwrap but bubblewrap does not run here "
            "(install it: apt-get install bubblewrap)")
    return "rlimit"


def worker_command(in_fd: int, out_fd: int) -> tuple[list[str], str]:
    """The command that starts a sandboxed worker, and the sandbox mode it uses."""
    inner = [sys.executable, "-m", "rnncourse.grading.worker", str(in_fd), str(out_fd)]
    kind = mode()
    if kind == "rlimit":
        return inner, kind
    readable = _python_roots() + [PACKAGE_ROOT / "rnncourse", PACKAGE_ROOT / "data"]
    return bwrap_command(inner, readable=readable, as_root=os.geteuid() == 0), kind


def environment() -> dict:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "MPLCONFIGDIR": "/tmp",
        "MPLBACKEND": "Agg",
        "PYTHONPATH": str(PACKAGE_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "TQDM_DISABLE": "1",
    }
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def set_limits(limits: Limits):
    """A ``preexec_fn`` applying the resource limits in the child before it starts."""

    def apply():
        os.setsid()
        mb = 1024 * 1024
        for res, value in (
            (resource.RLIMIT_AS, limits.memory_mb * mb),
            (resource.RLIMIT_CPU, limits.cpu_seconds),
            (resource.RLIMIT_NPROC, limits.processes),
            (resource.RLIMIT_FSIZE, limits.file_mb * mb),
            (resource.RLIMIT_NOFILE, limits.open_files),
            (resource.RLIMIT_CORE, 0),
        ):
            resource.setrlimit(res, (value, value))

    return apply
