"""The simulation loop of simulate.py (the rules are written there): ticks, items,
builds and their steps; serving.py gives requests their executors, state.py holds it all."""

from __future__ import annotations

import heapq
from typing import Any

from jobsmith.forecast.records import Piece, Run
from jobsmith.forecast.serving import Serving
from jobsmith.forecast.state import ANY_KIND, FRESH, QUIET, WaitedTooLong
from jobsmith.forecast.tables import PRIORITY_AT, QUEUE, REPLACE, RUN_AT, SKIP, TIME_AT

__all__ = ["ANY_KIND", "PRIORITY_AT", "RUN_AT", "TIME_AT", "Simulation", "WaitedTooLong"]


class Simulation(Serving):
    # -- the loop ----------------------------------------------------------------
    def run(self, until: int | None = None) -> None:
        """Until every instant is done, or up to (not including) the instant `until`:
        then it can go on (fork.py)."""
        self.class_count()
        stop = until if until is not None else 1 << 62
        times, events, ticks = self.times, self.events, self.ticks
        pop, origin, tracing = heapq.heappop, self.origin, self.tracing
        step, end_piece = self.next_step, self.end_piece
        busy, free, agent_free, agent_open = self.busy, self.free, self.agent_free, \
            self.agent_open
        minutes = self.minutes
        last, kinds = minutes.last, len(busy)
        candidates, items, order, base = self.candidates, self.items, self.order, \
            self.order_base
        closing, running, latest, policy = self.closing, self.running, self.latest, self.policy
        simple, first, direct = self.simple, self.first, self.direct
        while times:
            if times[0] >= stop:
                return
            now = pop(times)
            if tracing:
                minute = self.minute = (now - origin) // 60
                if minute >= minutes.size:
                    self.grow(minute)
            happening = events.pop(now, None)
            if happening is not None:
                # per kind, the one-branch requests ending now: their executors are
                # freed after the loop (nothing in it looks at what is free or busy)
                ended = [0] * kinds
                fresh, asked = self.fresh, self.asked  # (renewed as they are served)
                for what in happening:
                    if type(what) is Run:
                        if what.done:
                            continue
                        kind = what.kind
                        ended[kind] += 1
                        if what.agent >= 0:
                            agents = agent_free[kind]
                            if not agents[what.agent]:
                                heapq.heappush(agent_open[kind], what.agent)
                            agents[what.agent] += 1
                        what.kind = what.cls = -1
                        j = what.j
                        number = what.step + 1
                        if number == closing[j]:  # `next_step` and `finish`, inline
                            what.step = number
                            what.end = now
                            running[j] -= 1
                            if latest[j] is what:
                                latest[j] = None
                            if policy[j] == QUEUE and j in items:
                                candidates.add(j)
                        elif number < len(simple[j]) and (
                                branch := simple[j][number]) is not None:
                            # `next_step`, inline: the next one-branch request (`dirty`
                            # is set below, as a request ended)
                            what.step = number
                            what.cls, what.seconds = branch
                            what.entered, what.kind = now, FRESH
                            fresh.append(what)
                            asked[first[branch[0]]] += 1
                        else:
                            step(what, now)
                    elif type(what) is int:
                        candidates.add(what)
                    else:
                        end_piece(what, now)
                for kind, count in enumerate(ended):
                    if count:
                        free[kind] += count
                        left = busy[kind] = busy[kind] - count
                        if tracing:
                            last[kind][minute] = left
                        self.dirty = True
            fired = ticks.pop(now, None)
            ticked: list[int] | None = None  # jobs whose build starts now, from a tick
            if fired is not None:
                ticked = []
                since = (now - origin) << 24
                for j in fired:
                    item = items.get(j)
                    if item is not None:  # `schedule`, inline: it folds
                        item[3] += 1
                        if item[4] is None:
                            item[4] = [now]
                        else:
                            item[4].append(now)
                        if now < item[2]:
                            item[0] = item[2] = now
                            candidates.add(j)
                    elif direct[j] and not running[j]:
                        order[j] = base[j] + since
                        ticked.append(j)
                    else:  # `schedule`, inline: a new item, ready now
                        items[j] = [now, now, now, 0, None]
                        order[j] = base[j] + since
                        candidates.add(j)
            while candidates or ticked or self.dirty:
                if candidates or ticked:
                    self.start_items(now, ticked)
                    ticked = None
                self.dirty = False
                self.assign(now)
            if self.waits_changed:
                self.trace_waiting()

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
        self.order[j] = self.order_base[j] + ((now - self.origin) << 24)
        if ready <= now:
            self.candidates.add(j)
        else:
            self.at(ready, j)

    # -- 3. maintain -------------------------------------------------------------
    def start_items(self, now: int, ticked: list[int] | None = None) -> None:
        """The items ready now, in queue order, and the jobs of `ticked` (`Tables.direct`,
        not running: the item their tick makes, due now, would start at once; none is
        made) in their places among them."""
        items = self.items
        order = [j for j in self.candidates if j in items]
        if ticked:
            order += ticked
        self.candidates.clear()
        if len(order) > 1:
            order.sort(key=self.order.__getitem__)
        policy, running, throttle = self.policy, self.running, self.throttle
        opening, models, runs, latest, fresh = self.opening, self.models, self.runs, \
            self.latest, self.fresh
        asked, first, direct = self.asked, self.first, self.direct
        for j in order:
            item = items.get(j)
            if item is not None:
                if item[2] > now:
                    continue
                if running[j]:
                    if policy[j] == QUEUE:
                        continue  # candidate again when that build ends
                    branch = None
                else:
                    branch = opening[j]
                if branch is None:
                    key = throttle[j]
                    if key >= 0 and self.throttled[key] >= self.limit[j]:
                        self.blocked[key].add(j)
                        continue
                    del items[j]
                    self.start_build(j, item, now)
                    continue
                del items[j]
                run = Run(j, models[j], item[0], item[3], now, len(runs), item[4] or ())
            elif ticked and direct[j]:  # (a job of `ticked`: the item its tick would make)
                branch = opening[j]
                assert branch is not None
                run = Run(j, models[j], now, 0, now, len(runs), ())
            else:
                continue
            # not running, a first step of one branch: `start_build` and `next_step`, inline
            runs.append(run)
            running[j] = 1
            latest[j] = run
            run.step = 0
            run.cls, run.seconds = branch
            run.entered, run.kind = now, FRESH
            fresh.append(run)
            asked[first[branch[0]]] += 1
            self.dirty = True

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
        if self.plain[j]:
            self.next_step(run, now)
            return
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
        run.cls, run.seconds = branch
        run.entered, run.kind = now, FRESH
        self.fresh.append(run)
        self.asked[self.first[branch[0]]] += 1
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
        if self.plain[j]:
            return
        key = self.throttle[j]
        if key >= 0:
            left = self.throttled[key] = self.throttled[key] - 1
            blocked = self.blocked[key]
            if blocked:
                # Items blocked by the throttle are tried again. With one max_total for
                # all its jobs (none `replace`), enough of them: each takes a place when
                # its build starts (blocked items pass every other test), but a `skip`
                # job's build while another runs, which ends at once; so the `room` first
                # in queue order of the others, as any after them would find no place.
                room = self.shared_limit[key] - left
                if room <= 0 or len(blocked) <= room:
                    self.candidates.update(blocked)
                    blocked.clear()
                else:
                    running = self.running
                    idle = [j for j in blocked & self.skipping[key] if running[j]]
                    chosen = heapq.nsmallest(room + len(idle), blocked,
                                             key=self.order.__getitem__)
                    self.candidates.update(chosen, idle)
                    blocked.difference_update(chosen, idle)
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
