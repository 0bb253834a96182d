"""Follow a build from the queue to its result; `deploy` runs the seed job so.

A build request gives a queue item. The item says `why` it waits until an executor
takes it; then it carries `executable.number`, or `cancelled: true`. The build's
`result` stays null while it runs. Waiting uses the injected `sleep`, so tests
drive time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from jobsmith.durations import format_duration
from jobsmith.seed.connection import JenkinsClient
from jobsmith.seed.console import ConsoleStream
from jobsmith.seed.errors import BuildFailedError, JenkinsRequestError
from jobsmith.seed.seed_job import DEFAULT_NAME
from jobsmith.seed.trigger import from_jenkins

Writer = Callable[[str], None]


@dataclass(frozen=True)
class Followed:
    """How a build ended."""

    job: str
    number: int
    url: str
    result: str
    duration_ms: int


@dataclass(frozen=True)
class Queued:
    job: str
    queue_id: int


def _ignore(_text: str) -> None:
    pass


def wait_for_start(
    client: JenkinsClient,
    job: str,
    queue_id: int,
    *,
    sleep: Callable[[float], None] = time.sleep,
    poll: float = 1.0,
    on_progress: Writer = _ignore,
) -> int:
    """Poll the queue item until a build runs it; -> the build number."""
    last_why: str | None = None
    while True:
        item = client.queue_item(queue_id)
        if item.get("cancelled"):
            raise BuildFailedError(f"{job}: queue item {queue_id} was cancelled", "CANCELLED")
        executable = item.get("executable")
        if isinstance(executable, dict) and isinstance(executable.get("number"), int):
            return int(executable["number"])
        why = item.get("why") or "waiting"
        if why != last_why:
            on_progress(f"{job}: queued ({why})")
            last_why = why
        sleep(poll)


def follow_build(
    client: JenkinsClient,
    job: str,
    number: int,
    *,
    sleep: Callable[[float], None] = time.sleep,
    poll: float = 1.0,
    write_console: Writer | None = None,
    on_progress: Writer = _ignore,
) -> Followed:
    """Stream the console (when asked) until the build has a result."""
    stream = ConsoleStream(client, job, number) if write_console is not None else None
    info = client.build_json(job, number)
    on_progress(f"{job}: build #{number} started ({info.get('url', '')})")
    while True:
        if stream is not None and write_console is not None and stream.read(write_console):
            sleep(poll)  # the log is still growing, so the build still runs
            continue
        info = client.build_json(job, number)
        if info.get("result") is not None and not info.get("building"):
            break
        sleep(poll)
    result = str(info["result"])
    duration = int(info.get("duration") or 0)
    on_progress(f"{job}: build #{number} finished: {result} in {format_duration(duration // 1000)}")
    return Followed(job, number, str(info.get("url", "")), result, duration)


def run_and_follow(
    client: JenkinsClient,
    job: str,
    parameters: dict[str, str] | None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    poll: float = 1.0,
    write_console: Writer | None = None,
    on_progress: Writer = _ignore,
) -> Followed:
    """Queue a build, wait for it to start, follow it; a result other than
    SUCCESS raises `BuildFailedError` (its exit status tells which)."""
    queue_id = client.start_build(job, parameters)
    on_progress(f"{job}: queued as item {queue_id}")
    number = wait_for_start(client, job, queue_id, sleep=sleep, poll=poll, on_progress=on_progress)
    followed = follow_build(client, job, number, sleep=sleep, poll=poll,
                            write_console=write_console, on_progress=on_progress)
    if followed.result != "SUCCESS":
        raise BuildFailedError(
            f"{job} #{number} ended {followed.result}: {followed.url}console", followed.result
        )
    return followed


def deploy(
    client: JenkinsClient,
    *,
    name: str = DEFAULT_NAME,
    wait: bool = True,
    sleep: Callable[[float], None] = time.sleep,
    poll: float = 1.0,
    write_console: Writer | None = None,
    on_progress: Writer = _ignore,
) -> Followed | Queued:
    """Run the seed job. Without `wait`, return once it is queued."""
    info = client.job_json(name, tree="name,buildable,property[parameterDefinitions[name]]")
    if info.get("buildable") is False:
        raise JenkinsRequestError(f"the seed job {name!r} is disabled; enable it in Jenkins")
    # A seed job someone gave parameters is started with their defaults.
    parameters: dict[str, str] | None = {} if from_jenkins(info) else None
    if not wait:
        queue_id = client.start_build(name, parameters)
        on_progress(f"{name}: queued as item {queue_id}")
        return Queued(name, queue_id)
    return run_and_follow(client, name, parameters, sleep=sleep, poll=poll,
                          write_console=write_console, on_progress=on_progress)
