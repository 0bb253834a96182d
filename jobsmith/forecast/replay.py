"""The advice's replay: one kind's demand against N agents' executors.

Requests are served in queue order whenever an executor is free, the requests of one
instant together (as `Queue.maintain` serves them); a run's waits on the kind add up.
The replay is open-loop: a wait does not delay what the run asks for next.

Most of a day needs fewer executors than N even when nobody waits, and there the replay
is the demand itself. So it starts at the first request that finds every executor busy
in the demand, and whenever it catches up again (nothing waiting, nothing running late)
it jumps to the next such request, taking what runs there from the demand.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import Counter
from operator import add, itemgetter

Request = tuple[int, int, int, int]  # entered, queue order, seconds, run number


class Replay:
    def __init__(self, requests: list[Request]) -> None:
        self.requests = requests  # sorted
        self.starts = list(map(itemgetter(0), requests))
        self.longest = max(map(itemgetter(2), requests), default=0)
        # per instant at which requests come, in order: its first request, how many
        # come then, and the executors held just before them (nobody waiting)
        self.firsts, self.counts, self.bases, self.ends = instants(requests, self.starts)
        self.peak = max(map(add, self.bases, self.counts), default=0)
        self.known: dict[int, list[int]] = {}  # slots -> crowded instants, as found so far

    def running_at(self, at: int) -> list[int]:
        """When request `at` comes, the ends of the requests holding an executor then (in
        the demand)."""
        now = self.starts[at]
        first = bisect.bisect_right(self.starts, now - self.longest)
        return [entered + seconds for entered, _, seconds, _ in self.requests[first:at]
                if entered + seconds > now]

    def crowded_instants(self, slots: int) -> list[int]:
        """The instants (indices into `firsts`) at which the demand holds more than
        `slots` executors: picked from those found for the nearest fewer slots, if any
        (a bisection asks for many)."""
        bases, counts = self.bases, self.counts
        fewer = max((known for known in self.known if known <= slots), default=None)
        among = range(len(bases)) if fewer is None else self.known[fewer]
        found = self.known[slots] = [i for i in among if bases[i] + counts[i] > slots]
        return found

    def crowded(self, slots: int) -> list[int]:
        """The requests (indices) at which the demand holds more than `slots` executors
        (at an instant, the requests that come once they are all held)."""
        firsts, counts, bases = self.firsts, self.counts, self.bases
        found: list[int] = []
        for i in self.crowded_instants(slots):
            first = firsts[i]
            found.extend(range(first + max(slots - bases[i], 0), first + counts[i]))
        return found

    def first_crowded(self, slots: int) -> int | None:
        """The first instant at which the demand holds more than `slots` executors."""
        found = next((i for i, (base, count) in enumerate(zip(self.bases, self.counts,
                                                              strict=True))
                      if base + count > slots), None)
        return None if found is None else self.starts[self.firsts[found]]

    def last_crowded(self, slots: int) -> int | None:
        """The last instant at which the demand holds more than `slots` executors."""
        bases, counts = self.bases, self.counts
        found = next((i for i in range(len(bases) - 1, -1, -1)
                      if bases[i] + counts[i] > slots), None)
        return None if found is None else self.starts[self.firsts[found]]

    def fits(self, slots: int, max_wait: float) -> bool:
        """Whether `slots` executors serve the requests with no run's waits adding up to
        more than `max_wait`."""
        requests, count = self.requests, len(self.requests)
        crowded = self.crowded(slots)
        if not crowded:
            return True
        if slots <= 0:
            return False
        push, pop = heapq.heappush, heapq.heappop
        waiting: list[tuple[int, Request]] = []
        late: list[int] = []  # ends of requests that started late
        waited: dict[int, int] = {}
        next_crowded = 0  # into `crowded`: the first one after `at`
        at = crowded[0]
        ends = self.running_at(at)  # a heap of the ends of what holds an executor
        heapq.heapify(ends)
        free = slots - len(ends)

        def serve(now: int) -> bool:
            nonlocal free
            while free and waiting:
                entered, _, seconds, run = pop(waiting)[1]
                if now > entered:
                    total = waited[run] = waited.get(run, 0) + now - entered
                    if total > max_wait:
                        return False
                    push(late, now + seconds)
                push(ends, now + seconds)
                free -= 1
            return True

        def release_before(limit: float) -> bool:
            """Executors free up moment by moment before `limit`; the waiting are served."""
            nonlocal free
            while waiting and ends and ends[0] < limit:
                moment = ends[0]
                while ends and ends[0] == moment:
                    pop(ends)
                    free += 1
                if not serve(moment):
                    return False
            return True

        while at < count:
            now = requests[at][0]
            if waiting and not release_before(now):
                return False
            while ends and ends[0] <= now:
                pop(ends)
                free += 1
            if free and not waiting:  # served as it comes
                push(ends, now + requests[at][2])
                free -= 1
                at += 1
                while late and late[0] <= now:
                    pop(late)
                if not late:  # caught up with the demand: on to the next crowded request
                    while next_crowded < len(crowded) and crowded[next_crowded] < at:
                        next_crowded += 1
                    if next_crowded == len(crowded):
                        return True
                    if crowded[next_crowded] > at:
                        at = crowded[next_crowded]
                        ends[:] = self.running_at(at)
                        heapq.heapify(ends)
                        free = slots - len(ends)
                continue
            while at < count and requests[at][0] == now:
                push(waiting, (requests[at][1], requests[at]))
                at += 1
            if not serve(now):
                return False
        return release_before(math.inf)


def instants(requests: list[Request], starts: list[int]
             ) -> tuple[list[int], list[int], list[int], list[tuple[int, int]]]:
    """Per instant at which requests come (`starts`: theirs, sorted): the index of its
    first request, how many come then, and how many executors are held just before them
    when nobody waits (requests that came earlier and end later; every request lasts a
    second at least); and the instants at which requests end, with how many, in order.
    One step per instant, not per request: requests come at a few thousand instants a
    day."""
    ends = sorted(Counter(map(add, starts, map(itemgetter(2), requests))).items())
    firsts, counts, bases = [], [], []
    index = ended = e = 0
    last = len(ends)
    for instant, count in Counter(starts).items():  # (in order: starts are sorted)
        while e < last and ends[e][0] <= instant:
            ended += ends[e][1]
            e += 1
        firsts.append(index)
        counts.append(count)
        bases.append(index - ended)
        index += count
    return firsts, counts, bases, ends


def held(requests: list[Request]) -> list[int]:
    """Per request (sorted), the executors held just after it came when nobody waits."""
    found: list[int] = []
    for _, count, base in zip(*instants(requests, list(map(itemgetter(0), requests)))[:3],
                              strict=True):
        found.extend(range(base + 1, base + count + 1))
    return found
