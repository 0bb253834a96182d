"""A schedule plan as a text table or as JSON (the SVG chart lives in `svg.py`)."""

from __future__ import annotations

import functools
import json
from typing import Any

from jobsmith.cron.plan import SchedulePlan
from jobsmith.cron.runs import from_minute

SHOWN_RUNS = 2


@functools.lru_cache(maxsize=65536)
def _instant(minute: int) -> str:  # jobs share minutes: format each one once
    return from_minute(minute).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_table(plan: SchedulePlan) -> str:
    """One row per job: name, resolved schedule, run count, next runs; narrow enough
    for a terminal (the spec text Jenkins gets is in the JSON)."""
    header = ("JOB", "RESOLVED", "RUNS", "NEXT")
    rows = []
    for job in plan.jobs:
        shown = " ".join(_instant(minute)[5:16].replace("T", " ")
                         for minute in job.runs[:SHOWN_RUNS])
        if len(job.runs) > SHOWN_RUNS:
            shown += " ..."
        rows.append((job.full_name, job.resolved, str(len(job.runs)), shown or "-"))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[3]
        for row in [header, *rows]
    ]
    total = sum(len(job.runs) for job in plan.jobs)
    lines.append(
        f"{_count(len(plan.jobs), 'scheduled job')}, {_count(total, 'run')} from "
        f"{_instant(plan.start)[:16].replace('T', ' ')} to "
        f"{_instant(plan.end)[:16].replace('T', ' ')} UTC (controller zone "
        f"{plan.controller_zone})"
    )
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def plan_to_json(plan: SchedulePlan, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Plain data for machines: instants as ISO 8601 UTC strings."""
    data: dict[str, Any] = {
        "from": _instant(plan.start),
        "to": _instant(plan.end),
        "controller_zone": plan.controller_zone,
        "jobs": [
            {
                "full_name": job.full_name,
                "spec": job.spec,
                "resolved": job.resolved,
                "runs": [_instant(minute) for minute in job.runs],
            }
            for job in plan.jobs
        ],
        "warnings": [warning.message() for warning in plan.warnings],
    }
    data.update(extra or {})
    return data


def render_json(plan: SchedulePlan, extra: dict[str, Any] | None = None) -> str:
    """Compact JSON (10,000 jobs make megabytes; pipe through `jq` to read it)."""
    return json.dumps(plan_to_json(plan, extra), ensure_ascii=False) + "\n"
