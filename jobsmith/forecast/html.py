"""The forecast as one self-contained HTML page (no network assets).

The page lays out in plain HTML what needs no drawing (summary, advice table,
warnings, one row per job named in the DOM, grouped by folder in collapsible
sections) and draws bars and load curves on canvases from compact JSON embedded in
the page (page.js, page.css beside this module), so 1,000 jobs over a week stay a
few megabytes. Times in the data are seconds from the window's start.
"""

from __future__ import annotations

import json
import math
from html import escape
from importlib import resources
from typing import Any

from jobsmith.durations import format_duration
from jobsmith.forecast.analysis import Forecast
from jobsmith.forecast.records import Run
from jobsmith.forecast.report import instant

MAX_POINTS = 2000  # load samples per kind of agent
OPEN_FOLDERS_UP_TO = 200  # jobs; above this folders start collapsed
FLAGS = {"late": 1, "skipped": 2, "replaced": 4, "failed": 8, "stuck": 16}


def _asset(name: str) -> str:
    return resources.files("jobsmith.forecast").joinpath(name).read_text(encoding="utf-8")


def _run_row(run: Run, origin: int) -> list[int]:
    """[due, start - due, end - start, flags, fold offsets...] in whole seconds;
    -1 for a start or end that never comes."""
    due = round(run.due - origin)
    start = -1 if run.start is None else round(run.start - run.due)
    length = -1 if run.end is None or run.start is None else round(run.end - run.start)
    flags = FLAGS.get(run.outcome, 0) | (FLAGS["late"] if run.late else 0)
    return [due, start, length, flags, *(round(t - run.due) for t in run.folds)]


def _series(values: list[int], minutes: int) -> tuple[int, list[int]]:
    """Per-minute values over the window (a value holds until it changes), folded to
    at most MAX_POINTS buckets (the highest in each)."""
    values = (values + [values[-1] if values else 0] * minutes)[:minutes]
    step = max(math.ceil(len(values) / MAX_POINTS), 1)
    return step, [max(values[i:i + step]) for i in range(0, len(values), step)]


def page_data(forecast: Forecast) -> dict[str, Any]:
    origin = forecast.start
    by_job: dict[str, list[list[int]]] = {}
    for run in sorted(forecast.runs, key=lambda r: r.due):
        by_job.setdefault(run.job, []).append(_run_row(run, origin))
    herds = sorted({(w.at or 0) - origin for w in forecast.warnings
                    if w.kind in ("herd", "label-herd") and w.at is not None}
                   | {m * 60 - origin for m in forecast.plan.crowded})
    loads = []
    outcome = forecast.outcome
    for index, figures in enumerate(forecast.labels):
        kind = figures.kind
        minutes = (forecast.end - origin) // 60
        step, busy = _series(outcome.busy[index], minutes)
        _, waiting = _series(outcome.waiting[index], minutes)
        loads.append({"label": kind.label, "capacity": kind.capacity if kind.count >= 0
                      else None, "step": step * 60, "busy": busy, "waiting": waiting})
    return {
        "span": forecast.end - origin,
        "origin": instant(origin),
        "jobs": [{"name": job.name, "runs": by_job.get(job.name, [])} for job in forecast.jobs],
        "herds": [h for h in herds if 0 <= h < forecast.end - origin],
        "loads": loads,
    }


def _summary(forecast: Forecast) -> str:
    runs = forecast.runs
    started = [r for r in runs if r.start is not None and r.outcome != "skipped"]
    waited = sum(1 for r in started if (r.wait_s or 0) > forecast.max_wait)
    items = [
        (len(forecast.jobs), "jobs"), (len(started), "runs"),
        (sum(r.folded for r in runs), "folded ticks"),
        (waited, f"runs waiting over {format_duration(round(forecast.max_wait))}"),
        (sum(r.late for r in runs), "late runs"),
        (sum(r.start is None for r in runs), "runs that never start"),
    ]
    return "".join(f'<div class="figure"><b>{count:,}</b> {escape(what)}</div>'
                   for count, what in items)


