"""Share numbered tasks between this process and forked children, all working at once.

`shared(tasks, size, work)` yields `work(task, member)` for every task number in
`range(tasks)`, in task order, computed by `size` processes: this one (member 0) and
`size - 1` children forked from it (members 1, 2, ...), so every process of the team
does work and none only waits for the others. The task numbers wait in a pipe, four
bytes each, written whole before the fork; each member reads the next number when it
is free, so a member that gets less of the machine simply takes fewer tasks. A child
pickles each task's result as it finishes it and writes it to its own pipe at once;
this process reads what has arrived between its own tasks and yields every result
whose turn has come, so the caller's handling of the results overlaps the children's
work instead of following it. `share` is the same as a list. Bulky output belongs in
files the caller opened before (one per member), so that only small records travel.

A child ends with `os._exit` whatever happens, so it never runs the parent's cleanup
(`finally` blocks and context managers on the stack it was forked with). An exception
in a child is raised again in this process; a child that dies (a signal, the OOM
killer) is an `OutputError`. When this process stops early for any reason (its own
exception, the caller's while it handles a result, `close()` of the iterator), its
children are killed and reaped before the exception leaves the iterator, so no child
writes anything after it; when it is killed outright, each child sees that it has a new
parent before its next task and stops (it would otherwise work through the queue,
holding OUT's lock).
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import pickle
import select
import signal
from collections.abc import Callable, Generator
from typing import Any, Generic, TypeVar

from jobsmith.generator.output import OutputError, write_all

T = TypeVar("T")

_NUMBER = 4  # bytes per task number in the queue
# What a pipe holds for certain (one page, when the user's pipe quota is used up), so the
# whole queue is written before the fork without ever blocking.
MAX_TASKS = 4096 // _NUMBER


class _Orphaned(Exception):
    """A child's parent is gone."""


class WorkerDied(OutputError):
    """A child process of the team ended without handing back its results."""


def share(tasks: int, size: int, work: Callable[[int, int], T]) -> list[T]:
    """`[work(task, member) for task in range(tasks)]`, the tasks shared by `size`
    processes (see the module's docstring); `member` says which process runs it."""
    with contextlib.closing(shared(tasks, size, work)) as results:
        return list(results)


def shared(tasks: int, size: int, work: Callable[[int, int], T]) -> Generator[T, None, None]:
    """`work(task, member)` for each task in order, as `share` (see the module's
    docstring); close the iterator when it is left before its end."""
    if tasks > MAX_TASKS:
        raise ValueError(f"at most {MAX_TASKS} tasks, not {tasks}")
    size = max(1, min(size, tasks))
    if size == 1:
        for task in range(tasks):
            yield work(task, 0)
        return
    queue, feed = os.pipe()
    try:
        os.write(feed, b"".join(task.to_bytes(_NUMBER, "little") for task in range(tasks)))
    finally:
        os.close(feed)
    children: list[_Child[T]] = []
    ready: dict[int, T] = {}
    turn = 0  # the next task to yield
    # What the children share with this process stays out of the collector's reach: a
    # full collection in a child would touch (and so copy) every page of it.
    gc.freeze()
    parent = os.getpid()
    try:
        for member in range(1, size):
            reply, send = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: never returns
                os.close(reply)
                _child(queue, send, member, work, parent)
            os.close(send)
            children.append(_Child(pid, reply))
        while (number := _next(queue)) is not None:
            ready[number] = work(number, 0)
            for child in children:
                child.read(ready)
            while turn in ready:
                yield ready.pop(turn)
                turn += 1
        # The queue is empty: the children's last results as they come, then their end.
        waiting = {child.reply: child for child in children if child.reply is not None}
        poll = select.poll()
        for reply in waiting:
            poll.register(reply, select.POLLIN)
        while waiting:
            for reply, _ in poll.poll():
                waiting[reply].read(ready)
                if waiting[reply].reply is None:  # it has ended
                    poll.unregister(reply)
                    del waiting[reply]
            while turn in ready:
                yield ready.pop(turn)
                turn += 1
        for child in children:
            child.reap()
        while turn < tasks:
            yield ready.pop(turn)
            turn += 1
    finally:
        os.close(queue)
        for child in children:  # only when stopping early
            child.kill()
        gc.unfreeze()


