"""What the Jenkins queue sees of a spec tree: agents, and jobs as fire times plus steps.

Each generated pipeline is `agent none` with an agent per stage (generator/pipeline.py),
so the build itself runs on the controller's flyweight executor and every stage is
its own `node` request in the queue (`ExecutorStepExecution.PlaceholderTask`): a
parallel group asks for one executor per branch at once, an `on_each` stage one on
each matching agent (`nodesByLabel`), and `agent any` takes any agent.
"""

from __future__ import annotations

import functools
import math
import operator
from dataclasses import dataclass
from datetime import datetime

from jobsmith.cron.runs import fire_list, to_minute
from jobsmith.errors import EXIT_USAGE, JobsmithError
from jobsmith.forecast.durations import DEFAULT_STAGE_SECONDS, Durations
from jobsmith.spec.model import JobSpec
from jobsmith.spec.stages import ParallelGroup, Stage

DEFAULT_PRIORITY = 3  # PrioritySorter's default of five levels, as the spec documents
_IN_SECONDS = (60).__mul__  # epoch minutes to seconds


class AgentsError(JobsmithError):
    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class AgentKind:
    """`--agents 'LABELS=N[:E]'`: N agents carrying LABELS, E executors each."""

    label: str  # LABELS as given
    labels: frozenset[str]
    count: int
    executors: int = 1

    @property
    def capacity(self) -> int:
        return self.count * self.executors


def parse_agents(text: str) -> AgentKind:
    labels, equals, amount = text.rpartition("=")
    count_text, _, executors_text = amount.partition(":")
    try:
        count = int(count_text)
        executors = int(executors_text) if executors_text else 1
    except ValueError:
        count = executors = -1
    if not equals or not labels.split() or count < 0 or executors < 1:
        raise AgentsError(f"--agents {text!r}: expected 'LABELS=N' or 'LABELS=N:E' (N agents "
                          "carrying the space-separated LABELS, E executors each), such as "
                          "'linux docker=4:2'")
    return AgentKind(" ".join(labels.split()), frozenset(labels.split()), count, executors)


@dataclass(frozen=True)
class Branch:
    """One stage's claim on an executor: `label` None is `agent any`."""

    stage: str
    label: str | None
    on_each: str | None
    seconds: float


@dataclass(frozen=True)
class JobModel:
    name: str
    fires: tuple[int, ...]  # epoch seconds in the window
    steps: tuple[tuple[Branch, ...], ...]  # in order; a step's branches side by side
    concurrency: str = "queue"
    lock: str | None = None
    throttle: tuple[str, int] | None = None  # (key, max_total)
    priority: int = DEFAULT_PRIORITY
    downstream: tuple[str, ...] = ()
    max_duration: float | None = None

    @functools.cached_property
    def expected(self) -> float:
        """Seconds a run takes without waiting: the longest branch of each step."""
        return sum(max(branch.seconds for branch in step) for step in self.steps)

    @property
    def period(self) -> float | None:
        """The shortest gap between two fire times in the window."""
        fires = self.fires
        return float(min(map(operator.sub, fires[1:], fires))) if len(fires) > 1 else None


def estimate(stage: Stage, job: JobSpec) -> float:
    """The documented default: half the stage's timeout, else half the job's."""
    bound = stage.timeout if stage.timeout is not None else job.timeout
    return bound / 2 if bound else DEFAULT_STAGE_SECONDS


BranchKey = tuple[str, str | None, str | None, float]


def _steps(job: JobSpec, durations: Durations, made: dict[BranchKey, Branch]
           ) -> tuple[tuple[Branch, ...], ...]:
    """`made`: the branches made so far, to share (a large tree has few distinct ones)."""
    items = [item.parallel if isinstance(item, ParallelGroup) else (item,) for item in job.steps]
    guesses = [[estimate(stage, job) for stage in item] for item in items]
    whole = durations.builds.get(job.full_name)
    scale = 1.0
    if whole is not None:
        planned = sum(max(step) for step in guesses)
        scale = whole / planned if planned else 0.0
    steps = []
    stages = durations.stages
    for item, guess in zip(items, guesses, strict=True):
        branches = []
        for stage, seconds in zip(item, guess, strict=True):
            known = stages.get((job.full_name, stage.name)) if stages else None
            value = known if known is not None else seconds * scale
            # whole seconds, at least one: instants stay exact and print as `cron next` does
            agent = None if stage.on_each else stage.agent or job.agent  # as steps.py
            key: BranchKey = (stage.name, agent, stage.on_each, float(max(round(value), 1)))
            branch = made.get(key)
            if branch is None:
                branch = made[key] = Branch(*key)
            branches.append(branch)
        steps.append(tuple(branches))
    return tuple(steps)


def _throttle(job: JobSpec, category_totals: dict[str, int]) -> tuple[str, int] | None:
    throttle = job.throttle
    if throttle is None:
        return None
    if throttle.category is not None:
        total = category_totals.get(throttle.category)
        return (f"category {throttle.category}", total) if total else None
    return (f"job {job.full_name}", throttle.max_total) if throttle.max_total else None


def build_models(
    jobs: dict[str, JobSpec],
    start: datetime,
    end: datetime,
    durations: Durations,
    controller_zone: str = "UTC",
    planned: dict[str, tuple[int, ...]] | None = None,
) -> list[JobModel]:
    """Every job Jenkins would run in `[start, end)` unasked: scheduled ones and those
    started by `after`; disabled jobs never run (nor start their downstream jobs).
    `planned`: the fire minutes when already known (`SchedulePlan`), by full name."""
    live = {name: job for name, job in jobs.items() if not job.disabled}
    downstream: dict[str, list[str]] = {}
    for name, job in sorted(live.items()):
        for upstream in job.after:
            if upstream in live:
                downstream.setdefault(upstream, []).append(name)
    reached = _reachable(live, downstream)
    totals: dict[str, int] = {}
    for job in live.values():
        if job.throttle and job.throttle.category and job.throttle.max_total:
            totals.setdefault(job.throttle.category, job.throttle.max_total)
    first, last = math.ceil(to_minute(start)), math.ceil(to_minute(end))
    models = []
    branches: dict[BranchKey, Branch] = {}
    seconds: dict[int, tuple[int, ...]] = {}  # id of a planned tuple -> its fires in seconds
    for name in sorted(reached):
        job = live[name]
        fires: tuple[int, ...] = ()
        if planned is not None and name in planned:
            minutes = planned[name]  # (jobs with one resolved schedule share it, and so
            fires = seconds.get(id(minutes)) or seconds.setdefault(  # their fires)
                id(minutes), tuple(map(_IN_SECONDS, minutes)))
        elif job.schedule is not None:
            resolved = job.schedule.resolve(name)
            fires = tuple(map(_IN_SECONDS, fire_list(resolved, first, last, controller_zone)))
        models.append(JobModel(
            name, fires, _steps(job, durations, branches), job.concurrency, job.lock,
            _throttle(job, totals), job.priority or DEFAULT_PRIORITY,
            tuple(downstream.get(name, ())), job.alerts.max_duration,
        ))
    return models


def _reachable(live: dict[str, JobSpec], downstream: dict[str, list[str]]) -> set[str]:
    found = {name for name, job in live.items() if job.schedule is not None}
    work = list(found)
    while work:
        for child in downstream.get(work.pop(), ()):
            if child not in found:
                found.add(child)
                work.append(child)
    return found
