"""Replace an output directory atomically, rewriting only files whose bytes changed.

New output is built in a staging directory beside the target. A file whose content is
the same as in the current output is hard-linked from it (same inode, same mtime), so
only changed files are new. The staging directory then takes the target's place in one
`renameat2(RENAME_EXCHANGE)` call; a failed or interrupted run leaves the previous
output as it was. A run holds OUT's lock (`outlock.py`) from start to end, so two runs
never share OUT, and the leftovers it cleans up (staging and retired directories of
exactly this OUT, named with its pid) can only be a dead run's.
"""

from __future__ import annotations

import errno
import filecmp
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from jobsmith.errors import EXIT_USAGE, JobsmithError
from jobsmith.generator import outlock

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_STAGING = ".jobsmith-staging-"
_RETIRED = ".jobsmith-retired-"


class OutputError(JobsmithError):
    exit_code = 1


class OutputRefusedError(OutputError):
    """OUT is not a place `generate` may replace: a usage error, like a bad option."""

    exit_code = EXIT_USAGE


@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)


class AtomicOutput:
    """Context manager: `write()` files, and on a clean exit they replace `target`."""

    def __init__(self, target: Path, marker: str, lock_wait: float | None = None) -> None:
        self.target = Path(target)
        wait = outlock.WAIT_SECONDS if lock_wait is None else lock_wait
        self.lock = outlock.OutputLock(self.target, wait)
        self.marker = marker  # a file every jobsmith output has (manifest.json)
        self.stats = WriteStats()
        self.staging = self.target.parent / f"{_STAGING}{self.target.name}-{os.getpid()}"
        self._seen: set[str] = set()

    def __enter__(self) -> AtomicOutput:
        self.lock.__enter__()
        try:
            self._recover()
            self._check_target()
            self.staging.mkdir()
        except BaseException:
            self.lock.__exit__()
            raise
        return self

    def _recover(self) -> None:
        """Clean up after dead runs of this OUT (the lock says no live one exists)."""
        retired = self._leftovers(_RETIRED)
        if not self.target.exists() and retired:
            # A run died between the two renames of the fallback exchange.
            os.rename(retired.pop(), self.target)
        for stale in [*retired, *self._leftovers(_STAGING)]:
            shutil.rmtree(stale, ignore_errors=True)

    def _leftovers(self, prefix: str) -> list[Path]:
        """`<prefix><OUT name>-<pid>` beside OUT: this OUT's only, never `OUT-2`'s."""
        start = f"{prefix}{self.target.name}-"
        try:
            names = os.listdir(self.target.parent)
        except FileNotFoundError:
            return []
        return sorted(self.target.parent / name for name in names
                      if name.startswith(start) and name[len(start):].isdigit())

    def _check_target(self) -> None:
        if self.target.exists():
            if not self.target.is_dir():
                raise OutputRefusedError(f"{self.target}: exists and is not a directory")
            if any(self.target.iterdir()) and not (self.target / self.marker).exists():
                raise OutputRefusedError(
                    f"{self.target}: not empty and not jobsmith output (no {self.marker}); "
                    "refusing to replace it"
                )

    def write(self, relative: str, data: bytes) -> None:
        self.record(relative, write_file(self.staging, self.target, relative, data))

    def write_chunks(self, relative: str, chunks: Iterable[bytes | Extent]) -> None:
        """`write` for a large file made of `chunks`, never all in memory at once."""
        self.record(relative, write_chunks(self.staging, self.target, relative, chunks))

    def open_file(self, relative: str) -> int:
        """A new file of the staging directory, open for writing piece by piece
        (`write_pieces`); `written_file` once it is complete and closed."""
        destination = os.path.join(self.staging, relative)
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        return os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)

    def written_file(self, relative: str) -> None:
        """Record a file made with `open_file` (linked to the current one if the same)."""
        self.record(relative, _settle(self.staging, self.target, relative))

    def record(self, relative: str, written: bool) -> None:
        """Count a file written into the staging directory (here or by `write_file`)."""
        if relative in self._seen:
            raise OutputError(f"generator wrote {relative} twice")
        self._seen.add(relative)
        if written:
            self.stats.written += 1
        else:
            self.stats.unchanged += 1

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            if kind is None:
                self._commit()
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.lock.__exit__()

    def _commit(self) -> None:
        if self.target.exists():
            self.stats.removed = len(_files(self.target) - self._seen)
        if not self.stats.changed and self.target.exists():
            return  # identical output: leave the directory as it is
        _sync_filesystem(self.staging)  # the new files are on disk before they replace the old
        if self.target.exists():
            _exchange(self.staging, self.target)
        else:
            os.rename(self.staging, self.target)


