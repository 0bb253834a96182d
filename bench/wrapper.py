"""Benchmark of `jobsmith run`: start-up, throughput and memory, each beside its baseline.

- start-up: `jobsmith run --job x -- true` against `python -c pass` in the same venv,
  run alternately, median of many runs (target <= 1.3x): in the development venv (an
  editable install, whose import hook makes every start slower, the baseline's too) and
  in a fresh venv holding a plain copy of the package, as `pip install jobsmith` gives
  an agent, with the same console script; there also a stage step with the options the
  generated pipelines pass (`--stage`, `--record`, `--timeout`, retries, `--requires`),
  without metrics and alerts;
- throughput: 1 GiB from `dd` through the wrapper against the same through `cat`
  (target <= 1.5x);
- peak RSS of the wrapper process, from wait4's rusage (target < 30 MiB).

The package's bytecode is compiled first, as a normal install does; without it every
start compiles every module from source.
"""

from __future__ import annotations

import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
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


def plain_install(directory: Path) -> tuple[str, str]:
    """A venv with the package copied into its site-packages (no import hook) and the
    development venv's console script: (its python, its jobsmith)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(directory)], check=True)
    python = directory / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    shutil.copytree(ROOT / "jobsmith", Path(purelib) / "jobsmith",
                    ignore=shutil.ignore_patterns("__pycache__"))
    compileall.compile_dir(str(Path(purelib) / "jobsmith"), quiet=1)
    script = Path(JOBSMITH).read_text().split("\n", 1)[1]
    console = directory / "bin" / "jobsmith"
    console.write_text(f"#!{python}\n{script}")
    console.chmod(0o755)
    return str(python), str(console)


def stage_step(record: Path) -> list[str]:
    """`jobsmith run` options of a stage as the generated pipelines write them."""
    from jobsmith import __version__

    return ["--job", "team/job", "--stage", "build", "--record", str(record),
            "--timeout", "30m", "--retries", "2", "--backoff", "30s", "--max-backoff", "10m",
            "--requires", __version__]


def startup(env: dict[str, str], python: str = PYTHON, jobsmith: str = JOBSMITH,
            options: list[str] | None = None) -> tuple[float, float, int]:
    baseline, wrapper, rss = [], [], []
    for _ in range(STARTUP_RUNS):
        baseline.append(timed([python, "-c", "pass"], env)[0])
        seconds, peak = timed([jobsmith, "run", *(options or ["--job", "x"]), "--", "true"],
                              env)
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
    with tempfile.TemporaryDirectory() as scratch:
        plain_python, plain_jobsmith = plain_install(Path(scratch) / "venv")
        plain_base, plain_start, _ = startup(env, plain_python, plain_jobsmith)
        stage_base, stage_start, _ = startup(env, plain_python, plain_jobsmith,
                                             stage_step(Path(scratch) / "build.json"))
    base_copy, wrap_copy, rss_copy = throughput(env)
    gib = 1.0
    rows = [
        (
            "start-up `jobsmith run --job x -- true`, development venv (editable)",
            f"{wrap_start * 1000:.1f} ms",
            f"`python -c pass` {base_start * 1000:.1f} ms",
            f"{wrap_start / base_start:.2f}x",
            "<= 1.3x",
        ),
        (
            "start-up, plain install (as on an agent)",
            f"{plain_start * 1000:.1f} ms",
            f"`python -c pass` {plain_base * 1000:.1f} ms",
            f"{plain_start / plain_base:.2f}x",
            "<= 1.3x",
        ),
        (
            "start-up of a stage step (`--stage --record --timeout --retries ...`), plain",
            f"{stage_start * 1000:.1f} ms",
            f"`python -c pass` {stage_base * 1000:.1f} ms",
            f"{stage_start / stage_base:.2f}x",
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
