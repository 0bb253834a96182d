"""Alerts that could not be delivered, kept on disk until a later run sends them.

The directory may be shared by concurrent runs, and any run may be killed at any
moment; nothing is lost and nothing is half-read:
- `put` writes a hidden temporary file, fsyncs it, renames it to `<ns>-<pid>-<rand>.json`
  (atomic) and fsyncs the directory. A reader sees a whole file or none.
- `claim` renames a file to `<name>.sending-<pid>` before sending it. Rename is atomic,
  so of two runs draining at once exactly one gets each file. A run killed while
  sending leaves its claim behind; a later run takes it over once that pid is gone.
  (So an alert can arrive twice, never zero times.)
- After the attempt the claim is deleted (sent), renamed back (Sensu unreachable) or
  moved to `rejected/` (Sensu refused it: sending again would not help).
"""

from __future__ import annotations

import json
import os

SENDING = ".sending-"
SUFFIX = ".json"
REJECTED_DIR = "rejected"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Outbox:
    """One outbox directory (created on first use)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def put(self, check: dict[str, Any]) -> str:
        """Store `check`; return the file's path. Raises OSError."""
        os.makedirs(self.directory, exist_ok=True)
        token = f"{os.getpid()}-{os.urandom(6).hex()}"
        temporary = os.path.join(self.directory, f".tmp-{token}")
        final = os.path.join(self.directory, f"{_now_ns():020d}-{token}{SUFFIX}")
        data = json.dumps(check, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temporary, final)
        _fsync_directory(self.directory)
        return final

    def pending(self) -> list[str]:
        """Names of stored alerts (oldest first) and of claims whose owner is gone."""
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        ready = []
        for name in names:
            if name.endswith(SUFFIX) or (SENDING in name and not _alive(_owner(name))):
                ready.append(name)
        return sorted(ready)

    def claim(self, name: str) -> str | None:
        """Take `name` for this process; its claimed path, or None if another run won."""
        base = name.split(SENDING)[0]
        claimed = os.path.join(self.directory, f"{base}{SENDING}{os.getpid()}")
        try:
            os.rename(os.path.join(self.directory, name), claimed)
        except FileNotFoundError:
            return None
        return claimed

    def load(self, claimed: str) -> dict[str, Any] | None:
        """The check in a claimed file; None when it is not a JSON object."""
        try:
            with open(claimed, "rb") as handle:
                value = json.loads(handle.read())
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def done(self, claimed: str) -> None:
        os.unlink(claimed)
        _fsync_directory(self.directory)

    def release(self, claimed: str) -> None:
        os.rename(claimed, claimed.split(SENDING)[0])

    def reject(self, claimed: str) -> str:
        """Move a claim Sensu refused to `rejected/`, kept for a person to read."""
        rejected = os.path.join(self.directory, REJECTED_DIR)
        os.makedirs(rejected, exist_ok=True)
        target = os.path.join(rejected, os.path.basename(claimed.split(SENDING)[0]))
        os.rename(claimed, target)
        return target


def _owner(name: str) -> int:
    text = name.rsplit(SENDING, 1)[1]
    return int(text) if text.isdigit() else 0


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return False  # our own leftover claim (pid reuse): take it back
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _now_ns() -> int:
    import time

    return time.time_ns()


def _fsync_directory(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
