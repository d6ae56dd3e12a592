"""A submission's files are data: read without following links, capped, parsed in a limited child.

* ``problem(path)`` says why a path in a submission may not be used (a symbolic link, a
  hard link, a device, a FIFO or socket, a file over its size cap), or ``None``;
* ``read_regular(path, max_bytes)`` reads a regular file opened with ``O_NOFOLLOW``,
  checked on the open descriptor (no race between the check and the read);
* ``run_limited(cmd, data, ...)`` runs a trusted helper on such bytes in a child process
  with memory, CPU-time, file-size and wall-time limits, for work that may blow up on
  hostile input (unpickling a checkpoint, say).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

MB = 1024 * 1024
# caps on what a submission may hold (the notebook, the 05 checkpoint; anything else is small)
MAX_BYTES = {".ipynb": 20 * MB, ".pt": 64 * MB}
DEFAULT_MAX = 4 * MB


class UnsafeFile(ValueError):
    """A file the grader will not read; the message names it and says why."""


def cap(path: Path) -> int:
    return MAX_BYTES.get(Path(path).suffix.lower(), DEFAULT_MAX)


def problem(path: Path, max_bytes: int | None = None) -> str | None:
    """Why ``path`` may not be read as a submission's file, in words; None if it may."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISLNK(st.st_mode):
        return f"is a symbolic link (to {os.readlink(path)!r}); submit the file itself"
    if stat.S_ISDIR(st.st_mode):
        return None
    if not stat.S_ISREG(st.st_mode):
        kind = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
                stat.S_IFBLK: "a device"}.get(stat.S_IFMT(st.st_mode), "not a regular file")
        return f"is {kind}, not a regular file"
    if st.st_nlink > 1:
        return "is a hard link to another file; submit a copy of the file itself"
    limit = cap(path) if max_bytes is None else max_bytes
    if st.st_size > limit:
        return f"is {st.st_size / MB:.1f} MB, over the {limit / MB:.0f} MB allowed for it"
    return None


def read_regular(path: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file, never through a link, at most ``max_bytes``."""
    limit = cap(path) if max_bytes is None else max_bytes
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        if os.path.islink(path):
            raise UnsafeFile(f"{Path(path).name} is a symbolic link; submit the file itself") from None
        raise UnsafeFile(f"{Path(path).name} cannot be read ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFile(f"{Path(path).name} is not a regular file")
        if st.st_nlink > 1:
            raise UnsafeFile(f"{Path(path).name} is a hard link to another file; submit a copy")
        if st.st_size > limit:
            raise UnsafeFile(f"{Path(path).name} is {st.st_size / MB:.1f} MB, over the "
                             f"{limit / MB:.0f} MB allowed")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise UnsafeFile(f"{Path(path).name} is over the {limit / MB:.0f} MB allowed")
        return b"".join(chunks)
    finally:
        os.close(fd)


# Sets the limits in the child itself, then runs the script: no preexec_fn, which is unsafe
# when the caller has threads (the hidden tests score a checkpoint in a background thread).
_LAUNCH = """import os, resource, runpy, sys
os.setsid()
for name, value in zip(("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_CORE"), map(int, sys.argv[1:5])):
    resource.setrlimit(getattr(resource, name), (value, value))
sys.argv = sys.argv[5:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_limited(args: list[str], data: bytes, *, memory_mb: int = 3072, cpu_seconds: int = 120,
                timeout: float = 180, output_mb: int = 64) -> subprocess.CompletedProcess:
    """``python -I SCRIPT ARGS`` (``args``) with ``data`` on stdin, in a child with resource limits.

    The child is trusted code working on untrusted bytes: the limits bound what a crafted
    input can cost (an archive that inflates, a huge tensor). A child killed for a limit
    returns a negative return code; the caller turns that into a message.
    """
    limits = [str(memory_mb * MB), str(cpu_seconds), str(output_mb * MB), "0"]
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        return subprocess.run([sys.executable, "-I", "-c", _LAUNCH, *limits, *args], input=data,
                              capture_output=True, timeout=timeout, env=env, cwd="/")
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, -9, b"", b"timed out")
