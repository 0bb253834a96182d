"""Warnings: settings Jenkins accepts that do not do what they say.

A warning is a `Problem` (where, what) that does not make the tree invalid: `validate`
prints it like an error, counts it apart, and exits 0 unless `--strict`. Each check
states what the real Jenkins code does (the class and method are named in the tests):

- `throttle` that can never matter, or that defeats `concurrency` (throttle-concurrents
  `ThrottleQueueTaskDispatcher`, workflow-job `WorkflowJob.isConcurrentBuild`);
- `priority` on jobs that share their last name segment in different folders (Priority
  Sorter finds a pipeline's agent requests' priority by `Job.getName()`);
- a schedule that a daylight-saving change in its zone skips or doubles (`cron.dst`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from jobsmith.cron.dst import DstEffect, dst_effects_after
from jobsmith.errors import Location, Problem
from jobsmith.spec.model import JobSpec

# Where the values these checks point at are written (kept on each JobSpec as `key_at`).
SPOTS: tuple[tuple[str, ...], ...] = (
    ("schedule",), ("priority",), ("throttle",), ("throttle", "max_total"),
    ("throttle", "max_per_node"),
)
DEFAULT_PRIORITY = 3  # what `jobsmith casc` configures (Priority Sorter's own default)
DST_YEARS = 2
_SHOWN_RUNS = 4


def tree_warnings(jobs: Iterable[JobSpec], now: datetime | None = None) -> list[Problem]:
    """Every warning for `jobs` (one tree, or the files of it being checked); daylight
    saving changes are looked for in the two years from `now` (default: now)."""
    jobs = list(jobs)
    start = now if now is not None else datetime.now(UTC)
    found: list[Problem] = []
    for job in jobs:
        found += throttle_warnings(job)
        found += dst_warnings(job, start)
    found += priority_warnings(jobs)
    return sorted(set(found))


def _at(job: JobSpec, *path: str) -> Location:
    for size in range(len(path), 0, -1):
        where = job.key_at.get(path[:size])
        if where is not None:
            return where
    return Location(job.source)


def throttle_warnings(job: JobSpec) -> list[Problem]:
    throttle = job.throttle
    if throttle is None:
        return []
    found = []
    if throttle.max_per_node:
        found.append(Problem(_at(job, "throttle", "max_per_node"), (
            "`throttle.max_per_node` does not limit runs per agent for a pipeline job: "
            "throttle-concurrents counts it only for the build's own controller-side "
            "task (past the limit that task just runs on another node), never for its "
            "stages' agent requests. Use `max_total`, or leave it out")))
    total = throttle.max_total
    if throttle.category is None and total is not None:
        if job.concurrency == "queue":
            found.append(Problem(_at(job, "throttle", "max_total"), (
                "`throttle.max_total` has no effect with `concurrency: queue`: Jenkins "
                "already runs one build of this job at a time (a second one waits in the "
                "queue as 'already in progress'). Leave it out, or join a `category` to "
                "limit runs across jobs")))
        elif total == 0 and not throttle.max_per_node:
            found.append(Problem(_at(job, "throttle", "max_total"), (
                "`throttle.max_total: 0` means no limit: this `throttle` limits nothing; "
                "leave it out")))
    if total == 1 and job.concurrency in ("replace", "skip"):
        whose = "the category's limit" if throttle.category else "the limit"
        what = ("replace the running build" if job.concurrency == "replace"
                else "be skipped")
        found.append(Problem(_at(job, "throttle", "max_total"), (
            f"`throttle.max_total: 1` defeats `concurrency: {job.concurrency}`: a new "
            f"build must start while the old one runs to {what}, but {whose} keeps it "
            "in the queue until the old one ends, so it waits and then runs like "
            "`concurrency: queue`. Allow 2, or use `concurrency: queue`")))
    return found


def priority_warnings(jobs: list[JobSpec]) -> list[Problem]:
    """Jobs named alike in different folders, whose priorities differ."""
    by_leaf: dict[str, list[JobSpec]] = {}
    for job in jobs:
        by_leaf.setdefault(job.base_name, []).append(job)
    found = []
    for leaf, group in sorted(by_leaf.items()):
        priorities = {job.priority or DEFAULT_PRIORITY for job in group}
        if len(group) < 2 or len(priorities) < 2:
            continue
        for job in group:
            if job.priority is None:
                continue
            others = ", ".join(f"{other.full_name} ({_priority(other)})"
                               for other in group if other is not job)
            found.append(Problem(_at(job, "priority"), (
                f"`priority`: {others} has the same name {leaf!r} in another folder; "
                "Priority Sorter takes the priority of a pipeline's agent requests "
                "(every stage) from the last queued job of that name, whatever its "
                f"folder, so the stages of {job.full_name} may run at another job's "
                "priority. Give the jobs different names, or the same priority")))
    return found


def _priority(job: JobSpec) -> str:
    return (f"priority {job.priority}" if job.priority is not None
            else f"default priority {DEFAULT_PRIORITY}")


def dst_warnings(job: JobSpec, start: datetime) -> list[Problem]:
    if job.schedule is None or job.disabled:
        return []
    resolved = job.resolved_schedule
    assert resolved is not None
    effects = dst_effects_after(resolved, start, DST_YEARS)
    found = []
    for kind in ("skipped", "doubled"):
        chosen = [effect for effect in effects if effect.kind == kind]
        if not chosen:
            continue
        zone = chosen[0].zone
        by_runs: dict[str, list[str]] = {}
        for effect in chosen:
            by_runs.setdefault(_runs(effect.runs), []).append(effect.day.isoformat())
        days = "; ".join(f"{runs} on {_join(dates)}" for runs, dates in by_runs.items())
        if kind == "skipped":
            text = (f"`schedule`: daylight saving in {zone} skips the run at {days}: the "
                    f"clocks jump {_stretch(chosen[0])} and Jenkins fires only at local "
                    "times that happen")
        else:
            text = (f"`schedule`: daylight saving in {zone} doubles the run at {days}: "
                    f"{_stretch(chosen[0])} happens twice and Jenkins fires each time, "
                    f"{_size(chosen[0].size)} apart")
        found.append(Problem(_at(job, "schedule"), text + (
            ". Move the run out of the stretch that changes, or use a zone without daylight saving "
            "such as UTC")))
    return found


def _clock(minute: int) -> str:
    return f"{minute % 1440 // 60:02d}:{minute % 60:02d}"


def _runs(runs: tuple[int, ...]) -> str:
    shown = [_clock(minute) for minute in runs[:_SHOWN_RUNS]]
    if len(runs) > _SHOWN_RUNS:
        shown.append(f"{len(runs) - _SHOWN_RUNS} more")
    return _join(shown)


def _stretch(effect: DstEffect) -> str:
    end = effect.local_from + effect.size
    if effect.kind == "skipped":
        return f"from {_clock(effect.local_from)} to {_clock(end)}"
    return f"{_clock(effect.local_from)}-{_clock(end - 1)}"


def _size(minutes: int) -> str:
    return "one hour" if minutes == 60 else f"{minutes} minutes"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]

