"""team.share and team.shared: this process and its forked children take the tasks
together; the results come in task order, the children's while they still work; a
child's exception or death reaches this process, and no child outlives an early stop
(this process's own, or its caller's while it handles a result).

Which member takes which task depends on scheduling, so every test that needs each
member to have taken a task holds them at a barrier on their first task (blocking
reads, no timeout): the outcome is then the same on every run, loaded machine or not.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jobsmith.generator import generate
from jobsmith.generator.render import RenderedJob
from jobsmith.generator.team import MAX_TASKS, WorkerDied, share, shared
from jobsmith.spec.model import JobSpec

# The module (the package exports its function under the same name).
generate_module = importlib.import_module("jobsmith.generator.build")


class Handshake:
    """A barrier on each member's first task: none goes on before all have started one,
    so every member of the team takes a task, whatever the scheduler does."""

    def __init__(self, size: int, pids: Path) -> None:
        self.size = size
        self.pids = pids  # each child writes its pid into this directory
        self._arrive = os.pipe()
        self._go = os.pipe()
        self._started = False

    def start(self, member: int) -> None:
        if self._started:
            return
        self._started = True
        if member == 0:
            for _ in range(self.size - 1):
                os.read(self._arrive[0], 1)
            os.write(self._go[1], b"x" * (self.size - 1))
        else:
            (self.pids / str(member)).write_text(str(os.getpid()))
            os.write(self._arrive[1], b"x")
            os.read(self._go[0], 1)

    def children(self) -> list[int]:
        return [int(p.read_text()) for p in self.pids.iterdir()]

    def close(self) -> None:
        for fd in (*self._arrive, *self._go):
            os.close(fd)


@pytest.fixture
def handshake(tmp_path: Path) -> Iterator[Callable[[int], Handshake]]:
    made: list[Handshake] = []

    def make(size: int) -> Handshake:
        (tmp_path / "pids").mkdir()
        made.append(Handshake(size, tmp_path / "pids"))
        return made[-1]

    yield make
    for each in made:
        each.close()


def _gone(pid: int) -> bool:
    """Whether `pid` no longer exists (reaped: not even a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_every_task_runs_once_in_order_and_every_member_works(
        handshake: Callable[[int], Handshake]) -> None:
    meeting = handshake(3)

    def work(task: int, member: int) -> tuple[int, int, int]:
        meeting.start(member)
        return task, member, os.getpid()

    results = share(40, 3, work)
    assert [task for task, _, _ in results] == list(range(40))
    members = {member: pid for _, member, pid in results}
    assert sorted(members) == [0, 1, 2]  # the children and this process, all at once
    assert members[0] == os.getpid()
    assert len(set(members.values())) == 3
    assert all(_gone(pid) for pid in meeting.children())


def test_one_member_runs_everything_here() -> None:
    assert share(5, 1, lambda task, member: (task, member, os.getpid())) == [
        (task, 0, os.getpid()) for task in range(5)]
    assert share(0, 4, lambda task, member: task) == []


def test_a_childs_exception_is_raised_here_and_every_child_is_reaped(
        handshake: Callable[[int], Handshake]) -> None:
    meeting = handshake(3)

    def work(task: int, member: int) -> int:
        meeting.start(member)
        if member == 2:
            raise ValueError(f"boom in task {task}")
        return task

    with pytest.raises(ValueError, match="boom in task"):
        share(30, 3, work)
    assert all(_gone(pid) for pid in meeting.children())


def test_a_child_that_dies_is_an_error(handshake: Callable[[int], Handshake]) -> None:
    meeting = handshake(2)

    def work(task: int, member: int) -> int:
        meeting.start(member)
        if member == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return task

    with pytest.raises(WorkerDied, match=r"killed by signal 9 .*nothing was written"):
        share(10, 2, work)
    assert all(_gone(pid) for pid in meeting.children())


def test_stopping_here_kills_and_reaps_the_children(
        handshake: Callable[[int], Handshake]) -> None:
    meeting = handshake(3)
    never, kept_open = os.pipe()  # nobody writes: the children block for good

    def work(task: int, member: int) -> int:
        meeting.start(member)
        if member == 0:
            raise KeyboardInterrupt
        os.read(never, 1)
        return task

    try:
        with pytest.raises(KeyboardInterrupt):
            share(10, 3, work)
        assert all(_gone(pid) for pid in meeting.children())
    finally:
        os.close(never)
        os.close(kept_open)


def test_the_callers_stop_while_children_still_work_kills_and_reaps_them(
        handshake: Callable[[int], Handshake]) -> None:
    """The first result is handed over while the children are held in their second
    task (they never finish it): the caller stops there, and closing the iterator kills
    and reaps them."""
    meeting = handshake(3)
    never, kept_open = os.pipe()
    taken: list[int] = []

    def work(task: int, member: int) -> tuple[int, int]:
        meeting.start(member)
        taken.append(task)  # this process's list, or a child's copy
        if member != 0 and len(taken) > 1:
            os.read(never, 1)
        return task, member

    try:
        with pytest.raises(KeyboardInterrupt), contextlib.closing(
                shared(10, 3, work)) as results:
            for task, _ in results:
                assert task == 0
                raise KeyboardInterrupt
        assert all(_gone(pid) for pid in meeting.children())
    finally:
        os.close(never)
        os.close(kept_open)


def test_shared_yields_what_share_returns() -> None:
    def work(task: int, member: int) -> int:
        return task * task

    for size in (1, 2, 3):
        with contextlib.closing(shared(25, size, work)) as results:
            assert list(results) == share(25, size, work) == [t * t for t in range(25)]


def test_more_tasks_than_the_queue_holds_are_refused() -> None:
    with pytest.raises(ValueError, match="at most"):
        share(MAX_TASKS + 1, 2, lambda task, member: task)


def test_a_worker_killed_while_generating_leaves_the_previous_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        handshake: Callable[[int], Handshake]) -> None:
    from bench.generate import write_specs

    write_specs(tmp_path / "jobs", 3 * generate_module.CHUNK)
    out = tmp_path / "out"
    generate(tmp_path / "jobs", out, workers=2)
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    (tmp_path / "jobs" / "team0" / "job1.yaml").write_text("command: changed\n")
    meeting = handshake(2)
    render = generate_module.render_job
    parent = os.getpid()

    def render_then_die(job: JobSpec) -> RenderedJob:
        member = 0 if os.getpid() == parent else 1
        meeting.start(member)
        if member == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return render(job)

    monkeypatch.setattr(generate_module, "render_job", render_then_die)
    with pytest.raises(WorkerDied):
        generate(tmp_path / "jobs", out, workers=2)
    assert {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".jobsmith-lock-out", "jobs", "out",
                                                          "pids"]
    assert all(_gone(pid) for pid in meeting.children())
    monkeypatch.setattr(generate_module, "render_job", render)
    shutil.rmtree(tmp_path / "pids")
    generate(tmp_path / "jobs", out, workers=2)  # the lock went with the run
    assert "changed" in (out / "pipelines" / "team0" / "job1.groovy").read_text()


