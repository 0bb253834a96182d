"""One `generate` at a time per output directory: an exclusive `flock` beside OUT.

The lock file is `.jobsmith-lock-<OUT name>` in OUT's parent directory (OUT itself is
swapped out whole, so it cannot hold it). A second run waits up to `WAIT_SECONDS` for
the first to finish, then gives up with a usage error (exit 2) naming the holder. The
kernel releases the lock when its holder dies, so a killed run never blocks the next.
While it holds the lock, a run knows every staging or retired directory of OUT is a
leftover of a dead run.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from jobsmith.errors import EXIT_USAGE, JobsmithError

WAIT_SECONDS = 10.0
POLL_SECONDS = 0.05
LOCK_PREFIX = ".jobsmith-lock-"


class OutputBusyError(JobsmithError):
    """Another `generate` is writing the same OUT."""

    exit_code = EXIT_USAGE


class OutputLock:
    """Context manager holding the lock of one output directory."""

    def __init__(self, target: Path, wait: float = WAIT_SECONDS) -> None:
        self.target = Path(target)
        self.path = self.target.parent / f"{LOCK_PREFIX}{self.target.name}"
        self.wait = wait
        self._fd = -1

    def __enter__(self) -> OutputLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        until = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= until:
                    holder = _holder(fd)
                    os.close(fd)
                    raise OutputBusyError(
                        f"{self.target}: another `jobsmith generate`{holder} is writing this "
                        f"output; waited {self.wait:g}s. Run again when it has finished"
                    ) from None
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # releases the lock; the file stays for the next run
            self._fd = -1


def _holder(fd: int) -> str:
    try:
        # The first line: the holder wrote its pid there (over an older, longer one if
        # it did not truncate first).
        text = os.pread(fd, 32, 0).decode().split("\n", 1)[0].strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {text})" if text.isdigit() else ""
