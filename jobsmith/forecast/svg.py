"""The forecast as one SVG for embedding (a wiki, a merge request): the load of each
kind of agent against its executors, and a timeline of the jobs that wait longest,
named, with their runs, waits, folded ticks and late runs. Herd minutes are red.

Deterministic for a given forecast, and small whatever the number of jobs: one path
per colour and row, at most MAX_BUCKETS columns and SHOWN_JOBS rows.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from jobsmith.forecast.analysis import Forecast
from jobsmith.forecast.records import Run
from jobsmith.forecast.report import instant

WIDTH, LEFT, RIGHT = 1200, 240, 16
LOAD_H, ROW_H, GAP = 46, 14, 18
MAX_BUCKETS = 600
SHOWN_JOBS = 30
BLUE, RED, ORANGE, GREY = "#4a79a8", "#d0413a", "#f0a23b", "#aaaaaa"


def _x(seconds: float, forecast: Forecast) -> float:
    span = max(forecast.end - forecast.start, 1)
    return LEFT + (WIDTH - LEFT - RIGHT) * min(max(seconds - forecast.start, 0), span) / span


def _bar(x0: float, x1: float, y: float, height: float) -> str:
    return f"M{x0:.1f} {y:.1f}h{max(x1 - x0, 0.8):.1f}v{height:g}h{-max(x1 - x0, 0.8):.1f}Z"


def _load_rows(forecast: Forecast, top: int, out: list[str]) -> int:
    minutes = (forecast.end - forecast.start) // 60
    step = max(-(-minutes // MAX_BUCKETS), 1)
    plot = WIDTH - LEFT - RIGHT
    for index, figures in enumerate(forecast.labels):
        kind = figures.kind
        busy = (forecast.outcome.busy[index] + [0] * minutes)[:minutes]
        waiting = (forecast.outcome.waiting[index] + [0] * minutes)[:minutes]
        buckets = range(0, minutes, step)
        highest = [max(busy[i:i + step], default=0) for i in buckets]
        queued = [max(waiting[i:i + step], default=0) for i in buckets]
        scale = max(max((b + q for b, q in zip(highest, queued, strict=True)), default=0),
                    kind.capacity if kind.count >= 0 else 0, 1)
        width = plot / max(len(highest), 1)
        base = top + LOAD_H
        caption = kind.label + (f" ({kind.capacity} executors)" if kind.count >= 0
                                else " (unlimited)")
        out.append(f'<text x="8" y="{top + LOAD_H / 2 + 4}">{escape(caption)}, peak '
                   f"{figures.peak_busy}</text>")
        blue, orange = [], []
        for i, (b, q) in enumerate(zip(highest, queued, strict=True)):
            x = LEFT + i * width
            if b:
                h = LOAD_H * b / scale
                blue.append(_bar(x, x + width, base - h, h))
            if q:
                h = LOAD_H * q / scale
                orange.append(_bar(x, x + width, base - LOAD_H * b / scale - h, h))
        if blue:
            out.append(f'<path fill="{BLUE}" d="{"".join(blue)}"/>')
        if orange:
            out.append(f'<path fill="{ORANGE}" d="{"".join(orange)}"><title>waiting</title>'
                       "</path>")
        if kind.count >= 0:
            y = base - LOAD_H * kind.capacity / scale
            out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
                       f'stroke="{RED}" stroke-dasharray="4 3"/>')
        top += LOAD_H + 8
    return top


def _job_rows(forecast: Forecast, top: int, out: list[str]) -> int:
    by_job: dict[str, list[Run]] = {}
    for run in forecast.runs:
        by_job.setdefault(run.job, []).append(run)

    def worst(name: str) -> float:
        waits = [r.wait_s for r in by_job.get(name, []) if r.outcome != "skipped"]
        return max((float("inf") if w is None else w for w in waits), default=0.0)

    names = sorted((job.name for job in forecast.jobs), key=lambda n: (-worst(n), n))
    shown = names[:SHOWN_JOBS]
    hidden = len(names) - len(shown)
    title = (f"the {len(shown)} jobs that wait longest" + (f" ({hidden} more in the HTML "
             "page)" if hidden else ""))
    out.append(f'<text x="8" y="{top + 12}" font-weight="bold">{escape(title)}</text>')
    top += GAP
    for name in shown:
        paths: dict[str, list[str]] = {BLUE: [], RED: [], ORANGE: [], GREY: [], "#000": []}
        for run in by_job.get(name, []):
            x_due = _x(run.due, forecast)
            if run.start is None:
                paths[RED].append(_bar(x_due, WIDTH - RIGHT, top + 5, 3))
                continue
            x_start = _x(run.start, forecast)
            if run.start > run.due:
                paths[ORANGE].append(_bar(x_due, x_start, top + 5, 3))
            end = run.end if run.end is not None else forecast.end
            colour = GREY if run.outcome in ("skipped", "replaced") else RED if run.late \
                else BLUE
            paths[colour].append(_bar(x_start, _x(end, forecast), top + 1, ROW_H - 3))
            for fold in run.folds:
                paths["#000"].append(_bar(_x(fold, forecast), _x(fold, forecast), top, ROW_H))
        out.append(f'<text x="8" y="{top + ROW_H - 3}">{escape(name)}</text>')
        for colour, parts in paths.items():
            if parts:
                out.append(f'<path fill="{colour}" d="{"".join(parts)}"/>')
        top += ROW_H + 2
    return top


def render_svg(forecast: Forecast) -> str:
    """The chart as SVG text (deterministic for a given forecast)."""
    body: list[str] = []
    late = sum(run.late for run in forecast.runs)
    folded = sum(run.folded for run in forecast.runs)
    title = (f"Forecast {instant(forecast.start)[:16].replace('T', ' ')} to "
             f"{instant(forecast.end)[:16].replace('T', ' ')} UTC: "
             f"{len(forecast.jobs)} jobs, {len(forecast.runs)} runs, {folded} folded ticks, "
             f"{late} late")
    top = _load_rows(forecast, 34, body)
    top = _job_rows(forecast, top + 6, body)
    height = top + 40
    herds = sorted({m * 60 for m in forecast.plan.crowded} | {
        w.at for w in forecast.warnings if w.kind == "label-herd" and w.at is not None})
    shade = "".join(_bar(_x(t, forecast), _x(t + 60, forecast), 30, height - 70) for t in herds
                    if forecast.start <= t < forecast.end)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="#fff"/>',
        f'<text x="8" y="20" font-size="13">{escape(title)}</text>',
    ]
    if shade:
        out.append(f'<path fill="{RED}" fill-opacity="0.25" d="{shade}"><title>herd</title>'
                   "</path>")
    out.extend(body)
    span = forecast.end - forecast.start
    for tick in range(13):
        t = forecast.start + span * tick // 12
        x = _x(t, forecast)
        label = instant(t)[5:16].replace("T", " ") if span > 86400 else instant(t)[11:16]
        out.append(f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle">{label}</text>')
    out.append(f'<text x="{WIDTH - RIGHT}" y="{height - 24}" text-anchor="end">blue: runs, '
               "orange: waiting, red: late or never starting, grey: skipped or replaced, "
               "black: folded ticks, dashed: executors, red columns: herds</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
