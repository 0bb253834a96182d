"""The Jenkins queue, event by event, over a window: which run starts when, and where.

What happens at one instant, in this order (the reference in tests/forecast follows
the same rules minute by minute):

1. Stage branches ending now free their executors; a run whose last step ended is
   complete: it frees its lock and, having succeeded, schedules its `after` jobs
   (`ReverseBuildTrigger` calls `ParameterizedJobMixIn.scheduleBuild2(job, -1, ...)`:
   the global quiet period, QUIET_PERIOD seconds).
2. Timer ticks (`TimerTrigger.run`: `scheduleBuild(0, ...)`, no quiet period). A
   tick or trigger for a job that already has an item in the queue folds into it
   (`Queue.scheduleInternal`: `duplicatesInQueue`, `FoldableAction.foldIntoExisting`)
   and only moves its due time earlier; otherwise it creates a new item.
3. `Queue.maintain` until nothing changes: queue items, ordered as PrioritySorter
   orders them (`ItemInfo.compareTo`: priority, then time in queue, then id), start
   their build unless blocked: `concurrency: queue` while a build of the job runs
   (`WorkflowJob.getCauseOfBlockage`, `BlockedBecauseOfBuildInProgress`); a throttle
   while `max_total` builds of the job or category run (`ThrottleQueueTaskDispatcher.
   canRun`, counting pipeline builds). The build runs on a flyweight executor. With
   `replace` it aborts the running build (`WorkflowRun` with `abortPrevious`), with
   `skip` it ends at once when one runs. A `lock` is granted oldest waiter first
   (`LockableResourcesManager.getNextQueuedContext`); waiting for it is a running
   build, so later ticks are not folded into it. Then each stage's node request
   (`PlaceholderTask`, which PrioritySorter gives the job's priority) takes a free
   executor of a matching agent, in the same order; one that cannot is skipped and
   the next one tried (`Queue.maintain` leaves it in `buildables`).
"""

from __future__ import annotations

import heapq
import itertools

from jobsmith.forecast.agents import ANY, Pool, Trace
from jobsmith.forecast.model import AgentKind, Branch, JobModel
from jobsmith.forecast.records import Item, Outcome, Piece, Run

QUIET_PERIOD = 5  # seconds: Jenkins' default global quiet period


class WaitedTooLong(Exception):
    """A run waited longer than the advice allows for the watched kind of agent."""


