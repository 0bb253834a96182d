"""Share numbered tasks between this process and forked children, all working at once.

`share(tasks, size, work)` runs `work(task, member)` for every task number in
`range(tasks)`, on `size` processes: this one (member 0) and `size - 1` children forked
from it (members 1, 2, ...), so every process of the team does work and none only
waits for the others. The task numbers wait in a pipe, four bytes each, written whole
before the fork; each member reads the next number when it is free, so a member that
gets less of the machine simply takes fewer tasks. Nothing is sent per task: a child
pickles each task's results as it finishes it and sends them all back once, when the
queue is empty. Bulky output belongs in files the caller opened before `share` (one per
member), so that only small records travel.

A child ends with `os._exit` whatever happens, so it never runs the parent's cleanup
(`finally` blocks and context managers on the stack it was forked with). An exception
in a child is raised again in this process; a child that dies (a signal, the OOM
killer) is an `OutputError`. When this process stops early for any reason, its
children are killed and reaped before the exception leaves `share`, so no child
writes anything after it; when it is killed outright, each child sees that it has a new
parent before its next task and stops (it would otherwise work through the queue,
holding OUT's lock).
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import pickle
import signal
from collections.abc import Callable
from typing import Any, TypeVar

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
    parent = os.getpid()
    try:
        for member in range(1, size):
            reply, send = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: never returns
                os.close(reply)
                _child(queue, send, member, work, parent)
            os.close(send)
            children[pid] = (member, reply)
        _take(queue, 0, work, results.__setitem__)
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


def _take(queue: int, member: int, work: Callable[[int, int], T],
          keep: Callable[[int, T], object], parent: int | None = None) -> None:
    """Run tasks from the queue until it is empty, handing each result to `keep`; in a
    child, only while its `parent` lives (a parent killed outright, SIGTERM or SIGKILL,
    cannot stop its children itself: they stop after the task at hand)."""
    while True:
        if parent is not None and os.getppid() != parent:
            raise _Orphaned
        number = os.read(queue, _NUMBER)
        if not number:
            return
        if len(number) != _NUMBER:
            raise OutputError(f"task queue out of step (read {len(number)} bytes)")
        task = int.from_bytes(number, "little")
        keep(task, work(task, member))


def _child(queue: int, send: int, member: int, work: Callable[[int, int], object],
           parent: int) -> None:
    """A child's whole life: its tasks, then its results as a stream of pickles, each
    task's `(task, result)` pickled as soon as it is done (so that the pickling overlaps
    the others' work), ending with `("done", None)` or `("error", exception)`."""
    code = 1
    try:
        stream: list[bytes] = []
        try:
            _take(queue, member, work, lambda task, result: stream.append(
                pickle.dumps((task, result), pickle.HIGHEST_PROTOCOL)), parent)
            stream.append(pickle.dumps(("done", None)))
            code = 0
        except _Orphaned:
            os._exit(1)  # nobody to hand anything to
        except BaseException as error:  # handed to the parent as it is
            try:
                stream.append(pickle.dumps(("error", error), pickle.HIGHEST_PROTOCOL))
            except Exception as failure:  # an exception that cannot be pickled
                stream.append(pickle.dumps(("error", OutputError(
                    f"worker process failed: {error!r} (not picklable: {failure})"))))
        for data in stream:
            write_all(send, data)
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
    stream = io.BytesIO(b"".join(chunks))
    results: list[tuple[int, T]] = []
    end: tuple[str, Any] = ("died", None)  # unless the stream says how it ended
    try:
        while stream.tell() < len(stream.getbuffer()):
            item = pickle.load(stream)
            if isinstance(item[0], int):
                results.append(item)
            else:
                end = item
                break
    except Exception:  # cut short: the child died while sending
        end = ("died", None)
    kind, value = end
    if kind == "done":
        return results
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
