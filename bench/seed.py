"""The seed on the real Job DSL engine: jobsmith's generated DSL against the floor.

For N synthetic jobs (the jobs `bench.generate` writes), in one run, alternately:
- the seed as Jenkins runs it: OUT/dsl/jobsmith.groovy reading OUT/dsl/jobsmith.json;
- the floor: one script creating the same folders and N bare `pipelineJob(name) {}`.
Both run on job-dsl-core 1.94 standalone (`run-dsl.sh --check-names --require-folders`),
which also writes every item's config.xml, as Jenkins would store it. Target: the seed
within 2x of the floor at 5,000 jobs, and growing linearly (20,000 jobs).

Wall time suffers most from other load on the machine; CPU time (user + system of the
engine's JVM) less so; both are shown, as medians of alternating runs.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench.generate import PER_FOLDER, write_specs
from bench.measure import Usage, usage

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RUNS = {5000: 3, 20000: 1}

BARE = """// The floor: the same folders and jobs, nothing set on them.
(0..<{folders}).each {{ folder("team${{it}}") }}
(0..<{jobs}).each {{ pipelineJob("team${{it.intdiv({per_folder})}}/job${{it}}") {{}} }}
"""


def engine() -> Path | None:
    for candidate in (os.environ.get("JOBSMITH_JOBDSL"), ROOT.parent / "shared" / "jobdsl",
                      "/work/shared/jobdsl"):
        if candidate and (Path(candidate) / "run-dsl.sh").is_file():
            return Path(candidate) / "run-dsl.sh"
    return None


def _run(runner: Path, script: Path, workspace: Path) -> Usage:
    xml = workspace / "xml"
    shutil.rmtree(xml, ignore_errors=True)
    env = dict(os.environ, JOBDSL_WORKSPACE=str(workspace))
    env.setdefault("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64")
    return usage([str(runner), "--check-names", "--require-folders", str(script), str(xml)],
                 env)


def measure(runner: Path, count: int, runs: int) -> tuple[list[Usage], list[Usage]]:
    with tempfile.TemporaryDirectory() as scratch:
        workspace = Path(scratch)
        write_specs(workspace / "jobs", count)
        usage([str(BIN / "jobsmith"), "generate", str(workspace / "jobs"), "-o", "out"],
              cwd=workspace)
        bare = workspace / "bare.groovy"
        folders = (count + PER_FOLDER - 1) // PER_FOLDER
        bare.write_text(BARE.format(folders=folders, jobs=count, per_folder=PER_FOLDER))
        seed, floor = [], []
        for _ in range(runs):
            seed.append(_run(runner, workspace / "out" / "dsl" / "jobsmith.groovy", workspace))
            floor.append(_run(runner, bare, workspace))
        return seed, floor


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    print("## seed: generated Job DSL vs bare `pipelineJob(name) {}` (job-dsl-core 1.94)\n")
    runner = engine()
    if runner is None:
        print("skipped: the Job DSL engine is absent ($JOBSMITH_JOBDSL, ../shared/jobdsl)\n")
        return
    print("| jobs | seed wall s | seed CPU s | seed peak MiB | floor wall s | floor CPU s "
          "| floor peak MiB | ratio wall | ratio CPU | seed CPU ms/job |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    cpu: dict[str, dict[int, float]] = {"seed": {}, "floor": {}}
    for count, runs in RUNS.items():
        seed, floor = measure(runner, count, runs)
        seed_wall, floor_wall = _median([u.wall for u in seed]), _median([u.wall for u in floor])
        seed_cpu, floor_cpu = _median([u.cpu for u in seed]), _median([u.cpu for u in floor])
        cpu["seed"][count], cpu["floor"][count] = seed_cpu, floor_cpu
        print(f"| {count:,} | {seed_wall:.2f} | {seed_cpu:.2f} "
              f"| {max(u.peak_kib for u in seed) / 1024:.0f} | {floor_wall:.2f} "
              f"| {floor_cpu:.2f} | {max(u.peak_kib for u in floor) / 1024:.0f} "
              f"| {seed_wall / floor_wall:.2f}x | {seed_cpu / floor_cpu:.2f}x "
              f"| {1000 * seed_cpu / count:.2f} |")
    small, large = sorted(RUNS)
    print(f"\nTarget: ratio <= 2x at {small:,} jobs. Growth from {small:,} to {large:,} jobs "
          f"({large / small:.2f}x would be linear; the JVM's start and warm-up are fixed "
          f"costs): seed CPU {cpu['seed'][large] / cpu['seed'][small]:.2f}x, floor CPU "
          f"{cpu['floor'][large] / cpu['floor'][small]:.2f}x. Medians of "
          f"{RUNS[small]} alternating runs at {small:,}; {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f}.\n")


if __name__ == "__main__":
    main()
