"""The build-level Sensu check result: one per build, on success too, so Sensu can resolve.

`check_result` builds the Sensu 1.x client-socket form (a flat JSON hash); it is also
what the outbox stores. `sensu_go_event` turns it into the event the Sensu Go agent's
`POST /events` takes: the check's name under `metadata`, and jobsmith's own fields as
`labels` (`annotations` for the build URL), because Go Sensu keeps no unknown check keys.

Identity: Sensu 1.x keys a result by (`source` or the client's name, check name), Sensu
Go by (entity, check name). Both are constant per job (`source` / the proxy entity is
`JOBSMITH_SENSU_SOURCE`, default `jobsmith`), so a job is one check wherever it runs;
the agent that ran the build is the `host` field.
"""

from jobsmith.wrapper.metrics import metric_job

STATUS_OK = 0
STATUS_WARNING = 1
STATUS_CRITICAL = 2
DEFAULT_SOURCE = "jobsmith"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from jobsmith.wrapper.runner import RunReport


def check_name(job: str) -> str:
    """`jobsmith.<job>`, which matches Sensu's `^[\\w.-]+$`."""
    return f"jobsmith.{metric_job(job)}"


def source_name(host: str) -> str:
    """A name as Sensu accepts a source: characters outside [\\w.-] become `_`."""
    return "".join(
        char if char.isascii() and (char.isalnum() or char in "_.-") else "_" for char in host
    ) or "_"


def alert_status(exit_code: int, duration: float, max_duration: float | None) -> int:
    """0 ok, 1 warning (succeeded but slower than max_duration), 2 critical (failed)."""
    if exit_code != 0:
        return STATUS_CRITICAL
    if max_duration is not None and duration > max_duration:
        return STATUS_WARNING
    return STATUS_OK


def check_result(
    report: "RunReport",
    *,
    summary: str,
    tail: bytes,
    host: str,
    max_duration: float | None = None,
    ttl: int | None = None,
    handlers: tuple[str, ...] = (),
    build_url: str | None = None,
    source: str = DEFAULT_SOURCE,
    status: int | None = None,
    extra: "dict[str, Any] | None" = None,
) -> "dict[str, Any]":
    """The Sensu 1.x check result for `report` (`tail` already masked). `status`
    overrides the one the exit code gives (an aborted build is not a failure)."""
    if status is None and report.stop_signal is not None:
        status = STATUS_WARNING  # stopped (aborted, superseded): not a failure
    if status is None:
        status = alert_status(report.exit_code, report.duration, max_duration)
    output = summary + "\n"
    if tail:
        output += tail.decode("utf-8", errors="replace")
    result: dict[str, Any] = {
        "name": check_name(report.job),
        "status": status,
        "output": output,
        "handlers": list(handlers),
        "source": source_name(source),
        "host": host,
        "executed": int(report.started_at),
        "duration": round(report.duration, 3),
        "job": report.job,
        "exit_code": report.exit_code,
        "attempts": report.attempts,
        "build_url": build_url,
    }
    if extra:
        result.update(extra)
    if ttl is not None:
        result["ttl"] = ttl
        result["ttl_status"] = STATUS_CRITICAL  # a missed run pages (1.x defaults to 1)
    return result


# Fields that become Sensu Go labels (strings), beside name/status/output/... .
_LABELS = ("job", "exit_code", "attempts", "host", "outcome", "failed_stage", "build")


def sensu_go_event(check: "dict[str, Any]") -> "dict[str, Any]":
    """The Sensu Go agent API event for a check result made by `check_result`.

    The entity is the proxy entity `source` (the agent's `getEntities` turns an entity
    other than its own into `check.proxy_entity_name`), so the event's identity does not
    depend on the agent that sent it."""
    labels = {key: str(check[key]) for key in _LABELS if check.get(key) is not None}
    metadata: dict[str, Any] = {"name": check["name"], "labels": labels}
    if check.get("build_url"):
        metadata["annotations"] = {"build_url": check["build_url"]}
    event_check: dict[str, Any] = {
        "metadata": metadata,
        "status": check["status"],
        "output": check["output"],
        "handlers": list(check.get("handlers", [])),
        "executed": check["executed"],
        "duration": check["duration"],
    }
    if check.get("ttl"):
        event_check["ttl"] = check["ttl"]
    entity = {"metadata": {"name": check["source"]}, "entity_class": "proxy"}
    return {"entity": entity, "check": event_check}
