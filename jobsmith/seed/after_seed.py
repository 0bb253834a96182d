"""`jobsmith expect`: after the seed's Job DSL step, tell Sensu what the new specs expect.

Reads the new manifest (`OUT/manifest.json`), the previous one (archived by the seed's
last successful build, or a file), and for each job whose expectation changed, its
last completed build from Jenkins; plans the results (`expect.Planner`) and sends them
through the wrapper's ordered delivery (ledger and outbox), as a build's own result goes.

Jenkins' remote API, as read here (core `hudson.model.Job` / `Run`, `@Exported`):
`lastCompletedBuild` is `Job.getLastCompletedBuild` (the newest build that is not
building), `lastBuild[building]` is `Job.getLastBuild` / `Run.isBuilding`, `builds` is
`Job.getNewBuilds` (newest first); of a build, `result` is `Run.getResult`, `timestamp`
`Run.getTimestamp` (ms), `duration` `Run.getDuration` (ms), `url` `Run.getUrl` made
absolute. `lastSuccessfulBuild` is `Job.getLastSuccessfulBuild`; its archived files are
served under `<build>/artifact/<path>` (`Run.getArtifactsDir`, DirectoryBrowserSupport).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from jobsmith.errors import JobsmithError
from jobsmith.seed.expect import (
    JobState,
    LastBuild,
    Planner,
    Step,
    expectations,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from jobsmith.seed.connection import JenkinsClient

# Where the seed pipeline archives the manifest (Jenkinsfile: `jobsmith generate ... -o
# out`, then `archiveArtifacts 'out/**'`).
ARCHIVED_MANIFEST = "out/manifest.json"
JOB_TREE = ("lastBuild[number,building],"
            "lastCompletedBuild[number,result,timestamp,duration,url],"
            "builds[number,result]{0,20}")


class ExpectError(JobsmithError):
    """The manifests cannot be read."""

    exit_code = 2


@dataclass(frozen=True)
class Previous:
    """The manifest the previous seed run applied, and when that run started."""

    manifest: Mapping[str, Any]
    started: float | None
    origin: str


@dataclass
class ExpectReport:
    steps: list[Step] = field(default_factory=list)
    sent: int = 0
    queued: int = 0  # stored in the outbox: Sensu did not take them in time


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ExpectError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise ExpectError(f"{path} is not a jobsmith manifest: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
        raise ExpectError(f"{path} is not a jobsmith manifest (no \"jobs\")")
    return data


def previous_from_seed(client: JenkinsClient, seed: str) -> Previous:
    """The manifest archived by the seed job's last successful build (empty when there is
    none: the first seed run, whose jobs are all new)."""
    from jobsmith.seed.connection import job_path

    base = job_path(seed)
    build = client.optional_json(base + "lastSuccessfulBuild/api/json",
                                 {"tree": "number,timestamp"})
    if not isinstance(build, dict) or not isinstance(build.get("number"), int):
        return Previous({"jobs": {}}, None, f"no successful build of {seed!r} yet")
    number = build["number"]
    manifest = client.optional_json(f"{base}{number}/artifact/{ARCHIVED_MANIFEST}")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("jobs"), dict):
        return Previous({"jobs": {}}, None, f"{seed} #{number} archived no manifest")
    started = build.get("timestamp")
    return Previous(manifest, started / 1000 if isinstance(started, int) else None,
                    f"{seed} #{number}")


def job_state(client: JenkinsClient, job: str) -> JobState:
    """The job's last completed build and whether one runs now."""
    from jobsmith.seed.errors import UnknownJobError

    try:
        data = client.job_json(job, JOB_TREE)
    except UnknownJobError:
        return JobState(exists=False)
    running = data.get("lastBuild") or {}
    building = bool(running.get("building"))
    done = data.get("lastCompletedBuild")
    if not isinstance(done, dict) or not isinstance(done.get("number"), int):
        return JobState(exists=True, building=building)
    number = done["number"]
    # The build before it that did its work, as the pipeline's finish step passes it
    # (`jobsmithFinish`: aborted and not-built builds prove nothing about a failure).
    before = next((b.get("result") for b in data.get("builds") or []
                   if isinstance(b, dict) and isinstance(b.get("number"), int)
                   and b["number"] < number and b.get("result")
                   and b.get("result") not in ("ABORTED", "NOT_BUILT")), None)
    last = LastBuild(
        number=number,
        result=str(done.get("result") or "NOT_BUILT"),
        started=float(done.get("timestamp") or 0) / 1000,
        duration=float(done.get("duration") or 0) / 1000,
        url=done.get("url") if isinstance(done.get("url"), str) else None,
        previous_result=str(before) if before else None,
    )
    return JobState(exists=True, last=last, building=building)


def fire_after(controller_zone: str) -> Callable[[str, str, float], float | None]:
    """next_fire(job, schedule, after) as Jenkins fires the job's schedule."""
    from jobsmith.cron import next_runs
    from jobsmith.cron.lookup import schedule_of

    def next_fire(job: str, schedule: str, after: float) -> float | None:
        runs = next_runs(schedule_of(schedule).resolve(job),
                         datetime.fromtimestamp(after, UTC), 1, controller_zone)
        return runs[0].timestamp() if runs else None

    return next_fire


def expect_after_seed(
    manifest: Mapping[str, Any],
    previous: Previous,
    state: Callable[[str], JobState],
    *,
    environ: Mapping[str, str],
    say: Callable[[str], None],
    controller_zone: str = "UTC",
    dry_run: bool = False,
    now: float | None = None,
) -> ExpectReport:
    """Plan and (unless `dry_run`) send the results the seed run owes Sensu."""
    import os

    from jobsmith.wrapper.settings import AgentSettings

    settings = AgentSettings.from_environ(environ)
    planner = Planner(now=time.time() if now is None else now,
                      next_fire=fire_after(controller_zone), previous_at=previous.started,
                      source=settings.sensu_source, host=os.uname().nodename)
    report = ExpectReport(planner.plan(expectations(previous.manifest),
                                       expectations(manifest), state))
    for step in report.steps:
        line = f"{step.job}: {step.action}: {step.note}"
        if step.running:
            line += " (a build runs now: it reports with the TTL it started with)"
        say(line)
    checks = [s.check for s in report.steps if s.check is not None]
    if dry_run or not checks:
        return report
    if settings.sensu is None:
        say(f"JOBSMITH_SENSU is not set: {len(checks)} result(s) not sent")
        return report
    from jobsmith.wrapper.finish import deliver_in_order
    from jobsmith.wrapper.sensu import DELIVERED

    reachable = True
    for check in checks:
        if reachable:
            delivery = deliver_in_order(check, settings, lambda text: say(_plain(text)))
            if delivery.current == DELIVERED:
                report.sent += 1
                continue
            # Down or too slow: the rest go to the outbox at once (no 2 s wait for each);
            # the next `jobsmith run` on this agent sends them, in order.
            reachable = False
            report.queued += 1 if delivery.queued else 0
            continue
        if _store(check, settings.outbox, say):
            report.queued += 1
    return report


def _store(check: dict[str, Any], outbox: str | None, say: Callable[[str], None]) -> bool:
    if not outbox:
        say(f"{check['job']}: result lost: Sensu is unreachable and JOBSMITH_OUTBOX is not set")
        return False
    from jobsmith.wrapper.outbox import Outbox

    try:
        Outbox(outbox).put(check)
    except OSError as error:
        say(f"{check['job']}: result lost: cannot write to the outbox: {error}")
        return False
    return True


def _plain(text: str) -> str:
    return text.removeprefix("jobsmith: ")
