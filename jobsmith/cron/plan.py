"""The runs of many jobs over a window, and the thundering herds among them.

`plan_schedule` is what `jobsmith schedule` shows: each job's spec, its resolved
schedule and its runs in the window, runs per minute, and warnings where several jobs
with a fixed (non-`H`) minute start at the same instant.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from jobsmith.cron.runs import fire_list, from_minute, line_minutes, to_minute
from jobsmith.cron.schedule import ResolvedSchedule, Schedule
from jobsmith.cron.zones import get_zone

HERD_THRESHOLD = 5


@dataclass(frozen=True)
class JobPlan:
    full_name: str
    schedule: Schedule = field(repr=False)
    drawn: ResolvedSchedule = field(repr=False)  # the schedule resolved for the job
    runs: tuple[int, ...]  # UTC epoch minutes in the window

    @property
    def spec(self) -> str:
        """The text Jenkins gets (`Schedule.jenkins_text()`; made when asked: a forecast
        of many jobs never shows it)."""
        return self.schedule.jenkins_text()

    @property
    def resolved(self) -> str:
        """`ResolvedSchedule.format()`."""
        return self.drawn.format()

    def run_times(self) -> list[datetime]:
        return [from_minute(minute) for minute in self.runs]


@dataclass(frozen=True)
class HerdWarning:
    """Jobs with a fixed minute that start together at `instants` minutes of the window."""

    minute: int  # minute of the hour (UTC) the crowded instants share
    jobs: tuple[str, ...]
    instants: int
    peak: int  # most such jobs at one instant
    peak_at: int  # UTC epoch minute of the first peak

    def message(self) -> str:
        names = ", ".join(self.jobs[:5]) + (
            f" and {len(self.jobs) - 5} more" if len(self.jobs) > 5 else ""
        )
        at = from_minute(self.peak_at).strftime("%Y-%m-%dT%H:%M:%SZ")
        times = "once" if self.instants == 1 else f"at {self.instants} times"
        return (
            f"{len(self.jobs)} jobs with a fixed minute start together {times} in the window "
            f"at minute :{self.minute:02d} (up to {self.peak} at once, first at {at}): "
            f"{names}; write H in the minute field (e.g. `H 2 * * *`) to spread them"
        )


@dataclass(frozen=True)
class SchedulePlan:
    start: int  # UTC epoch minute, inclusive
    end: int  # UTC epoch minute, exclusive
    controller_zone: str
    jobs: tuple[JobPlan, ...]
    warnings: tuple[HerdWarning, ...]
    crowded: frozenset[int] = frozenset()  # minutes where a herd warning applies

    def runs_per_minute(self) -> Counter[int]:
        """UTC epoch minute -> number of jobs starting then."""
        counts: Counter[int] = Counter()
        for job in self.jobs:
            counts.update(job.runs)
        return counts


def plan_schedule(
    jobs: Iterable[tuple[str, Schedule]],
    start: datetime,
    end: datetime,
    controller_zone: str = "UTC",
    herd_threshold: int = HERD_THRESHOLD,
    resolved: Mapping[str, ResolvedSchedule] | None = None,
) -> SchedulePlan:
    """Every job's runs in `[start, end)` and the herd warnings, jobs sorted by name.
    `resolved`: schedules already resolved for their jobs (`Schedule.resolve(full_name)`),
    by full name."""
    get_zone(controller_zone)
    first, last = math.ceil(to_minute(start)), math.ceil(to_minute(end))
    plans = []
    fixed: Counter[int] = Counter()
    fixed_jobs: dict[int, list[str]] = {}
    # per resolved schedule, its runs and fixed-minute runs: jobs whose H draw the same
    # values share them (a quarter of the jobs or fewer are distinct in a large tree)
    known: dict[ResolvedSchedule, tuple[tuple[int, ...], set[int]]] = {}
    for full_name, schedule in sorted(jobs, key=lambda item: item[0]):
        drawn = resolved.get(full_name) if resolved is not None else None
        if drawn is None:
            drawn = schedule.resolve(full_name)
        found = known.get(drawn)
        if found is None:
            found = known[drawn] = (tuple(fire_list(drawn, first, last, controller_zone)),
                                    _fixed_minute_runs(drawn, first, last, controller_zone))
        runs, fixed_runs = found
        plans.append(JobPlan(full_name, schedule, drawn, runs))
        for minute in fixed_runs:
            fixed[minute] += 1
            fixed_jobs.setdefault(minute, []).append(full_name)
    warnings = _herds(fixed, fixed_jobs, herd_threshold)
    crowded = frozenset(minute for minute, count in fixed.items() if count >= herd_threshold)
    return SchedulePlan(first, last, controller_zone, tuple(plans), warnings, crowded)


def _fixed_minute_runs(
    resolved: ResolvedSchedule, first: int, last: int, controller_zone: str
) -> set[int]:
    runs: set[int] = set()
    for line in resolved.lines:
        if line.fixed_minute and len(line.minutes) < 60:
            runs.update(line_minutes(line, line.zone or controller_zone, first, last))
    return runs


def _herds(
    counts: Counter[int], jobs_at: dict[int, list[str]], threshold: int
) -> tuple[HerdWarning, ...]:
    crowded: dict[int, list[int]] = {}
    for minute, count in counts.items():
        if count >= threshold:
            crowded.setdefault(minute % 60, []).append(minute)
    warnings = []
    for minute_of_hour, instants in sorted(crowded.items()):
        instants.sort()
        names = sorted({name for instant in instants for name in jobs_at[instant]})
        peak = max(counts[instant] for instant in instants)
        peak_at = next(instant for instant in instants if counts[instant] == peak)
        warnings.append(HerdWarning(minute_of_hour, tuple(names), len(instants), peak, peak_at))
    return tuple(warnings)
