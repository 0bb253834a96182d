"""How node requests get executors: `Queue.maintain`'s pass over the waiting requests,
in queue order (simulate.py has the rules)."""

from __future__ import annotations

import heapq

from jobsmith.forecast.agents import UNLIMITED
from jobsmith.forecast.records import Piece, Run
from jobsmith.forecast.state import ANY_KIND, State, WaitedTooLong
from jobsmith.forecast.tables import REPLACE, RUN_AT, TIME_AT


class Serving(State):
    def assign(self, now: int) -> None:
        if self.fresh:
            self.serve_fresh(now)
        queues, free, kinds_of = self.queues, self.free, self.classes.kinds_of
        heads = []
        emptied = []
        for cls in self.active:
            queue = queues[cls]
            while queue and queue[0][1].done:
                heapq.heappop(queue)
            if not queue:
                emptied.append(cls)
                continue
            if self.pinning and self.classes.agent_of[cls] >= 0:
                kind = kinds_of[cls][0]
                if self.agent_free[kind][self.classes.agent_of[cls]]:
                    heads.append((queue[0][0], cls))
                continue
            for k in kinds_of[cls]:
                if free[k]:
                    heads.append((queue[0][0], cls))
                    break
        if emptied:
            self.active.difference_update(emptied)
        if self.watch != -1:
            self.check_heads(now)
        if not heads:
            return
        single = len(heads) == 1
        if not single:
            heapq.heapify(heads)
        pinning, busy, peak, served, tracing = self.pinning, self.busy, self.peak, \
            self.served, self.tracing
        watch, max_wait, shifted = self.watch, self.max_wait, self.shifted
        events, times, ticks = self.events, self.times, self.ticks
        pop = heapq.heappop
        origin, demand, delayed, waiting_in = self.origin, self.demand, self.delayed, \
            self.waiting_in
        began: dict[int, int] = {}  # (traced) per kind, what it holds once the last began
        while heads:
            cls = heads[0][1]
            queue = queues[cls]
            kind = agent = -1
            if pinning:
                kind, agent = self.take(cls)
            else:
                for k in kinds_of[cls]:
                    if free[k]:
                        kind = k
                        free[k] -= 1
                        break
            if kind < 0:
                pop(heads)
                continue
            # `begin`, inline: the request takes the executor now
            entry = pop(queue)[1]
            entry.kind, entry.agent = kind, agent
            run = entry if type(entry) is Run else entry.run
            if run.start is None:
                run.start = now
            waited = now - entry.entered
            if waited or kind != kinds_of[cls][0]:  # (off the unlimited simulation's path)
                shifted.add(run.j)
                self.last_shift = now
            waits = run.waits
            total = waits[kind] = waits.get(kind, 0) + waited
            if watch != -1 and total > max_wait and (kind == watch or watch == ANY_KIND):
                raise WaitedTooLong(kind, kinds_of[cls])
            if served is not None:
                self.record(entry, run, kind)
            count = busy[kind] = busy[kind] + 1
            if count > peak[kind]:
                peak[kind] = count
            if tracing:  # (in the traces: what is held, after the loop, as it only grows)
                entered = (entry.entered - origin) // 60
                demand[kind][entered] += 1
                if waited:
                    delayed[kind][entered] += 1
                waiting_in[entry.cls] -= 1
                began[kind] = count
            end = now + entry.seconds  # State.at, inlined: the call costs ~5 % of a forecast
            happening = events.get(end)
            if happening is None:
                events[end] = [entry]
                if end not in ticks:
                    heapq.heappush(times, end)
            else:
                happening.append(entry)
            while queue and queue[0][1].done:
                pop(queue)
            if not queue:
                pop(heads)
            elif not single:
                heapq.heapreplace(heads, (queue[0][0], cls))
        if began:
            minute, high, last = self.minute, self.minutes.high, self.minutes.last
            for kind, count in began.items():
                if count > high[kind][minute]:
                    high[kind][minute] = count
                last[kind][minute] = count
            self.waits_changed = True

    def record(self, entry: Run | Piece, run: Run, kind: int) -> None:
        assert self.served is not None
        self.served[kind].append((entry.entered, self.priority[run.j] + (
            (entry.entered - self.origin) << TIME_AT) + (run.seq << RUN_AT),
            entry.seconds, run.seq))

    def serve_fresh(self, now: int) -> None:
        """The requests made this instant. Those whose first kind has room for every
        request that could take one of its executors now (the fresh ones asking it
        first, and those that may spill over to it from a fuller kind) and which no
        queued request could take take it at once: queued in order, each of them would
        find it free (so the order cannot matter). The others queue."""
        fresh, free, first, asked = self.fresh, self.free, self.first, self.asked
        self.fresh = []
        self.asked = [0] * len(asked)
        if not self.active and len(fresh) <= min(free, default=0) and not self.pinning:
            self.serve_at_once(fresh, now)  # (nothing queued, and room for all anywhere)
            return
        if not self.pinning:
            # per first kind, how many ask it (runs aborted since count too: fewer are
            # then served at once, and queueing is the rule itself)
            wanted = {kind: count for kind, count in enumerate(asked) if count}
            kinds_of = self.classes.kinds_of
            taken = {kind for cls in self.active for kind in kinds_of[cls]}
            room = {kind for kind, count in wanted.items()
                    if free[kind] >= count and kind not in taken}
            if len(room) == len(wanted):
                self.serve_at_once(fresh, now)
                return
            at_once: list[Run] = []
            rest: list[Run] = []  # (in the order they came, as at_once)
            while room:  # kinds the others may spill over to need room for them too
                spill: dict[int, int] = {}
                at_once, rest = [], []
                for run in fresh:
                    if first[run.cls] in room:
                        at_once.append(run)
                        continue
                    rest.append(run)
                    if not run.done:
                        for kind in kinds_of[run.cls]:
                            if kind in room:
                                spill[kind] = spill.get(kind, 0) + 1
                kept = {kind for kind in room if free[kind] >= wanted[kind] + spill.get(kind, 0)}
                if kept == room:
                    break
                room = kept
            if room:
                self.serve_at_once(at_once, now)
                fresh = rest
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
        """`begin` for requests that wait for nothing. What they hold is counted once a
        kind, after them (meanwhile it only grows: the highest is the last)."""
        first, priority, served = self.first, self.priority, self.served
        taken = [0] * len(self.free)
        events, times, ticks = self.events, self.times, self.ticks
        since = (now - self.origin) << TIME_AT
        for run in fresh:
            if run.done:
                continue
            kind = run.kind = first[run.cls]  # (its agent is -1: agents are not told apart)
            taken[kind] += 1
            if run.start is None:
                run.start = now
            waits = run.waits
            if kind not in waits:
                waits[kind] = 0
            if served is not None:
                served[kind].append((now, priority[run.j] + since + (run.seq << RUN_AT),
                                     run.seconds, run.seq))
            end = now + run.seconds  # State.at, inlined: the call costs ~5 % of a forecast
            happening = events.get(end)
            if happening is None:
                events[end] = [run]
                if end not in ticks:
                    heapq.heappush(times, end)
            else:
                happening.append(run)
        free, busy, peak = self.free, self.busy, self.peak
        tracing, minute = self.tracing, self.minute
        high, last, demand = self.minutes.high, self.minutes.last, self.demand
        for kind, count in enumerate(taken):
            if count:
                free[kind] -= count
                held = busy[kind] = busy[kind] + count
                if held > peak[kind]:
                    peak[kind] = held
                if tracing:
                    if held > high[kind][minute]:
                        high[kind][minute] = held
                    last[kind][minute] = held
                    demand[kind][minute] += count

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
