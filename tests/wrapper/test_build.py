"""A build made of parts: stage metrics in statsd, one build-level result in Sensu.

Sensu keeps the last result of a check (1.x `store_check_result` in
`lib/sensu/server/process.rb` sets `result:<source>:<check>` unconditionally), so
only the finish step sends `jobsmith.<job>`: a later stage's OK can never resolve an
earlier stage's failure within a build.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from jobsmith.wrapper.build import build_outcome
from tests.wrapper.conftest import StatsdDaemon, run_wrapper
from tests.wrapper.fake_sensu import FakeSensu, event_key, result_key


@pytest.mark.parametrize(
    ("result", "previous", "status", "outcome", "words"),
    [
        ("SUCCESS", None, 0, "success", "succeeded"),
        ("UNSTABLE", None, 1, "unstable", "is unstable"),
        ("FAILURE", None, 2, "failure", "failed in stage load (exit 3)"),
        ("ABORTED", None, 1, "aborted", "was aborted"),
        ("ABORTED", "SUCCESS", 1, "aborted", "not a failure"),
        ("NOT_BUILT", None, 0, "not_built", "superseded or skipped"),
        # An aborted or skipped build proves nothing about the last failure: it stays.
        ("ABORTED", "FAILURE", 2, "aborted", "stays critical"),
        ("NOT_BUILT", "FAILURE", 2, "not_built", "stays critical"),
    ],
)
def test_build_outcome(
    result: str, previous: str | None, status: int, outcome: str, words: str
) -> None:
    part = {"stage": "load", "exit_code": 3, "summary": "x failed", "tail": "boom\n"}
    built = build_outcome("data/x", result, duration=5.0, max_duration=None, part=part,
                          number=7, previous=previous)
    assert (built.status, built.outcome) == (status, outcome)
    assert words in built.summary
    assert built.summary.startswith("data/x #7 ")
    if result == "FAILURE":
        assert (built.failed_stage, built.exit_code, built.tail) == ("load", 3, "boom\n")
    else:
        assert (built.failed_stage, built.exit_code) == (None, 0)


@pytest.mark.parametrize(
    "text", ["", "plain", 'quote " and \\ backslash', "line\nbreak\ttab\r", "\x00\x1f\x7f",
             "é € 😀 \ufffd", "\u2028\u2029", "</script>"],
)
def test_a_record_reads_back_as_json_writes_it(text: str) -> None:
    from jobsmith.wrapper.build import record_text

    record: dict[str, str | int | None] = {
        "stage": text, "exit_code": -1, "timed_out": True, "attempts": 3, "summary": text,
        "tail": text * 3, "host": "agent-1", "build_tag": None, "other": False,
    }
    assert record_text(record) == json.dumps(record, ensure_ascii=True)
    assert json.loads(record_text(record)) == record


def test_a_record_of_another_build_is_ignored() -> None:
    from jobsmith.wrapper.build import failed_part

    record = '{"stage": "load", "build_tag": "jenkins-etl-6"}'
    env = {"JOBSMITH_FAILED_PART": record, "BUILD_TAG": "jenkins-etl-7"}
    assert failed_part(env) is None
    assert failed_part(dict(env, BUILD_TAG="jenkins-etl-6")) == json.loads(record)
    assert failed_part({"JOBSMITH_FAILED_PART": "not json"}) is None


def test_a_failure_without_a_part_record_and_a_slow_success() -> None:
    failed = build_outcome("x", "FAILURE", duration=1.0, max_duration=None, part=None)
    assert (failed.status, failed.exit_code) == (2, 1)
    assert "outside a jobsmith step" in failed.summary
    slow = build_outcome("x", "SUCCESS", duration=120.0, max_duration=60.0, part=None)
    assert slow.status == 1 and "longer than 1m" in slow.summary


@pytest.fixture
def statsd_daemon_here(tmp_path: Path) -> object:
    daemon = StatsdDaemon(tmp_path)
    yield daemon
    daemon.stop()


def _counters(daemon: StatsdDaemon, name: str, value: float) -> dict[str, float]:
    end = time.monotonic() + 60  # returns once it is there; a loaded node is slow
    counters = daemon.counters()
    while counters.get(name) != value and time.monotonic() < end:
        time.sleep(0.02)
        counters = daemon.counters()
    return counters


@pytest.mark.parametrize("scheme", ["tcp", "http"])
def test_a_three_stage_build_sends_one_result_and_stage_metrics(
    scheme: str,
    statsd_daemon_here: StatsdDaemon,
    fake_sensu: FakeSensu,
    tmp_path: Path,
    wrapper_env: dict[str, str],
) -> None:
    daemon = statsd_daemon_here
    env = dict(wrapper_env, JOBSMITH_STATSD=daemon.address,
               JOBSMITH_SENSU=getattr(fake_sensu, f"{scheme}_url"),
               JOBSMITH_OUTBOX=str(tmp_path / "outbox"),
               BUILD_URL="https://ci.example.com/job/etl/12/")
    record = tmp_path / "ws" / ".jobsmith" / "transform.json"
    stages = [
        ("extract", ["true"], 0),
        ("transform", ["sh", "-c", "echo bad row >&2; exit 3"], 3),
    ]
    for stage, command, expected in stages:
        result = run_wrapper(["--job", "etl", "--stage", stage, "--record",
                              str(tmp_path / "ws" / ".jobsmith" / f"{stage}.json"),
                              "--retries", "1", "--backoff", "0.01s", "--", *command], env)
        assert result.returncode == expected
    # A later branch that succeeds (a parallel sibling) sends nothing to Sensu either.
    assert run_wrapper(["--job", "etl", "--stage", "report", "--", "true"], env).returncode == 0
    assert fake_sensu.accepted == []
    finish = run_wrapper(
        ["--job", "etl", "--finish", "FAILURE", "--build-started",
         str(int(time.time() * 1000) - 5000), "--build-number", "12", "--ttl", "1h"],
        dict(env, JOBSMITH_FAILED_PART=record.read_text()),
    )
    assert finish.returncode == 0, finish.stderr
    (received,) = fake_sensu.wait_for(1)
    if scheme == "tcp":
        assert result_key(received) == ("jobsmith", "jobsmith.etl")
        check = received
        assert (check["status"], check["ttl"], check["ttl_status"]) == (2, 3600, 2)
        assert check["failed_stage"] == "transform" and check["exit_code"] == 3
        assert check["build_url"] == "https://ci.example.com/job/etl/12/"
        assert check["build"] == 12 and check["outcome"] == "failure"
        output = check["output"]
    else:
        assert event_key(received) == ("jobsmith", "jobsmith.etl")
        event_check = received["check"]
        assert (event_check["status"], event_check["ttl"]) == (2, 3600)
        labels = event_check["metadata"]["labels"]
        assert (labels["failed_stage"], labels["exit_code"], labels["build"]) == (
            "transform", "3", "12")
        output = event_check["output"]
    assert output.startswith("etl #12 failed in stage transform (exit 3) in ")
    assert "bad row" in output

    counters = _counters(daemon, "jobsmith.etl.runs", 1)
    assert counters["jobsmith.etl.runs"] == 1  # one build, three stages
    assert counters["jobsmith.etl.failure"] == 1
    assert counters["jobsmith.etl.success"] == 0
    assert counters["jobsmith.etl.retries"] == 1  # transform's retry, counted for the build
    assert counters["jobsmith.etl.stages.extract.runs"] == 1
    assert counters["jobsmith.etl.stages.extract.success"] == 1
    assert counters["jobsmith.etl.stages.transform.failure"] == 1
    assert counters["jobsmith.etl.stages.transform.retries"] == 1
    assert counters["jobsmith.etl.stages.report.runs"] == 1
    gauges = daemon.gauges()
    assert gauges["jobsmith.etl.exit_code"] == 3
    assert gauges["jobsmith.etl.stages.transform.exit_code"] == 3
    timers = daemon.timers()
    assert timers["jobsmith.etl.duration"][0] >= 5000  # ms since the build started
    assert len(timers["jobsmith.etl.stages.extract.duration"]) == 1
    assert counters.get("statsd.bad_lines_seen", 0) == 0
    assert json.loads(record.read_text())["stage"] == "transform"


@pytest.mark.parametrize(("result", "status"), [("ABORTED", 1), ("NOT_BUILT", 0)])
def test_aborted_and_skipped_builds_are_not_failures_and_keep_the_ttl(
    result: str, status: int, fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    env = dict(wrapper_env, JOBSMITH_SENSU=fake_sensu.tcp_url)
    finish = run_wrapper(["--job", "etl", "--finish", result, "--ttl", "2h"], env)
    assert finish.returncode == 0
    (check,) = fake_sensu.wait_for(1)
    assert (check["status"], check["ttl"]) == (status, 7200)
    assert "not a failure" in check["output"]


@pytest.mark.parametrize(
    "args",
    [
        ["--finish", "DONE"],
        ["--finish", "SUCCESS", "--", "true"],
        ["--stage", "a", "--finish", "SUCCESS"],
        ["--stage", "a", "--ttl", "1h", "--", "true"],
        ["--record", "x.json", "--", "true"],
        ["--build-number", "3", "--", "true"],
        ["--finish", "SUCCESS", "--build-started", "soon"],
    ],
)
def test_misused_build_options(args: list[str], wrapper_env: dict[str, str]) -> None:
    result = run_wrapper(["--job", "etl", *args], wrapper_env)
    assert result.returncode == 125, result.stderr
