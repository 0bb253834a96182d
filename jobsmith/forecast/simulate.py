"""The Jenkins queue, event by event, over a window: which run starts when, and where.

What happens at one instant, in this order (the reference in tests/forecast follows
the same rules minute by minute):

1. Stage branches ending now free their executors; a run whose last step ended is
   complete: it frees its lock and, having succeeded, schedules its `after` jobs
   (`ReverseBuildTrigger` calls `ParameterizedJobMixIn.scheduleBuild2(job, -1, ...)`:
   the global quiet period, QUIET_PERIOD seconds).
2. Timer ticks (`TimerTrigger.run`: `scheduleBuild(0, ...)`, no quiet period). A
   tick or trigger for a job that already has an item in the queue folds into it
   (`Queue.scheduleInternal`: `duplicatesInQueue`, `FoldableAction.foldIntoExisting`)
   and only moves its due time earlier; otherwise it creates a new item.
3. `Queue.maintain` until nothing changes: queue items, ordered as PrioritySorter
   orders them (`ItemInfo.compareTo`: priority, then time in queue, then id), start
   their build unless blocked: `concurrency: queue` while a build of the job runs
   (`WorkflowJob.getCauseOfBlockage`, `BlockedBecauseOfBuildInProgress`); a throttle
   while `max_total` builds of the job or category run (`ThrottleQueueTaskDispatcher.
   canRun`, counting pipeline builds). The build runs on a flyweight executor. With
   `replace` it aborts the running build (`WorkflowRun` with `abortPrevious`), with
   `skip` it ends at once when one runs. A `lock` is granted oldest waiter first
   (`LockableResourcesManager.getNextQueuedContext`); waiting for it is a running
   build, so later ticks are not folded into it. Then each stage's node request
   (`PlaceholderTask`, which PrioritySorter gives the job's priority) takes a free
   executor of a matching agent, in the same order; one that cannot is skipped and
   the next one tried (`Queue.maintain` leaves it in `buildables`).

The core is written for speed (a forecast of 10,000 jobs handles 200,000 node
requests): instants are whole seconds; jobs, locks, throttles and request classes are
numbered; the events of one instant share a list; a request's order is one integer
(priority, time, run, branch); a one-branch step needs no object of its own. The
simulation itself lives in `core.py`; this module holds what is done once.
"""

from __future__ import annotations

from jobsmith.forecast.core import ANY_KIND, Simulation, WaitedTooLong
from jobsmith.forecast.model import AgentKind, JobModel
from jobsmith.forecast.records import Outcome, Run

QUIET_PERIOD = 5  # seconds: Jenkins' default global quiet period

__all__ = ["ANY_KIND", "QUIET_PERIOD", "Simulation", "WaitedTooLong", "fits_within", "simulate"]


def unlimited_kinds(jobs: list[JobModel]) -> list[AgentKind]:
    """Without `--agents`: one unlimited kind per label expression."""
    labels = {b.on_each or b.label for job in jobs for step in job.steps for b in step}
    return [AgentKind(label or "any", frozenset(), -1) for label in
            sorted(labels, key=lambda e: (e is not None, e or ""))]


def fits_within(jobs: list[JobModel], kinds: list[AgentKind], window_end: float,
                origin: int, kind: int, max_wait: float) -> bool:
    """Whether no run waits longer than `max_wait` for an agent of `kinds[kind]`
    (`ANY_KIND`: of any kind); stops at the first one that does."""
    simulation = Simulation(jobs, kinds, window_end, origin, False, kind, max_wait)
    try:
        simulation.run()
    except WaitedTooLong:
        return False
    return not simulation.unserved()


def simulate(jobs: list[JobModel], kinds: list[AgentKind], window_end: float,
             origin: int, trace: bool = True) -> Outcome:
    """Run the queue until every run created in the window has ended (or cannot)."""
    if not kinds:
        kinds = unlimited_kinds(jobs)
    simulation = Simulation(jobs, kinds, window_end, origin, trace)
    simulation.run()
    runs = simulation.runs
    for j, item in sorted(simulation.items.items()):  # queued behind a run that never ends
        model = simulation.models[j]
        run = Run(j, model, item[0], item[3], item[2], -1, item[4] or ())
        run.outcome = "stuck"
        runs.append(run)
    classes = simulation.classes
    for cls, queue in enumerate(simulation.queues):  # requests no agent ever took
        for _, entry in queue:
            if not entry.done:
                owner = entry if isinstance(entry, Run) else entry.run
                for kind in classes.kinds_of[cls]:
                    owner.waits[kind] = float("inf")
    minutes = simulation.minutes
    busy = [minutes.values(k) for k in range(len(kinds))] if trace else [[0] for _ in kinds]
    waits = simulation.waiting_minutes
    waiting = [waits.values(k) for k in range(len(kinds))] if trace else [[0] for _ in kinds]
    demand = [{m: c for m, c in enumerate(row) if c} for row in simulation.demand]
    delayed = [{m: c for m, c in enumerate(row) if c} for row in simulation.delayed]
    return Outcome(runs, kinds, busy, waiting, simulation.peak, origin,
                   simulation.stuck, demand, delayed, simulation.tables)
