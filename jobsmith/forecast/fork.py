"""The advice's checks resumed where the agent counts first matter.

Before the first instant at which the demand (demand.py: every kind unlimited) holds
more executors of some kind than the counts give it, a simulation with those counts
is the unlimited one: every node request finds an executor of its first kind free and
takes it at once, so nothing waits, nothing spills over to another kind and nothing
depends on the counts. (The demand only overstates what is held: a step cut short by
`replace` counts whole there, so the instant found is never late.) More agents of any
kind only move that instant later. So the simulation up to that instant is run once,
and each check continues a copy of it with its own counts (`fork`). Agents must not
be told apart (no `on_each` stage): there the counts decide which requests exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jobsmith.forecast.agents import Minutes
from jobsmith.forecast.core import Simulation
from jobsmith.forecast.model import AgentKind, JobModel
from jobsmith.forecast.records import Piece, Run
from jobsmith.forecast.replay import Replay
from jobsmith.forecast.tables import Tables


def first_crowded(replays: list[Replay], kinds: list[AgentKind],
                  counts: list[int]) -> int | None:
    """The first instant at which the demand holds more executors of a kind than
    `counts` give it (None: never)."""
    found = [replay.first_crowded(count * kind.executors)
             for replay, kind, count in zip(replays, kinds, counts, strict=True)]
    return min((instant for instant in found if instant is not None), default=None)


def can_resume(jobs: list[JobModel]) -> bool:
    return not any(b.on_each for job in jobs for step in job.steps for b in step)


def prefix(jobs: list[JobModel], kinds: list[AgentKind], window_end: float, origin: int,
           until: int, since: Mapping[str, int] | None = None,
           tables: Tables | None = None) -> Simulation:
    """The simulation with `kinds` run up to (not including) the instant `until`.

    `since`: for jobs that share nothing with others (demand.py works them out
    directly), when their last stretch of builds before `until` began, nobody waiting
    (`Demand.busy_since`). Their ticks before it are left out: those builds all ended
    before it, and until `until` nothing depends on whom an executor serves (every
    request finds one of its first kind free), so they change nothing that comes
    after. The checks then lack those builds' records, and number their runs
    differently (in the same order). `tables`: those of a simulation of the same jobs
    and kinds (state.py)."""
    simulation = Simulation(jobs, kinds, window_end, origin, trace=False, tables=tables)
    if since:
        cut = [since.get(job.name, origin) for job in simulation.models]
        ticks = simulation.ticks
        for instant in [at for at in ticks if at < until]:
            kept = [j for j in ticks[instant] if cut[j] <= instant]
            if kept:
                ticks[instant] = kept
            else:
                del ticks[instant]
        simulation.times = sorted(ticks)
    simulation.run(until)
    return simulation


class Copies:
    """Copies of a paused simulation's live runs and pieces, each made once."""

    def __init__(self) -> None:
        self.made: dict[int, Any] = {}

    def run(self, run: Run) -> Run:
        found: Run | None = self.made.get(id(run))
        if found is None:
            found = self.made[id(run)] = object.__new__(Run)
            for name in Run.__slots__:
                if hasattr(run, name):
                    setattr(found, name, getattr(run, name))
            found.waits = dict(run.waits)
            if run.pieces is not None:
                found.pieces = [self.entry(piece) for piece in run.pieces]
        return found

    def entry(self, entry: Any) -> Any:
        if type(entry) is Run:
            return self.run(entry)
        if type(entry) is Piece:
            found = self.made.get(id(entry))
            if found is None:
                found = self.made[id(entry)] = object.__new__(Piece)
                for name in Piece.__slots__:
                    setattr(found, name, getattr(entry, name))
                found.run = self.run(entry.run)
            return found
        return entry  # a job number (an item due then)


def fork(simulation: Simulation, kinds: list[AgentKind], watch: int,
         max_wait: float) -> Simulation:
    """A copy of a paused simulation (`prefix`) that goes on with `kinds` (the same
    kinds, other counts, none below what is busy now) and the given watch."""
    old = simulation
    assert not old.pinning and not old.tracing
    new: Simulation = object.__new__(Simulation)
    new.__dict__.update(old.__dict__)  # what never changes after __init__ is shared
    copies = Copies()
    run_copy, copy = copies.run, copies.entry
    new.kinds = kinds
    new.free = [kind.capacity - busy for kind, busy in zip(kinds, old.busy, strict=True)]
    assert min(new.free, default=0) >= 0
    new.busy, new.peak = list(old.busy), list(old.peak)
    new.agent_free = [[k.executors] * max(k.count, 0) for k in kinds]
    new.agent_open = [list(range(max(k.count, 0))) for k in kinds]
    new.ticks = dict(old.ticks)
    new.times = list(old.times)
    new.events = {at: [copy(what) for what in happening]
                  for at, happening in old.events.items()}
    new.running = list(old.running)
    new.latest = [None if run is None else run_copy(run) for run in old.latest]
    new.order = list(old.order)
    new.items = {j: [*item[:4], None if item[4] is None else list(item[4])]
                 for j, item in old.items.items()}
    new.candidates = set(old.candidates)
    new.throttled = list(old.throttled)
    new.blocked = [set(jobs) for jobs in old.blocked]
    new.holder = [None if run is None else run_copy(run) for run in old.holder]
    new.waiters = [[(at, seq, run_copy(run)) for at, seq, run in waiting]
                   for waiting in old.waiters]
    new.queues = [[(order, copy(entry)) for order, entry in queue] for queue in old.queues]
    new.waiting_in = list(old.waiting_in)
    new.active = set(old.active)
    new.fresh = [run_copy(run) for run in old.fresh]
    new.asked = list(old.asked)
    new.runs = [copies.made.get(id(run), run) for run in old.runs]  # (finished ones stay)
    new.stuck = dict(old.stuck)
    new.shifted = set(old.shifted)
    new.watch, new.max_wait = watch, max_wait
    new.minutes = Minutes(len(kinds), 1)
    new.waiting_minutes = Minutes(len(kinds), 1)
    new.demand = [[0] for _ in kinds]
    new.delayed = [[0] for _ in kinds]
    return new
