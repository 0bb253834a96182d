"""The wrapper's own stdout and stderr: writes that never raise, and what could not be written.

Whatever happens to those two descriptors, the wrapper keeps the command's exit status
and still sends its metrics and alert. A write that fails (a full disk: ENOSPC; a file
size limit: EFBIG, since Python ignores SIGXFSZ; a reader that quit: EPIPE; an I/O
error) marks that descriptor failed: everything later meant for it is dropped and
counted, and `notes()` says once what was lost. The wrapper's own lines go to stderr,
or to stdout when stderr failed; when neither works, the alert carries the notes.

A descriptor 0, 1 or 2 that is closed when the wrapper starts gets /dev/null first,
before anything else is opened: otherwise the next pipe or file the wrapper opens
would take that number, and the command's output would go into it.
"""

import errno
import os

STREAM_NAMES = {0: "stdin", 1: "stdout", 2: "stderr"}


def fill_closed_standard_fds() -> list[int]:
    """Open /dev/null on each of descriptors 0, 1, 2 that is closed; the ones filled."""
    filled = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            new = os.open(os.devnull, os.O_RDWR)
            if new != fd:  # cannot happen in order 0, 1, 2; kept for safety
                os.dup2(new, fd)
                os.close(new)
            filled.append(fd)
    return filled


class Channels:
    """Writes to the wrapper's stdout and stderr; a failed descriptor is written no more."""

    def __init__(self, stdout: int = 1, stderr: int = 2, closed_at_start: tuple[int, ...] = ()):
        self.stdout = stdout
        self.stderr = stderr
        self.closed_at_start = closed_at_start
        self.errors: dict[int, OSError] = {}  # fd -> the first write error on it
        self.lost: dict[int, int] = {}  # fd -> bytes of the command's output not written
        self._reported = False

    def broken_pipe(self, fd: int) -> bool:
        """The reader of `fd` quit: the command should see the broken pipe too."""
        error = self.errors.get(fd)
        return error is not None and error.errno == errno.EPIPE

    def write(self, fd: int, data: bytes | memoryview, *, output: bool = True) -> bool:
        """Write all of `data` to `fd`; False when it failed now or before.

        `output`: the bytes are the command's, counted as lost when not written.
        """
        view = memoryview(data)
        if fd not in self.errors:
            try:
                while view:
                    view = view[_write(fd, view) :]
                return True
            except OSError as error:
                self.errors[fd] = error
        if output:
            self.lost[fd] = self.lost.get(fd, 0) + len(view)
        return False

    def say(self, line: str) -> bool:
        """One line of the wrapper's own on stderr, else stdout; False when neither took it."""
        data = (line + "\n").encode("utf-8", errors="replace")
        return any(self.write(fd, data, output=False) for fd in (self.stderr, self.stdout))

    def notes(self) -> list[str]:
        """What could not be written, one line per descriptor, in the user's words."""
        notes = [
            f"{STREAM_NAMES.get(fd, f'fd {fd}')} was closed when the wrapper started; "
            "it was given /dev/null"
            for fd in self.closed_at_start
        ]
        for fd, error in sorted(self.errors.items()):
            name = STREAM_NAMES.get(fd, f"fd {fd}")
            reason = error.strerror or str(error)
            lost = self.lost.get(fd, 0)
            notes.append(
                f"cannot write {name}: {reason}; {lost:,} bytes of the command's output lost"
            )
        return notes

    def report(self) -> None:
        """Say the notes once, on whichever descriptor still works."""
        if self._reported:
            return
        self._reported = True
        for note in self.notes():
            self.say(f"jobsmith: warning: {note}")


def _write(fd: int, view: memoryview) -> int:
    try:
        return os.write(fd, view)
    except BlockingIOError:  # our descriptor was left non-blocking by whoever owns it
        import select

        select.select([], [fd], [])
        return 0
