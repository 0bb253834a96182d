"""Share numbered tasks between this process and forked children, all working at once.

`share(tasks, size, work)` runs `work(task, member)` for every task number in
`range(tasks)`, on `size` processes: this one (member 0) and `size - 1` children forked
from it (members 1, 2, ...), so every process of the team does work and none only
waits for the others. The task numbers wait in a pipe, four bytes each, written whole
before the fork; each member reads the next number when it is free, so a member that
gets less of the machine simply takes fewer tasks. Nothing is sent per task: a child
keeps its results and sends them back once, pickled, when the queue is empty. Bulky
output belongs in files the caller opened before `share` (one per member), so that
only small records travel.

A child ends with `os._exit` whatever happens, so it never runs the parent's cleanup
(`finally` blocks and context managers on the stack it was forked with). An exception
in a child is raised again in this process; a child that dies (a signal, the OOM
killer) is an `OutputError`. When this process stops early for any reason, its
children are killed and reaped before the exception leaves `share`, so no child
writes anything after it.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
from collections.abc import Callable
from typing import Any, TypeVar, cast

from jobsmith.generator.output import OutputError

T = TypeVar("T")

_NUMBER = 4  # bytes per task number in the queue
# What a pipe holds for certain (one page, when the user's pipe quota is used up), so the
# whole queue is written before the fork without ever blocking.
MAX_TASKS = 4096 // _NUMBER


class WorkerDied(OutputError):
    """A child process of the team ended without handing back its results."""


def share(tasks: int, size: int, work: Callable[[int, int], T]) -> list[T]:
    """`[work(task, member) for task in range(tasks)]`, the tasks shared by `size`
    processes (see the module's docstring); `member` says which process runs it."""
    if tasks > MAX_TASKS:
        raise ValueError(f"at most {MAX_TASKS} tasks, not {tasks}")
    size = max(1, min(size, tasks))
    if size == 1:
        return [work(task, 0) for task in range(tasks)]
    queue, feed = os.pipe()
    try:
        os.write(feed, b"".join(task.to_bytes(_NUMBER, "little") for task in range(tasks)))
    finally:
        os.close(feed)
    children: dict[int, tuple[int, int]] = {}  # pid: (member, read end of its results)
    results: dict[int, T] = {}
    # What the children share with this process stays out of the collector's reach: a
    # full collection in a child would touch (and so copy) every page of it.
    gc.freeze()
    try:
        for member in range(1, size):
            reply, send = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: never returns
                os.close(reply)
                _child(queue, send, member, work)
            os.close(send)
            children[pid] = (member, reply)
        results.update(_take(queue, 0, work))
        while children:
            pid = next(iter(children))
            results.update(_collect(pid, children.pop(pid)[1]))
    finally:
        os.close(queue)
        for pid, (_, reply) in children.items():  # only when stopping early
            os.close(reply)
            _kill(pid)
        gc.unfreeze()
    return [results[task] for task in range(tasks)]


def _take(queue: int, member: int, work: Callable[[int, int], T]) -> list[tuple[int, T]]:
    """Run tasks from the queue until it is empty."""
    done: list[tuple[int, T]] = []
    while True:
        number = os.read(queue, _NUMBER)
        if not number:
            return done
        if len(number) != _NUMBER:
            raise OutputError(f"task queue out of step (read {len(number)} bytes)")
        task = int.from_bytes(number, "little")
        done.append((task, work(task, member)))


def _child(queue: int, send: int, member: int, work: Callable[[int, int], object]) -> None:
    code = 1
    try:
        try:
            message: tuple[str, object] = ("done", _take(queue, member, work))
            code = 0
        except BaseException as error:
            message = ("error", error)
        try:
            data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        except Exception as error:
            data = pickle.dumps(("error", OutputError(f"worker process failed: {error!r} "
                                                      f"(while handing back {message[1]!r})")))
            code = 1
        view = memoryview(data)
        while view:
            view = view[os.write(send, view):]
    finally:
        os._exit(code)


def _collect(pid: int, reply: int) -> list[tuple[int, T]]:
    """A child's results, once it has handed them back and exited (reaped either way)."""
    chunks = []
    try:
        while chunk := os.read(reply, 1 << 20):
            chunks.append(chunk)
    except BaseException:
        _kill(pid)
        raise
    finally:
        os.close(reply)
    _, status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    kind: str = "died"
    value: Any = None
    try:
        if data:
            kind, value = pickle.loads(data)
    except Exception:  # cut short: the child died while sending
        kind = "died"
    if kind == "done":
        return cast(list[tuple[int, T]], value)
    if kind == "error" and isinstance(value, BaseException):
        raise value
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        how = f"was killed by signal {number} ({signal.strsignal(number)})"
    else:
        how = f"exited with status {os.waitstatus_to_exitcode(status)}"
    raise WorkerDied(f"a worker process of `jobsmith generate` {how}; nothing was written")


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
