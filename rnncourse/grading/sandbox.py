"""Where a learner's code runs: a bubblewrap sandbox, as an unprivileged user, with limits.

Inside the sandbox the learner's process sees the Python installation read-only,
the course package (``rnncourse``) and ``data/`` read-only, and an empty private
``/tmp`` of a fixed size. It has no network, no view of other processes, and cannot
read ``autograder/``, ``solutions/``, ``source/``, submissions or the gradebook.

Every resource is bounded, each sandbox on its own:
* memory: an address-space limit, and where the machine lets us make a cgroup (as root,
  cgroup v1 or v2), a memory cgroup that also counts what is written to ``/tmp``;
* ``/tmp``: a tmpfs of ``Limits.tmp_mb``;
* processes: a pids cgroup, or else a process limit on a user id of its own (as root,
  each sandbox runs as a different unprivileged user, so one learner's fork bomb cannot
  use up another's allowance);
* CPU time, file sizes, open files; wall time and the size of answers are bounded by
  the grader (``session.py``), and what the learner prints is discarded.

Grading of record needs bubblewrap: without it ``mode()`` raises ``SandboxUnavailable``
unless ``COURSE_SANDBOX=rlimit`` asks, explicitly, for resource limits alone (no
filesystem isolation). The learner's self-check, which runs only their own code,
takes what the machine has.
"""

from __future__ import annotations

import functools
import itertools
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
    memory_mb: int = 6144  # address space; the cgroup's limit (memory and /tmp together) too
    cpu_seconds: int = 1200
    processes: int = 512
    file_mb: int = 64
    open_files: int = 512
    tmp_mb: int = 256


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


_SANDBOX_IDS = itertools.count()


def sandbox_uid() -> int:
    """A user id for one sandbox, different for every sandbox alive on this machine at once
    (process ids are unique; a counter tells apart those of one grader process)."""
    return 1_000_000 + (os.getpid() % 4_000_000) * 16 + next(_SANDBOX_IDS) % 16


def bwrap_command(inner: list[str], *, readable: list[Path], as_root: bool, tmp_mb: int = 256,
                  uid: int = NOBODY) -> list[str]:
    cmd = ["bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
           "--unshare-cgroup-try", "--die-with-parent", "--new-session",
           "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev",
           "--perms", "1777", "--size", str(tmp_mb * 1024 * 1024), "--tmpfs", "/tmp", "--chdir", "/tmp"]
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
    return cmd + ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
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


def mode(strict: bool = True) -> str:
    """``bwrap``, or ``rlimit`` where asked for (``COURSE_SANDBOX=rlimit``) or, for a learner's
    own self-check (``strict=False``), where bubblewrap does not run."""
    wanted = os.environ.get("COURSE_SANDBOX", "auto")
    if wanted == "rlimit":
        return "rlimit"
    if bwrap_works():
        return "bwrap"
    if strict or wanted == "bwrap":
        raise SandboxUnavailable(
            "bubblewrap does not run here, so learners' code cannot be isolated from the course "
            "files. Install it (apt-get install bubblewrap), or set COURSE_SANDBOX=rlimit to grade "
            "with resource limits only, without filesystem isolation (each record says so).")
    return "rlimit"


def worker_command(in_fd: int, out_fd: int, limits: Limits, strict: bool = True) -> tuple[list[str], str]:
    """The command that starts a sandboxed worker, and the sandbox mode it uses."""
    inner = [sys.executable, "-m", "rnncourse.grading.worker", str(in_fd), str(out_fd)]
    kind = mode(strict)
    if kind == "rlimit":
        return inner, kind
    readable = _python_roots() + [PACKAGE_ROOT / "rnncourse", PACKAGE_ROOT / "data"]
    root = os.geteuid() == 0
    return bwrap_command(inner, readable=readable, as_root=root, tmp_mb=limits.tmp_mb,
                         uid=sandbox_uid() if root else NOBODY), kind


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


class Cgroup:
    """A memory and pids cgroup for one sandbox, where this machine lets us make one.

    Pages the sandbox writes to its tmpfs ``/tmp`` are charged to its memory cgroup, so
    memory and ``/tmp`` together stay under ``Limits.memory_mb``. ``dirs`` is empty where
    no cgroup could be made (not root, or no writable hierarchy): the rlimits still hold.
    """

    ROOT = Path("/sys/fs/cgroup")

    def __init__(self, limits: Limits):
        self.dirs: list[Path] = []
        self.kinds: list[str] = []
        if os.geteuid() != 0 or not self.ROOT.is_dir():
            return
        name = f"rnncourse-{os.getpid()}-{next(_SANDBOX_IDS)}"
        memory = limits.memory_mb * 1024 * 1024
        if (self.ROOT / "cgroup.controllers").exists():  # cgroup v2
            self._make(self._own("") / name, {"memory.max": memory, "memory.swap.max": 0,
                                              "pids.max": limits.processes}, "memory+pids")
        else:  # cgroup v1: one hierarchy per controller
            self._make(self._own("memory") / name, {"memory.limit_in_bytes": memory,
                                                    "memory.memsw.limit_in_bytes": memory}, "memory")
            self._make(self._own("pids") / name, {"pids.max": limits.processes}, "pids")

    def _own(self, controller: str) -> Path:
        """This process's cgroup in a hierarchy (v2: controller ""), as a path under ROOT."""
        try:
            for line in Path("/proc/self/cgroup").read_text().splitlines():
                _, names, path = line.split(":", 2)
                if (controller == "" and names == "") or controller in names.split(","):
                    base = self.ROOT / controller if controller else self.ROOT
                    return base / path.lstrip("/")
        except (OSError, ValueError):
            pass
        return self.ROOT / "nonexistent"

    def _make(self, path: Path, settings: dict, kind: str) -> None:
        self._sweep(path.parent)
        try:
            path.mkdir()
        except OSError:
            return
        required = next(iter(settings))
        for key, value in settings.items():
            try:
                (path / key).write_text(str(value))
            except OSError:
                if key == required:  # the limit itself could not be set: not worth keeping
                    self._remove(path)
                    return
        self.dirs.append(path)
        self.kinds.append(kind)

    def enter(self) -> None:
        """Move the calling process into the cgroups (runs in the child before exec)."""
        for path in self.dirs:
            try:
                (path / "cgroup.procs").write_text(str(os.getpid()))
            except OSError:
                pass

    def remove(self) -> None:
        for path in self.dirs:
            self._remove(path)
        self.dirs = []

    @staticmethod
    def _sweep(parent: Path) -> None:
        """Remove empty cgroups left by graders that were killed before they could clean up."""
        for stale in parent.glob("rnncourse-*"):
            try:
                os.kill(int(stale.name.split("-")[1]), 0)
            except ProcessLookupError:
                try:
                    stale.rmdir()
                except OSError:
                    pass
            except (ValueError, IndexError, PermissionError):
                pass

    @staticmethod
    def _remove(path: Path) -> None:
        import time

        for _ in range(50):  # the killed processes may take a moment to leave
            try:
                path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)


def set_limits(limits: Limits, cgroup: Cgroup | None = None):
    """A ``preexec_fn`` applying the resource limits in the child before it starts."""

    def apply():
        os.setsid()
        if cgroup is not None:
            cgroup.enter()
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