def _advice(forecast: Forecast) -> str:
    rows = []
    for figures in forecast.labels:
        kind = figures.kind
        count = str(kind.count) if kind.count >= 0 else "unlimited"
        p95 = "never" if figures.wait_p95_s == math.inf else format_duration(
            round(figures.wait_p95_s)) if figures.wait_p95_s else "0s"
        advice = "-" if figures.advice is None else str(figures.advice)
        short = kind.count >= 0 and figures.advice is not None and figures.advice > kind.count
        rows.append(
            f'<tr class="{"short" if short else ""}"><td>{escape(kind.label)}</td>'
            f"<td>{count}</td><td>{kind.executors}</td><td>{figures.peak_busy}</td>"
            f"<td>{p95}</td><td><b>{advice}</b></td></tr>")
    return ("<table class=advice><tr><th>agents (labels)</th><th>count</th><th>executors"
            "</th><th>peak busy</th><th>wait p95</th><th>advice</th></tr>"
            + "".join(rows) + "</table>")


def _warnings(forecast: Forecast) -> str:
    if not forecast.warnings:
        return "<p>No warnings.</p>"
    items = "".join(f'<li class="{escape(w.kind)}"><span class=tag>{escape(w.kind)}</span> '
                    f"{escape(w.message)}</li>" for w in forecast.warnings)
    return f"<ul class=warnings>{items}</ul>"


def _timeline(forecast: Forecast) -> str:
    folders: dict[str, list[int]] = {}
    for index, job in enumerate(forecast.jobs):
        folders.setdefault(job.name.rpartition("/")[0], []).append(index)
    opened = " open" if len(forecast.jobs) <= OPEN_FOLDERS_UP_TO else ""
    sections = []
    for folder, members in sorted(folders.items()):
        names = "".join(
            f'<div class=name title="{escape(forecast.jobs[i].name)}">'
            f"{escape(forecast.jobs[i].name.rpartition('/')[2])}</div>" for i in members)
        sections.append(
            f'<details class=folder{opened} data-jobs="{",".join(map(str, members))}">'
            f"<summary>{escape(folder or '(top level)')} <small>{len(members)} jobs</small>"
            f'</summary><div class=rows><div class=names>{names}</div>'
            f'<div class=lane><canvas></canvas></div></div></details>')
    return "".join(sections)


def render_html(forecast: Forecast) -> str:
    data = json.dumps(page_data(forecast), separators=(",", ":")).replace("</", "<\\/")
    title = (f"Forecast {instant(forecast.start)[:16].replace('T', ' ')} to "
             f"{instant(forecast.end)[:16].replace('T', ' ')} UTC")
    return f"""<!doctype html>
<html lang=en><head><meta charset=utf-8>
<meta name=viewport content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{_asset("page.css")}</style></head>
<body>
<header><h1>{escape(title)}</h1>
<p>What Jenkins will do with these specs: controller zone {escape(forecast.controller_zone)},
durations {escape(forecast.durations_source)}, agents
{"as given" if forecast.agents_given else "unlimited"}.</p>
<div class=figures>{_summary(forecast)}</div></header>
<section><h2>Agents needed</h2>{_advice(forecast)}
<p class=note>advice: the fewest agents of the kind (others as given) with no run waiting
longer than {format_duration(round(forecast.max_wait))} for one.</p></section>
<section><h2>Load per kind of agent</h2><div id=loads></div></section>
<section><h2>Warnings</h2>{_warnings(forecast)}</section>
<section id=timeline-section><h2>Timeline</h2>
<div class=controls>
<label>zoom <input id=zoom type=range min=1 max=48 value=1></label>
<label>find <input id=filter type=search placeholder="job name"></label>
<button id=expand>expand all</button><button id=collapse>collapse all</button>
<span class=legend><i class=bar></i>run <i class=wait></i>waiting <i class=late></i>late
<i class=fold></i>folded tick <i class=herd></i>herd <i class=dropped></i>skipped/replaced
</span></div>
<div id=axis><canvas></canvas></div>
<div id=timeline>{_timeline(forecast)}</div></section>
<div id=tip hidden></div>
<script id=data type="application/json">{data}</script>
<script>{_asset("page.js")}</script>
</body></html>
"""
