"""Run one attempt of the command and supervise its whole process tree.

The command starts in its own process group with its stdout and stderr on pipes to the
wrapper (`pump.py`). It ends when it exits, when the attempt's timeout passes, or when
the wrapper receives a stop signal (`signals.py`). In the last two cases, and whenever
the command leaves processes behind, every descendant gets the stop signal the wrapper
received (SIGTERM on a timeout or for leftovers; SIGCONT too, so a stopped one can act
on it), then SIGKILL after `kill_after`; a second stop signal skips the wait.

The attempt is over only when no descendant is left, and that is decided by the
kernel, not by a scan of /proc (which can miss a process that forks and exits while
it is read): the wrapper is a child subreaper, so every descendant is a child of its
or of a living descendant, and `waitid` failing with ECHILD means none is left.
Processes that fork and exit in a loop are chased: the command's process group is
killed as a whole (the kernel does not let a fork escape a group kill), and every
process found is killed, round after round, until none is left.

So when the wrapper has no other children (as `jobsmith run` has none), the common
case of a command that exits and leaves nothing behind reads no /proc at all: every
child is the command or one of its orphans, `waitpid(-1)` reaps them, and ECHILD ends
the attempt. /proc is read only to find processes to signal, and, for a caller that
has children of its own (tests running attempts in-process), to tell them apart.
"""

import errno
import os
import time

from jobsmith.wrapper.channels import Channels
from jobsmith.wrapper.proctree import children_of, descendants, signal_all, signal_group

TYPE_CHECKING = False
if TYPE_CHECKING:
    import signal
else:
    # `signal` builds its enums at import (enum and more: several ms of every start-up,
    # and the wrapper starts for every step); `_signal` has the same functions and
    # constants, as plain ints
    import _signal as signal

EXIT_TIMEOUT = 124
EXIT_CANNOT_INVOKE = 126
EXIT_NOT_FOUND = 127
RESCAN_SECONDS = 0.05
KILL_ROUNDS = 200  # kill rounds between two polls of the pipes, while killing
GIVE_UP_SECONDS = 30.0  # after SIGKILL: a process in uninterruptible sleep may never go
DRAIN_SECONDS = 1.0  # reading what the ended tree left in the pipes

