"""`jobsmith schedule` speed: the next 24 h of runs for 10,000 mixed jobs, and the SVG size.

Baseline, measured in the same run: what Jenkins itself does, minute by minute (convert
each minute to local time, test every line), on a slice of the same jobs; its time per
job is scaled to the full set for the ratio.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from jobsmith.cron import Schedule, parse_schedule
from jobsmith.cron.plan import SchedulePlan, plan_schedule
from jobsmith.cron.report import render_json
from jobsmith.cron.svg import render_svg

JOBS = 10_000
BASELINE_JOBS = 500
START = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # the window crosses Berlin's DST change
HOURS = 24
MIX: list[tuple[float, str, str | None]] = [
    (0.30, "H H * * *", None),
    (0.20, "H * * * *", None),
    (0.15, "H/15 * * * *", None),
    (0.10, "H/5 * * * *", None),
    (0.05, "@weekly", None),
    (0.05, "H H H * *", None),
    (0.05, "0 2 * * *", None),  # a fixed minute: the herd the warnings catch
    (0.05, "H H(0-7) * * 1-5", "Europe/Berlin"),
    (0.05, "H/30 8-18 * * 1-5\nH H * * 0,6", "America/New_York"),
]
T = TypeVar("T")


def mixed_jobs(count: int, seed: int = 7) -> list[tuple[str, str, str | None]]:
    rng = random.Random(seed)
    weights = [weight for weight, _, _ in MIX]
    jobs = []
    for index in range(count):
        _, text, zone = rng.choices(MIX, weights)[0]
        jobs.append((f"team{index % 40}/job-{index}", text, zone))
    return jobs


def timed(function: Callable[[], T], repeat: int = 1) -> tuple[T, float]:
    """The result and the best wall-clock time of `repeat` runs (other work shares the CPUs)."""
    best = float("inf")
    for _ in range(repeat):
        begin = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - begin)
    return result, best


def clear_caches() -> None:
    from jobsmith.cron import parser, report, schedule, zones

    parser.parse_line.cache_clear()
    schedule._resolved_line.cache_clear()
    zones.offset_stretches_list.cache_clear()
    zones._changes_in_year.cache_clear()
    report._instant.cache_clear()


def minute_by_minute(jobs: list[tuple[str, Schedule]], start: datetime, hours: int) -> int:
    """Jenkins' own loop: every real minute, local time per zone, every line tested."""
    total = 0
    minutes = [start + timedelta(minutes=m) for m in range(hours * 60)]
    zones: dict[str, list[tuple[int, int, int, int, int]]] = {}
    for name, schedule in jobs:
        resolved = schedule.resolve(name)
        for moment in minutes:
            for line in resolved.lines:
                zone = line.zone or "UTC"
                if zone not in zones:
                    local = [m.astimezone(ZoneInfo(zone)) for m in minutes]
                    zones[zone] = [
                        (t.minute, t.hour, t.day, t.month, (t.weekday() + 1) % 7) for t in local
                    ]
                index = int((moment - start).total_seconds()) // 60
                minute, hour, day, month, weekday = zones[zone][index]
                if (
                    minute in line.minutes
                    and hour in line.hours
                    and day in line.days
                    and month in line.months
                    and weekday in line.weekdays
                ):
                    total += 1
                    break
    return total


def main() -> None:
    specs = mixed_jobs(JOBS)

    def parse_all() -> list[tuple[str, Schedule]]:
        clear_caches()
        return [(name, parse_schedule(text, zone)) for name, text, zone in specs]

    schedules, parse_time = timed(parse_all, repeat=3)
    distinct = [f"{i % 60} {i // 60 % 24} {1 + i // 1440 % 28} * *" for i in range(JOBS)]

    def parse_distinct() -> None:
        clear_caches()
        for text in distinct:
            parse_schedule(text)

    _, distinct_time = timed(parse_distinct, repeat=3)
    end = START + timedelta(hours=HOURS)

    def cold_plan() -> SchedulePlan:  # as a fresh `jobsmith schedule` process would
        clear_caches()
        return plan_schedule(schedules, START, end)

    plan, plan_time = timed(cold_plan, repeat=3)
    _, warm_time = timed(lambda: plan_schedule(schedules, START, end), repeat=3)
    svg, svg_time = timed(lambda: render_svg(plan))
    json_text, json_time = timed(lambda: render_json(plan))
    runs = sum(len(job.runs) for job in plan.jobs)
    sample = schedules[:BASELINE_JOBS]
    sample_plan = plan_schedule(sample, START, end)
    baseline_runs, baseline_time = timed(lambda: minute_by_minute(sample, START, HOURS))
    assert baseline_runs == sum(len(job.runs) for job in sample_plan.jobs)
    baseline_full = baseline_time * JOBS / BASELINE_JOBS
    print(f"## `jobsmith schedule`: {JOBS:,} mixed jobs, next {HOURS} h\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| parse {JOBS:,} specs ({len(MIX)} distinct texts), best of 3 | {parse_time:.3f} s |")
    print(f"| parse {JOBS:,} all-different specs, best of 3 | {distinct_time:.3f} s |")
    print(f"| resolve H + runs in the window ({runs:,} runs), best of 3 | {plan_time:.3f} s |")
    print(f"| the same again with warm caches | {warm_time:.3f} s |")
    print(f"| target for the above | < 1 s ({'met' if plan_time < 1 else 'MISSED'}) |")
    print(
        f"| baseline: minute by minute, {BASELINE_JOBS} jobs (same runs: {baseline_runs:,}) "
        f"| {baseline_time:.3f} s |"
    )
    print(f"| baseline scaled to {JOBS:,} jobs | {baseline_full:.1f} s |")
    print(f"| speed-up over minute by minute | {baseline_full / plan_time:.0f}x |")
    print(f"| herd warnings | {len(plan.warnings)} |")
    size = len(svg.encode())
    print(f"| SVG render | {svg_time:.3f} s |")
    print(f"| SVG size | {size / 1024:.0f} KiB ({'under' if size < 2 << 20 else 'OVER'} 2 MiB) |")
    print(f"| JSON render / size | {json_time:.3f} s / {len(json_text.encode()) >> 20} MiB |")


if __name__ == "__main__":
    main()
