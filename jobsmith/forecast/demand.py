"""The demand on each kind of agent when nobody waits for one (the advice's input).

With every kind unlimited a job's runs depend only on its own ticks and its
concurrency policy, unless it shares a lock or a throttle, triggers or is triggered by
`after`, or has an `on_each` stage or a label no agent carries: those jobs are
simulated together (simulate.py's rules, `demand` mode), every other job is worked
out directly from its fire times:
- `parallel`: a build per tick;
- `queue`: a build per tick when none runs; a tick while one runs leaves one item
  waiting (later ticks fold into it), which starts when the build ends (a tick at that
  very second folds into it too);
- `skip`: a build per tick when none runs, nothing otherwise;
- `replace`: a build per tick, which cuts the running one short (the step it was in
  counts whole, as the simulation records it).
A build's steps follow each other without waiting; each branch of a step asks the
first kind of agent that matches it (in `--agents` order) for its duration.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass, field
from operator import itemgetter

from jobsmith.forecast.agents import Classes
from jobsmith.forecast.core import PRIORITY_AT, RUN_AT, TIME_AT, Simulation
from jobsmith.forecast.model import AgentKind, JobModel
from jobsmith.forecast.replay import Request
from jobsmith.forecast.state import QUIET


def _coupled(jobs: list[JobModel], classes: Classes) -> set[str]:
    targets = {name for job in jobs for name in job.downstream}
    return {job.name for job in jobs if job.lock is not None or job.throttle is not None
            or job.downstream or job.name in targets
            or any(b.on_each is not None or not classes.kinds_of[classes.of(b.label)]
                   for step in job.steps for b in step)}


def linked(jobs: list[JobModel], coupled: set[str]) -> dict[str, str]:
    """Per job simulated together in the demand (`coupled`), a name for the jobs linked
    to it by locks, throttles and `after`, directly or not (its component): with every
    kind unlimited, what one component does depends on nothing else."""
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    shared: dict[tuple[str, str], str] = {}
    for job in jobs:
        if job.name not in coupled:
            continue
        root(job.name)
        keys = [("lock", job.lock)] if job.lock is not None else []
        if job.throttle is not None:
            keys.append(("throttle", job.throttle[0]))
        for key in keys:
            parent[root(job.name)] = root(shared.setdefault(key, job.name))
        for name in job.downstream:
            parent[root(job.name)] = root(name)
    return {name: root(name) for name in parent}


def _stretches(simulation: Simulation, component: dict[str, str]
               ) -> dict[str, list[tuple[int, float]]]:
    """Per component, the stretches in which it has an item or a build in the unlimited
    simulation (each run from QUIET before its due time, when its item was made at the
    latest, to its end; those touching at an instant are one), in order; none for a
    component with a build that never ends (an item left at the end waits behind one of
    its component: its job's own, a lock's holder or a throttle's)."""
    spans: dict[str, list[tuple[int, float]]] = {}
    for run in simulation.runs:
        spans.setdefault(component[run.job], []).append(
            (int(run.due) - QUIET, math.inf if run.end is None else run.end))
    found: dict[str, list[tuple[int, float]]] = {}
    for root, runs in spans.items():
        runs.sort()
        merged: list[tuple[int, float]] = []
        for start, end in runs:
            if merged and start <= merged[-1][1]:
                if end > merged[-1][1]:
                    merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        if merged[-1][1] != math.inf:
            found[root] = merged
    return found


def _starts(job: JobModel, expected: int) -> list[tuple[int, int]]:
    """(start, end) of each build of a job nothing else affects; end may be cut short."""
    builds: list[tuple[int, int]] = []
    policy, end, waiting = job.concurrency, -1, False
    for fire in map(int, job.fires):
        if policy == "parallel":
            builds.append((fire, fire + expected))
        elif policy == "replace":
            if builds and builds[-1][1] > fire:
                builds[-1] = (builds[-1][0], fire)
            builds.append((fire, fire + expected))
        elif policy == "skip":
            if end <= fire:
                builds.append((fire, fire + expected))
                end = fire + expected
        else:  # queue
            if waiting and end < fire:
                builds.append((end, end + expected))
                end, waiting = end + expected, False
            if end <= fire:
                builds.append((fire, fire + expected))
                end, waiting = fire + expected, False
            else:
                waiting = True
    if waiting:
        builds.append((end, end + expected))
    return builds


@dataclass
class Demand:
    """What the advice knows of the simulation with every kind unlimited."""

    served: list[list[Request]]  # per kind, the requests it serves, sorted
    coupled: set[str]  # the jobs simulated together
    # every other job's builds, (start, end) in order of start (ends in order too: at most
    # one build runs at a time except with `parallel`, whose builds all last as long)
    builds: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    # per kind, the requests of the jobs simulated together (in `served` too), and the
    # job of each of their runs (by its number)
    simulated: list[list[Request]] = field(default_factory=list)
    simulated_jobs: list[str] = field(default_factory=list)
    classes: Classes | None = None  # (those of `--agents`)
    origin: int = 0
    # per job simulated together, its component (`linked`), and when the component last
    # had nothing (an item, a build) before each instant asked (`busy_since`): its
    # stretches of activity, (from, to) in order, to None when it never ends
    component: dict[str, str] = field(default_factory=dict)
    stretches: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    def busy_since(self, until: int) -> dict[str, int]:
        """Per job worked out directly, when the stretch of builds that runs just before
        the instant `until` began (its first build's start; `until` when none runs, a
        build ending at `until` still running): before that instant the job had no build
        running and no item waiting, and every build before it ended."""
        since = {}
        for name, builds in self.builds.items():
            at = bisect.bisect_left(builds, (until,))  # builds started before `until`
            if at == 0 or builds[at - 1][1] < until:
                since[name] = until
                continue
            at -= 1
            while at and builds[at - 1][1] >= builds[at][0]:  # touching or overlapping
                at -= 1
            since[name] = builds[at][0]
        for name, root in self.component.items():  # the jobs simulated together, likewise
            stretches = self.stretches.get(root)
            if stretches is None:
                continue  # (its activity never ends: all of it counts)
            at = bisect.bisect_left(stretches, (until,))  # stretches begun before `until`
            since[name] = until if at == 0 or stretches[at - 1][1] < until else \
                stretches[at - 1][0]
        return since

    def requests_of(self, job: JobModel) -> list[list[Request]]:
        """Per kind, the requests of one job worked out directly (as in `served`, but
        numbered from 0 and unsorted)."""
        assert self.classes is not None
        found: list[list[Request]] = [[] for _ in self.served]
        _requests(job, self.builds[job.name], self.classes, self.origin, 0, found)
        return found


def demand(jobs: list[JobModel], kinds: list[AgentKind], window_end: float,
           origin: int) -> list[list[Request]]:
    """Per kind, the requests it serves when nobody waits, sorted."""
    return worked_out(jobs, kinds, window_end, origin).served


def _builds(job: JobModel) -> list[tuple[int, int]]:
    """The builds of a job worked out directly (`_starts`, each step as long as its
    longest branch)."""
    return _starts(job, sum([max([int(b.seconds) for b in step]) for step in job.steps]))


def _requests(job: JobModel, builds: list[tuple[int, int]], classes: Classes, origin: int,
              number: int, served: list[list[Request]]) -> int:
    """Append the requests of a job worked out directly, its builds numbered from
    `number`, to `served`; the next number."""
    priority = job.priority << PRIORITY_AT
    steps = [[(classes.kinds_of[classes.of(b.label)][0], int(b.seconds), index)
              for index, b in enumerate(step)] for step in job.steps]
    if len(steps) == 1 and len(steps[0]) == 1:  # one request per build
        kind, seconds, _ = steps[0][0]
        append, shift = served[kind].append, priority - (origin << TIME_AT)
        for start, _ in builds:
            append((start, shift + (start << TIME_AT) + (number << RUN_AT), seconds, number))
            number += 1
        return number
    lengths = [max([seconds for _, seconds, _ in step]) for step in steps]
    for start, end in builds:
        at = start
        for step, length in zip(steps, lengths, strict=True):
            if at >= end:
                break
            order = priority + ((at - origin) << TIME_AT) + (number << RUN_AT)
            for kind, seconds, index in step:  # (a cut build's last step counts
                served[kind].append((at, order + (index << 20), seconds, number))  # whole)
            at += length
        number += 1
    return number


def worked_out(jobs: list[JobModel], kinds: list[AgentKind], window_end: float,
               origin: int) -> Demand:
    """The demand, and which jobs' builds were worked out directly (and when)."""
    classes = Classes(kinds)
    coupled = _coupled(jobs, classes)
    simulation = Simulation([job for job in jobs if job.name in coupled], kinds, window_end,
                            origin, trace=False, demand=True)
    simulation.run()
    assert simulation.served is not None
    served = simulation.served
    number = len(simulation.runs)
    for requests in served:  # (see below: the simulation's requests may share an order)
        requests.sort(key=itemgetter(2))
    component = linked(jobs, coupled)
    found = Demand(served, coupled, simulated=[list(requests) for requests in served],
                   simulated_jobs=[run.job for run in simulation.runs], classes=classes,
                   origin=origin, component=component,
                   stretches=_stretches(simulation, component))
    for job in jobs:
        if job.name in coupled or not job.fires:
            continue
        builds = found.builds[job.name] = _builds(job)
        number = _requests(job, builds, classes, origin, number, served)
    # Sorted as the tuples would be, but faster: by entered time (requests come at a few
    # thousand instants a day), each instant's by order, a stable sort (entered, order,
    # seconds; requests equal in those three are equal, the order holding the run's
    # number). Only the simulation's requests may share an entered time and an order (a
    # run's branches): those were sorted by seconds first, and come first.
    for kind, requests in enumerate(served):
        instants: defaultdict[int, list[Request]] = defaultdict(list)
        for request in requests:
            instants[request[0]].append(request)
        ordered: list[Request] = []
        for at in sorted(instants):
            coming = instants[at]
            if len(coming) > 1:
                coming.sort(key=itemgetter(1))
            ordered += coming
        served[kind] = ordered
    return found
