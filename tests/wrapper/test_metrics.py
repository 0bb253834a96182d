"""Metrics read back from the reference statsd daemon (npm statsd 0.9.0)."""

from __future__ import annotations

import pytest

from jobsmith.wrapper.metrics import metric_job, run_metrics
from jobsmith.wrapper.process import AttemptOutcome
from jobsmith.wrapper.runner import RunReport
from tests.wrapper.conftest import StatsdDaemon, run_wrapper


@pytest.mark.parametrize(
    ("full_name", "expected"),
    [
        ("data/nightly-backup", "data.nightly-backup"),
        ("a/b/c_d", "a.b.c_d"),
        ("x y:z@é", "x_y_z__"),
        ("v1.2", "v1_2"),
    ],
)
def test_metric_job(full_name: str, expected: str) -> None:
    assert metric_job(full_name) == expected


def test_run_metrics_table() -> None:
    report = RunReport(
        "team/job",
        AttemptOutcome(124, timed_out=True),
        attempts=3,
        timeouts=2,
        duration=1.5,
        started_at=0.0,
    )
    assert run_metrics(report) == [
        ("timing", "team.job.duration", 1500.0),
        ("incr", "team.job.runs", 1),
        ("incr", "team.job.success", 0),
        ("incr", "team.job.failure", 1),
        ("incr", "team.job.timeout", 2),
        ("incr", "team.job.retries", 2),
        ("gauge", "team.job.exit_code", 124),
    ]


def wait_for_counter(daemon: StatsdDaemon, name: str, value: float) -> dict[str, float]:
    import time

    end = time.monotonic() + 60  # returns once it is there; a loaded node is slow
    counters = daemon.counters()
    while counters.get(name) != value and time.monotonic() < end:
        time.sleep(0.02)
        counters = daemon.counters()
    return counters


def test_metrics_of_runs_reach_statsd(
    statsd_daemon: StatsdDaemon, wrapper_env: dict[str, str]
) -> None:
    env = dict(wrapper_env, JOBSMITH_STATSD=statsd_daemon.address, JOBSMITH_STATSD_PREFIX="ci.js")
    ok = run_wrapper(["--job", "team/ok job", "--", "true"], env)
    flaky = run_wrapper(
        [
            "--job",
            "team/flaky",
            "--retries",
            "2",
            "--backoff",
            "0.01s",
            "--",
            "sh",
            "-c",
            "exit 75",
        ],
        env,
    )
    slow = run_wrapper(["--job", "team/slow", "--timeout", "0.2s", "--", "sleep", "5"], env)
    assert (ok.returncode, flaky.returncode, slow.returncode) == (0, 75, 124)

    counters = wait_for_counter(statsd_daemon, "ci.js.team.slow.timeout", 1)
    assert counters["ci.js.team.ok_job.runs"] == 1
    assert counters["ci.js.team.ok_job.success"] == 1
    assert counters["ci.js.team.ok_job.failure"] == 0
    assert counters["ci.js.team.ok_job.retries"] == 0
    assert counters["ci.js.team.flaky.runs"] == 1
    assert counters["ci.js.team.flaky.failure"] == 1
    assert counters["ci.js.team.flaky.retries"] == 2
    assert counters["ci.js.team.flaky.timeout"] == 0
    assert counters["ci.js.team.slow.timeout"] == 1
    assert counters["ci.js.team.slow.failure"] == 1
    gauges = statsd_daemon.gauges()
    assert gauges["ci.js.team.ok_job.exit_code"] == 0
    assert gauges["ci.js.team.flaky.exit_code"] == 75
    assert gauges["ci.js.team.slow.exit_code"] == 124
    timers = statsd_daemon.timers()
    assert len(timers["ci.js.team.slow.duration"]) == 1
    assert timers["ci.js.team.slow.duration"][0] >= 200  # ms: at least the timeout
    assert counters.get("statsd.bad_lines_seen", 0) == 0


def test_default_prefix_and_repeated_runs_add_up(
    statsd_daemon: StatsdDaemon, wrapper_env: dict[str, str]
) -> None:
    env = dict(wrapper_env, JOBSMITH_STATSD=statsd_daemon.address)
    for _ in range(2):
        assert run_wrapper(["--job", "again", "--", "false"], env).returncode == 1
    counters = wait_for_counter(statsd_daemon, "jobsmith.again.runs", 2)
    assert counters["jobsmith.again.runs"] == 2
    assert counters["jobsmith.again.failure"] == 2
    assert statsd_daemon.gauges()["jobsmith.again.exit_code"] == 1


def test_an_unreachable_statsd_does_not_affect_the_job(wrapper_env: dict[str, str]) -> None:
    import socket

    from tests.support.ports import refused_port

    env = dict(wrapper_env, JOBSMITH_STATSD=f"127.0.0.1:{refused_port(socket.SOCK_DGRAM)}")
    assert run_wrapper(["--job", "x", "--", "sh", "-c", "exit 3"], env).returncode == 3
