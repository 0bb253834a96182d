"""What a simulation holds: its jobs, locks, throttles, request classes and executors by
number, the queue, the events to come, and the traces (core.py runs it)."""

from __future__ import annotations

import heapq
from typing import Any

from jobsmith.forecast.agents import UNLIMITED, Classes, Minutes
from jobsmith.forecast.model import AgentKind, JobModel
from jobsmith.forecast.records import Run

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


class State:
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
            self.simple.append(tuple(  # (a label no agent carries: its own way, as pieces)
                step[0][:2] if len(step) == 1 and step[0][2] < 0 and
                classes.kinds_of[step[0][0]] else None for step in steps))
        # per job: no lock, no throttle, no `after` jobs (nothing to do at its start and end)
        self.plain = [lock < 0 and throttle < 0 and not downstream for lock, throttle, downstream
                      in zip(self.lock, self.throttle, self.downstream, strict=True)]
        # per job: the first step's (class, seconds) when the job is plain and the step
        # simple (a build of it starts as `Simulation.start_items` does it, inline), else None
        self.opening = [simple[0] if plain and simple else None
                        for plain, simple in zip(self.plain, self.simple, strict=True)]
        # per job: its number of steps when it is plain (its build ends as the loop of
        # `Simulation.run` does it, inline, once its last step ends), else -1
        self.closing = [len(simple) if plain else -1
                        for plain, simple in zip(self.plain, self.simple, strict=True)]
        self.ticks: dict[int, list[int]] = {}
        for j, job in enumerate(self.models):
            for fire in job.fires:
                self.ticks.setdefault(int(fire), []).append(j)
        self.running = [0] * len(self.models)  # builds of the job running (or holding)
        self.latest: list[Run | None] = [None] * len(self.models)
        self.order = [0] * len(self.models)  # PrioritySorter's key of the job's item
        # its parts that do not change: priority and job (the time in queue goes between)
        self.order_base = [(priority >> 40) + j for j, priority in enumerate(self.priority)]
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
