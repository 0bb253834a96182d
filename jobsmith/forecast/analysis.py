"""From a simulated queue to answers: per-label figures, agent advice and warnings."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from jobsmith.cron.plan import HERD_THRESHOLD, SchedulePlan
from jobsmith.durations import format_duration
from jobsmith.forecast.advice import advise_all
from jobsmith.forecast.model import AgentKind, JobModel
from jobsmith.forecast.records import NO_RUNS, Outcome, Run

DEFAULT_MAX_WAIT = 300.0
# the warnings and the table write the same few durations thousands of times
duration_text = functools.lru_cache(maxsize=4096)(format_duration)


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


def label_figures(forecast_jobs: list[JobModel], outcome: Outcome, max_wait: float,
                  window_end: int, origin: int, advice: bool = True) -> list[LabelFigures]:
    figures = []
    found = advise_all(forecast_jobs, outcome.kinds, max_wait, window_end, origin, outcome) \
        if advice else [None] * len(outcome.kinds)
    waits: list[list[float]] = [[] for _ in outcome.kinds]
    for run in outcome.runs:
        for index, waited in run.waits.items():
            waits[index].append(waited)
    for index, kind in enumerate(outcome.kinds):
        p95 = math.inf if math.inf in waits[index] else percentile(waits[index], 0.95)
        figures.append(LabelFigures(kind, outcome.peak[index], p95, found[index],
                                    len(waits[index])))
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
    figures = outcome.figures
    for job in jobs:
        counts = figures.get(job.name, NO_RUNS)
        period = job.period
        if period is not None and job.expected > period:
            lost = counts.folded + counts.dropped
            found.append(Warning_(
                "overshoot",
                f"{job.name} takes about {duration_text(job.expected)} but fires every "
                f"{duration_text(period)}: Jenkins folds, skips or replaces runs "
                f"({lost} ticks lost in the window; concurrency: {job.concurrency})",
                job=job.name))
        if counts.first_late is not None:
            found.append(Warning_(
                "late", f"{job.name}: {counts.late} runs end after their max_duration "
                f"({duration_text(job.max_duration or 0)}), first due "
                f"{_utc(counts.first_late)}", job=job.name, at=int(counts.first_late)))
    for name, label in sorted(outcome.stuck.items()):
        found.append(Warning_(
            "never-starts", f"{name} can never start: no agent given carries {label!r}",
            job=name, label=label))
    # (only an `on_each` stage fails a build)
    on_each = outcome.tables is None or outcome.tables.on_each
    failed = sorted({run.job for run in outcome.runs if run.outcome == "failed"}) \
        if on_each else []
    for name in failed:
        found.append(Warning_("never-starts", f"{name}: an on_each stage finds no agent "
                              "and fails the build", job=name))
    return found
