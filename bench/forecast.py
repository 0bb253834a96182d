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
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from jobsmith.forecast.durations import Durations
from jobsmith.forecast.forecast import forecast_jobs
from jobsmith.forecast.html import render_html
from jobsmith.forecast.model import build_models, parse_agents
from jobsmith.forecast.report import render_json
from jobsmith.forecast.simulate import simulate
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
BASELINE_JOBS, BASELINE_HOURS = 100, 6
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


def _reference() -> Any:
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from tests.forecast.reference import reference_simulation, step_for

    return reference_simulation, step_for


def cpu(function: Callable[[], T]) -> tuple[T, float, float]:
    """The result, wall-clock and CPU seconds of one run (seven people share 2 cores)."""
    wall, processor = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - processor


def main() -> None:
    print("## `jobsmith schedule --agents ...`: the queue forecast\n")
    print("| measure | wall | CPU | target |")
    print("|---|---|---|---|")
    kept = None
    for count, hours in ((10_000, 24), (1_000, 24 * 7)):
        specs = mixed_specs(count)
        agents = [parse_agents(text) for text in agents_for(count)]
        bare, wall, processor = cpu(partial(forecast_jobs, specs, START, hours, agents=agents,
                                            advice=False))
        runs = len(bare.runs)
        waited = sum(1 for r in bare.runs if (r.wait_s or 0) > 0)
        folded = sum(r.folded for r in bare.runs)
        mark = "met" if wall < 2 else "MISSED"
        print(f"| {count:,} jobs over {hours} h: forecast without advice ({runs:,} runs, "
              f"{waited:,} waited, {folded:,} folded ticks) | {wall:.2f} s | {processor:.2f} s "
              f"| < 2 s ({mark}) |")
        full, wall, processor = cpu(partial(forecast_jobs, specs, START, hours, agents=agents))
        advice = ", ".join(f"{f.kind.label} {f.kind.count}->{f.advice}" for f in full.labels)
        print(f"| the same with the advice ({advice}) | {wall:.2f} s | {processor:.2f} s | |")
        kept = (count, hours, full, specs, agents)
    assert kept is not None
    count, hours, forecast, specs, agents = kept
    html, wall, _ = cpu(lambda: render_html(forecast))
    size = len(html.encode())
    print(f"| HTML page, {count:,} jobs over {hours} h | {size / 1e6:.2f} MB in {wall:.2f} s "
          f"| | < 5 MB ({'met' if size < 5_000_000 else 'MISSED'}) |")
    day = forecast_jobs(specs, START, 24, agents=agents, advice=False)
    print(f"| HTML page, {count:,} jobs over 24 h | {len(render_html(day).encode()) / 1e6:.2f}"
          " MB | | |")
    json_text, wall, _ = cpu(lambda: render_json(forecast))
    print(f"| JSON, {count:,} jobs over {hours} h | {len(json_text.encode()) / 1e6:.1f} MB "
          f"in {wall:.2f} s | | |")
    # Baseline: the step-by-step reference of the tests on a slice of the jobs.
    reference, step_for = _reference()
    sample = dict(list(specs.items())[:BASELINE_JOBS])
    end = START + timedelta(hours=BASELINE_HOURS)
    models = build_models(sample, START, end, Durations())
    first, last = int(START.timestamp()), int(end.timestamp())
    slow, slow_wall, _ = cpu(lambda: reference(models, agents, last, first, step_for(models)))
    fast, fast_wall, _ = cpu(lambda: simulate(models, agents, last, first))
    assert sorted((r.job, r.due, r.start, r.end, r.folded, r.outcome) for r in fast.runs) == slow
    print(f"| baseline: the step-by-step reference, {BASELINE_JOBS} jobs over {BASELINE_HOURS} h "
          f"({len(slow):,} runs, the same) | {slow_wall:.2f} s | | |")
    print(f"| event-driven simulation, the same | {fast_wall:.3f} s "
          f"({slow_wall / fast_wall:.0f}x faster) | | |")
    print()


if __name__ == "__main__":
    main()
