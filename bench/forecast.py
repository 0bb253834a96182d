"""`jobsmith schedule --agents ...` speed: the queue forecast of 10,000 jobs over 24 h and
of 1,000 jobs over 7 days (targets: under 2 s each), and the HTML page for 1,000 jobs
(under 5 MB).

Each tree is written to disk as YAML (bench/forecast_trees.py). Per tree:
- "spec load": `load_tree` (discovery, YAML, validation), which `jobsmith schedule`
  does before the forecast;
- "forecast": everything the command does after that, in this process: fire times,
  the simulation, the advice (the default) or not (`--no-advice`), the warnings and
  the table it prints;
- "whole command": `jobsmith schedule TREE --agents ...` in a child process, interpreter
  start, imports and spec load included.
CPU time (`time.process_time`, or the child's user + system time) is the figure the
targets are read against: the machine is shared and wall-clock time under load is up
to twice the CPU time (and CPU time itself grows by a third at a load of 5 or more,
hence the best of three runs).

Baselines, measured in the same run: the previous implementation (main at
forecast_trees.PREVIOUS, unpacked from git history and run in its own process on the
same tree); main before the seventh session's work on the forecast's speed
(forecast_trees.BEFORE) against this code, both run the same way (each in its own
process, the forecast and its table, best of three, one after the other); and the
straightforward minute-by-minute reference simulation of the tests
(tests/forecast/reference.py) on a slice of the jobs, with identical results.
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from bench.forecast_trees import (
    BEFORE,
    PREVIOUS,
    ROOT,
    agents_for,
    mixed_documents,
    previous_package,
    run_previous,
    write_tree,
)
from bench.measure import usage
from jobsmith.forecast.durations import Durations
from jobsmith.forecast.forecast import forecast_jobs, gc_paused
from jobsmith.forecast.html import render_html
from jobsmith.forecast.model import build_models, parse_agents
from jobsmith.forecast.report import render_json, render_table
from jobsmith.forecast.simulate import simulate
from jobsmith.spec import load_tree

START = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # crosses Berlin's DST change
CASES = ((10_000, 24), (1_000, 24 * 7))
TARGET = 2.0  # seconds
REPEAT = 3  # the forecast's figures are the best of three runs (the previous one's: one)
BASELINE_JOBS, BASELINE_HOURS = 100, 6
T = TypeVar("T")


def cpu(function: Callable[[], T], repeat: int = 1) -> tuple[T, float, float]:
    """The result, and the least wall-clock and CPU seconds of `repeat` runs."""
    best_wall = best_cpu = float("inf")
    result: T | None = None
    for _ in range(repeat):
        result = None  # the previous run's objects go before the clock starts
        wall, processor = time.perf_counter(), time.process_time()
        result = function()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - processor)
    assert result is not None
    return result, best_wall, best_cpu


def row(measure: str, wall: float | str, processor: float | str, baseline: str = "",
        ratio: str = "", target: str = "") -> None:
    shown = [f"{v:.2f} s" if isinstance(v, float) else v for v in (wall, processor)]
    print(f"| {measure} | {shown[0]} | {shown[1]} | {baseline} | {ratio} | {target} |")


def verdict(seconds: float) -> str:
    return f"< {TARGET:.0f} s: {'met' if seconds < TARGET else 'MISSED'}"


def load_specs(root: Path) -> Any:
    """The spec load, as `jobsmith schedule` does it (without cyclic GC)."""
    with gc_paused():
        return load_tree(root)


def command_work(jobs: dict[str, Any], hours: float, agents: list[Any],
                 advice: bool) -> Any:
    """What `jobsmith schedule` does once the specs are loaded (the default format)."""
    with gc_paused():
        forecast = forecast_jobs(jobs, START, hours, agents=agents, advice=advice)
        render_table(forecast)
    return forecast


def main() -> None:
    print("## `jobsmith schedule --agents ...`: the queue forecast\n")
    print(f"CPU = `time.process_time` (targets are read on it; wall is noisy on a shared "
          f"machine); the forecast's figures: best of {REPEAT} runs.\n")
    print("| measure | wall | CPU | baseline (CPU) | ratio | target |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        previous = previous_package(Path(scratch) / "previous")
        before = previous_package(Path(scratch) / "before", BEFORE)
        kept: Any = None
        for count, hours in CASES:
            root = write_tree(Path(scratch) / f"jobs-{count}", mixed_documents(count))
            agent_texts = agents_for(count)
            agents = [parse_agents(text) for text in agent_texts]
            tree, wall, processor = cpu(partial(load_specs, root))
            jobs = tree.jobs
            row(f"{count:,} jobs over {hours} h: spec load ({len(jobs):,} files)", wall,
                processor)
            for advice in (False, True):
                forecast = None  # (as in the command: no other forecast alive meanwhile)
                forecast, wall, processor = cpu(partial(command_work, jobs, hours, agents,
                                                        advice), REPEAT)
                baseline = ratio = ""
                if previous is not None and (not advice or count <= 1_000):
                    old = run_previous(previous, root, START.isoformat(), hours, agent_texts,
                                       advice)
                    baseline = f"previous: {old['cpu']:.2f} s"
                    ratio = f"{old['cpu'] / processor:.1f}x faster"
                if advice:
                    given = ", ".join(f"{f.kind.label} {f.kind.count}->{f.advice}"
                                      for f in forecast.labels)
                    what = f"forecast with the advice (the default; {given})"
                else:
                    runs = forecast.runs
                    waited = sum(1 for r in runs if (r.wait_s or 0) > 0)
                    what = (f"forecast, `--no-advice` ({len(runs):,} runs, {waited:,} waited, "
                            f"{sum(r.folded for r in runs):,} folded ticks)")
                row(what, wall, processor, baseline, ratio, verdict(processor))
                if before is not None:
                    then, now = (run_previous(package, root, START.isoformat(), hours,
                                              agent_texts, advice, REPEAT)
                                 for package in (before, ROOT))
                    same = "same advice" if then["advice"] == now["advice"] else (
                        f"ADVICE DIFFERS: {then['advice']} then, {now['advice']} now")
                    same += "" if then["runs"] == now["runs"] else (
                        f"; RUNS DIFFER: {then['runs']:,} then, {now['runs']:,} now")
                    row(f"the same, each in its own process: main before this session "
                        f"({BEFORE[:7]}) and now; {same}", "",
                        f"{now['cpu']:.2f} s", f"before: {then['cpu']:.2f} s",
                        f"{then['cpu'] / now['cpu']:.2f}x faster")
            command = [sys.executable, "-m", "jobsmith", "schedule", str(root), "--from",
                       START.isoformat(), "--hours", str(hours),
                       *[f"--agents={text}" for text in agent_texts]]
            child = usage(command)
            row("whole command, default (child process: start, imports, spec load, "
                "forecast, advice, table)", child.wall, child.cpu)
            if count == 1_000:  # for the page; the other cases' objects go now
                kept = (count, hours, forecast, jobs, agents)
            del forecast, tree, jobs
            gc.collect()
    if previous is None:
        print(f"\n(previous implementation {PREVIOUS[:7]}: no git history here, not run)")
    count, hours, forecast, jobs, agents = kept
    html, wall, processor = cpu(lambda: render_html(forecast))
    size = len(html.encode())
    row(f"HTML page, {count:,} jobs over {hours} h: {size / 1e6:.2f} MB", wall, processor,
        target=f"< 5 MB: {'met' if size < 5_000_000 else 'MISSED'}")
    day = forecast_jobs(jobs, START, 24, agents=agents, advice=False)
    row(f"HTML page, {count:,} jobs over 24 h: {len(render_html(day).encode()) / 1e6:.2f} MB",
        "", "")
    text, wall, processor = cpu(lambda: render_json(forecast))
    row(f"JSON, {count:,} jobs over {hours} h: {len(text.encode()) / 1e6:.1f} MB", wall,
        processor)
    reference_row(jobs, agents)
    print()


def reference_row(jobs: dict[str, Any], agents: list[Any]) -> None:
    """Baseline: the step-by-step reference of the tests on a slice of the jobs."""
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from tests.forecast.reference import reference_simulation, step_for

    sample = dict(list(jobs.items())[:BASELINE_JOBS])
    end = START + timedelta(hours=BASELINE_HOURS)
    models = build_models(sample, START, end, Durations())
    first, last = int(START.timestamp()), int(end.timestamp())
    slow, _, slow_cpu = cpu(lambda: reference_simulation(models, agents, last, first,
                                                         step_for(models)))
    fast, _, fast_cpu = cpu(lambda: simulate(models, agents, last, first))
    assert sorted((r.job, r.due, r.start, r.end, r.folded, r.outcome) for r in fast.runs) == slow
    row(f"simulation alone, {BASELINE_JOBS} jobs over {BASELINE_HOURS} h ({len(slow):,} runs, "
        "identical results)", "", f"{fast_cpu:.4f} s", f"step-by-step reference: {slow_cpu:.2f} s",
        f"{slow_cpu / fast_cpu:.0f}x faster")


if __name__ == "__main__":
    main()