class Simulation:
    def __init__(self, jobs: list[JobModel], kinds: list[AgentKind], window_end: float,
                 origin: int, trace: bool = True, watch: int = -1,
                 max_wait: float = 0.0) -> None:
        self.jobs = {job.name: job for job in jobs}
        # PrioritySorter's order of queue items: priority, time in queue, then (for the
        # same instant) the order in which Jenkins' timer thread meets the jobs
        self.rank = {name: (self.jobs[name].priority, i)
                     for i, name in enumerate(sorted(self.jobs))}
        self.pool = Pool(kinds)
        self.window_end = window_end
        self.items: dict[str, Item] = {}
        self.running: dict[str, list[Run]] = {name: [] for name in self.jobs}
        self.throttled: dict[str, int] = {}
        self.candidates: set[str] = set()
        self.blocked_throttle: dict[str, set[str]] = {}
        self.locks: dict[str, Run | None] = {}
        self.lock_waiters: dict[str, list[tuple[float, int, Run]]] = {}
        self.classes: dict[str | tuple[int, int], list[tuple[tuple[int, float, int, int, int],
                                                               Piece]]] = {}
        self.events: list[tuple[float, int, Piece | str]] = []
        self.counter = itertools.count()
        self.seq = itertools.count()
        self.runs: list[Run] = []
        self.dirty = False
        self.tracing = trace
        self.busy = [Trace(origin) for _ in kinds]
        self.waiting = [Trace(origin) for _ in kinds]
        self.waiting_now = [0] * len(kinds)
        self.peak = [0] * len(kinds)
        self.origin = origin
        self.stuck: dict[str, str] = {}
        self.watch, self.max_wait = watch, max_wait  # see `fits_within`
        # per kind: minute (from origin) -> requests that entered then / of them waited
        self.demand: list[dict[int, int]] = [{} for _ in kinds]
        self.delayed: list[dict[int, int]] = [{} for _ in kinds]

    # -- 2. ticks and triggers ---------------------------------------------------
    def schedule(self, name: str, now: float, ready: float) -> None:
        item = self.items.get(name)
        if item is not None:  # Queue.scheduleInternal folds it into the waiting item
            item.folded += 1
            item.folds.append(ready)
            if ready < item.ready:
                item.ready = item.due = ready
                self.candidates.add(name)
            return
        self.items[name] = Item(ready, now, ready)
        if ready <= now:
            self.candidates.add(name)
        else:
            heapq.heappush(self.events, (ready, next(self.counter), name))

    # -- 3. maintain -------------------------------------------------------------
    def maintain(self, now: float) -> None:
        while self.candidates or self.dirty:
            if self.candidates:
                self.start_items(now)
            self.dirty = False
            self.assign(now)
        if self.tracing:
            self.trace_waiting(now)

    def start_items(self, now: float) -> None:
        items, rank = self.items, self.rank
        if len(self.candidates) == 1:
            order = list(self.candidates)
        else:
            order = sorted(self.candidates, key=lambda n: (rank[n][0], items[n].entered,
                                                           rank[n][1]) if n in items
                           else (0, 0.0, 0))
        self.candidates.clear()
        for name in order:
            item = self.items.get(name)
            if item is None or item.ready > now:
                continue
            job = self.jobs[name]
            running = self.running[name]
            if job.concurrency == "queue" and running:
                continue  # candidate again when that build ends
            if job.throttle is not None:
                key, limit = job.throttle
                if self.throttled.get(key, 0) >= limit:
                    self.blocked_throttle.setdefault(key, set()).add(name)
                    continue
            del self.items[name]
            self.start_build(job, item, now)

    def start_build(self, job: JobModel, item: Item, now: float) -> None:
        run = Run(job.name, item.due, item.folded, now, next(self.seq), job.expected,
                  job.max_duration, folds=item.folds)
        self.runs.append(run)
        running = self.running[job.name]
        if running and job.concurrency == "skip":
            run.start = run.end = now
            run.outcome = "skipped"
            return
        if running and job.concurrency == "replace":
            self.abort(running[-1], now)
        running.append(run)
        if job.throttle is not None:
            self.throttled[job.throttle[0]] = self.throttled.get(job.throttle[0], 0) + 1
        if job.lock is None:
            self.next_step(run, now)
        elif self.locks.get(job.lock) is None:
            self.locks[job.lock] = run
            self.next_step(run, now)
        else:
            heapq.heappush(self.lock_waiters.setdefault(job.lock, []),
                           (now, run.seq, run))

    def next_step(self, run: Run, now: float) -> None:
        job = self.jobs[run.job]
        run.step += 1
        if run.step == len(job.steps):
            self.finish(run, now)
            return
        step = job.steps[run.step]
        if len(step) == 1 and step[0].on_each is None:  # the common case, kept short
            branch = step[0]
            cls = branch.label or ANY
            run.left = 1
            piece = Piece(run, branch, (job.priority, now, run.seq, 0, 0), cls, now)
            run.pieces.append(piece)
            self.request(piece, cls, now)
            self.dirty = True
            return
        pieces: list[tuple[Branch, int, str | tuple[int, int], int]] = []
        for index, branch in enumerate(step):
            if branch.on_each is None:
                pieces.append((branch, index, branch.label or ANY, 0))
                continue
            targets = [(k, a) for k in self.pool.matching(branch.on_each)
                       for a in range(max(self.pool.kinds[k].count, 0))]
            if self.pool.kinds and self.pool.kinds[0].count < 0:
                targets = [(k, -1) for k in self.pool.matching(branch.on_each)][:1]
            if not targets:  # nodesByLabel found none: the stage fails the build
                run.outcome = "failed"
                self.finish(run, now)
                return
            for number, (kind, agent) in enumerate(targets):
                pinned: str | tuple[int, int] = branch.on_each if agent < 0 else (kind, agent)
                pieces.append((branch, index, pinned, number))
        run.left = len(pieces)
        for branch, index, where, number in pieces:
            piece = Piece(run, branch, (job.priority, now, run.seq, index, number), where, now)
            run.pieces.append(piece)
            self.request(piece, where, now)
        self.dirty = True

    def request(self, piece: Piece, cls: str | tuple[int, int], now: float) -> None:
        """Put a node request in the queue, or mark its run stuck when no agent matches."""
        kinds = self.pool.classes.get(cls) or self.pool.matching(cls)
        if not kinds:
            run = piece.run
            self.stuck.setdefault(run.job, piece.branch.label or "any")
            run.outcome = "stuck"
            return
        queue = self.classes.get(cls)
        if queue is None:
            queue = self.classes[cls] = []
        heapq.heappush(queue, (piece.key, piece))
        if self.tracing:
            waiting = self.waiting_now
            for kind in kinds:
                waiting[kind] += 1

    def count_waiting(self, cls: str | tuple[int, int], now: float, delta: int) -> None:
        if self.tracing:
            for kind in self.pool.classes.get(cls) or self.pool.matching(cls):
                self.waiting_now[kind] += delta

    def trace_waiting(self, now: float) -> None:
        """Requests still waiting once the instant is settled (served ones never waited)."""
        for kind, count in enumerate(self.waiting_now):
            if count != self.waiting[kind].current:
                self.waiting[kind].set(now, count)

    def assign(self, now: float) -> None:
        pool = self.pool
        heads = []
        for cls, queue in self.classes.items():
            while queue and queue[0][1].done:
                heapq.heappop(queue)
            if queue and pool.can_serve(cls):
                heads.append((queue[0][0], cls))
        if self.watch >= 0:
            self.check_heads(now)
        heapq.heapify(heads)
        while heads:
            _, cls = heapq.heappop(heads)
            queue = self.classes[cls]
            taken = pool.take(cls)
            if taken is None:
                continue
            _, piece = heapq.heappop(queue)
            self.begin(piece, taken, now)
            while queue and queue[0][1].done:
                heapq.heappop(queue)
            if queue:
                heapq.heappush(heads, (queue[0][0], cls))

    def check_heads(self, now: float) -> None:
        """For the advice: stop once a request for the watched kind waited too long."""
        for cls, queue in self.classes.items():  # only requests no other kind can take
            if queue and now - queue[0][1].entered > self.max_wait and \
                    (self.pool.classes.get(cls) or self.pool.matching(cls)) == (self.watch,) \
                    and self.jobs[queue[0][1].run.job].concurrency != "replace":
                raise WaitedTooLong  # (a `replace` run may yet be aborted before it waits)

    def begin(self, piece: Piece, taken: tuple[int, int], now: float) -> None:
        kind = piece.kind = taken[0]
        piece.agent = taken[1]
        run = piece.run
        if run.start is None:
            run.start = now
        waited = now - piece.entered
        waits = run.waits
        total = waits[kind] = waits.get(kind, 0.0) + waited
        if kind == self.watch and total > self.max_wait:
            raise WaitedTooLong
        busy = self.pool.busy[kind]
        if busy > self.peak[kind]:
            self.peak[kind] = busy
        if self.tracing:
            minute = int(piece.entered - self.origin) // 60
            counts = self.demand[kind]
            counts[minute] = counts.get(minute, 0) + 1
            if waited > 0:
                self.delayed[kind][minute] = self.delayed[kind].get(minute, 0) + 1
            waiting = self.waiting_now
            for other in self.pool.classes[piece.cls]:
                waiting[other] -= 1
            self.busy[kind].set(now, busy)
        heapq.heappush(self.events, (now + piece.branch.seconds, next(self.counter), piece))

    # -- 1. ends -----------------------------------------------------------------
    def piece_ends(self, piece: Piece, now: float) -> None:
        if piece.done:
            return
        piece.done = True
        kind = piece.kind
        pool = self.pool
        pool.give_back(kind, piece.agent)
        if self.tracing:
            self.busy[kind].set(now, pool.busy[kind])
        self.dirty = True
        run = piece.run
        run.left -= 1
        if run.left == 0 and run.outcome == "ran":
            run.pieces.clear()
            self.next_step(run, now)

    def release(self, piece: Piece, now: float) -> None:
        self.pool.give_back(piece.kind, piece.agent)
        if self.tracing:
            self.busy[piece.kind].set(now, self.pool.busy[piece.kind])
        self.dirty = True

    def finish(self, run: Run, now: float) -> None:
        run.end = now
        job = self.jobs[run.job]
        running = self.running[run.job]
        if run in running:
            running.remove(run)
        if job.concurrency == "queue" and run.job in self.items:
            self.candidates.add(run.job)
        if job.throttle is not None:
            key = job.throttle[0]
            self.throttled[key] -= 1
            self.candidates.update(self.blocked_throttle.pop(key, ()))
        if job.lock is not None and self.locks.get(job.lock) is run:
            self.locks[job.lock] = None
            waiters = self.lock_waiters.get(job.lock)
            while waiters:
                _, _, waiter = heapq.heappop(waiters)
                if waiter.end is None:
                    self.locks[job.lock] = waiter
                    self.next_step(waiter, now)
                    break
        if run.outcome == "ran" and now < self.window_end:
            for name in job.downstream:
                self.schedule(name, now, now + QUIET_PERIOD)

    def abort(self, run: Run, now: float) -> None:
        """`abortPrevious`: the build ends now as NOT_BUILT, freeing what it holds."""
        run.outcome = "replaced"
        for piece in run.pieces:
            if not piece.done:
                piece.done = True
                if piece.kind >= 0:
                    self.release(piece, now)
                else:
                    self.count_waiting(piece.cls, now, -1)
        self.finish(run, now)

    # -- the loop ----------------------------------------------------------------
    def run(self, ticks: dict[float, list[str]]) -> None:
        times = sorted(ticks)
        at = 0
        events = self.events
        while at < len(times) or events:
            now = times[at] if at < len(times) else events[0][0]
            if events and events[0][0] < now:
                now = events[0][0]
            while events and events[0][0] == now:
                _, _, what = heapq.heappop(events)
                if isinstance(what, Piece):
                    self.piece_ends(what, now)
                else:
                    self.candidates.add(what)
            if at < len(times) and times[at] == now:
                for name in ticks[now]:
                    self.schedule(name, now, now)
                at += 1
            self.maintain(now)


