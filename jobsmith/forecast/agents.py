"""The kinds of agent in a simulation: which node requests each can serve, and per-minute
traces of their load.

Which agent takes a node request: Jenkins' default `LoadBalancer.CONSISTENT_HASH`
prefers nodes by a hash of the task over the node names; the forecast has no node
names, so it takes the first kind of agent (in `--agents` order) whose labels match
(`Label.contains`), and in it the lowest-numbered agent with a free executor. Only
`on_each` stages, pinned to one agent each, can tell the difference, so agents are
told apart only when a job has one.

Requests fall into classes: one per label expression (`agent any` is None), and one
per agent for the pinned requests of `on_each` stages. Each class knows, once, the
kinds that can serve it, in the order they are tried.
"""

from __future__ import annotations

from jobsmith.forecast.match import matches
from jobsmith.forecast.model import AgentKind

UNLIMITED = 1 << 62  # free executors of a kind without a count


class Classes:
    def __init__(self, kinds: list[AgentKind]) -> None:
        self.kinds = kinds
        self.index: dict[str | tuple[int, int] | None, int] = {}
        self.kinds_of: list[tuple[int, ...]] = []  # class -> kinds that serve it, in order
        self.agent_of: list[int] = []  # class -> the pinned agent, or -1
        self.label_of: list[str] = []  # class -> the expression as given ("any" for None)
        self.of_kind: list[list[int]] = [[] for _ in kinds]  # kind -> classes it serves

    def of(self, label: str | None) -> int:
        found = self.index.get(label)
        if found is None:
            served = tuple(i for i, k in enumerate(self.kinds) if (
                k.label == (label or "any") if k.count < 0 else matches(label, k.labels)))
            found = self._add(label, served, -1, label or "any")
        return found

    def pinned(self, kind: int, agent: int) -> int:
        found = self.index.get((kind, agent))
        if found is None:
            found = self._add((kind, agent), (kind,), agent, self.kinds[kind].label)
        return found

    def _add(self, key: str | tuple[int, int] | None, served: tuple[int, ...], agent: int,
             label: str) -> int:
        number = self.index[key] = len(self.kinds_of)
        self.kinds_of.append(served)
        self.agent_of.append(agent)
        self.label_of.append(label)
        for kind in served:
            self.of_kind[kind].append(number)
        return number


class Minutes:
    """Per kind, per minute from the origin, the highest value seen in that minute, where
    a value holds until it changes. The simulation writes the rows directly: `high[k][m]`
    (the highest value set in minute m) and `last[k][m]` (the value at its end, -1 when
    it did not change), and calls `grow` before a minute beyond them."""

    def __init__(self, kinds: int, minutes: int) -> None:
        self.size = max(minutes, 1)
        self.high = [[0] * self.size for _ in range(kinds)]
        self.last = [[-1] * self.size for _ in range(kinds)]

    def grow(self, minute: int) -> None:
        more = max(minute + 1 - self.size, self.size)
        self.size += more
        for row in self.high:
            row.extend([0] * more)
        for row in self.last:
            row.extend([-1] * more)

    def values(self, kind: int) -> list[int]:
        high, last = self.high[kind], self.last[kind]
        end = next((m for m in range(len(last) - 1, -1, -1) if last[m] >= 0), 0)
        out, carry = [], 0
        for minute in range(end + 1):
            value = high[minute]
            out.append(value if value > carry else carry)
            if last[minute] >= 0:
                carry = last[minute]
        return out
