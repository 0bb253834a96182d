"""A schedule plan as a text table or as JSON (the SVG chart lives in `svg.py`)."""

from __future__ import annotations

import functools
import json
from typing import Any

from jobsmith.cron.plan import SchedulePlan
from jobsmith.cron.runs import from_minute

SHOWN_RUNS = 3


@functools.lru_cache(maxsize=65536)
def _instant(minute: int) -> str:  # jobs share minutes: format each one once
    return from_minute(minute).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_table(plan: SchedulePlan) -> str:
    """One row per job: name, spec, resolved schedule, run count, first runs."""
    header = ("JOB", "SPEC", "RESOLVED", "RUNS", "NEXT")
    rows = []
    for job in plan.jobs:
        shown = " ".join(_instant(minute) for minute in job.runs[:SHOWN_RUNS])
        if len(job.runs) > SHOWN_RUNS:
            shown += " ..."
        spec = job.spec.replace("\n", " | ")
        rows.append((job.full_name, spec, job.resolved, str(len(job.runs)), shown or "-"))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
        + "  "
        + row[4]
        for row in [header, *rows]
    ]
    total = sum(len(job.runs) for job in plan.jobs)
    lines.append(
        f"{len(plan.jobs)} scheduled jobs, {total} runs from {_instant(plan.start)} "
        f"to {_instant(plan.end)} (controller zone {plan.controller_zone})"
    )
    return "\n".join(line.rstrip() for line in lines) + "\n"


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
