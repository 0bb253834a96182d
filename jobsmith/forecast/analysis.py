"""From a simulated queue to answers: per-label figures, agent advice and warnings."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from jobsmith.cron.plan import HERD_THRESHOLD, SchedulePlan
from jobsmith.durations import format_duration
from jobsmith.forecast.match import matches
from jobsmith.forecast.model import AgentKind, Branch, JobModel
from jobsmith.forecast.records import Outcome, Run
from jobsmith.forecast.simulate import fits_within, simulate

DEFAULT_MAX_WAIT = 300.0
ADVICE_GROWTH = 8  # the advice looks up to 8 times the given count (at least 64 agents)


@dataclass(frozen=True)
class LabelFigures:
    kind: AgentKind
    peak_busy: int
    wait_p95_s: float
    advice: int | None  # agents; None when no count up to advice_cap() avoids the wait
    runs: int  # runs that used this kind of agent


@dataclass(frozen=True)
class Warning_:
    kind: str  # herd, label-herd, overshoot, never-starts, late
    message: str
    job: str | None = None
    label: str | None = None
    at: int | None = None  # epoch seconds, where it applies


@dataclass(frozen=True)
class Forecast:
    start: int  # epoch seconds
    end: int
    controller_zone: str
    jobs: list[JobModel]
    outcome: Outcome
    labels: list[LabelFigures]
    warnings: list[Warning_]
    plan: SchedulePlan
    max_wait: float
    durations_source: str
    agents_given: bool

    @property
    def runs(self) -> list[Run]:
        return self.outcome.runs


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def worst_wait(outcome: Outcome, kind: int) -> float:
    return max((run.waits.get(kind, 0.0) for run in outcome.runs), default=0.0)


def advice_cap(count: int) -> int:
    return max(count * ADVICE_GROWTH, 64)


def advise(jobs: list[JobModel], kinds: list[AgentKind], index: int, max_wait: float,
           window_end: int, origin: int, given: Outcome) -> int | None:
    """The smallest count of kind `index` (the others as given) at which no run waits
    longer than `max_wait` for such an agent: bisection over re-simulations of the jobs
    that can matter (those using the kind and all they share a lock, throttle or `after`
    with), each stopping at the first run that waits too long."""
    kind = kinds[index]
    if kind.count < 0:  # unlimited: what was needed at the peak
        return math.ceil(given.peak[index] / kind.executors)
    linked = _linked_kinds(jobs, kinds, index)
    relevant = [job for job in jobs if any(linked & _kinds_of(b, kinds) for step in job.steps
                                           for b in step)]
    if not relevant:
        return 0
    closure = _closure(relevant, jobs)

    def fits(count: int) -> bool:
        if count == kind.count:
            return worst_wait(given, index) <= max_wait
        trial = [dataclasses.replace(k, count=count) if i == index else k
                 for i, k in enumerate(kinds)]
        return fits_within(closure, trial, window_end, origin, index, max_wait)

    # With more agents than were ever busy at once in a run with plenty, nobody waits
    # for one: that run (which also proves the cap enough) bounds the search.
    cap = advice_cap(kind.count)
    plenty = simulate(closure, [dataclasses.replace(k, count=cap) if i == index else k
                                for i, k in enumerate(kinds)], window_end, origin, trace=False)
    if worst_wait(plenty, index) > max_wait:
        return None  # an `on_each` stage, say, asks for more as agents are added
    low, high = 0, min(math.ceil(plenty.peak[index] / kind.executors), cap)
    if fits(kind.count):
        high = min(high, kind.count)
    else:
        low = kind.count + 1
    if low > high:  # `on_each` stages grow with the agents: only the cap is proven
        high = cap
    while low < high:
        middle = (low + high) // 2
        if fits(middle):
            high = middle
        else:
            low = middle + 1
    return high


def _linked_kinds(jobs: list[JobModel], kinds: list[AgentKind], index: int) -> set[int]:
    """The kinds whose load can move to or from `index`: linked by a stage that can run
    on both, transitively."""
    groups = {frozenset(_kinds_of(b, kinds)) for job in jobs for step in job.steps
              for b in step}
    linked = {index}
    grown = True
    while grown:
        grown = False
        for group in groups:
            if group & linked and not group <= linked:
                linked |= group
                grown = True
    return linked


def _kinds_of(branch: Branch, kinds: list[AgentKind]) -> set[int]:
    label = branch.on_each or branch.label
    return {i for i, k in enumerate(kinds) if matches(label, k.labels)}


def _closure(relevant: list[JobModel], jobs: list[JobModel]) -> list[JobModel]:
    """The jobs that can change the waits of `relevant`: those sharing a lock or a
    throttle with them, and their `after` neighbours, transitively."""
    by_name = {job.name: job for job in jobs}
    upstream: dict[str, list[str]] = {}
    for job in jobs:
        for child in job.downstream:
            upstream.setdefault(child, []).append(job.name)
    locks: dict[str, list[str]] = {}
    for job in jobs:
        for key in (job.lock and f"lock {job.lock}", job.throttle and job.throttle[0]):
            if key:
                locks.setdefault(key, []).append(job.name)
    found = {job.name for job in relevant}
    work = list(found)
    while work:
        job = by_name[work.pop()]
        neighbours = [*job.downstream, *upstream.get(job.name, ())]
        for key in (job.lock and f"lock {job.lock}", job.throttle and job.throttle[0]):
            if key:
                neighbours.extend(locks[key])
        for name in neighbours:
            if name not in found:
                found.add(name)
                work.append(name)
    return [job for job in jobs if job.name in found]


def label_figures(forecast_jobs: list[JobModel], outcome: Outcome, max_wait: float,
                  window_end: int, origin: int, advice: bool = True) -> list[LabelFigures]:
    figures = []
    for index, kind in enumerate(outcome.kinds):
        waits = [run.waits[index] for run in outcome.runs if index in run.waits]
        finite = [w for w in waits if w != math.inf]
        p95 = percentile(finite, 0.95) if len(finite) == len(waits) else math.inf
        found = advise(forecast_jobs, outcome.kinds, index, max_wait, window_end, origin,
                       outcome) if advice else None
        figures.append(LabelFigures(kind, outcome.peak[index], p95, found, len(waits)))
    return figures


def _utc(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def warnings_for(jobs: list[JobModel], outcome: Outcome, plan: SchedulePlan,
                 threshold: int = HERD_THRESHOLD) -> list[Warning_]:
    found = [Warning_("herd", herd.message(), at=herd.peak_at * 60) for herd in plan.warnings]
    for index, kind in enumerate(outcome.kinds):
        crowded = [(minute, count) for minute, count in outcome.delayed[index].items()
                   if outcome.demand[index].get(minute, 0) >= threshold]
        if crowded:
            minute, _ = max(crowded, key=lambda item: (outcome.demand[index][item[0]], -item[0]))
            peak = outcome.demand[index][minute]
            at = outcome.origin + minute * 60
            found.append(Warning_(
                "label-herd",
                f"{peak} runs want a {kind.label!r} agent in the minute from {_utc(at)} and "
                f"some wait ({len(crowded)} such minutes); spread their schedules with H",
                label=kind.label, at=at))
    by_job: dict[str, list[Run]] = {}
    for run in outcome.runs:
        by_job.setdefault(run.job, []).append(run)
    for job in jobs:
        runs = by_job.get(job.name, [])
        period = job.period
        if period is not None and job.expected > period:
            lost = sum(run.folded for run in runs) + sum(
                run.outcome in ("skipped", "replaced") for run in runs)
            found.append(Warning_(
                "overshoot",
                f"{job.name} takes about {format_duration(job.expected)} but fires every "
                f"{format_duration(period)}: Jenkins folds, skips or replaces runs "
                f"({lost} ticks lost in the window; concurrency: {job.concurrency})",
                job=job.name))
        late = [run for run in runs if run.late]
        if late:
            found.append(Warning_(
                "late", f"{job.name}: {len(late)} runs end after their max_duration "
                f"({format_duration(job.max_duration or 0)}), first due {_utc(late[0].due)}",
                job=job.name, at=int(late[0].due)))
    for name, label in sorted(outcome.stuck.items()):
        found.append(Warning_(
            "never-starts", f"{name} can never start: no agent given carries {label!r}",
            job=name, label=label))
    failed = sorted({run.job for run in outcome.runs if run.outcome == "failed"})
    for name in failed:
        found.append(Warning_("never-starts", f"{name}: an on_each stage finds no agent "
                              "and fails the build", job=name))
    return found
