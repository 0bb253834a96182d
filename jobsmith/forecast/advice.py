"""The agent advice: how many agents of each kind keep every wait within `--max-wait`.

Re-simulating the whole queue for every candidate count is exact but costs a full
forecast per probe. Instead:

1. The demand (demand.py): the node requests each kind serves when nobody waits for
   an agent (a request goes to the first kind, in `--agents` order, whose labels
   match), with when they come, their order in the queue and how long they hold an
   executor.
2. For each kind, a replay of its own requests against N agents' executors (replay.py)
   finds by bisection the smallest N at which no run waits longer than `--max-wait`.
3. One full simulation with every kind at its advised count checks the answer (all
   that the replay leaves out: later steps that move, runs that fold, requests that
   spill over to another kind, locks, throttles). Where a run still waits too long,
   that kind gets more agents and the check runs again. A check goes on from the
   checks' common beginning (fork.py) and ends once nobody can wait any more
   (settle.py).

So each kind's advice is verified (no run waits longer than `--max-wait` for an agent
with all kinds at their advice), and minimal for its own demand (one agent less and
the replay sees a run wait too long) unless the check raised it: by 5 % of the count,
then twice that, and so on, so raised counts may be above the least that would do.
"""

from __future__ import annotations

import dataclasses
import math

from jobsmith.forecast.core import ANY_KIND, Simulation, WaitedTooLong
from jobsmith.forecast.demand import worked_out
from jobsmith.forecast.fork import can_resume, first_crowded, fork, prefix
from jobsmith.forecast.model import AgentKind, JobModel
from jobsmith.forecast.records import Outcome
from jobsmith.forecast.replay import Replay
from jobsmith.forecast.settle import settle

ADVICE_GROWTH = 8  # the advice looks up to 8 times the given count (at least 64 agents)
CHECKS = 12  # full simulations to verify and raise the advice, at most


def advice_cap(count: int) -> int:
    return max(count * ADVICE_GROWTH, 64)


def replay_count(replay: Replay, kind: AgentKind, max_wait: float) -> int:
    """The smallest number of agents of `kind` for which the replay fits: bisection up
    to the peak of the demand (where nobody waits). A count too small costs little to
    try (the replay stops at the first run that waits too long), one large enough only
    its crowded stretches."""
    low, high = 0, math.ceil(replay.peak / kind.executors)
    while low < high:
        middle = (low + high) // 2
        if replay.fits(middle * kind.executors, max_wait):
            high = middle
        else:
            low = middle + 1
    return high


def advise_all(jobs: list[JobModel], kinds: list[AgentKind], max_wait: float,
               window_end: int, origin: int, given: Outcome,
               resume: bool = True, settled: bool = True) -> list[int | None]:
    """Per kind, the advised number of agents (None: none up to advice_cap() found).
    `resume`: the checks go on from their common beginning (fork.py), not from the
    start of the window; `settled`: and end once nobody can wait any more (settle.py)."""
    if not kinds or all(kind.count < 0 for kind in kinds):  # unlimited: the peak's need
        return [math.ceil(given.peak[i] / kind.executors) for i, kind in enumerate(kinds)]
    found = worked_out(jobs, kinds, window_end, origin)
    replays = [Replay(requests) for requests in found.served]
    counts = [replay_count(replay, kind, max_wait) for replay, kind in
              zip(replays, kinds, strict=True)]
    steps = [max(1, count // 20) for count in counts]
    start: Simulation | None = None  # the checks' common beginning (fork.py)
    resume = resume and can_resume(jobs)
    for _ in range(CHECKS):
        trial = [dataclasses.replace(kind, count=count) for kind, count in zip(
            kinds, counts, strict=True)]
        if start is None and resume:
            until = first_crowded(replays, kinds, counts)
            if until is not None:
                start = prefix(jobs, trial, window_end, origin, until, found.busy_since(until),
                               given.tables)
        if start is not None:
            check = fork(start, trial, ANY_KIND, max_wait)
        else:
            check = Simulation(jobs, trial, window_end, origin, False, ANY_KIND, max_wait,
                               tables=given.tables)
        try:
            if settled and resume:
                settle(check, found, replays, trial)  # (ends once nobody can wait again)
            else:
                check.run()
        except WaitedTooLong as short:
            late, could = short.args
        else:
            late, could = check.unserved_kinds()
            if late < 0:
                return list(counts)
        # more of the kind that served too late, or (at its cap) of another that could
        grow = [k for k in (late, *could) if counts[k] < advice_cap(kinds[k].count)][:1]
        if not grow:
            break
        counts[grow[0]] = min(counts[grow[0]] + steps[grow[0]], advice_cap(kinds[grow[0]].count))
        steps[grow[0]] *= 2
    return [None for _ in kinds]  # no counts found that keep every wait within max_wait
