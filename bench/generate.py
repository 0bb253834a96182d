"""`jobsmith generate` against Jenkins Job Builder (`jenkins-jobs test`), side by side.

Synthetic trees of equivalent jobs: timed trigger, agent label, one string parameter,
timeout, shell command, log rotation. jobsmith also writes a pipeline per job.

Both tools are measured the same way in the same minutes: each run is a fresh process
writing into a fresh output directory on the same file system, and the two tools take
turns, RUNS times each, so a burst of load on this shared machine hits both alike; the
best run of each is compared. Both run as installed, from one venv made here
(`installed_venv`): jobsmith's package copied into it and compiled, as `pip install`
gives it, and JJB and every dependency from the development venv's site-packages, both
through their console scripts. The development venv itself would measure its own
set-up instead: its editable-install hook adds ~10 ms to every start, and under
PYTHONDONTWRITEBYTECODE (set on this machine) its checkout's modules are compiled again
on every run, which no installed jobsmith does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from bench.measure import Usage, usage
from bench.wrapper import plain_install

BIN = Path(sys.executable).parent
SIZES = (1000, 5000, 20000)
JJB_SIZES = (1000, 5000)
PER_FOLDER = 100
RUNS = int(os.environ.get("JOBSMITH_BENCH_RUNS", "3"))  # per tool and size; the best counts

SPEC = """description: Synthetic job {i}
schedule: H H * * *
agent: linux && batch
timeout: 30m
retention: {{builds: 30}}
parameters:
  - {{name: TARGET, default: all, description: what to process}}
command: ./process.sh --part {i} "$TARGET"
"""

JJB_JOB = """- job:
    name: team{folder}-job{i}
    description: Synthetic job {i}
    node: linux && batch
    triggers:
      - timed: H H * * *
    parameters:
      - string: {{name: TARGET, default: all, description: what to process}}
    wrappers:
      - timeout: {{timeout: 30, fail: true}}
    builders:
      - shell: ./process.sh --part {i} "$TARGET"
    properties:
      - build-discarder: {{num-to-keep: 30}}
