"""What the pipeline template needs of each stage: the `jobsmith run` command line, the
environment, the outer timeout, and how the stage is laid out (one agent, every agent
with a label, or a parallel group of stages)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from jobsmith.durations import format_duration
from jobsmith.spec.model import Credential, JobSpec, ParallelGroup, RetryPolicy, Stage
from jobsmith.spec.stages import Checkout

# The wrapper's default --kill-after: part of the worst case of one attempt.
KILL_AFTER = 10.0
# Slack between the wrapper's own limits and Jenkins' outer timeout.
OUTER_MARGIN = 60.0


@dataclass(frozen=True)
class StageView:
    name: str
    agent: str | None
    on_each: str | None
    env: list[str]
    credentials: tuple[Credential, ...]
    checkout: Checkout | None
    script: str
    outer_timeout: int | None
    kind: str = "stage"


@dataclass(frozen=True)
class GroupView:
    name: str
    fail_fast: bool
    branches: list[StageView]
    kind: str = "group"


def wrapper_command(job: JobSpec, stage: Stage, ttl: float | None) -> list[str]:
    """The `jobsmith run` command line for one stage."""
    args = ["jobsmith", "run", "--job", job.full_name]
    timeout = stage.timeout if stage.timeout is not None else job.timeout
    if timeout is not None:
        args += ["--timeout", format_duration(timeout)]
    retries = stage.retries if stage.retries is not None else job.retries
    if retries.count:
        args += ["--retries", str(retries.count), "--backoff", format_duration(retries.backoff),
                 "--max-backoff", format_duration(retries.max_backoff)]
        if retries.on_exit_codes:
            args += ["--retry-on", ",".join(str(code) for code in retries.on_exit_codes)]
    if job.alerts.max_duration is not None:
        args += ["--max-duration", format_duration(job.alerts.max_duration)]
    if ttl is not None:
        args += ["--ttl", format_duration(ttl)]
    if job.alerts.handlers:
        args += ["--alert-handlers", ",".join(job.alerts.handlers)]
    if stage.artifact is not None:
        args += ["--artifact", stage.artifact.url, "--sha256", stage.artifact.sha256]
    args.append("--")
    if isinstance(stage.command, str):
        args += ["sh", "-c", stage.command]
    elif stage.command is not None:
        args += list(stage.command)
    return args


def outer_timeout(timeout: float | None, retries: RetryPolicy) -> int | None:
    """Jenkins' own timeout for a stage: never before the wrapper gives up by itself."""
    if timeout is None:
        return None
    attempts = retries.count + 1
    worst = attempts * (timeout + KILL_AFTER) + retries.count * retries.max_backoff
    return int(worst + OUTER_MARGIN + 0.999)


def stage_bound(job: JobSpec, stage: Stage) -> int | None:
    timeout = stage.timeout if stage.timeout is not None else job.timeout
    retries = stage.retries if stage.retries is not None else job.retries
    return outer_timeout(timeout, retries)


def longest_run(job: JobSpec) -> float | None:
    """The longest a whole run may take, when every stage has a timeout (a parallel
    group takes as long as its slowest stage; fan-out runs its copies side by side)."""
    total = 0.0
    for item in job.steps:
        stages = item.parallel if isinstance(item, ParallelGroup) else (item,)
        bounds = [stage_bound(job, stage) for stage in stages]
        if any(bound is None for bound in bounds):
            return None
        total += max(bound for bound in bounds if bound is not None)
    return total


def _stage_view(job: JobSpec, stage: Stage, ttl: float | None) -> StageView:
    env = {**job.env, **stage.env}
    if job.mask_variables:
        env["JOBSMITH_MASK"] = ",".join(job.mask_variables)
    return StageView(
        name=stage.name,
        agent=None if stage.on_each else stage.agent or job.agent,
        on_each=stage.on_each,
        env=[f"{key}={value}" for key, value in sorted(env.items())],
        credentials=job.credentials,
        checkout=job.checkout,
        script=shlex.join(wrapper_command(job, stage, ttl)),
        outer_timeout=stage_bound(job, stage),
    )


def stage_views(job: JobSpec, ttl: float | None) -> list[StageView | GroupView]:
    views: list[StageView | GroupView] = []
    for item in job.steps:
        if isinstance(item, ParallelGroup):
            views.append(GroupView(name=item.title, fail_fast=item.fail_fast,
                                   branches=[_stage_view(job, s, ttl) for s in item.parallel]))
        else:
            views.append(_stage_view(job, item, ttl))
    return views