def _ticks(simulation: Simulation) -> dict[float, list[str]]:
    ticks: dict[float, list[str]] = {}
    for name in sorted(simulation.jobs):
        for fire in simulation.jobs[name].fires:
            ticks.setdefault(fire, []).append(name)
    return ticks


def fits_within(jobs: list[JobModel], kinds: list[AgentKind], window_end: float,
                origin: int, kind: int, max_wait: float) -> bool:
    """Whether no run waits longer than `max_wait` for an agent of `kinds[kind]`; stops
    at the first one that does (the advice's probe)."""
    simulation = Simulation(jobs, kinds, window_end, origin, False, kind, max_wait)
    try:
        simulation.run(_ticks(simulation))
    except WaitedTooLong:
        return False
    return not any(not piece.done and kind in simulation.pool.matching(cls)
                   for cls, queue in simulation.classes.items() for _, piece in queue)


def simulate(jobs: list[JobModel], kinds: list[AgentKind], window_end: float,
             origin: int, trace: bool = True) -> Outcome:
    """Run the queue until every run created in the window has ended (or cannot)."""
    if not kinds:
        labels = {b.on_each or b.label for job in jobs for step in job.steps for b in step}
        kinds = [AgentKind(label or "any", frozenset(), -1) for label in
                 sorted(labels, key=lambda e: (e is not None, e or ""))]
    simulation = Simulation(jobs, kinds, window_end, origin, trace)
    simulation.run(_ticks(simulation))
    for name, item in sorted(simulation.items.items()):  # queued behind a run that never ends
        job = simulation.jobs[name]
        simulation.runs.append(Run(name, item.due, item.folded, item.ready, -1, job.expected,
                                   job.max_duration, outcome="stuck", folds=item.folds))
    for cls, queue in simulation.classes.items():  # requests no agent ever took
        for _, piece in queue:
            if not piece.done:
                for kind in simulation.pool.matching(cls):
                    piece.run.waits[kind] = float("inf")
    return Outcome(simulation.runs, kinds, [t.values for t in simulation.busy],
                   [t.values for t in simulation.waiting], simulation.peak, origin,
                   simulation.stuck, simulation.demand, simulation.delayed)
