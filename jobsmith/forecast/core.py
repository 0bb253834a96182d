"""The simulation loop of simulate.py (the rules are written there)."""

from __future__ import annotations

import heapq
from typing import Any

from jobsmith.forecast.agents import UNLIMITED, Classes, Minutes
from jobsmith.forecast.model import AgentKind, JobModel
from jobsmith.forecast.records import Piece, Run

QUIET = 5  # seconds: Jenkins' default global quiet period (simulate.QUIET_PERIOD)
QUEUE, SKIP, REPLACE, PARALLEL = range(4)
POLICIES = {"queue": QUEUE, "skip": SKIP, "replace": REPLACE, "parallel": PARALLEL}
# A request's place in the queue, as one integer: priority, then when it entered (seconds
# from the origin), then its run's number, then its branch and its agent (on_each).
PRIORITY_AT, TIME_AT, RUN_AT = 96, 64, 32
ANY_KIND = -2  # `watch`: every kind of agent (-1: none)
FRESH = -2  # the `kind` of a request made this instant and not queued yet


class WaitedTooLong(Exception):
    """A run waited longer than the advice allows for the watched kind of agent (the
    arguments: that kind, and every kind that could have served the request)."""


class Simulation:
    def __init__(self, jobs: list[JobModel], kinds: list[AgentKind], window_end: float,
                 origin: int, trace: bool = True, watch: int = -1,
                 max_wait: float = 0.0, demand: bool = False) -> None:
        """`watch`, `max_wait`: stop (WaitedTooLong) at the first run that waits longer
        for the watched kind (or ANY_KIND); `demand`: every kind unlimited, and what each
        serves recorded in `served` (the advice's demand)."""
        # Jobs by number, in name order: the order in which Jenkins' timer thread meets
        # them, PrioritySorter's last tie-break for items that entered the same second.
        self.models = sorted(jobs, key=lambda job: job.name)
        number = {job.name: j for j, job in enumerate(self.models)}
        self.kinds, self.origin, self.window_end = kinds, origin, window_end
        self.classes = classes = Classes(kinds)
        self.pinning = any(b.on_each for job in jobs for step in job.steps for b in step) \
            and any(k.count >= 0 for k in kinds) and not demand
        self.unlimited_pins = (bool(kinds) and kinds[0].count < 0) or demand
        # per kind: (entered, order, seconds, run) of each request it served
        self.served: list[list[tuple[int, int, int, int]]] | None = \
            [[] for _ in kinds] if demand else None
        locks: dict[str, int] = {}
        throttles: dict[str, int] = {}
        self.limit: list[int] = []  # per job: its throttle's max_total
        self.priority: list[int] = []
        self.policy: list[int] = []
        self.lock: list[int] = []
        self.throttle: list[int] = []
        self.downstream: list[tuple[int, ...]] = []
        # per job, per step: (class, seconds) for one branch on a label, else None
        self.simple: list[tuple[tuple[int, int] | None, ...]] = []
        # per job, per step: its branches as (class, seconds, on_each class or -1)
        self.steps: list[tuple[tuple[tuple[int, int, int], ...], ...]] = []
        for job in self.models:
            self.priority.append(job.priority << PRIORITY_AT)
            self.policy.append(POLICIES[job.concurrency])
            self.lock.append(-1 if job.lock is None else locks.setdefault(job.lock, len(locks)))
            if job.throttle is None:
                self.throttle.append(-1)
                self.limit.append(0)
            else:  # (the limit is the job's own: jobs of a category may differ)
                self.throttle.append(throttles.setdefault(job.throttle[0], len(throttles)))
                self.limit.append(job.throttle[1])
            self.downstream.append(tuple(number[name] for name in job.downstream
                                         if name in number))
            steps = tuple(tuple((classes.of(b.label), int(b.seconds),
                                 -1 if b.on_each is None else classes.of(b.on_each))
                                for b in step) for step in job.steps)
            self.steps.append(steps)
            self.simple.append(tuple(step[0][:2] if len(step) == 1 and step[0][2] < 0
                                     else None for step in steps))
        self.ticks: dict[int, list[int]] = {}
        for j, job in enumerate(self.models):
            for fire in job.fires:
                self.ticks.setdefault(int(fire), []).append(j)
        self.running = [0] * len(self.models)  # builds of the job running (or holding)
        self.latest: list[Run | None] = [None] * len(self.models)
        self.order = [0] * len(self.models)  # PrioritySorter's key of the job's item
        self.items: dict[int, list[Any]] = {}  # job -> [due, entered, ready, folded, folds]
        self.candidates: set[int] = set()
        self.throttled = [0] * len(throttles)
        self.blocked: list[set[int]] = [set() for _ in throttles]
        self.holder: list[Run | None] = [None] * len(locks)
        self.waiters: list[list[tuple[int, int, Run]]] = [[] for _ in locks]
        self.free = [k.capacity if k.count >= 0 and not demand else UNLIMITED for k in kinds]
        self.busy = [0] * len(kinds)
        self.peak = [0] * len(kinds)
        # only with on_each: free executors per agent, and a heap of agents with some
        self.agent_free = [[k.executors] * max(k.count, 0) for k in kinds]
        self.agent_open = [list(range(max(k.count, 0))) for k in kinds]
        self.queues: list[list[tuple[int, Any]]] = []
        self.waiting_in: list[int] = []  # per class: requests waiting (traced only)
        self.active: set[int] = set()  # classes with requests in their queue
        self.fresh: list[Run] = []  # one-branch requests made this instant, not queued
        self.first = [kinds[0] if kinds else -1 for kinds in classes.kinds_of]
        self.times: list[int] = sorted(self.ticks)  # a heap of the instants to come
        self.events: dict[int, list[Any]] = {}  # instant -> runs, pieces, jobs due then
        self.runs: list[Run] = []
        self.stuck: dict[str, str] = {}
        self.dirty = False
        self.tracing = trace
        self.watch, self.max_wait = watch, max_wait  # see `fits_within`
        minutes = int(window_end - origin) // 60 + 1
        self.minutes = Minutes(len(kinds), minutes if trace else 1)  # busy executors
        self.waiting_minutes = Minutes(len(kinds), minutes if trace else 1)
        self.demand = [[0] * self.minutes.size for _ in kinds]  # requests entered, per minute
        self.delayed = [[0] * self.minutes.size for _ in kinds]  # of them, those that waited
        self.minute = 0
        self.waits_changed = False

    def class_count(self) -> None:
        while len(self.queues) < len(self.classes.kinds_of):
            self.queues.append([])
            self.waiting_in.append(0)

    # -- the loop ----------------------------------------------------------------
    def run(self) -> None:
        self.class_count()
        times, events, ticks = self.times, self.events, self.ticks
        pop, origin, tracing = heapq.heappop, self.origin, self.tracing
        step, end_piece, schedule = self.next_step, self.end_piece, self.schedule
        busy, free, agent_free, agent_open = self.busy, self.free, self.agent_free, \
            self.agent_open
        minutes = self.minutes
        last = minutes.last
        candidates = self.candidates
        while times:
            now = pop(times)
            if tracing:
                minute = self.minute = (now - origin) // 60
                if minute >= minutes.size:
                    self.grow(minute)
            happening = events.pop(now, None)
            if happening is not None:
                for what in happening:
                    if type(what) is Run:
                        if what.done:
                            continue
                        kind = what.kind
                        left = busy[kind] = busy[kind] - 1
                        free[kind] += 1
                        if what.agent >= 0:
                            agents = agent_free[kind]
                            if not agents[what.agent]:
                                heapq.heappush(agent_open[kind], what.agent)
                            agents[what.agent] += 1
                        if tracing:
                            last[kind][minute] = left
                        what.kind = what.cls = -1
                        self.dirty = True
                        step(what, now)
                    elif type(what) is int:
                        candidates.add(what)
                    else:
                        end_piece(what, now)
            fired = ticks.pop(now, None)
            if fired is not None:
                for j in fired:
                    schedule(j, now, now)
            while candidates or self.dirty:
                if candidates:
                    self.start_items(now)
                self.dirty = False
                self.assign(now)
            if self.waits_changed:
                self.trace_waiting()

    def grow(self, minute: int) -> None:
        self.minutes.grow(minute)
        self.waiting_minutes.grow(minute)
        for row in (*self.demand, *self.delayed):
            row.extend([0] * (self.minutes.size - len(row)))

    def at(self, instant: int, what: Any) -> None:
        happening = self.events.get(instant)
        if happening is None:
            self.events[instant] = [what]
            if instant not in self.ticks:
                heapq.heappush(self.times, instant)
        else:
            happening.append(what)

    # -- 2. ticks and triggers ---------------------------------------------------
    def schedule(self, j: int, now: int, ready: int) -> None:
        item = self.items.get(j)
        if item is not None:  # Queue.scheduleInternal folds it into the waiting item
            item[3] += 1
            if item[4] is None:
                item[4] = [ready]
            else:
                item[4].append(ready)
            if ready < item[2]:
                item[0] = item[2] = ready
                self.candidates.add(j)
            return
        self.items[j] = [ready, now, ready, 0, None]
        self.order[j] = (self.priority[j] >> 40) + ((now - self.origin) << 24) + j
        if ready <= now:
            self.candidates.add(j)
        else:
            self.at(ready, j)

    # -- 3. maintain -------------------------------------------------------------
    def start_items(self, now: int) -> None:
        items = self.items
        order = [j for j in self.candidates if j in items]
        self.candidates.clear()
        if len(order) > 1:
            order.sort(key=self.order.__getitem__)
        policy, running, throttle = self.policy, self.running, self.throttle
        for j in order:
            item = items.get(j)
            if item is None or item[2] > now:
                continue
            if policy[j] == QUEUE and running[j]:
                continue  # candidate again when that build ends
            key = throttle[j]
            if key >= 0 and self.throttled[key] >= self.limit[j]:
                self.blocked[key].add(j)
                continue
            del items[j]
            self.start_build(j, item, now)

    def start_build(self, j: int, item: list[Any], now: int) -> None:
        run = Run(j, self.models[j], item[0], item[3], now, len(self.runs), item[4] or ())
        self.runs.append(run)
        if self.running[j]:
            policy = self.policy[j]
            if policy == SKIP:
                run.start = run.end = now
                run.outcome = "skipped"
                return
            if policy == REPLACE:
                latest = self.latest[j]
                assert latest is not None
                self.abort(latest, now)
        self.running[j] += 1
        self.latest[j] = run
        key = self.throttle[j]
        if key >= 0:
            self.throttled[key] += 1
        lock = self.lock[j]
        if lock < 0:
            self.next_step(run, now)
        elif self.holder[lock] is None:
            self.holder[lock] = run
            self.next_step(run, now)
        else:
            heapq.heappush(self.waiters[lock], (now, run.seq, run))

    def next_step(self, run: Run, now: int) -> None:
        j = run.j
        number = run.step = run.step + 1
        simple = self.simple[j]
        if number == len(simple):
            self.finish(run, now)
            return
        branch = simple[number]
        if branch is None:
            self.request_pieces(run, now)
            return
        cls, run.seconds = branch
        if not self.classes.kinds_of[cls]:
            self.stuck.setdefault(run.job, self.classes.label_of[cls])
            run.outcome = "stuck"
            return
        run.cls, run.entered, run.kind = cls, now, FRESH
        self.fresh.append(run)
        self.dirty = True

    def request_pieces(self, run: Run, now: int) -> None:
        """A step of several branches, or an `on_each` stage: one request per piece."""
        classes = self.classes
        wanted: list[tuple[int, int, int, int]] = []  # class, seconds, branch, number
        for index, (cls, seconds, each) in enumerate(self.steps[run.j][run.step]):
            if each < 0:
                wanted.append((cls, seconds, index, 0))
                continue
            kinds = classes.kinds_of[each]
            if self.unlimited_pins:
                targets = [each] if kinds else []
            else:
                targets = [classes.pinned(k, a) for k in kinds
                           for a in range(max(self.kinds[k].count, 0))]
            if not targets:  # nodesByLabel found none: the stage fails the build
                run.outcome = "failed"
                self.finish(run, now)
                return
            wanted.extend((target, seconds, index, n) for n, target in enumerate(targets))
        self.class_count()
        run.left = len(wanted)
        run.pieces = []
        base = self.priority[run.j] + ((now - self.origin) << TIME_AT) + (run.seq << RUN_AT)
        for cls, seconds, index, n in wanted:
            piece = Piece(run, cls, seconds, now, classes.label_of[cls])
            run.pieces.append(piece)
            if not classes.kinds_of[cls]:
                self.stuck.setdefault(run.job, piece.label)
                run.outcome = "stuck"
                piece.done = True  # never queued
                continue
            heapq.heappush(self.queues[cls], (base + (index << 20) + n, piece))
            self.active.add(cls)
            if self.tracing:
                self.waiting_in[cls] += 1
                self.waits_changed = True
        self.dirty = True

    def assign(self, now: int) -> None:
        if self.fresh:
            self.serve_fresh(now)
        queues, free, kinds_of = self.queues, self.free, self.classes.kinds_of
        heads = []
        for cls in list(self.active):
            queue = queues[cls]
            while queue and queue[0][1].done:
                heapq.heappop(queue)
            if not queue:
                self.active.discard(cls)
                continue
            if self.pinning and self.classes.agent_of[cls] >= 0:
                kind = kinds_of[cls][0]
                if self.agent_free[kind][self.classes.agent_of[cls]]:
                    heads.append((queue[0][0], cls))
            elif any(free[k] for k in kinds_of[cls]):
                heads.append((queue[0][0], cls))
        if self.watch != -1:
            self.check_heads(now)
        if len(heads) > 1:
            heapq.heapify(heads)
        while heads:
            cls = heads[0][1]
            queue = queues[cls]
            kind = agent = -1
            if self.pinning:
                kind, agent = self.take(cls)
            else:
                for k in kinds_of[cls]:
                    if free[k]:
                        kind = k
                        free[k] -= 1
                        break
            if kind < 0:
                heapq.heappop(heads)
                continue
            self.begin(heapq.heappop(queue)[1], kind, agent, now)
            while queue and queue[0][1].done:
                heapq.heappop(queue)
            if queue:
                heapq.heapreplace(heads, (queue[0][0], cls))
            else:
                heapq.heappop(heads)

    def serve_fresh(self, now: int) -> None:
        """The requests made this instant: each takes the first kind that can serve it
        at once when that kind has room for all of them and nothing queued could take
        it (so the order among them cannot matter); otherwise they queue."""
        fresh, free, first = self.fresh, self.free, self.first
        self.fresh = []
        if not self.pinning:
            wanted: dict[int, int] = {}
            for run in fresh:
                if not run.done:
                    kind = first[run.cls]
                    wanted[kind] = wanted.get(kind, 0) + 1
            if all(free[kind] >= count for kind, count in wanted.items()) and not (
                    self.active and any(kind in wanted for cls in self.active
                                        for kind in self.classes.kinds_of[cls])):
                self.serve_at_once(fresh, now)
                return
        origin, priority, queues = self.origin, self.priority, self.queues
        for run in fresh:
            if run.done:
                continue
            cls = run.cls
            run.kind = -1
            heapq.heappush(queues[cls], (priority[run.j] + ((run.entered - origin) << TIME_AT)
                                         + (run.seq << RUN_AT), run))
            self.active.add(cls)
            if self.tracing:
                self.waiting_in[cls] += 1
                self.waits_changed = True

    def serve_at_once(self, fresh: list[Run], now: int) -> None:
        """`begin` for requests that wait for nothing."""
        free, first, busy, peak = self.free, self.first, self.busy, self.peak
        events, times, ticks = self.events, self.times, self.ticks
        tracing, minute = self.tracing, self.minute
        high, last, demand = self.minutes.high, self.minutes.last, self.demand
        served = self.served
        for run in fresh:
            if run.done:
                continue
            kind = run.kind = first[run.cls]
            run.agent = -1
            free[kind] -= 1
            if run.start is None:
                run.start = now
            waits = run.waits
            if kind not in waits:
                waits[kind] = 0
            count = busy[kind] = busy[kind] + 1
            if count > peak[kind]:
                peak[kind] = count
            if tracing:
                if count > high[kind][minute]:
                    high[kind][minute] = count
                last[kind][minute] = count
                demand[kind][minute] += 1
            if served is not None:
                order = self.priority[run.j] + ((now - self.origin) << TIME_AT) + \
                    (run.seq << RUN_AT)
                served[kind].append((now, order, run.seconds, run.seq))
            end = now + run.seconds
            happening = events.get(end)
            if happening is None:
                events[end] = [run]
                if end not in ticks:
                    heapq.heappush(times, end)
            else:
                happening.append(run)

    def take(self, cls: int) -> tuple[int, int]:
        """With agents told apart: the first kind, lowest-numbered agent with a free
        executor (or the pinned agent); (-1, -1) when none."""
        pinned = self.classes.agent_of[cls]
        for kind in self.classes.kinds_of[cls]:
            agents = self.agent_free[kind]
            if pinned >= 0:
                if not agents[pinned]:
                    return -1, -1
                agent = pinned
            elif self.free[kind] >= UNLIMITED // 2:
                self.free[kind] -= 1
                return kind, -1
            elif self.free[kind]:
                heap = self.agent_open[kind]
                while not agents[heap[0]]:
                    heapq.heappop(heap)
                agent = heap[0]
            else:
                continue
            agents[agent] -= 1
            self.free[kind] -= 1
            return kind, agent
        return -1, -1

    def check_heads(self, now: int) -> None:
        """For the advice: stop once a request for the watched kind waited too long."""
        for cls in self.active:  # only requests no other kind can take
            queue = self.queues[cls]
            if queue and now - queue[0][1].entered > self.max_wait and \
                    self.watched(self.classes.kinds_of[cls]):
                entry = queue[0][1]
                run = entry if isinstance(entry, Run) else entry.run
                if self.policy[run.j] != REPLACE:  # (it may yet be aborted before it waits)
                    raise WaitedTooLong(self.classes.kinds_of[cls][0],
                                        self.classes.kinds_of[cls])

    def watched(self, kinds: tuple[int, ...]) -> bool:
        return kinds == (self.watch,) if self.watch >= 0 else bool(kinds)  # ANY_KIND

    def begin(self, entry: Run | Piece, kind: int, agent: int, now: int) -> None:
        queued = entry.kind == -1
        entry.kind, entry.agent = kind, agent
        run = entry if type(entry) is Run else entry.run  # type: ignore[union-attr]
        if run.start is None:
            run.start = now
        waited = now - entry.entered
        waits = run.waits
        total = waits[kind] = waits.get(kind, 0) + waited
        if total > self.max_wait and (kind == self.watch or self.watch == ANY_KIND):
            raise WaitedTooLong(kind, self.classes.kinds_of[entry.cls])
        if self.served is not None:
            self.served[kind].append((entry.entered, self.priority[run.j] + (
                (entry.entered - self.origin) << TIME_AT) + (run.seq << RUN_AT),
                entry.seconds, run.seq))
        busy = self.busy[kind] = self.busy[kind] + 1
        if busy > self.peak[kind]:
            self.peak[kind] = busy
        if self.tracing:
            minute = self.minute
            row = self.minutes.high[kind]
            if busy > row[minute]:
                row[minute] = busy
            self.minutes.last[kind][minute] = busy
            entered = (entry.entered - self.origin) // 60
            self.demand[kind][entered] += 1
            if waited:
                self.delayed[kind][entered] += 1
            if queued:
                self.waiting_in[entry.cls] -= 1
                self.waits_changed = True
        self.at(now + entry.seconds, entry)

    def trace_waiting(self) -> None:
        """Requests still waiting once the instant is settled (served ones never waited)."""
        self.waits_changed = False
        waiting, minute = self.waiting_in, self.minute
        high, last = self.waiting_minutes.high, self.waiting_minutes.last
        for kind, classes in enumerate(self.classes.of_kind):
            count = sum(waiting[cls] for cls in classes)
            if count > high[kind][minute]:
                high[kind][minute] = count
            last[kind][minute] = count

    # -- 1. ends -----------------------------------------------------------------
    def end_piece(self, piece: Piece, now: int) -> None:
        if piece.done:
            return
        piece.done = True
        self.release(piece, now)
        run = piece.run
        run.left -= 1
        if run.left == 0 and run.outcome == "ran":
            run.pieces = None
            self.next_step(run, now)

    def release(self, entry: Run | Piece, now: int) -> None:
        kind, agent = entry.kind, entry.agent
        busy = self.busy[kind] = self.busy[kind] - 1
        self.free[kind] += 1
        if agent >= 0:
            agents = self.agent_free[kind]
            if not agents[agent]:
                heapq.heappush(self.agent_open[kind], agent)
            agents[agent] += 1
        if self.tracing:
            self.minutes.last[kind][self.minute] = busy
        self.dirty = True

    def finish(self, run: Run, now: int) -> None:
        run.end = now
        j = run.j
        self.running[j] -= 1
        if self.latest[j] is run:
            self.latest[j] = None
        if self.policy[j] == QUEUE and j in self.items:
            self.candidates.add(j)
        key = self.throttle[j]
        if key >= 0:
            self.throttled[key] -= 1
            if self.blocked[key]:
                self.candidates.update(self.blocked[key])
                self.blocked[key].clear()
        lock = self.lock[j]
        if lock >= 0 and self.holder[lock] is run:
            self.holder[lock] = None
            waiters = self.waiters[lock]
            while waiters:
                waiter = heapq.heappop(waiters)[2]
                if waiter.end is None:
                    self.holder[lock] = waiter
                    self.next_step(waiter, now)
                    break
        if run.outcome == "ran" and now < self.window_end:
            for child in self.downstream[j]:
                self.schedule(child, now, now + QUIET)

    def abort(self, run: Run, now: int) -> None:
        """`abortPrevious`: the build ends now as NOT_BUILT, freeing what it holds."""
        run.outcome = "replaced"
        run.done = True  # its queue entry and end event are void
        if run.pieces is None:
            if run.kind >= 0:
                self.release(run, now)
            elif run.kind == -1 and run.cls >= 0:
                self.unwait(run.cls)
        else:
            for piece in run.pieces:
                if not piece.done:
                    piece.done = True
                    if piece.kind >= 0:
                        self.release(piece, now)
                    else:
                        self.unwait(piece.cls)
        self.finish(run, now)

    def unwait(self, cls: int) -> None:
        if self.tracing:
            self.waiting_in[cls] -= 1
            self.waits_changed = True

    def unserved_kinds(self) -> tuple[int, tuple[int, ...]]:
        """The first kind (and all kinds) of a request never served; (-1, ()) if none."""
        for cls, queue in enumerate(self.queues):
            kinds = self.classes.kinds_of[cls]
            if kinds and any(not entry.done for _, entry in queue):
                return kinds[0], kinds
        return -1, ()

    def unserved(self) -> bool:
        """Whether a request the watched kind can serve was never served."""
        kinds_of, watch = self.classes.kinds_of, self.watch
        return any(not entry.done and (watch in kinds_of[cls] or watch == ANY_KIND)
                   for cls, queue in enumerate(self.queues) if kinds_of[cls]
                   for _, entry in queue)
