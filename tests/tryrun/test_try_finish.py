"""The build's finish step in a try, with real processes: the pipeline's `post { always }`
runs `jobsmith run --finish` with the build's result (`currentBuild.currentResult`), its
start and number, and the failing part's record that a stage's `post { failure }` kept
(see the pipeline template, `jobsmithFinish` and `jobsmithFailed`). A try runs that
same command line with the result it computed; the metrics reach the reference statsd
daemon only with --send-metrics, the one Sensu result reaches the strict fake Sensu
only with --send-alerts."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jobsmith.generator.render import missed_run_ttl
from jobsmith.tryrun.runner import find_job
from jobsmith.wrapper.metrics import metric_job
from tests.tryrun.helpers import JOBSMITH, clean_env, run_try, write_spec
from tests.wrapper.conftest import StatsdDaemon
from tests.wrapper.fake_sensu import FakeSensu, result_key


@pytest.fixture(scope="module")
def statsd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StatsdDaemon]:
    daemon = StatsdDaemon(tmp_path_factory.mktemp("statsd"))
    yield daemon
    daemon.stop()


@pytest.fixture
def sensu() -> Iterator[FakeSensu]:
    fake = FakeSensu()
    yield fake
    fake.close()


def _counter(daemon: StatsdDaemon, name: str, value: float) -> dict[str, float]:
    """The daemon's counters once `name` has `value` (UDP: a datagram may still be on its
    way when the try ends); after 60 s (a loaded machine), whatever they are."""
    end = time.monotonic() + 60
    counters = daemon.counters()
    while counters.get(name) != value and time.monotonic() < end:
        time.sleep(0.02)
        counters = daemon.counters()
    return counters


THREE = """
schedule: H 2 * * *
stages:
  - {name: extract, command: echo rows}
  - {name: load, command: echo bad row >&2; exit 3}
  - {name: report, command: echo never}
"""


def test_the_finish_step_sends_build_metrics_only_when_asked(
        tmp_path: Path, statsd: StatsdDaemon) -> None:
    jobs = write_spec(tmp_path, "try-metrics/etl", THREE)
    env = clean_env(JOBSMITH_STATSD=statsd.address)
    quiet = run_try(jobs, "try-metrics/etl", env=env)
    assert quiet.returncode == 21, quiet.stderr
    assert "jobsmith: try-metrics/etl #0 failed in stage load (exit 3)" in quiet.stderr
    sent = run_try(jobs, "try-metrics/etl", "--send-metrics", env=env)
    assert sent.returncode == 21, sent.stderr
    job = f"jobsmith.{metric_job('try-metrics/etl')}"
    # One build, one run, whatever its stages; the quiet try sent nothing before it.
    counters = _counter(statsd, f"{job}.runs", 1)
    assert counters[f"{job}.runs"] == 1
    assert (counters[f"{job}.failure"], counters[f"{job}.success"]) == (1, 0)
    assert counters[f"{job}.stages.extract.runs"] == 1
    assert counters[f"{job}.stages.load.failure"] == 1
    assert f"{job}.stages.report.runs" not in counters  # skipped after the failure
    assert statsd.gauges()[f"{job}.exit_code"] == 3
    assert len(statsd.timers()[f"{job}.duration"]) == 1


def test_no_alert_unless_asked_then_one_build_level_result(
        tmp_path: Path, sensu: FakeSensu) -> None:
    jobs = write_spec(tmp_path, "etl", THREE)
    env = clean_env(JOBSMITH_SENSU=sensu.tcp_url)
    quiet = run_try(jobs, "etl", env=env)
    assert quiet.returncode == 21, quiet.stderr
    # TCP results are answered before the wrapper exits: nothing came.
    assert (sensu.accepted, sensu.rejected) == ([], [])
    asked = run_try(jobs, "etl", "--send-alerts", env=env)
    assert asked.returncode == 21, asked.stderr
    assert sensu.rejected == []
    (check,) = sensu.accepted  # the stages sent none: Sensu's last result would hide one
    assert result_key(check)[1] == "jobsmith.etl"
    assert (check["status"], check["outcome"], check["failed_stage"]) == (2, "failure", "load")
    assert check["output"].startswith("etl #0 failed in stage load (exit 3)")
    assert "bad row" in check["output"]
    assert check["build"] == 0
    assert check["build_url"].startswith("jobsmith-try://") and \
        check["build_url"].endswith("/etl")
    assert check["ttl"] == int(missed_run_ttl(find_job(jobs, "etl")) or 0)


def test_a_branch_cut_short_by_fail_fast_is_not_the_failure_reported(
        tmp_path: Path, sensu: FakeSensu) -> None:
    jobs = write_spec(tmp_path, "smoke", """