def _next(queue: int, parent: int | None = None) -> int | None:
    """The next task number from the queue, None when it is empty; in a child, only
    while its `parent` lives (a parent killed outright, SIGTERM or SIGKILL, cannot stop
    its children itself: they stop after the task at hand)."""
    if parent is not None and os.getppid() != parent:
        raise _Orphaned
    number = os.read(queue, _NUMBER)
    if not number:
        return None
    if len(number) != _NUMBER:
        raise OutputError(f"task queue out of step (read {len(number)} bytes)")
    return int.from_bytes(number, "little")


def _child(queue: int, send: int, member: int, work: Callable[[int, int], object],
           parent: int) -> None:
    """A child's whole life: its tasks, each task's `(task, result)` written as a frame
    (length, pickle) as soon as it is done, ending with `("done", None)` or
    `("error", exception)`."""
    code = 1
    try:
        try:
            while (task := _next(queue, parent)) is not None:
                _send(send, (task, work(task, member)))
            _send(send, ("done", None))
            code = 0
        except _Orphaned:
            os._exit(1)  # nobody to hand anything to
        except BaseException as error:  # handed to the parent as it is
            try:
                _send(send, ("error", error))
            except Exception as failure:  # an exception that cannot be pickled
                _send(send, ("error", OutputError(
                    f"worker process failed: {error!r} (not picklable: {failure})")))
    finally:
        os._exit(code)


_FRAME = 4  # bytes of a frame's length


def _send(fd: int, item: tuple[Any, Any]) -> None:
    data = pickle.dumps(item, pickle.HIGHEST_PROTOCOL)
    write_all(fd, len(data).to_bytes(_FRAME, "little") + data)


class _Child(Generic[T]):
    """One child of the team as this process sees it: its pipe of frames, read as they
    come (`read`), and how it ended (`reap`)."""

    def __init__(self, pid: int, reply: int) -> None:
        self.pid = pid
        self.reply: int | None = reply
        self.pending = bytearray()  # received, not yet a whole frame
        self.end: tuple[str, Any] | None = None  # ("done" | "error", ...) once received
        os.set_blocking(reply, False)
        with contextlib.suppress(OSError):  # room for many frames while this one works
            fcntl.fcntl(reply, fcntl.F_SETPIPE_SZ, 1 << 20)

    def read(self, ready: dict[int, T]) -> None:
        """Put the results that have arrived into `ready` (raise the child's error)."""
        while self.reply is not None:
            try:
                chunk = os.read(self.reply, 1 << 20)
            except BlockingIOError:
                break
            if not chunk:  # the child has ended
                os.close(self.reply)
                self.reply = None
                break
            self.pending += chunk
            self._frames(ready)

    def _frames(self, ready: dict[int, T]) -> None:
        start = 0
        pending = self.pending
        while self.end is None and len(pending) - start >= _FRAME:
            length = int.from_bytes(pending[start:start + _FRAME], "little")
            if len(pending) - start - _FRAME < length:
                break
            item = pickle.loads(pending[start + _FRAME:start + _FRAME + length])
            start += _FRAME + length
            if isinstance(item[0], int):
                ready[item[0]] = item[1]
            else:
                self.end = item
                if item[0] == "error" and isinstance(item[1], BaseException):
                    raise item[1]
        del pending[:start]

    def reap(self) -> None:
        """Wait for the child's exit, once it has closed its pipe; WorkerDied unless it
        said it was done."""
        _, status = os.waitpid(self.pid, 0)
        self.pid = 0
        if self.end is not None and self.end[0] == "done":
            return
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            how = f"was killed by signal {number} ({signal.strsignal(number)})"
        else:
            how = f"exited with status {os.waitstatus_to_exitcode(status)}"
        raise WorkerDied(f"a worker process of `jobsmith generate` {how}; nothing was written")

    def kill(self) -> None:
        """Stop and reap the child unless that is done (this process stops early)."""
        if self.reply is not None:
            os.close(self.reply)
            self.reply = None
        if self.pid:
            pid, self.pid = self.pid, 0
            _kill(pid)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