"""


def write_specs(root: Path, count: int) -> None:
    for i in range(count):
        folder = root / f"team{i // PER_FOLDER}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"job{i}.yaml").write_text(SPEC.format(i=i))


def write_jjb(root: Path, count: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for start in range(0, count, PER_FOLDER):
        text = "".join(JJB_JOB.format(i=i, folder=i // PER_FOLDER)
                       for i in range(start, min(start + PER_FOLDER, count)))
        (root / f"team{start // PER_FOLDER}.yaml").write_text(text)


def inodes(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_ino for p in root.rglob("*") if p.is_file()}


def scratch_places() -> list[tuple[str, str | None, tuple[int, ...]]]:
    """Where the trees and outputs go: (label, directory, sizes).

    Both tools create one file per job. On this project's shared machine, creating a
    file on disk costs 20 us, or up to 1 ms for a while after many files were deleted
    (ext4 mounted with `discard`; the benchmarks themselves delete thousands), which
    swamps what either tool does. So the series runs in a RAM file system when there is
    one (`/dev/shm`, or JOBSMITH_BENCH_TMP), and 5,000 jobs run on disk too."""
    places: list[tuple[str, str | None, tuple[int, ...]]] = []
    ram = os.environ.get("JOBSMITH_BENCH_TMP") or "/dev/shm"
    if os.path.isdir(ram) and os.access(ram, os.W_OK):
        places.append((f"RAM ({ram})", ram, SIZES))
        places.append((f"disk ({tempfile.gettempdir()})", None, (5000,)))
    else:
        places.append((f"disk ({tempfile.gettempdir()})", None, SIZES))
    return places


def installed_venv(directory: Path) -> tuple[str, str | None]:
    """A venv holding jobsmith as installed (`bench.wrapper.plain_install`) that also sees
    the development venv's site-packages (the dependencies, JJB), without running that
    venv's own `.pth` hooks: (its jobsmith, its jenkins-jobs or None)."""
    python, jobsmith = plain_install(directory)
    purelib = Path(subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    (purelib / "development-site.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    found = shutil.which("jenkins-jobs", path=str(BIN))
    if found is None:
        return jobsmith, None
    script = Path(found).read_text().split("\n", 1)[1]
    jjb = directory / "bin" / "jenkins-jobs"
    jjb.write_text(f"#!{python}\n{script}")
    jjb.chmod(0o755)
    return jobsmith, str(jjb)


def main() -> None:
    print("## generate: jobsmith vs Jenkins Job Builder (jenkins-jobs test)\n")
    print(f"Both in this run, taking turns, {RUNS} runs of each tool per row, best run of "
          "each (wall and CPU each their best), same tree size and file system, both as "
          "installed in one venv. jobsmith uses one process per core (the CPU column adds "
          "them up); JJB is one process. The ratios are JJB's time per job over jobsmith's; "
          "the target (20x at 5,000 jobs) is read against wall time, what a user waits "
          "for.\n")
    with tempfile.TemporaryDirectory() as venv:
        jobsmith, jjb = installed_venv(Path(venv) / "venv")
        if jjb is None:
            print(f"**JJB is not installed in this venv ({BIN}), so its columns read \"not "
                  "run\": `make bench` installs it (the `bench` extra of setup.cfg).**\n")
        print("| where | jobs | jobsmith wall s | CPU s (sys) | ms/job | peak MiB | JJB wall s "
              "| CPU s (sys) | ratio wall | ratio CPU | files rewritten after 1 spec change |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
        for where, directory, sizes in scratch_places():
            for count in sizes:
                with tempfile.TemporaryDirectory(dir=directory) as scratch:
                    row = compare(Path(scratch), count, jobsmith, jjb)
                print(f"| {where} | {row}", flush=True)
    print(f"\n{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f} at the end.\n")
    from bench.generate_profile import main as where_the_time_goes

    where_the_time_goes()


def _best(runs: list[Usage]) -> Usage:
    """Each figure's best over `runs` (the load only ever adds to them)."""
    return Usage(min(r.wall for r in runs), min(r.cpu for r in runs),
                 min(r.peak_kib for r in runs), min(r.sys for r in runs))


def compare(root: Path, count: int, jobsmith: str, jjb: str | None) -> str:
    """One row of the table, from `count` jobs below `root`."""
    write_specs(root / "jobs", count)
    with_jjb = jjb is not None and count in JJB_SIZES
    if with_jjb:
        write_jjb(root / "jjb", count)
    ours: list[Usage] = []
    theirs: list[Usage] = []
    for _ in range(RUNS):  # a fresh output each time, for both
        shutil.rmtree(root / "out", ignore_errors=True)
        ours.append(usage([jobsmith, "generate", str(root / "jobs"), "-o", str(root / "out")]))
        if with_jjb:
            assert jjb is not None
            shutil.rmtree(root / "jjb-out", ignore_errors=True)
            theirs.append(usage([jjb, "test", "-o", str(root / "jjb-out"), str(root / "jjb")]))
    first = _best(ours)
    before = inodes(root / "out")
    changed_spec = root / "jobs" / "team0" / "job7.yaml"
    changed_spec.write_text(changed_spec.read_text().replace("30m", "31m"))
    usage([jobsmith, "generate", str(root / "jobs"), "-o", str(root / "out")])
    after = inodes(root / "out")
    rewritten = sorted(k for k in after if before.get(k) != after[k])
    cells = ["not run"] * 4
    if theirs:
        other = _best(theirs)
        cells = [f"{other.wall:.2f}", f"{other.cpu:.2f} ({other.sys:.2f})",
                 f"{other.wall / first.wall:.1f}x", f"{other.cpu / first.cpu:.1f}x"]
    return (f"{count:,} | {first.wall:.2f} | {first.cpu:.2f} ({first.sys:.2f}) "
            f"| {1000 * first.wall / count:.2f} | {first.peak_kib / 1024:.0f} "
            f"| {' | '.join(cells)} | {', '.join(rewritten)} |")


if __name__ == "__main__":
    main()
