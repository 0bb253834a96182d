"""Copy the command's stdout and stderr to the wrapper's, byte for byte, keeping a tail.

Each stream comes through its own pipe; the supervisor's poll loop calls `on_ready`
when one is readable. Reads and writes use large buffers and no decoding, so the copy
costs about what `cat` costs. When the wrapper's own output is gone (EPIPE, a reader
that quit), the pipe from the command is closed too, so the command sees the same
broken pipe it would have seen without the wrapper. Any other write error (a full
disk, a file size limit) drops the rest of that stream (`channels.py` counts it) while
the command runs on undisturbed, its output still kept in the tail for the alert.
"""

import os

from jobsmith.wrapper.channels import Channels
from jobsmith.wrapper.tail import OutputTail

CHUNK = 1 << 18  # 256 KiB: big enough for few wake-ups, small enough for the CPU cache
PIPE_SIZE = 1 << 18
F_SETPIPE_SZ = 1031  # Linux fcntl: resize a pipe's buffer.


class OutputPump:
    """Forwards each read end in `routes` to its write end, feeding `tail`."""

    def __init__(self, routes: dict[int, int], tail: OutputTail, channels: Channels) -> None:
        self.routes = dict(routes)
        for fd in self.routes:  # the command may be writing already: only ever grown
            grow_pipe(fd)
        self.tail = tail
        self.channels = channels
        # One buffer for every read: a fresh bytes object per read would cost
        # an allocation and its page faults each time.
        self._buffer = bytearray(CHUNK)
        self._view = memoryview(self._buffer)

    @property
    def open(self) -> bool:
        return bool(self.routes)

    def on_ready(self, fd: int) -> bool:
        """Move what is ready on `fd`; False once the stream has ended (fd closed)."""
        size = os.readv(fd, [self._buffer])
        if not size:
            self._close(fd)
            return False
        data = self._view[:size]
        self.tail.feed(data)
        target = self.routes[fd]
        if not self.channels.write(target, data) and self.channels.broken_pipe(target):
            self._close(fd)
            return False
        return True

    def close(self) -> None:
        for fd in list(self.routes):
            self._close(fd)

    def _close(self, fd: int) -> None:
        self.routes.pop(fd, None)
        os.close(fd)


def grow_pipe(fd: int) -> None:
    """Ask for a 256 KiB pipe buffer (fewer wake-ups); keep the default where refused
    (the call then returns -1)."""
    try:
        # `_ctypes` is loaded already (for prctl): cheaper than importing `fcntl`.
        from jobsmith.wrapper.proctree import libc_call

        libc_call("fcntl", fd, F_SETPIPE_SZ, PIPE_SIZE)
        return
    except (ImportError, AttributeError, OSError):
        pass
    try:
        import fcntl

        fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE)
    except OSError:
        pass