ORPHAN = """
import os, sys
from jobsmith.generator.team import share
here = sys.argv[1]
os.open(os.path.join(here, "alive"), os.O_WRONLY)  # kept open: by the child too, once forked
ready = os.open(os.path.join(here, "ready"), os.O_WRONLY)
never, _ = os.pipe()

def work(task, member):
    if member == 0:  # this process: says so, then waits to be killed
        os.write(ready, b"0")
        os.read(never, 1)
    if os.path.exists(os.path.join(here, "released")):
        open(os.path.join(here, "another task"), "w").close()
        return task
    os.write(ready, b"1")
    release = os.open(os.path.join(here, "release"), os.O_RDONLY)
    os.read(release, 1)
    open(os.path.join(here, "released"), "w").close()
    return task

share(6, 2, work)
"""


def test_a_child_whose_parent_was_killed_stops_after_the_task_at_hand(tmp_path: Path) -> None:
    # A parent killed outright (SIGKILL, or SIGTERM from an aborted seed build) cannot
    # stop its children: they must see it themselves, not work through the whole queue
    # holding OUT's lock. Here the child is held in its first task until the parent is
    # dead; the tasks left in the queue would leave a mark.
    for name in ("alive", "ready", "release"):
        os.mkfifo(tmp_path / name)
    alive = os.open(tmp_path / "alive", os.O_RDONLY | os.O_NONBLOCK)
    ready = os.open(tmp_path / "ready", os.O_RDONLY | os.O_NONBLOCK)
    helper = subprocess.Popen([sys.executable, "-c", ORPHAN, str(tmp_path)])
    try:
        os.set_blocking(ready, True)
        seen = b""
        while len(seen) < 2:  # both members are in a task
            seen += os.read(ready, 2 - len(seen))
        assert sorted(seen) == [ord("0"), ord("1")]
        helper.kill()
        helper.wait()
        release = os.open(tmp_path / "release", os.O_WRONLY)
        os.write(release, b"x")
        os.close(release)
        os.set_blocking(alive, True)
        assert os.read(alive, 1) == b""  # the child has exited (it held the last writer)
    finally:
        helper.kill()
        helper.wait()
        os.close(alive)
        os.close(ready)
    assert (tmp_path / "released").exists()
    assert not (tmp_path / "another task").exists()