stages:
  - name: checks
    fail_fast: true
    parallel:
      - {name: slow, command: exec sleep 600}
      - {name: broken, command: echo bad; exit 5}
""")
    done = run_try(jobs, "smoke", "--send-alerts", env=clean_env(JOBSMITH_SENSU=sensu.tcp_url))
    assert done.returncode == 21, done.stderr
    (check,) = sensu.accepted
    assert (check["status"], check["failed_stage"], check["exit_code"]) == (2, "broken", 5)


def test_the_first_branch_to_fail_is_the_failure_reported(
        tmp_path: Path, sensu: FakeSensu) -> None:
    # Each branch's `post { failure }` runs as the branch ends, and the first record kept
    # wins (`jobsmithFailed`). `late` is listed first but ends last: it waits until the
    # `sh -xe` step of `early` (the parent of early's wrapper, the parent of its command)
    # has ended and been reaped.
    meet = tmp_path / "meet"
    meet.mkdir()
    jobs = write_spec(tmp_path, "pair", f"""
stages:
  - name: both
    parallel:
      - name: late
        command: |
          i=0; while [ ! -s {meet}/early ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done
          step=$(cat {meet}/early)
          while [ -e /proc/$step ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i+1)); done
          exit 4
      - name: early
        command: cut -d' ' -f4 /proc/$PPID/stat > {meet}/early; exit 2
""")
    done = run_try(jobs, "pair", "--send-alerts", env=clean_env(JOBSMITH_SENSU=sensu.tcp_url))
    assert done.returncode == 21, done.stderr
    assert done.stderr.index("[early] FAILURE") < done.stderr.index("[late] FAILURE")
    (check,) = sensu.accepted
    assert (check["failed_stage"], check["exit_code"]) == ("early", 2)


def test_a_success_resolves_and_an_abort_is_no_failure(
        tmp_path: Path, sensu: FakeSensu) -> None:
    pid_file = tmp_path / "pid"
    jobs = write_spec(tmp_path, "long", f"""
parameters: [{{name: WAIT, type: boolean}}]
stages:
  - {{name: wait, command: 'if [ "$WAIT" = true ]; then echo $$ > {pid_file}; echo started;
       exec sleep 600; fi'}}
""")
    env = clean_env(JOBSMITH_SENSU=sensu.tcp_url)
    done = run_try(jobs, "long", "--send-alerts", env=env)
    assert done.returncode == 0, done.stderr
    (ok,) = sensu.accepted
    assert (ok["status"], ok["outcome"]) == (0, "success")

    process = subprocess.Popen([JOBSMITH, "try", "long", "-p", "WAIT=true", "--send-alerts",
                                "--specs", str(jobs)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env)
    assert process.stdout is not None
    assert process.stdout.readline() == "started\n"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 22, err  # ABORTED
    # post { always } ran after the abort: a warning, never a critical alert.
    assert len(sensu.accepted) == 2
    aborted = sensu.accepted[1]
    assert (aborted["status"], aborted["outcome"]) == (1, "aborted")
    assert "not a failure" in aborted["output"]
    assert not Path(f"/proc/{int(pid_file.read_text())}").exists()

