"""Render one job to its Job DSL script and declarative pipeline.

Templates receive spec values only through the `groovy` filters (`groovy_string`);
the environment's `finalize` hook rejects any other text, so a template cannot print
spec content raw by mistake.
"""

from __future__ import annotations

import itertools
import re
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any

import jinja2

from jobsmith import __version__
from jobsmith.cron import ResolvedSchedule, longest_gap
from jobsmith.durations import format_duration
from jobsmith.generator.groovy import GroovyCode, groovy_list, groovy_string
from jobsmith.spec.model import JobSpec, Parameter, RetryPolicy, Stage

# The wrapper's default --kill-after: part of the worst case of one attempt.
KILL_AFTER = 10.0
# Slack between the wrapper's own limits and Jenkins' outer timeout.
OUTER_MARGIN = 60.0
# Missed-run TTL margin on top of the longest gap and the longest run.
TTL_MARGIN = 600.0
# Gaps are measured over a fixed year so that output does not depend on the day.
GAP_START = datetime(2028, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class StageView:
    name: str
    agent: str | None
    env: list[str]
    credentials: tuple[Any, ...]
    script: str
    outer_timeout: int | None


@dataclass(frozen=True)
class RenderedJob:
    dsl: str
    pipeline: str
    ttl: float | None


def _finalize(value: Any) -> Any:
    if isinstance(value, GroovyCode | bool | int) or value is None:
        if value is None:
            raise ValueError("template printed None")
        return value
    raise TypeError(f"template printed raw text {value!r}; pass it through |groovy")


def _bool(value: object) -> GroovyCode:
    return GroovyCode("true" if value else "false")


def _comment(value: object) -> GroovyCode:
    return GroovyCode(re.sub(r"[^A-Za-z0-9._/ -]", "?", str(value)))


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("jobsmith", "templates"),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
    )
    env.filters.update(groovy=groovy_string, groovy_list=groovy_list, bool=_bool,
                       comment=_comment)
    return env


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
    args.append("--")
    if isinstance(stage.command, str):
        args += ["sh", "-c", stage.command]
    else:
        args += list(stage.command)
    return args


def outer_timeout(timeout: float | None, retries: RetryPolicy) -> int | None:
    """Jenkins' own timeout for a stage: never before the wrapper gives up by itself."""
    if timeout is None:
        return None
    attempts = retries.count + 1
    worst = attempts * (timeout + KILL_AFTER) + retries.count * retries.max_backoff
    return int(worst + OUTER_MARGIN + 0.999)


def longest_run(job: JobSpec) -> float | None:
    """The longest a whole run may take, when every stage has a timeout."""
    total = 0.0
    for stage in job.steps:
        timeout = stage.timeout if stage.timeout is not None else job.timeout
        retries = stage.retries if stage.retries is not None else job.retries
        bound = outer_timeout(timeout, retries)
        if bound is None:
            return None
        total += bound
    return total


def missed_run_ttl(job: JobSpec) -> float | None:
    """Sensu TTL: longest gap between runs + longest run + margin; None when off."""
    if job.schedule is None or job.disabled or not job.alerts.missed_runs:
        return None
    gap = _longest_gap(job.schedule.resolve(job.full_name))
    if gap is None:
        return None
    run = longest_run(job)
    if run is None:
        run = job.alerts.max_duration or 0.0
    return float(int(gap + run + TTL_MARGIN))


_EVERY_DAY = (tuple(range(1, 32)), tuple(range(1, 13)), tuple(range(7)))
_FIXED_ZONES = (None, "UTC", "Etc/UTC", "GMT")


def _longest_gap(resolved: ResolvedSchedule) -> float | None:
    """Longest gap between runs: from one day's minutes when the schedule repeats daily
    in a zone without daylight saving, else from a year of runs (cached: many jobs
    resolve to the same times)."""
    lines = resolved.lines
    if lines and all(
        (line.days, line.months, line.weekdays) == _EVERY_DAY and line.zone in _FIXED_ZONES
        for line in lines
    ):
        minutes = sorted({m for line in lines for m in line.minutes_of_day})
        gaps = [b - a for a, b in itertools.pairwise(minutes)]
        gaps.append(minutes[0] + 1440 - minutes[-1])
        return float(max(gaps) * 60)
    return _yearly_gap(resolved)


@lru_cache(maxsize=8192)
def _yearly_gap(resolved: ResolvedSchedule) -> float | None:
    return longest_gap(resolved, GAP_START)


def _stage_views(job: JobSpec, ttl: float | None) -> list[StageView]:
    views = []
    for stage in job.steps:
        env = {**job.env, **stage.env}
        if job.mask_variables:
            env["JOBSMITH_MASK"] = ",".join(job.mask_variables)
        timeout = stage.timeout if stage.timeout is not None else job.timeout
        retries = stage.retries if stage.retries is not None else job.retries
        views.append(
            StageView(
                name=stage.name,
                agent=stage.agent or job.agent,
                env=[f"{key}={value}" for key, value in sorted(env.items())],
                credentials=job.credentials,
                script=shlex.join(wrapper_command(job, stage, ttl)),
                outer_timeout=outer_timeout(timeout, retries),
            )
        )
    return views


def _description(job: JobSpec) -> str:
    parts = [job.description.strip()] if job.description else []
    if job.owner:
        parts.append(f"Owner: {job.owner}")
    parts.append(f"Generated by jobsmith from {job.source}; change the spec, not this job.")
    return "\n\n".join(parts)


def choices_default_first(parameter: Parameter) -> list[str]:
    choices = list(parameter.choices or ())
    if isinstance(parameter.default, str) and parameter.default in choices:
        choices.remove(parameter.default)
        choices.insert(0, parameter.default)
    return choices


def render_job(job: JobSpec) -> RenderedJob:
    env = _environment()
    ttl = missed_run_ttl(job)
    version = GroovyCode(__version__)
    skip = f"jobsmith: not running {job.full_name}: the previous build is still running"
    pipeline = env.get_template("pipeline.groovy.j2").render(
        job=job, stages=_stage_views(job, ttl), version=version, skip_message=skip
    )
    dsl = env.get_template("job.groovy.j2").render(
        job=job,
        version=version,
        description=_description(job),
        pipeline=pipeline,
        choices_default_first=choices_default_first,
    )
    return RenderedJob(dsl=dsl, pipeline=pipeline, ttl=ttl)


def render_folders(folders: list[str]) -> str:
    return _environment().get_template("folders.groovy.j2").render(
        folders=folders, version=GroovyCode(__version__)
    )
