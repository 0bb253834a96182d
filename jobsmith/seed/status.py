"""Running builds, recent history and next runs of jobs.

One `api/json` request per job, with a `tree` that asks for exactly the build
fields shown (Jenkins' default depth would give only numbers). Next runs come from
the spec's schedule with every `H` resolved as Jenkins resolves it for that full
name, so they are the minutes Jenkins will really fire.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from jobsmith.durations import format_duration
from jobsmith.seed.connection import JenkinsClient
from jobsmith.seed.errors import UnknownJobError

_TREE = ("name,fullName,url,buildable,inQueue,"
         "builds[number,url,result,building,timestamp,duration]{0,%d}")


_RUNNING_ALLOWANCE = 20


class ScheduledSpec(Protocol):
    """The fields of `jobsmith.spec.JobSpec` this module reads."""

    @property
    def schedule(self) -> Any: ...
    @property
    def disabled(self) -> bool: ...


@dataclass(frozen=True)
class BuildSummary:
    number: int
    result: str  # RUNNING while `result` is null
    started: datetime
    duration_s: float
    url: str


@dataclass(frozen=True)
class JobStatus:
    job: str
    on_jenkins: bool
    enabled: bool | None = None
    queued: bool = False
    running: tuple[BuildSummary, ...] = ()
    recent: tuple[BuildSummary, ...] = ()
    next_runs: tuple[datetime, ...] = ()
    url: str | None = None
    schedule: str | None = None
    notes: tuple[str, ...] = field(default=())


def next_runs_of(
    job: str, spec: ScheduledSpec | None, now: datetime, count: int, controller_zone: str
) -> tuple[datetime, ...]:
    if spec is None or spec.schedule is None or spec.disabled or count <= 0:
        return ()
    from jobsmith.cron import next_runs

    return tuple(next_runs(spec.schedule.resolve(job), now, count, controller_zone))


def _summary(build: Mapping[str, Any], now: datetime) -> BuildSummary:
    started = datetime.fromtimestamp(int(build.get("timestamp") or 0) / 1000, UTC)
    running = build.get("result") is None
    duration = (now - started).total_seconds() if running else (build.get("duration") or 0) / 1000
    return BuildSummary(int(build["number"]), "RUNNING" if running else str(build["result"]),
                        started, max(duration, 0.0), str(build.get("url", "")))


def job_status(
    client: JenkinsClient,
    job: str,
    spec: ScheduledSpec | None,
    *,
    builds: int,
    now: datetime,
    next_count: int = 3,
    controller_zone: str = "UTC",
) -> JobStatus:
    upcoming = next_runs_of(job, spec, now, next_count, controller_zone)
    schedule = spec.schedule.jenkins_text() if spec is not None and spec.schedule else None
    notes = ("disabled in its spec",) if spec is not None and spec.disabled else ()
    if spec is None:
        notes = (*notes, "not in the spec tree")
    try:
        # Running builds are the newest ones and share the window with finished ones.
        info = client.job_json(job, tree=_TREE % (builds + _RUNNING_ALLOWANCE))
    except UnknownJobError:
        return JobStatus(job, False, next_runs=upcoming, schedule=schedule,
                         notes=(*notes, "not on Jenkins yet: run jobsmith deploy"))
    summaries = [_summary(b, now) for b in info.get("builds") or []]
    return JobStatus(
        job, True, enabled=bool(info.get("buildable", True)), queued=bool(info.get("inQueue")),
        running=tuple(s for s in summaries if s.result == "RUNNING"),
        recent=tuple(s for s in summaries if s.result != "RUNNING")[:builds],
        next_runs=upcoming, url=info.get("url"), schedule=schedule, notes=notes,
    )


def collect_status(
    client: JenkinsClient,
    jobs: Sequence[tuple[str, ScheduledSpec | None]],
    *,
    builds: int = 5,
    now: datetime,
    next_count: int = 3,
    controller_zone: str = "UTC",
) -> list[JobStatus]:
    return [job_status(client, name, spec, builds=builds, now=now, next_count=next_count,
                       controller_zone=controller_zone) for name, spec in jobs]


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_json(statuses: Sequence[JobStatus]) -> list[dict[str, Any]]:
    """Plain data for `--json`; instants as ISO 8601 UTC."""
    def convert(value: Any) -> Any:
        if isinstance(value, datetime):
            return _iso(value)
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        return value

    return [convert(asdict(s)) for s in statuses]


def render_table(statuses: Sequence[JobStatus]) -> str:
    """One row per build (running first), the job's next run on its first row."""
    rows = [("JOB", "STATE", "BUILD", "RESULT", "STARTED (UTC)", "DURATION", "NEXT RUN (UTC)")]
    for status in statuses:
        if not status.on_jenkins:
            state = "missing"
        elif not status.enabled:
            state = "disabled"
        else:
            state = "queued" if status.queued else "enabled"
        upcoming = _iso(status.next_runs[0]).replace("T", " ")[:16] if status.next_runs else "-"
        builds: list[BuildSummary | None] = [*status.running, *status.recent]
        first = True
        for build in builds or [None]:
            cells = ("-", "-", "-", "-") if build is None else (
                f"#{build.number}", build.result,
                _iso(build.started).replace("T", " ").rstrip("Z"),
                format_duration(round(build.duration_s)),
            )
            rows.append((status.job if first else "", state if first else "", *cells,
                         upcoming if first else ""))
            first = False
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    notes = [f"{s.job}: {note}" for s in statuses for note in s.notes]
    return "\n".join(lines + (["", *notes] if notes else [])) + "\n"
