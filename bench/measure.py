"""Time one command and read its peak memory, the same way for every benchmark."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run of `argv`, output discarded.

    Linux carries the spawning process's peak RSS into the child through exec, so the
    figure is an upper bound: at least this process's size. `bench/run.py` runs each
    benchmark in a fresh, small process for that reason.
    """
    program = argv[0] if os.sep in argv[0] else (shutil.which(argv[0]) or argv[0])
    quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_WRONLY, 0) for fd in (1, 2)]
    started = time.perf_counter()
    pid = os.posix_spawn(program, argv, dict(os.environ) if env is None else env,
                         file_actions=quiet)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} ... exited {code}")
    return elapsed, usage.ru_maxrss


@dataclass(frozen=True)
class Usage:
    wall: float  # seconds
    cpu: float  # user + system seconds of the child (and of the children it waited for)
    peak_kib: int
    sys: float = 0.0  # the system part of `cpu`


def usage(argv: list[str], env: dict[str, str] | None = None,
          cwd: Path | None = None) -> Usage:
    """Like `timed`, with the child's CPU time, optionally in another directory."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    _, status, rusage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} ... exited {code}")
    return Usage(elapsed, rusage.ru_utime + rusage.ru_stime, rusage.ru_maxrss, rusage.ru_stime)