# Dispositions the command gets back to default: Python ignores SIGPIPE and SIGXFSZ,
# and exec keeps ignored signals ignored.
_DEFAULT_SIGNALS = (
    signal.SIGPIPE,
    signal.SIGXFSZ,
    signal.SIGINT,
    signal.SIGQUIT,
    signal.SIGTERM,
    signal.SIGHUP,
    signal.SIGCHLD,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from select import poll as Poll

    from jobsmith.wrapper.pump import OutputPump
    from jobsmith.wrapper.signals import SignalWatch
    from jobsmith.wrapper.tail import OutputTail


class AttemptOutcome:
    """How one attempt ended. `exit_code` follows the coreutils `timeout` conventions."""

    __slots__ = ("duration", "exit_code", "launch_error", "stop_signal", "term_signal", "timed_out")

    def __init__(
        self,
        exit_code: int,
        *,
        timed_out: bool = False,
        term_signal: int | None = None,
        stop_signal: int | None = None,
        launch_error: str | None = None,
        duration: float = 0.0,
    ) -> None:
        self.exit_code = exit_code
        self.timed_out = timed_out
        self.term_signal = term_signal
        self.stop_signal = stop_signal
        self.launch_error = launch_error
        self.duration = duration

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"AttemptOutcome({fields})"


def exit_code_of(wait_status: int, timed_out: bool) -> int:
    """The wrapper's status for a command's wait status: own code, 128+N, or 124."""
    if timed_out:
        return EXIT_TIMEOUT
    if os.WIFSIGNALED(wait_status):
        return 128 + os.WTERMSIG(wait_status)
    return os.waitstatus_to_exitcode(wait_status)


def run_attempt(
    argv: list[str],
    *,
    watch: "SignalWatch",
    tail: "OutputTail",
    timeout: float | None = None,
    kill_after: float = 10.0,
    stdout_fd: int = 1,
    stderr_fd: int = 2,
    channels: Channels | None = None,
    clock: "Callable[[], float]" = time.monotonic,
) -> AttemptOutcome:
    """Run `argv` to its end (and its descendants' end); never raises for the command."""
    if watch.stop_signal is not None:  # told to stop before it started: it never starts
        stop = watch.stop_signal
        return AttemptOutcome(128 + stop, term_signal=stop, stop_signal=stop)
    started = clock()
    others = _own_children()
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    try:
        pid = os.posix_spawnp(
            argv[0],
            argv,
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, out_write, 1),
                (os.POSIX_SPAWN_DUP2, err_write, 2),
            ],
            setpgroup=0,
            setsigdef=_DEFAULT_SIGNALS,
            setsigmask=(),
        )
    except OSError as error:
        os.close(out_read)
        os.close(err_read)
        code = EXIT_NOT_FOUND if error.errno == errno.ENOENT else EXIT_CANNOT_INVOKE
        reason = os.strerror(error.errno) if error.errno else str(error)
        return AttemptOutcome(code, launch_error=f"{argv[0]}: {reason}", duration=0.0)
    finally:
        os.close(out_write)
        os.close(err_write)
    # What only the running command needs is imported once it runs (here, and `select`
    # in the supervisor): it starts that much sooner, and the imports overlap its start.
    from jobsmith.wrapper.pump import OutputPump

    channels = channels or Channels(stdout_fd, stderr_fd)
    pump = OutputPump({out_read: channels.stdout, err_read: channels.stderr}, tail, channels)
    supervisor = _Supervisor(pid, pump, watch, others, clock)
    try:
        supervisor.run(None if timeout is None else started + timeout, kill_after)
    finally:
        pump.close()
        supervisor.kill_everything()
    status = supervisor.status
    assert status is not None
    return AttemptOutcome(
        exit_code_of(status, supervisor.timed_out),
        timed_out=supervisor.timed_out,
        term_signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        stop_signal=supervisor.stop_signal,
        duration=clock() - started,
    )


