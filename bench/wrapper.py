"""Benchmark of `jobsmith run`: start-up, throughput and memory, each beside its baseline.

- start-up: `jobsmith run --job x -- true` against `python -c pass` in the same venv,
  run alternately, median of many runs (target <= 1.3x);
- throughput: 1 GiB from `dd` through the wrapper against the same through `cat`
  (target <= 1.5x);
- peak RSS of the wrapper process, from wait4's rusage (target < 30 MiB).

The package's bytecode is compiled first, as a normal install does; without it every
start compiles every module from source.
"""

from __future__ import annotations

import compileall
import os
import statistics
import sys
from pathlib import Path

from bench.measure import timed

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
JOBSMITH = str(VENV_BIN / "jobsmith") if (VENV_BIN / "jobsmith").exists() else "jobsmith"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
STARTUP_RUNS = 60
THROUGHPUT_RUNS = 5
PRODUCER = ["dd", "if=/dev/zero", "bs=1M", "count=1024", "status=none"]


def clean_env() -> dict[str, str]:
    """No metrics or alerts: the benchmark measures the wrapper, not the network."""
    return {key: value for key, value in os.environ.items() if not key.startswith("JOBSMITH_")}


def startup(env: dict[str, str]) -> tuple[float, float, int]:
    baseline, wrapper, rss = [], [], []
    for _ in range(STARTUP_RUNS):
        baseline.append(timed([PYTHON, "-c", "pass"], env)[0])
        seconds, peak = timed([JOBSMITH, "run", "--job", "x", "--", "true"], env)
        wrapper.append(seconds)
        rss.append(peak)
    return statistics.median(baseline), statistics.median(wrapper), max(rss)


def throughput(env: dict[str, str]) -> tuple[float, float, int]:
    through_cat = " ".join(PRODUCER) + " | cat"
    baseline, wrapper, rss = [], [], []
    for _ in range(THROUGHPUT_RUNS):
        baseline.append(timed(["sh", "-c", through_cat], env)[0])
        seconds, peak = timed([JOBSMITH, "run", "--job", "x", "--", *PRODUCER], env)
        wrapper.append(seconds)
        rss.append(peak)
    return statistics.median(baseline), statistics.median(wrapper), max(rss)


def main() -> None:
    compileall.compile_dir(str(ROOT / "jobsmith"), quiet=1)
    env = clean_env()
    base_start, wrap_start, rss_start = startup(env)
    base_copy, wrap_copy, rss_copy = throughput(env)
    gib = 1.0
    rows = [
        (
            "start-up `jobsmith run --job x -- true`",
            f"{wrap_start * 1000:.1f} ms",
            f"`python -c pass` {base_start * 1000:.1f} ms",
            f"{wrap_start / base_start:.2f}x",
            "<= 1.3x",
        ),
        (
            "1 GiB stdout through the wrapper",
            f"{wrap_copy:.2f} s ({gib / wrap_copy:.2f} GiB/s)",
            f"through `cat` {base_copy:.2f} s ({gib / base_copy:.2f} GiB/s)",
            f"{wrap_copy / base_copy:.2f}x",
            "<= 1.5x",
        ),
        (
            "peak RSS of the wrapper (start-up / 1 GiB run)",
            f"{rss_start / 1024:.1f} / {rss_copy / 1024:.1f} MiB",
            "-",
            "-",
            "< 30 MiB",
        ),
    ]
    print("| wrapper benchmark | measured | baseline | ratio | target |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(
        f"\n{STARTUP_RUNS} alternating start-ups and {THROUGHPUT_RUNS} copies, medians; "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}."
    )


if __name__ == "__main__":
    main()
