"""The Sensu check result of one run: one per run, on success too, so Sensu can resolve.

`check_result` builds the Sensu 1.x client-socket form (a flat JSON hash); it is also
what the outbox stores. `sensu_go_event` turns it into the event the Sensu Go agent's
`POST /events` takes: the check's name under `metadata`, and jobsmith's own fields as
`labels` (`annotations` for the build URL), because Go Sensu keeps no unknown check keys.
"""

from __future__ import annotations

from jobsmith.wrapper.metrics import metric_job

STATUS_OK = 0
STATUS_WARNING = 1
STATUS_CRITICAL = 2

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from jobsmith.wrapper.runner import RunReport


def check_name(job: str) -> str:
    """`jobsmith.<job>`, which matches Sensu's `^[\\w.-]+$`."""
    return f"jobsmith.{metric_job(job)}"


def source_name(host: str) -> str:
    """The host name as Sensu accepts a source: characters outside [\\w.-] become `_`."""
    return "".join(
        char if char.isascii() and (char.isalnum() or char in "_.-") else "_" for char in host
    )


def alert_status(exit_code: int, duration: float, max_duration: float | None) -> int:
    """0 ok, 1 warning (succeeded but slower than max_duration), 2 critical (failed)."""
    if exit_code != 0:
        return STATUS_CRITICAL
    if max_duration is not None and duration > max_duration:
        return STATUS_WARNING
    return STATUS_OK


def check_result(
    report: RunReport,
    *,
    summary: str,
    tail: bytes,
    host: str,
    max_duration: float | None = None,
    ttl: int | None = None,
    handlers: tuple[str, ...] = (),
    build_url: str | None = None,
) -> dict[str, Any]:
    """The Sensu 1.x check result for `report` (`tail` already masked)."""
    status = alert_status(report.exit_code, report.duration, max_duration)
    output = summary + "\n"
    if tail:
        output += tail.decode("utf-8", errors="replace")
    result: dict[str, Any] = {
        "name": check_name(report.job),
        "status": status,
        "output": output,
        "handlers": list(handlers),
        "source": source_name(host),
        "executed": int(report.started_at),
        "duration": round(report.duration, 3),
        "job": report.job,
        "exit_code": report.exit_code,
        "attempts": report.attempts,
        "build_url": build_url,
    }
    if ttl is not None:
        result["ttl"] = ttl
    return result


def sensu_go_event(check: dict[str, Any]) -> dict[str, Any]:
    """The Sensu Go agent API event for a check result made by `check_result`."""
    labels = {
        "job": str(check["job"]),
        "exit_code": str(check["exit_code"]),
        "attempts": str(check["attempts"]),
        "source": str(check["source"]),
    }
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
    return {"check": event_check}