def _files(root: Path) -> set[str]:
    """The relative path of every file below `root` (links to directories not followed)."""
    found: set[str] = set()
    for directory, _, names in os.walk(root):
        relative = os.path.relpath(directory, root)
        prefix = "" if relative == "." else relative + "/"
        found.update(prefix + name for name in names)
    return found


def write_file(staging: Path, target: Path | None, relative: str, data: bytes) -> bool:
    """Put `data` at `staging/relative`; False when it was linked unchanged from `target`
    (None: there is no earlier output to compare with, so nothing is looked for).

    A plain function so that worker processes can write their share of the output.
    """
    destination = os.path.join(staging, relative)
    if target is not None:
        current = os.path.join(target, relative)
        try:
            if os.stat(current).st_size == len(data):
                with open(current, "rb") as handle:
                    same = handle.read() == data
                if same:
                    _link(current, destination)
                    return False
        except OSError:
            pass
    try:
        fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        write_all(fd, data)
    finally:
        os.close(fd)
    return True


class Extent(NamedTuple):
    """`length` bytes at `offset` of the open file `fd`, copied into an output file by the
    kernel (`copy_file_range`) without passing through this process."""

    fd: int
    offset: int
    length: int


def write_chunks(staging: Path, target: Path, relative: str,
                 chunks: Iterable[bytes | Extent]) -> bool:
    """`write_file` for content given piece by piece (bytes, or extents of other files):
    written into the staging directory, then compared with the current file block by
    block and replaced by a link to it when the bytes are the same."""
    destination = os.path.join(staging, relative)
    os.makedirs(os.path.dirname(destination), exist_ok=True)
    fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        write_pieces(fd, chunks)
    finally:
        os.close(fd)
    return _settle(staging, target, relative)


def _settle(staging: Path, target: Path, relative: str) -> bool:
    """Replace a file just written into the staging directory by a link to the current
    one when the bytes are the same; whether it was written (not the same)."""
    destination = os.path.join(staging, relative)
    current = os.path.join(target, relative)
    try:
        same = filecmp.cmp(destination, current, shallow=False)
    except OSError:
        return True
    if same:
        os.unlink(destination)
        _link(current, destination)
    return not same


def write_pieces(fd: int, pieces: Iterable[bytes | Extent]) -> None:
    """Write `pieces` to `fd` in order: bytes as they are, an extent copied by the kernel
    (read and written here where the kernel cannot copy between the two files)."""
    pending: list[bytes] = []  # bytes go out together, in as few writes as they allow
    kernel_copy = True
    for piece in pieces:
        if not isinstance(piece, Extent):
            pending.append(piece)
            continue
        write_all(fd, b"".join(pending))
        pending.clear()
        offset, left = piece.offset, piece.length
        while left and kernel_copy:
            try:
                done = os.copy_file_range(piece.fd, fd, left, offset)
            except OSError as error:
                if error.errno not in _NO_KERNEL_COPY:
                    raise
                done = 0
            if done == 0:  # not here (file system, kernel): read and write from now on
                kernel_copy = False
            offset, left = offset + done, left - done
        if left:
            write_all(fd, os.pread(piece.fd, left, offset))
    write_all(fd, b"".join(pending))


# What `copy_file_range` raises where it cannot copy between these two files at all.
_NO_KERNEL_COPY = frozenset({errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP,
                             errno.EBADF})


def write_all(fd: int, data: bytes) -> None:
    """Write all of `data` to `fd` (`os.write` may take only part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _link(current: str, destination: str) -> None:
    try:
        os.link(current, destination)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        os.link(current, destination)


def _libc() -> Any:
    import ctypes  # only here: nothing else of a run needs it

    return ctypes.CDLL(None, use_errno=True)  # the C library this process already runs on


def _sync_filesystem(path: Path) -> None:
    """Flush the file system that holds `path` to disk (`syncfs(2)`). `os.sync()` would
    also wait for every other file system's dirty data: on a shared machine, other
    people's builds."""
    syncfs = getattr(_libc(), "syncfs", None)
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if syncfs is None or syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


def _exchange(a: Path, b: Path) -> None:
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is not None:
        result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b),
                           _RENAME_EXCHANGE)
        if result == 0:
            return
    # No atomic exchange here (old libc or file system): two renames, old kept until done.
    retired = b.parent / f"{_RETIRED}{b.name}-{os.getpid()}"
    os.rename(b, retired)
    try:
        os.rename(a, b)
    except OSError:
        os.rename(retired, b)
        raise
    os.rename(retired, a)