class _Supervisor:
    """The poll loop of one attempt: pump output, reap, time out, terminate, kill."""

    def __init__(
        self,
        pid: int,
        pump: "OutputPump",
        watch: "SignalWatch",
        others: set[int],
        clock: "Callable[[], float]",
    ) -> None:
        self.pid = pid
        self.pump = pump
        self.watch = watch
        self.others = others  # children the wrapper had before: not the command's
        self.clock = clock
        self.status: int | None = None
        self.timed_out = False
        self.stop_signal: int | None = None
        self.terminating_since: float | None = None
        self.killing_since: float | None = None
        self.signalled: set[int] = set()
        self.term_signal: int = signal.SIGTERM

    def run(self, deadline: float | None, kill_after: float) -> None:
        import select  # once the command runs (see `run_attempt`)

        poller = select.poll()
        poller.register(self.watch.fd, select.POLLIN)
        for fd in self.pump.routes:
            poller.register(fd, select.POLLIN)
        self.reap()
        while True:
            now = self.clock()
            if self.terminating_since is None:
                if self.status is None and deadline is not None and now >= deadline:
                    self.timed_out = True
                    self.terminate(now, signal.SIGTERM)
                elif self.status is None and self.watch.stop_signal is not None:
                    self.stop_signal = self.watch.stop_signal
                    self.terminate(now, self.stop_signal)  # forwarded, as `timeout` does
                elif self.status is not None:
                    if self.finished():
                        break
                    self.terminate(now, signal.SIGTERM)  # the command left processes behind
            if self.terminating_since is not None:
                escalate = len(self.watch.received) > 1 and self.stop_signal is not None
                if self.killing_since is None and (
                    now >= self.terminating_since + kill_after or escalate
                ):
                    self.killing_since = now
                if self.killing_since is not None:
                    if self.kill_rounds() or now >= self.killing_since + GIVE_UP_SECONDS:
                        break
                else:
                    self.signal_newcomers()
                    if self.finished():
                        break
            wait = self.poll_timeout(now, deadline)
            for fd, _events in poller.poll(wait):
                if fd == self.watch.fd:
                    self.watch.clear()
                    self.reap()
                elif not self.pump.on_ready(fd):
                    poller.unregister(fd)
        self.drain(poller)

    def poll_timeout(self, now: float, deadline: float | None) -> int | None:
        """Milliseconds until the next thing to check (None: until an event)."""
        if self.killing_since is not None:
            return 0
        if self.terminating_since is not None:
            return int(RESCAN_SECONDS * 1000)
        if self.status is not None:
            return 0
        if deadline is None:
            return None
        return max(int((deadline - now) * 1000) + 1, 0)

    def drain(self, poller: "Poll") -> None:
        """Copy what the ended tree left in the pipes, up to their end, for a bounded time.

        Only a process outside the tree (one that got the pipe passed to it) can still
        write once the tree is gone; it is not waited for longer than DRAIN_SECONDS.
        """
        until = self.clock() + DRAIN_SECONDS
        while self.pump.open and self.clock() < until:
            events = poller.poll(int(RESCAN_SECONDS * 1000))
            if not events:
                break
            for fd, _events in events:
                if fd == self.watch.fd:
                    self.watch.clear()
                    self.reap()
                elif not self.pump.on_ready(fd):
                    poller.unregister(fd)

    def terminate(self, now: float, signum: int) -> None:
        self.terminating_since = now
        self.term_signal = signum
        # The group's members get the signal from killpg: once. A second one could land
        # while the command's trap runs and run the trap again.
        in_group = [pid for pid in self.tree() if _group_of(pid) == self.pid]
        signal_group(self.pid, signum)
        signal_group(self.pid, signal.SIGCONT)  # a stopped member must see it too
        self.signalled.update(in_group)
        self.signal_newcomers()

    def signal_newcomers(self) -> None:
        """The termination signal to each process of the tree that has not had it yet."""
        fresh = [pid for pid in self.tree() if pid not in self.signalled]
        signal_all(fresh, self.term_signal)
        signal_all(fresh, signal.SIGCONT)
        self.signalled.update(fresh)

    def kill_rounds(self) -> bool:
        """SIGKILL the group and everything found, a few rounds; True once none is left."""
        for _ in range(KILL_ROUNDS):
            signal_group(self.pid, signal.SIGKILL)
            signal_all(self.tree(), signal.SIGKILL)
            if self.finished():
                return True
        return False

    def finished(self) -> bool:
        """The command has exited and no descendant is left (zombies reaped)."""
        if self.others:  # tests running attempts in-process: only the scan can tell
            left = self.tree()
            return self.status is not None and not left and not signal_group(self.pid, 0)
        self.reap()
        # No child at all, so no descendant: the kernel says so.
        return self.status is not None and not _has_children()

    def tree(self) -> list[int]:
        """The command's live processes (reaping those that ended)."""
        self.reap()
        return descendants(os.getpid(), exclude=self.others)

    def reap(self) -> None:
        """Collect the command's exit status and any re-parented orphan that ended."""
        if not self.others:  # every child is the command or one of its orphans
            while True:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    return
                if pid == 0:
                    return
                if pid == self.pid:
                    self.status = status
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.status = status
        for child in _own_children() - self.others:
            if child == self.pid:
                continue
            try:
                os.waitpid(child, os.WNOHANG)
            except ChildProcessError:
                continue

    def kill_everything(self) -> None:
        """Last resort when the loop ended by an exception: leave nothing running."""
        until = self.clock() + GIVE_UP_SECONDS
        while self.clock() < until:
            if self.finished():
                return
            left = self.tree()
            if self.status is None:
                left.append(self.pid)
            signal_group(self.pid, signal.SIGKILL)
            signal_all(left, signal.SIGKILL)
            time.sleep(0.001)


def _own_children() -> set[int]:
    return set(children_of(os.getpid())) if _has_children() else set()


def _has_children() -> bool:
    """Whether this process has any child, running or ended, without reaping one."""
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return True


def _group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None
