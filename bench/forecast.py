"""`jobsmith schedule --agents ...` speed: the queue forecast of 10,000 jobs over 24 h and
of 1,000 jobs over 7 days, and the size of the HTML page for 1,000 jobs.

The jobs are a batch platform's mix (mostly daily and hourly, some every 15 minutes,
a herd with a fixed minute, stages on several labels, locks, throttles, priorities,
`after` chains), with agents sized so that queues form at the busy hours. Baseline,
measured in the same run: the straightforward minute-by-minute reference simulation
of the tests (tests/forecast/reference.py) on a slice of the jobs, scaled per run.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from jobsmith.forecast.forecast import forecast_jobs
from jobsmith.forecast.html import render_html
from jobsmith.forecast.model import build_models, parse_agents
from jobsmith.forecast.report import render_json
from jobsmith.spec.model import JobDocument, JobSpec

START = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # crosses Berlin's DST change
SCHEDULES: list[tuple[float, str, str | None]] = [
    (0.40, "H H * * *", None),
    (0.25, "H * * * *", None),
    (0.10, "H/15 * * * *", None),
    (0.05, "@weekly", None),
    (0.05, "H H H * *", None),
    (0.05, "0 2 * * *", None),  # the herd
    (0.05, "H H(0-7) * * 1-5", "Europe/Berlin"),
    (0.05, "H/30 8-18 * * 1-5", "America/New_York"),
]
LABELS = ["linux", "linux && db", "linux && highmem", None]
T = TypeVar("T")


def agents_for(jobs: int) -> list[str]:
    scale = max(jobs // 100, 1)
    return [f"linux={4 * scale}:2", f"linux db={2 * scale}", f"linux highmem={scale}:4"]


def mixed_specs(count: int, seed: int = 11) -> dict[str, JobSpec]:
    rng = random.Random(seed)
    jobs: dict[str, JobSpec] = {}
    names = [f"team{i % 50}/job-{i}" for i in range(count)]
    for index, name in enumerate(names):
        _, text, zone = rng.choices(SCHEDULES, [w for w, _, _ in SCHEDULES])[0]
        stages = [{"name": f"step{s}", "command": "./run", "agent": rng.choice(LABELS),
                   "timeout": f"{rng.choice([2, 4, 10, 20, 40])}m"}
                  for s in range(rng.choice([1, 1, 2, 3]))]
        data: dict[str, Any] = {"schedule": text, "stages": stages,
                                "concurrency": rng.choice(["queue"] * 6 + ["skip", "parallel"]),
                                "alerts": {"max_duration": "30m"}}
        if zone:
            data["timezone"] = zone
        if rng.random() < 0.05:
            data["lock"] = f"db-{index % 7}"
        if rng.random() < 0.05:
            data["throttle"] = {"category": f"cat{index % 3}", "max_total": 3}
        if rng.random() < 0.2:
            data["priority"] = rng.randint(1, 5)
        if index > 10 and rng.random() < 0.05:
            data["after"] = [names[index - rng.randint(1, 10)]]
            del data["schedule"]
        document = JobDocument.model_validate(data)
        fields = {key: getattr(document, key) for key in JobDocument.model_fields}
        jobs[name] = JobSpec.model_construct(**fields, full_name=name, source=name + ".yaml")
    return jobs


def timed(function: Callable[[], T], repeat: int = 1) -> tuple[T, float]:
    best, result = float("inf"), None
    for _ in range(repeat):
        begin = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - begin)
    assert result is not None
    return result, best


def _reference() -> Any:
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from tests.forecast.reference import reference_simulation

    return reference_simulation


def main() -> None:
    print("## `jobsmith schedule`: the queue forecast\n")
    print("| measure | value | target |")
    print("|---|---|---|")
    rows = []
    for count, hours in ((10_000, 24), (1_000, 24 * 7)):
        specs = mixed_specs(count)
        agents = [parse_agents(text) for text in agents_for(count)]
        forecast, seconds = timed(partial(forecast_jobs, specs, START, hours, agents=agents),
                                  repeat=2)
        _, bare = timed(partial(forecast_jobs, specs, START, hours, agents=agents,
                                advice=False), repeat=2)
        runs = len(forecast.runs)
        waited = sum(1 for r in forecast.runs if (r.wait_s or 0) > 0)
        rows.append((count, hours, forecast, specs, agents))
        mark = "met" if seconds < 2 else "MISSED"
        print(f"| {count:,} jobs, {hours} h: simulate + advice ({runs:,} runs, {waited:,} "
              f"waited) | {seconds:.2f} s | < 2 s ({mark}) |")
        print(f"| the same without the advice (one simulation) | {bare:.2f} s | |")
    count, hours, forecast, specs, agents = rows[1]
    html, html_time = timed(lambda: render_html(forecast))
    size = len(html.encode())
    print(f"| HTML page, {count:,} jobs over {hours} h | {size / 2**20:.2f} MiB in "
          f"{html_time:.2f} s | < 5 MB ({'met' if size < 5_000_000 else 'MISSED'}) |")
    json_text, json_time = timed(lambda: render_json(forecast))
    print(f"| JSON, the same | {len(json_text.encode()) / 2**20:.1f} MiB in {json_time:.2f} s | |")
    # Baseline: the minute-by-minute reference on a slice, per run.
    reference = _reference()
    sample = dict(list(specs.items())[:100])
    end = START.timestamp() + 24 * 3600
    models = build_models(sample, START, datetime.fromtimestamp(end, UTC), _durations())
    first = int(START.timestamp())
    quick = forecast_jobs(sample, START, 24, agents=agents, advice=False)
    _, ref_time = timed(lambda: reference(models, agents, int(end), first))
    _, fast_time = timed(lambda: forecast_jobs(sample, START, 24, agents=agents, advice=False))
    print(f"| baseline: minute-by-minute reference, 100 jobs over 24 h ({len(quick.runs):,} "
          f"runs) | {ref_time:.2f} s | |")
    print(f"| event-driven simulation, the same | {fast_time:.3f} s "
          f"({ref_time / fast_time:.0f}x faster) | |")
    print()


def _durations() -> Any:
    from jobsmith.forecast.durations import Durations

    return Durations()


if __name__ == "__main__":
    main()
