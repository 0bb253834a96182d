"""Concurrent `generate` runs: one at a time per OUT, and no run touches another live
run's staging directory (same OUT, or another OUT in the same folder).

Other runs are real processes: a holder that takes OUT's lock as `generate` does and
keeps a staging directory, or a second `jobsmith generate`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobsmith.generator import generate, outlock
from jobsmith.generator.outlock import OutputBusyError

HOLDER = """
import fcntl, os, sys, time
out = sys.argv[1]
parent, name = os.path.split(out)
fd = os.open(os.path.join(parent, ".jobsmith-lock-" + name), os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
if len(sys.argv) < 4:
    os.ftruncate(fd, 0)  # as generate does
os.pwrite(fd, b"%d\\n" % os.getpid(), 0)
staging = os.path.join(parent, ".jobsmith-staging-%s-%d" % (name, os.getpid()))
os.mkdir(staging)
open(os.path.join(staging, "half-written.groovy"), "w").close()
print(staging, flush=True)
time.sleep(float(sys.argv[2]))
"""


class Holder:
    """A live `generate` of OUT, as far as the lock and staging directories go."""

    def __init__(self, out: Path, seconds: float = 60, truncate: bool = True) -> None:
        argv = [sys.executable, "-c", HOLDER, str(out), str(seconds)]
        self.process = subprocess.Popen(argv + ([] if truncate else ["no-truncate"]),
                                        stdout=subprocess.PIPE)
        assert self.process.stdout is not None
        self.staging = Path(self.process.stdout.readline().decode().strip())

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def jobs(tmp_path: Path) -> Path:
    root = tmp_path / "jobs"
    (root / "team").mkdir(parents=True)
    for index in range(5):
        (root / "team" / f"job-{index}.yaml").write_text(f"command: ./run.sh {index}\n")
    return root


@pytest.fixture
def short_wait(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(outlock, "WAIT_SECONDS", 0.3)
    yield


def test_a_second_run_into_a_busy_out_fails_with_exit_2_and_touches_nothing(
    jobs: Path, tmp_path: Path, short_wait: None
) -> None:
    out = tmp_path / "out"
    generate(jobs, out)
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    holder = Holder(out)
    try:
        with pytest.raises(OutputBusyError) as raised:
            generate(jobs, out)
        assert raised.value.exit_code == 2
        assert f"another `jobsmith generate` (pid {holder.process.pid}) is writing" \
            in str(raised.value)
        assert (holder.staging / "half-written.groovy").exists()  # the live run's work
    finally:
        holder.stop()
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before


def test_the_holder_is_named_when_its_pid_is_shorter_than_the_last_one(
    jobs: Path, tmp_path: Path, short_wait: None
) -> None:
    """PIDs wrap around: a holder whose pid has fewer digits than the last run's, written
    over it without truncating, is still named (seen once under load as a missing pid)."""
    out = tmp_path / "out"
    lock = tmp_path / ".jobsmith-lock-out"
    lock.write_text("12345678901\n")  # an older holder's longer pid
    holder = Holder(out, truncate=False)
    try:
        with pytest.raises(OutputBusyError) as raised:
            generate(jobs, out)
        assert f"(pid {holder.process.pid}) is writing" in str(raised.value)
    finally:
        holder.stop()


def test_a_run_into_out_leaves_the_live_staging_of_out_2_alone(
    jobs: Path, tmp_path: Path
) -> None:
    """Two OUTs in one folder: `out` and `out-2` (whose names share a prefix)."""
    holder = Holder(tmp_path / "out-2")
    try:
        generate(jobs, tmp_path / "out")
        assert (holder.staging / "half-written.groovy").exists()
    finally:
        holder.stop()


def test_the_leftovers_of_a_dead_run_of_the_same_out_are_cleaned(
    jobs: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    holder = Holder(out)
    holder.stop()  # killed: its lock went with it, its staging directory stays
    assert holder.staging.exists()
    generate(jobs, out)
    assert not holder.staging.exists()
    assert len(json.loads((out / "manifest.json").read_text())["jobs"]) == 5


def test_a_concurrent_cli_run_waits_for_the_first_then_writes(
    jobs: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    holder = Holder(out, seconds=1.0)
    try:
        result = subprocess.run([sys.executable, "-m", "jobsmith", "generate", str(jobs), "-o",
                                 str(out)], capture_output=True, timeout=60, check=False)
        assert holder.process.wait(timeout=30) == 0  # it ran its full second, unharmed
    finally:
        holder.stop()
    assert result.returncode == 0, result.stderr
    assert len(json.loads((out / "manifest.json").read_text())["jobs"]) == 5
