"""A straightforward reference for the queue forecast: the clock advances in fixed steps
(a minute, or less when durations need it) and each step looks at everything.

It follows the rules written at the top of jobsmith/forecast/simulate.py without any
of its indexes, heaps or incremental bookkeeping, so that the two can be compared on
random trees (test_properties.py). Every instant:
1. pieces (node requests on an executor) that end now free their executor; a run
   whose last step ended frees its lock (granted to the oldest waiter at once, as
   `LockableResourcesManager.unlock` does) and triggers its `after` jobs;
2. timer ticks fold into the job's queue item or create one;
3. until nothing changes: queue items in PrioritySorter order start builds when not
   blocked, then every waiting request, in the same order, takes a free executor
   (requests of one priority that enter at the same instant go in the order in which
   their builds started: that is the order of their queue item ids).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from jobsmith.forecast.match import matches
from jobsmith.forecast.model import AgentKind, JobModel

QUIET = 5


@dataclass
class RefRun:
    job: str
    due: int
    folded: int
    created: int
    outcome: str = "ran"
    start: int | None = None
    end: int | None = None
    step: int = -1
    pieces: list[RefPiece] = field(default_factory=list)
    number: int = -1  # builds started before this one (Jenkins' queue item ids follow)


@dataclass
class RefPiece:
    run: RefRun
    key: tuple[int, int, int, int, int, int]
    labels: str | None
    pin: tuple[int, int] | None
    seconds: int
    where: tuple[int, int] | None = None
    until: int | None = None
    done: bool = False


def reference_simulation(jobs: list[JobModel], kinds: list[AgentKind], window_end: int,
                         origin: int, step: int = 60) -> list[tuple[object, ...]]:
    """Each run as (job, due, start, end, folded, outcome), sorted."""
    by_name = {job.name: job for job in jobs}
    free = [[kind.executors] * kind.count for kind in kinds]
    items: dict[str, list[int]] = {}  # job -> [due, entered, ready, folded]
    runs: list[RefRun] = []
    lock_holder: dict[str, RefRun] = {}
    lock_queue: dict[str, list[RefRun]] = {}
    fires = {job.name: set(job.fires) for job in jobs}

    def running(name: str) -> list[RefRun]:
        return [r for r in runs if r.job == name and r.end is None and r.outcome != "skipped"]

    def throttled(key: str) -> int:
        keys = [by_name[r.job].throttle for r in runs if r.end is None and r.outcome != "skipped"]
        return sum(1 for throttle in keys if throttle is not None and throttle[0] == key)

    def schedule(name: str, now: int, ready: int) -> None:
        if name in items:
            items[name][3] += 1
            if ready < items[name][2]:
                items[name][0] = items[name][2] = ready
        else:
            items[name] = [ready, now, ready, 0]

    def advance(run: RefRun, now: int) -> None:
        job = by_name[run.job]
        run.step += 1
        run.pieces = []
        if run.step == len(job.steps):
            finish(run, now)
            return
        for index, branch in enumerate(job.steps[run.step]):
            if branch.on_each is None:
                key = (job.priority, now, run.created, run.number, index, 0)
                run.pieces.append(RefPiece(run, key, branch.label, None, int(branch.seconds)))
                continue
            targets = [(k, a) for k, kind in enumerate(kinds)
                       if matches(branch.on_each, kind.labels) for a in range(kind.count)]
            if not targets:
                run.outcome = "failed"
                finish(run, now)
                return
            for number, pin in enumerate(targets):
                key = (job.priority, now, run.created, run.number, index, number)
                run.pieces.append(RefPiece(run, key, None, pin, int(branch.seconds)))
        for piece in run.pieces:
            if piece.pin is None and not any(matches(piece.labels, k.labels) for k in kinds):
                run.outcome = "stuck"

    def finish(run: RefRun, now: int) -> None:
        run.end = now
        job = by_name[run.job]
        if job.lock is not None and lock_holder.get(job.lock) is run:
            del lock_holder[job.lock]
            waiting = [r for r in lock_queue.get(job.lock, []) if r.end is None]
            lock_queue[job.lock] = waiting
            if waiting:
                lock_queue[job.lock] = waiting[1:]
                lock_holder[job.lock] = waiting[0]
                advance(waiting[0], now)
        if run.outcome == "ran" and now < window_end:
            for name in job.downstream:
                schedule(name, now, now + QUIET)

    def start_build(name: str, now: int) -> None:
        due, _, _, folded = items.pop(name)
        job = by_name[name]
        others = running(name)
        run = RefRun(name, due, folded, now, number=len(runs))
        runs.append(run)
        if others and job.concurrency == "skip":
            run.outcome, run.start, run.end = "skipped", now, now
            return
        if others and job.concurrency == "replace":
            old = others[-1]
            old.outcome = "replaced"
            for piece in old.pieces:
                if piece.where is not None and not piece.done:
                    free[piece.where[0]][piece.where[1]] += 1
                piece.done = True
            finish(old, now)
        if job.lock is None:
            advance(run, now)
        elif job.lock not in lock_holder:
            lock_holder[job.lock] = run
            advance(run, now)
        else:
            lock_queue.setdefault(job.lock, []).append(run)

    def blocked(name: str) -> bool:
        job = by_name[name]
        if job.concurrency == "queue" and running(name):
            return True
        return job.throttle is not None and throttled(job.throttle[0]) >= job.throttle[1]

    def take(piece: RefPiece) -> tuple[int, int] | None:
        if piece.pin is not None:
            return piece.pin if free[piece.pin[0]][piece.pin[1]] > 0 else None
        for k, kind in enumerate(kinds):
            if matches(piece.labels, kind.labels):
                for a in range(kind.count):
                    if free[k][a] > 0:
                        return k, a
        return None

    now = origin
    while True:
        for run in runs:
            for piece in run.pieces:
                if piece.until == now and not piece.done:
                    piece.done = True
                    free[piece.where[0]][piece.where[1]] += 1  # type: ignore[index]
        for run in list(runs):
            if run.end is None and run.outcome == "ran" and run.pieces and all(
                    p.done for p in run.pieces):
                advance(run, now)
        for name in sorted(fires):
            if now in fires[name]:
                schedule(name, now, now)
        changed = True
        while changed:
            changed = False
            order = sorted((by_name[n].priority, items[n][1], n) for n in items
                           if items[n][2] <= now)
            for _, _, name in order:
                if name in items and not blocked(name):
                    start_build(name, now)
                    changed = True
            waiting = sorted((p.key, id(p), p) for r in runs if r.end is None
                             and r.outcome in ("ran", "stuck") for p in r.pieces
                             if p.where is None and not p.done)
            for _, _, piece in waiting:
                where = take(piece)
                if where is not None:
                    free[where[0]][where[1]] -= 1
                    piece.where, piece.until = where, now + piece.seconds
                    if piece.run.start is None:
                        piece.run.start = now
                    changed = True
        pending = any(p.until is not None and p.until > now and not p.done
                      for r in runs for p in r.pieces) or any(
            item[2] > now for item in items.values())
        if now >= window_end and not pending:
            break
        now += step
    for name, item in items.items():
        runs.append(RefRun(name, item[0], item[3], item[2], "stuck"))
    return sorted((r.job, r.due, r.start, r.end, r.folded, r.outcome) for r in runs)


def step_for(jobs: list[JobModel]) -> int:
    """The longest step that lands on every instant something can happen at."""
    size = 60
    for job in jobs:
        for branch_step in job.steps:
            for branch in branch_step:
                size = math.gcd(size, int(branch.seconds))
        if job.downstream:
            size = math.gcd(size, QUIET)
    return size
