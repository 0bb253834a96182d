"""What a simulation holds: its jobs, locks, throttles, request classes and executors by
number, the queue, the events to come, and the traces (core.py runs it)."""

from __future__ import annotations

import heapq
from typing import Any

from jobsmith.forecast.agents import UNLIMITED, Minutes
from jobsmith.forecast.model import AgentKind, JobModel
from jobsmith.forecast.records import Run
from jobsmith.forecast.tables import Tables

QUIET = 5  # seconds: Jenkins' default global quiet period (simulate.QUIET_PERIOD)
ANY_KIND = -2  # `watch`: every kind of agent (-1: none)
FRESH = -2  # the `kind` of a request made this instant and not queued yet


class WaitedTooLong(Exception):
    """A run waited longer than the advice allows for the watched kind of agent (the
    arguments: that kind, and every kind that could have served the request)."""


class State:
    def __init__(self, jobs: list[JobModel], kinds: list[AgentKind], window_end: float,
                 origin: int, trace: bool = True, watch: int = -1,
                 max_wait: float = 0.0, demand: bool = False,
                 tables: Tables | None = None) -> None:
        """`watch`, `max_wait`: stop (WaitedTooLong) at the first run that waits longer
        for the watched kind (or ANY_KIND); `demand`: every kind unlimited, and what each
        serves recorded in `served` (the advice's demand); `tables`: those of an earlier
        simulation of the same jobs and kinds (used when they serve)."""
        if tables is None or not tables.serve(jobs, kinds):
            tables = Tables(jobs, kinds)
        self.tables = tables
        self.models, self.classes = tables.models, tables.classes
        self.kinds, self.origin, self.window_end = kinds, origin, window_end
        self.pinning = tables.on_each and any(k.count >= 0 for k in kinds) and not demand
        self.unlimited_pins = (bool(kinds) and kinds[0].count < 0) or demand
        # per kind: (entered, order, seconds, run) of each request it served
        self.served: list[list[tuple[int, int, int, int]]] | None = \
            [[] for _ in kinds] if demand else None
        self.limit, self.priority, self.policy = tables.limit, tables.priority, tables.policy
        self.shared_limit, self.skipping = tables.shared_limit, tables.skipping
        self.lock, self.throttle, self.downstream = tables.lock, tables.throttle, \
            tables.downstream
        self.simple, self.steps, self.plain = tables.simple, tables.steps, tables.plain
        self.opening, self.closing, self.direct = tables.opening, tables.closing, tables.direct
        self.order_base = tables.order_base
        self.ticks = dict(tables.ticks)
        self.running = [0] * len(self.models)  # builds of the job running (or holding)
        self.latest: list[Run | None] = [None] * len(self.models)
        self.order = [0] * len(self.models)  # PrioritySorter's key of the job's item
        self.items: dict[int, list[Any]] = {}  # job -> [due, entered, ready, folded, folds]
        self.candidates: set[int] = set()
        self.throttled = [0] * tables.throttles
        self.blocked: list[set[int]] = [set() for _ in range(tables.throttles)]
        self.holder: list[Run | None] = [None] * tables.locks
        self.waiters: list[list[tuple[int, int, Run]]] = [[] for _ in range(tables.locks)]
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
        self.asked = [0] * len(kinds)  # of them, per kind how many ask it first
        self.first = [kinds[0] if kinds else -1 for kinds in self.classes.kinds_of]
        self.times: list[int] = sorted(self.ticks)  # a heap of the instants to come
        self.events: dict[int, list[Any]] = {}  # instant -> runs, pieces, jobs due then
        self.runs: list[Run] = []
        # jobs a request of which waited or took a kind other than its first: the others
        # are where the simulation with every kind unlimited has them (settle.py)
        self.shifted: set[int] = set()
        self.last_shift = -1 << 62  # the instant at which that last happened
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
