"""The spec trees of bench/forecast.py, written to disk, and the previous implementation
of the forecast run on them (from git history, in a child process).

The jobs are a batch platform's mix (mostly daily and hourly, some every 15 minutes,
a herd with a fixed minute, stages on several labels, locks, throttles, priorities,
`after` chains), with agents sized so that queues form at the busy hours.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).parents[1]
# main before the lean simulation core (the forecast as #15's first two sessions left it)
PREVIOUS = "430286cd40593efd52a307d018630e85276c4ea3"
# main before the seventh session's work on the forecast's speed (its make-bench figure on
# a quiet machine: 1.84 s for 10,000 jobs over 24 h with the advice, 1.87 s in its own
# process): the A/B in each run
BEFORE = "577c154fc445593f2f987ae7eafe2e170c3bc838"
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


def agents_for(jobs: int) -> list[str]:
    scale = max(jobs // 100, 1)
    return [f"linux={4 * scale}:2", f"linux db={2 * scale}", f"linux highmem={scale}:4"]


def mixed_documents(count: int, seed: int = 11) -> dict[str, dict[str, Any]]:
    """Full name -> the spec's YAML data."""
    rng = random.Random(seed)
    jobs: dict[str, dict[str, Any]] = {}
    names = [f"team{i % 50}/job-{i}" for i in range(count)]
    for index, name in enumerate(names):
        _, text, zone = rng.choices(SCHEDULES, [w for w, _, _ in SCHEDULES])[0]
        stages = [{"name": f"step{s}", "command": "./run", "agent": rng.choice(LABELS),
                   "timeout": f"{rng.choice([2, 4, 10, 20, 40])}m"}
                  for s in range(rng.choice([1, 1, 2, 3]))]
        for stage in stages:
            if stage["agent"] is None:
                del stage["agent"]
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
        jobs[name] = data
    return jobs


def write_tree(root: Path, documents: dict[str, dict[str, Any]]) -> Path:
    for name, data in documents.items():
        path = root / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return root


_PREVIOUS_RUN = """
import gc, json, sys, time
from datetime import datetime
from pathlib import Path
import jobsmith
assert jobsmith.__file__.startswith(sys.path[1]), jobsmith.__file__
from jobsmith.spec import load_tree
from jobsmith.forecast.forecast import forecast_jobs
from jobsmith.forecast.model import parse_agents
from jobsmith.forecast.report import render_table
root, start, hours, agents, advice = sys.argv[1], sys.argv[2], float(sys.argv[3]), \\
    sys.argv[4].split(","), sys.argv[5] == "advice"
repeat = int(sys.argv[6])
jobs = load_tree(Path(root)).jobs
kinds = [parse_agents(a) for a in agents]
best_wall = best_cpu = float("inf")
forecast = None
for _ in range(repeat):
    forecast = None  # the previous run's objects go before the clock starts
    wall, cpu = time.perf_counter(), time.process_time()
    gc.disable()  # what the command does once the specs are loaded (no cyclic GC)
    forecast = forecast_jobs(jobs, datetime.fromisoformat(start), hours, agents=kinds,
                             advice=advice)
    render_table(forecast)
    gc.enable()
    best_wall = min(best_wall, time.perf_counter() - wall)
    best_cpu = min(best_cpu, time.process_time() - cpu)
print(json.dumps({"wall": best_wall, "cpu": best_cpu, "runs": len(forecast.runs),
                  "advice": [f.advice for f in forecast.labels]}))
"""


def previous_package(into: Path, commit: str = PREVIOUS) -> Path | None:
    """The jobsmith package at `commit`, unpacked under `into`; None without the history."""
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "jobsmith"],
                                 check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def run_previous(package: Path, root: Path, start: str, hours: float, agents: list[str],
                 advice: bool, repeat: int = 1) -> dict[str, Any]:
    """An older forecast's timing (its own process, its own package) on `root`: the
    least of `repeat` runs."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(_PREVIOUS_RUN)
    try:
        result = subprocess.run(
            [sys.executable, script.name, str(root), start, str(hours), ",".join(agents),
             "advice" if advice else "bare", str(repeat)],
            check=True, capture_output=True, text=True, cwd=package,
            env=dict(os.environ, PYTHONPATH=str(package)))
    finally:
        Path(script.name).unlink()
    data: dict[str, Any] = json.loads(result.stdout)
    return data
