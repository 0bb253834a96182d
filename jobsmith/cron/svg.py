"""An SVG bar chart of runs per minute over a plan's window, so herds stand out.

One bar per minute (per bucket of minutes for windows over a day, so the file stays
small whatever the number of jobs); bars where a herd warning applies are red.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from jobsmith.cron.plan import SchedulePlan
from jobsmith.cron.runs import from_minute

WIDTH, HEIGHT = 1200, 360
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 40, 44
MAX_BARS = 1440


def _label(minute: int, with_date: bool) -> str:
    moment = from_minute(minute)
    return moment.strftime("%m-%d %H:%M" if with_date else "%H:%M")


def render_svg(plan: SchedulePlan) -> str:
    """The chart as SVG text (deterministic for a given plan)."""
    span = max(plan.end - plan.start, 1)
    bucket = -(-span // MAX_BARS)  # minutes per bar
    bars = -(-span // bucket)
    counts = [0] * bars
    crowded = [False] * bars
    for minute, count in plan.runs_per_minute().items():
        counts[(minute - plan.start) // bucket] += count
    for minute in plan.crowded:
        if plan.start <= minute < plan.end:
            crowded[(minute - plan.start) // bucket] = True
    peak = max(counts, default=0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bar_w = plot_w / bars
    total = sum(counts)
    unit = "minute" if bucket == 1 else f"{bucket} minutes"
    title = (
        f"Runs per {unit}, {_label(plan.start, True)} to {_label(plan.end, True)} UTC: "
        f"{len(plan.jobs)} jobs, {total} runs, peak {peak}"
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
        f'<text x="{LEFT}" y="20" font-size="13">{escape(title)}</text>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        'stroke="#333"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#333"/>',
        f'<text x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{peak}</text>',
        f'<text x="{LEFT - 6}" y="{TOP + plot_h}" text-anchor="end">0</text>',
    ]
    normal: list[str] = []
    herd: list[str] = []
    for index, count in enumerate(counts):
        if not count:
            continue
        height = plot_h * count / peak
        x, y = LEFT + index * bar_w, TOP + plot_h - height
        # One path per colour: `M x y h w v h h -w z` per bar keeps the file small.
        bar = f"M{x:.1f} {y:.1f}h{max(bar_w, 0.6):.1f}V{TOP + plot_h}H{x:.1f}Z"
        (herd if crowded[index] else normal).append(bar)
    if normal:
        out.append(f'<path fill="#4a79a8" d="{"".join(normal)}"/>')
    if herd:
        out.append(f'<path fill="#d0413a" d="{"".join(herd)}"><title>herd</title></path>')
    ticks = 12
    with_date = span > 1440
    for tick in range(ticks + 1):
        minute = plan.start + span * tick // ticks
        x = LEFT + plot_w * tick / ticks
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP + plot_h}" x2="{x:.1f}" y2="{TOP + plot_h + 4}" '
            'stroke="#333"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">'
            f"{_label(minute, with_date)}</text>"
        )
    out.append(
        f'<text x="{LEFT + plot_w}" y="{HEIGHT - 8}" text-anchor="end" fill="#d0413a">'
        "red: jobs with a fixed minute starting together (use H)</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"
