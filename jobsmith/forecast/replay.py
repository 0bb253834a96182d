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
from operator import itemgetter

Request = tuple[int, int, int, int]  # entered, queue order, seconds, run number


class Replay:
    def __init__(self, requests: list[Request]) -> None:
        self.requests = requests  # sorted
        self.starts = list(map(itemgetter(0), requests))
        self.longest = max(map(itemgetter(2), requests), default=0)
        self.held = held(requests)  # per request: executors held once it came, nobody waiting
        self.known: dict[int, list[int]] = {}  # slots -> crowded(slots), as found so far

    @property
    def peak(self) -> int:
        return max(self.held, default=0)

    def running_at(self, at: int) -> list[int]:
        """When request `at` comes, the ends of the requests holding an executor then (in
        the demand)."""
        now = self.starts[at]
        first = bisect.bisect_right(self.starts, now - self.longest)
        return [entered + seconds for entered, _, seconds, _ in self.requests[first:at]
                if entered + seconds > now]

    def crowded(self, slots: int) -> list[int]:
        """The requests (indices) at which the demand holds more than `slots` executors:
        picked from those found for the nearest fewer slots, if any (a bisection asks
        for many)."""
        held = self.held
        fewer = max((known for known in self.known if known <= slots), default=None)
        if fewer is None:
            found = [i for i, value in enumerate(held) if value > slots]
        else:
            found = [i for i in self.known[fewer] if held[i] > slots]
        self.known[slots] = found
        return found

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


def held(requests: list[Request]) -> list[int]:
    """Per request (sorted), the executors held just after it came when nobody waits."""
    ends: list[int] = []
    out = []
    for entered, _, seconds, _ in requests:
        while ends and ends[0] <= entered:
            heapq.heappop(ends)
        heapq.heappush(ends, entered + seconds)
        out.append(len(ends))
    return out
