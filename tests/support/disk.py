"""A disk that fills up for real (with the `small_tmpfs` fixture of tests/wrapper)."""

from __future__ import annotations

import os
from pathlib import Path


def fill_up(path: Path) -> None:
    """Write zeros to `path` until the file system that holds it has no room left."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:  # the disk is full
        pass
    finally:
        os.close(fd)
