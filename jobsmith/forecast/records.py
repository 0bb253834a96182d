"""What a simulation records: runs, their node requests, queue items, the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

from jobsmith.forecast.model import AgentKind, Branch


@dataclass(eq=False, slots=True)
class Run:
    """One build: from the queue item that became it to its end."""

    job: str
    due: float
    folded: int
    created: float
    seq: int
    expected: float
    max_duration: float | None = None
    start: float | None = None
    end: float | None = None
    outcome: str = "ran"  # ran, skipped, replaced, failed, stuck
    step: int = -1
    left: int = 0
    pieces: list[Piece] = field(default_factory=list)
    waits: dict[int, float] = field(default_factory=dict)  # kind -> seconds waited
    folds: list[float] = field(default_factory=list)

    @property
    def wait_s(self) -> float | None:
        """Time lost to waiting: queue, lock and agents (end - due - expected)."""
        if self.end is None:
            return None
        if self.outcome != "ran":
            return max((self.start if self.start is not None else self.end) - self.due, 0.0)
        return max(self.end - self.due - self.expected, 0.0)

    @property
    def late(self) -> bool:
        return (self.max_duration is not None and self.end is not None
                and self.end > self.due + self.max_duration)


@dataclass(eq=False, slots=True)
class Piece:
    """A node request of one branch (one per agent for `on_each`)."""

    run: Run
    branch: Branch
    key: tuple[int, float, int, int, int]
    cls: str | tuple[int, int]
    entered: float
    kind: int = -1
    agent: int = -1
    done: bool = False


@dataclass(slots=True)
class Item:
    due: float
    entered: float
    ready: float
    folded: int = 0
    folds: list[float] = field(default_factory=list)  # when each folded cause came


@dataclass
class Outcome:
    runs: list[Run]
    kinds: list[AgentKind]
    busy: list[list[int]]  # per kind, per minute from `origin`: most executors busy
    waiting: list[list[int]]  # per kind, per minute: most requests waiting
    peak: list[int]
    origin: int  # epoch seconds of minute 0
    stuck: dict[str, str]  # job -> label that no agent carries
    demand: list[dict[int, int]]
    delayed: list[dict[int, int]]
