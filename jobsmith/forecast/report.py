"""A forecast as a text table or as JSON (the page is `html.py`, the chart `svg.py`)."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from jobsmith.durations import format_duration
from jobsmith.forecast.analysis import Forecast, LabelFigures, duration_text
from jobsmith.forecast.records import NO_RUNS, Run

SHOWN_STARTS = 2


@functools.lru_cache(maxsize=65536)
def instant(seconds: float) -> str:
    """ISO 8601 UTC, as `jobsmith cron next` prints it."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _opt(seconds: float | None) -> str | None:
    return None if seconds is None else instant(seconds)


def _number(value: float | None) -> float | int | None:
    if value is None or value == math.inf:
        return None
    return int(value) if value == int(value) else round(value, 3)


def run_json(run: Run) -> dict[str, Any]:
    return {
        "job": run.job, "due": instant(run.due), "start": _opt(run.start),
        "end": _opt(run.end), "wait_s": _number(run.wait_s), "folded": run.folded,
        "late": run.late, "outcome": run.outcome,
    }


def label_json(figures: LabelFigures) -> dict[str, Any]:
    kind = figures.kind
    return {
        "label": kind.label, "agents": kind.count if kind.count >= 0 else None,
        "executors": kind.executors, "peak_busy": figures.peak_busy,
        "wait_p95_s": _number(figures.wait_p95_s), "advice": figures.advice,
        "runs": figures.runs,
    }


def sorted_runs(forecast: Forecast) -> list[Run]:
    return sorted(forecast.runs, key=lambda r: (r.due, r.job, r.start or 0.0))


def to_json(forecast: Forecast, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "from": instant(forecast.start), "to": instant(forecast.end),
        "controller_zone": forecast.controller_zone,
        "max_wait_s": _number(forecast.max_wait),
        "durations": forecast.durations_source,
        "runs": [run_json(run) for run in sorted_runs(forecast)],
        "labels": [label_json(figures) for figures in forecast.labels],
        "warnings": [
            {key: value for key, value in (
                ("kind", w.kind), ("message", w.message), ("job", w.job), ("label", w.label),
                ("at", _opt(w.at))) if value is not None}
            for w in forecast.warnings
        ],
    }
    data.update(extra or {})
    return data


def render_json(forecast: Forecast, extra: dict[str, Any] | None = None) -> str:
    return json.dumps(to_json(forecast, extra), ensure_ascii=False) + "\n"


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    """Each cell padded to its column's width (as `str.ljust`), two spaces between."""
    widths = [max(map(len, column)) for column in zip(*rows, strict=True)]
    line = "  ".join(f"{{:<{width}}}" for width in widths).format
    return [line(*row).rstrip() for row in rows]


def _wait(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    return duration_text(round(seconds)) if seconds else "-"


def _short(seconds: float) -> str:
    return instant(seconds)[5:16].replace("T", " ")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def render_table(forecast: Forecast) -> str:
    """Per job: runs, folded ticks, dropped ones (skipped or replaced), the longest
    wait, late runs and the first starts; then per kind of agent: the load, the 95th
    percentile wait and the advice. Narrow enough for a terminal."""
    per_job = forecast.outcome.figures
    rows = [("JOB", "RUNS", "FOLDED", "DROPPED", "MAX WAIT", "LATE", "STARTS (UTC)")]
    ran_total = 0
    for job in forecast.jobs:
        ran, folded, dropped, worst, late, _, started = per_job.get(job.name, NO_RUNS)
        ran_total += ran
        starts = sorted(started)
        shown = " ".join(_short(t) for t in starts[:SHOWN_STARTS])
        if len(starts) > SHOWN_STARTS:
            shown += " ..."
        rows.append((job.name, str(ran), str(folded), str(dropped), _wait(worst), str(late),
                     shown or "-"))
    lines = _columns(rows)
    lines.append(
        f"{_count(len(forecast.jobs), 'scheduled job')}, {_count(ran_total, 'run')} from "
        f"{instant(forecast.start)[:16].replace('T', ' ')} to "
        f"{instant(forecast.end)[:16].replace('T', ' ')} UTC (controller zone "
        f"{forecast.controller_zone})")
    lines.append(f"durations: {forecast.durations_source}; agents: "
                 + ("as given" if forecast.agents_given else "unlimited (give --agents)"))
    lines.append("")
    agents = [("AGENTS", "COUNT", "EXECUTORS", "PEAK BUSY", "WAIT P95",
               f"ADVICE (WAIT <= {format_duration(round(forecast.max_wait))})")]
    for figures in forecast.labels:
        kind = figures.kind
        agents.append((
            kind.label, str(kind.count) if kind.count >= 0 else "unlimited",
            str(kind.executors) if kind.count >= 0 else "-", str(figures.peak_busy),
            _wait(figures.wait_p95_s),
            "-" if figures.advice is None else str(figures.advice),
        ))
    lines.extend(_columns(agents))
    return "\n".join(lines) + "\n"
