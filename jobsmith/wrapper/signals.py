"""The signals that tell the wrapper to stop, and a wake-up pipe for its poll loop.

SIGTERM, SIGINT and SIGHUP (Jenkins aborting a build) are recorded, not acted on here:
the supervisor then terminates the command's whole tree and the runner starts no
retry. SIGCHLD only wakes the loop so that exited processes are reaped promptly.
Python's `signal.set_wakeup_fd` writes a byte to the pipe for every signal, so a
`poll` on it returns as soon as one arrives.

The wrapper installs the watch first thing, so a stop signal is obeyed at every
moment: before the command starts (start-up, an artifact download) the handler raises
`StopRequested`, which the wrapper turns into exit status 128+N without a traceback;
while the command runs it is recorded and acted on by the supervisor. Once the run's
final status is decided, `block()` holds every later stop signal back, so the status,
the summary line and the alert cannot come to disagree.
"""

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    import signal
else:
    # `signal` builds its enums at import (enum and more: several ms of every start-up,
    # and the wrapper starts for every step); `_signal` has the same functions and
    # constants, as plain ints
    import _signal as signal

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

if TYPE_CHECKING:
    from types import FrameType


class StopRequested(BaseException):
    """A stop signal arrived before the command started (a BaseException, like
    KeyboardInterrupt, so that no `except Exception` on the way swallows it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by signal {signum}")
        self.signum = signum


class SignalWatch:
    """Installs the wrapper's signal handlers until `close()`; usable as a context manager.

    `raise_on_stop`: a stop signal raises `StopRequested` (start-up) instead of only
    being recorded (supervision).
    """

    def __init__(self, *, raise_on_stop: bool = False) -> None:
        # Only recorded while the handlers go in: a `StopRequested` out of here would
        # reach a caller that is not yet inside its `try` (see `arm`).
        self.raise_on_stop = False
        self.received: list[int] = []
        # A signal can land while Python runs a callback whose exceptions it cannot
        # propagate (a weakref callback of the import machinery's module locks, a
        # `__del__`): Python then prints "Exception ignored in ..." with a traceback and
        # carries on. The stop is already in `received`, and `run_attempt` checks that
        # before the command starts, so such a `StopRequested` is dropped silently.
        # Installed before the handlers, so that no handler can run ahead of it.
        self._previous_unraisable = sys.unraisablehook
        sys.unraisablehook = self._on_unraisable
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._read_fd, False)
        os.set_blocking(self._write_fd, False)
        self._previous_wakeup = signal.set_wakeup_fd(self._write_fd, warn_on_full_buffer=False)
        self._previous = {sig: signal.signal(sig, self._on_stop) for sig in STOP_SIGNALS}
        self._previous[signal.SIGCHLD] = signal.signal(signal.SIGCHLD, _on_child)
        if raise_on_stop:
            self.arm()

    def arm(self) -> None:
        """From now on a stop signal raises `StopRequested`; at once if one came already.

        Call it inside the `try` that handles `StopRequested`.
        """
        self.raise_on_stop = True
        if self.received:
            self.raise_on_stop = False
            raise StopRequested(self.received[0])

    @property
    def fd(self) -> int:
        """Readable whenever a signal arrived; call `clear()` after."""
        return self._read_fd

    @property
    def stop_signal(self) -> int | None:
        """The first stop signal received, if any."""
        return self.received[0] if self.received else None

    def clear(self) -> None:
        try:
            while os.read(self._read_fd, 4096):
                pass
        except BlockingIOError:
            pass

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`; return True as soon as a stop signal arrives."""
        import select  # not at import: the wrapper's first poll comes after the spawn
        import time

        deadline = time.monotonic() + seconds
        poller = select.poll()
        poller.register(self._read_fd, select.POLLIN)
        while not self.received:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            poller.poll(max(int(left * 1000) + 1, 1))
            self.clear()
        return True

    def block(self) -> None:
        """Hold back every later stop signal, for the rest of the process."""
        self.raise_on_stop = False
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)

    def close(self) -> None:
        """Put the previous handlers back; stop signals held back by `block()` are dropped."""
        self.raise_on_stop = False
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        held = [sig for sig in STOP_SIGNALS if sig in blocked]
        if held:
            for sig in held:
                signal.signal(sig, signal.SIG_IGN)  # a pending ignored signal is discarded
            signal.pthread_sigmask(signal.SIG_UNBLOCK, held)
        for sig, handler in self._previous.items():
            # None: a handler installed outside Python, which cannot be put back.
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)
        signal.set_wakeup_fd(self._previous_wakeup)
        sys.unraisablehook = self._previous_unraisable
        os.close(self._read_fd)
        os.close(self._write_fd)

    def __enter__(self) -> "SignalWatch":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _on_stop(self, signum: int, frame: "FrameType | None") -> None:
        self.received.append(signum)
        if self.raise_on_stop:
            self.raise_on_stop = False  # once: the wrapper is on its way out
            raise StopRequested(signum)

    def _on_unraisable(self, unraisable: "sys.UnraisableHookArgs") -> None:
        if unraisable.exc_type is not None and issubclass(unraisable.exc_type, StopRequested):
            return
        # Another unraisable error is reported as Python would; a stop signal during that
        # report is only recorded (an exception out of the hook is printed too).
        raising, self.raise_on_stop = self.raise_on_stop, False
        try:
            self._previous_unraisable(unraisable)
        finally:
            self.raise_on_stop = raising and not self.received


def _on_child(signum: int, frame: "FrameType | None") -> None:
    """Nothing to do: the wake-up byte is what matters."""
