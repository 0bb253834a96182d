"""Alerts that could not be delivered, kept on disk until a later run sends them.

The directory may be shared by concurrent runs (of several users), and any run may be
killed at any moment; nothing is lost, nothing is half-read, and no entry can stop
later runs:
- `put` writes a hidden temporary file `.tmp-<pid>-<rand>` under an exclusive `flock`,
  fsyncs it, renames it to `<ns>-<pid>-<rand>.json` (atomic) and fsyncs the directory.
- `claim` opens an entry, takes its `flock` (without waiting) and only then renames it
  to `<name>.sending-<pid>`. The kernel drops a lock when its holder dies, so a claim
  whose file nobody holds locked belongs to a dead run and is taken over, even when its
  pid now names another process (pid reuse, a reboot, a container restart). An alert
  can arrive twice, never zero times.
- A temporary file nobody holds locked, older than `ORPHAN_SECONDS`, was left by a run
  killed while storing its alert: a whole alert in it is claimed and sent like any
  other; a half-written one is removed.
- An entry that cannot be one (unreadable, another user's file this user cannot read,
  not a regular file, not a JSON object) raises `Unusable`; the caller moves it to
  `quarantine/` with a `.reason` file beside it, for a person to read.
- After the attempt the claim is deleted (sent), renamed back (Sensu unreachable) or
  moved to `rejected/` (Sensu refused it: sending again would not help).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
import time

SENDING = ".sending-"
SUFFIX = ".json"
TEMPORARY = ".tmp-"
REJECTED_DIR = "rejected"
QUARANTINE_DIR = "quarantine"
ORPHAN_SECONDS = 10.0  # a live writer holds its temporary file locked after a few µs
MAX_ENTRY_BYTES = 1 << 20  # a stored alert is a few KiB: anything bigger is not one

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Unusable(Exception):
    """An outbox entry that can never be sent; the message says why."""


class Claim:
    """An entry this run holds: its claimed path and the open, locked descriptor."""

    __slots__ = ("base", "fd", "path", "temporary")

    def __init__(self, path: str, base: str, fd: int, temporary: bool) -> None:
        self.path = path
        self.base = base  # the entry's name without the claim suffix
        self.fd = fd
        self.temporary = temporary  # recovered from a killed run's temporary file


class Outbox:
    """One outbox directory (created on first use)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def put(self, check: dict[str, Any]) -> str:
        """Store `check`; return the file's path. Raises OSError (nothing left behind)."""
        os.makedirs(self.directory, exist_ok=True)
        token = f"{os.getpid()}-{os.urandom(6).hex()}"
        temporary = os.path.join(self.directory, f"{TEMPORARY}{token}")
        final = os.path.join(self.directory, f"{time.time_ns():020d}-{token}{SUFFIX}")
        data = json.dumps(check, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
            os.rename(temporary, final)
        except BaseException:
            _remove_quietly(temporary)
            raise
        finally:
            os.close(fd)
        _fsync_directory(self.directory)
        return final

    def pending(self) -> list[str]:
        """Names of every entry worth a look, oldest first (claims and temporaries too)."""
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        ready = [
            name for name in names
            if name.startswith(TEMPORARY)
            or (not name.startswith(".") and (name.endswith(SUFFIX) or SENDING in name))
        ]
        return sorted(ready, key=lambda name: (not name.startswith(TEMPORARY), name))

    def claim(self, name: str) -> Claim | None:
        """Take `name` for this run; None when a live run holds it or it is gone.

        Raises `Unusable` for an entry that can never be sent, OSError otherwise.
        """
        path = os.path.join(self.directory, name)
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise Unusable(_unreadable(path, error)) from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise Unusable(f"not a regular file ({_kind(info.st_mode)})")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return None  # a live run is writing or sending it
            temporary = name.startswith(TEMPORARY)
            if temporary:
                if time.time() - info.st_mtime < ORPHAN_SECONDS:
                    os.close(fd)
                    return None  # maybe a writer between open() and flock()
                base = f"{info.st_mtime_ns:020d}-{name[len(TEMPORARY):]}{SUFFIX}"
            else:
                base = name.split(SENDING)[0]
            claimed = os.path.join(self.directory, f"{base}{SENDING}{os.getpid()}")
            try:
                os.rename(path, claimed)
            except FileNotFoundError:
                os.close(fd)
                return None  # taken and finished by another run meanwhile
            return Claim(claimed, base, fd, temporary)
        except BaseException:
            _close_quietly(fd)
            raise

    def load(self, claim: Claim) -> dict[str, Any]:
        """The check in a claimed entry; raises `Unusable` when it is not a JSON object."""
        chunks = []
        size = 0
        while size <= MAX_ENTRY_BYTES:
            chunk = os.read(claim.fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_ENTRY_BYTES:
            raise Unusable(f"over {MAX_ENTRY_BYTES:,} bytes: not an alert")
        try:
            value = json.loads(b"".join(chunks))
        except ValueError:
            raise Unusable("half-written or not JSON" if size else "empty") from None
        if not isinstance(value, dict):
            raise Unusable("JSON, but not an alert (not an object)")
        return value

    def done(self, claim: Claim) -> None:
        """Sent: remove it."""
        try:
            os.unlink(claim.path)
        finally:
            os.close(claim.fd)
        _fsync_directory(self.directory)

    def discard(self, claim: Claim) -> None:
        """A half-written entry of a killed run: nothing in it can be sent."""
        self.done(claim)

    def release(self, claim: Claim) -> None:
        """Not sent (Sensu unreachable): put it back for a later run."""
        try:
            os.rename(claim.path, os.path.join(self.directory, claim.base))
        finally:
            os.close(claim.fd)

    def reject(self, claim: Claim) -> str:
        """Move a claim Sensu refused to `rejected/`, kept for a person to read."""
        try:
            return self._set_aside(claim.path, claim.base, REJECTED_DIR)
        finally:
            os.close(claim.fd)

    def quarantine(self, name: str, reason: str, claim: Claim | None = None) -> str:
        """Move an unusable entry to `quarantine/` with a `.reason` file; its new path."""
        try:
            path = claim.path if claim else os.path.join(self.directory, name)
            target = self._set_aside(path, claim.base if claim else name, QUARANTINE_DIR)
        finally:
            if claim is not None:
                os.close(claim.fd)
        try:
            with open(f"{target}.reason", "w", encoding="utf-8") as handle:
                handle.write(reason + "\n")
        except OSError:
            pass  # the reason is also on stderr; the entry is out of the way already
        return target

    def _set_aside(self, path: str, base: str, folder: str) -> str:
        directory = os.path.join(self.directory, folder)
        os.makedirs(directory, exist_ok=True)
        target = os.path.join(directory, base)
        if os.path.lexists(target):
            target = f"{target}-{os.getpid()}-{os.urandom(3).hex()}"
        os.rename(path, target)
        return target


def _unreadable(path: str, error: OSError) -> str:
    reason = f"cannot open: {error.strerror or error}"
    try:
        info = os.lstat(path)
    except OSError:
        return reason
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link, not an entry this outbox wrote"
    if info.st_uid != os.geteuid():
        reason += f" (owner uid {info.st_uid}, mode {stat.S_IMODE(info.st_mode):04o}; " \
                  f"this run is uid {os.geteuid()})"
    return reason


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a file"


def _remove_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _close_quietly(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _fsync_directory(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
