"""The agents' executors during a simulation, and per-minute traces of their load.

Which agent takes a node request: Jenkins' default `LoadBalancer.CONSISTENT_HASH`
prefers nodes by a hash of the task over the node names; the forecast has no node
names, so it takes the first kind of agent (in `--agents` order) whose labels match
(`Label.contains`), and in it the lowest-numbered agent with a free executor. Only
`on_each` stages, pinned to one agent each, can tell the difference.
"""

from __future__ import annotations

import heapq

from jobsmith.forecast.match import matches
from jobsmith.forecast.model import AgentKind

ANY = "\0any"  # the class of `agent any` requests


class Pool:
    """Executors per agent of each kind; unlimited kinds have count -1."""

    def __init__(self, kinds: list[AgentKind]) -> None:
        self.kinds = kinds
        self.free = [[k.executors] * max(k.count, 0) for k in kinds]
        self.free_total = [k.capacity if k.count >= 0 else -1 for k in kinds]
        self.busy = [0] * len(kinds)
        # per kind, a heap of the agents with a free executor (entries may be stale)
        self.open = [list(range(max(k.count, 0))) for k in kinds]
        self.classes: dict[str | tuple[int, int], tuple[int, ...]] = {}

    def matching(self, cls: str | tuple[int, int]) -> tuple[int, ...]:
        found = self.classes.get(cls)
        if found is None:
            if isinstance(cls, tuple):
                found = (cls[0],)
            else:
                label = None if cls == ANY else cls
                found = tuple(i for i, k in enumerate(self.kinds) if (
                    k.label == (label or "any") if k.count < 0 else matches(label, k.labels)))
            self.classes[cls] = found
        return found

    def take(self, cls: str | tuple[int, int]) -> tuple[int, int] | None:
        """The first kind (as given), lowest-numbered agent with a free executor."""
        if isinstance(cls, tuple):
            kind, agent = cls
            if self.free[kind][agent] > 0:
                self._take(kind, agent)
                return cls
            return None
        for kind in self.classes.get(cls) or self.matching(cls):
            total = self.free_total[kind]
            if total < 0:  # unlimited
                self.busy[kind] += 1
                return kind, -1
            if total > 0:
                agents, heap = self.free[kind], self.open[kind]
                while not agents[heap[0]]:
                    heapq.heappop(heap)
                agent = heap[0]
                self._take(kind, agent)
                return kind, agent
        return None

    def _take(self, kind: int, agent: int) -> None:
        self.free[kind][agent] -= 1
        self.free_total[kind] -= 1
        self.busy[kind] += 1

    def give_back(self, kind: int, agent: int) -> None:
        self.busy[kind] -= 1
        if agent >= 0:
            agents = self.free[kind]
            if not agents[agent]:
                heapq.heappush(self.open[kind], agent)
            agents[agent] += 1
            self.free_total[kind] += 1

    def can_serve(self, cls: str | tuple[int, int]) -> bool:
        if isinstance(cls, tuple):
            return self.free[cls[0]][cls[1]] > 0
        return any(self.free_total[k] != 0 for k in self.classes.get(cls) or self.matching(cls))


class Trace:
    """Per minute, the highest value seen (a value holds until it changes)."""

    def __init__(self, origin: int) -> None:
        self.origin, self.values, self.current = origin, [0], 0

    def set(self, now: float, value: int) -> None:
        minute = int(now - self.origin) // 60
        values = self.values
        if minute >= len(values):
            values.extend([self.current] * (minute + 1 - len(values)))
        self.current = value
        if value > values[minute]:
            values[minute] = value
