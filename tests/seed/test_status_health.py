from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jobsmith.cron import next_runs
from jobsmith.seed.connection import JenkinsClient, JenkinsSettings
from jobsmith.seed.errors import UsageError
from jobsmith.seed.health import (
    CRITICAL,
    OK,
    WARNING,
    HealthOptions,
    check_health,
    parse_min_agents,
)
from jobsmith.seed.status import collect_status, render_table, to_json
from jobsmith.spec import load_tree
from tests.seed.conftest import FOLDER_XML, pipeline_xml
from tests.seed.fake_jenkins import FakeJenkins
from tests.seed.fake_state import BuildPlan, Computer

SPEC = 'command: backup.sh\nschedule: "H 2 * * *"\n'


@pytest.fixture
def tree(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "nightly-backup.yaml").write_text(SPEC)
    (tmp_path / "data" / "paused.yaml").write_text(SPEC + "disabled: true\n")
    (tmp_path / "report.yaml").write_text("command: report.sh\n")
    return load_tree(tmp_path)


def _now(fake: FakeJenkins) -> datetime:
    return datetime.fromtimestamp(fake.state.now_ms / 1000, UTC)


def test_status_of_the_spec_tree(fake: FakeJenkins, client: JenkinsClient, tree) -> None:
    client.create_job("data", FOLDER_XML)
    client.create_job("data/nightly-backup", pipeline_xml())
    start = fake.state.now_ms
    fake.state.add_build("data/nightly-backup", "SUCCESS", started_ms=start - 86_400_000,
                         duration_ms=123_000)
    fake.state.add_build("data/nightly-backup", "FAILURE", started_ms=start - 3_600_000)
    fake.state.add_build("data/nightly-backup", None, started_ms=start - 60_000)
    now = _now(fake)
    jobs = [(name, tree.jobs[name]) for name in sorted(tree.jobs)]
    statuses = collect_status(client, jobs, builds=1, now=now, next_count=2)
    backup, paused, report = statuses
    assert [b.number for b in backup.running] == [3]
    assert backup.running[0].duration_s == 60
    assert [(b.number, b.result) for b in backup.recent] == [(2, "FAILURE")]
    spec = tree.jobs["data/nightly-backup"]
    expected = next_runs(spec.schedule.resolve("data/nightly-backup"), now, 2)
    assert list(backup.next_runs) == expected
    assert all(run.hour == 2 for run in backup.next_runs)
    assert paused.next_runs == ()  # disabled: no next runs
    assert (paused.on_jenkins, report.on_jenkins) == (False, False)
    assert "not on Jenkins yet" in paused.notes[-1]
    # the tree asked for exactly the fields shown
    asked = [r.query.get("tree", "") for r in fake.requests
             if r.path == "/job/data/job/nightly-backup/api/json"]
    assert asked and "builds[number,url,result,building,timestamp,duration]{0,21}" in asked[0]

    table = render_table(statuses)
    lines = table.splitlines()
    assert lines[0].split() == ["JOB", "STATE", "BUILD", "RESULT", "STARTED", "(UTC)",
                                "DURATION", "NEXT", "RUN", "(UTC)"]
    assert lines[1].split()[:4] == ["data/nightly-backup", "enabled", "#3", "RUNNING"]
    assert lines[1].endswith(expected[0].strftime("%Y-%m-%d %H:%M"))
    assert lines[2].split()[:2] == ["#2", "FAILURE"]
    assert "report: not on Jenkins yet: run jobsmith deploy" in table

    data = json.loads(json.dumps(to_json(statuses)))
    assert data[0]["next_runs"] == [r.strftime("%Y-%m-%dT%H:%M:%SZ") for r in expected]
    assert data[0]["running"][0]["number"] == 3
    assert data[0]["recent"][0]["result"] == "FAILURE"


def test_status_of_a_job_outside_the_tree(fake: FakeJenkins, client: JenkinsClient) -> None:
    client.create_job("adhoc", pipeline_xml(disabled=True))
    [status] = collect_status(client, [("adhoc", None)], builds=5, now=_now(fake))
    assert (status.on_jenkins, status.enabled, status.next_runs) == (True, False, ())
    assert "not in the spec tree" in status.notes


# -- health ---------------------------------------------------------------------------------

def _options(**overrides: object) -> HealthOptions:
    values: dict[str, object] = {"min_agents": {}}
    values.update(overrides)
    return HealthOptions(**values)  # type: ignore[arg-type]


def _seeded(fake: FakeJenkins, client: JenkinsClient, *results: str, age_ms: int = 0) -> None:
    client.create_job("seed", pipeline_xml())
    for result in results:
        fake.state.add_build("seed", result, started_ms=fake.state.now_ms - age_ms)


def test_healthy(fake: FakeJenkins, client: JenkinsClient) -> None:
    _seeded(fake, client, "SUCCESS", age_ms=7_200_000)
    fake.state.computers.append(Computer("agent-1", ("linux", "jobsmith")))
    fake.state.computers.append(Computer("agent-2", ("linux",)))
    fake.metrics["k3y"] = {"disk-space": {"healthy": True}, "plugins": {"healthy": True}}
    report = check_health(client, _options(min_agents={"linux": 2}, metrics_key="k3y"),
                          _now(fake))
    assert report.status == OK
    assert report.line() == ("JENKINS OK: Jenkins 2.479.1 reachable; 2 health checks pass; "
                             "agents linux 2/2 online; queue 0 waiting; "
                             "seed #1 succeeded 2h ago")


def test_too_few_agents_is_critical(fake: FakeJenkins, client: JenkinsClient) -> None:
    _seeded(fake, client, "SUCCESS")
    fake.state.computers.append(Computer("agent-1", ("linux",), offline=True))
    fake.state.computers.append(Computer("agent-2", ("linux",)))
    report = check_health(client, _options(min_agents={"linux": 2, "agent-2": 1}), _now(fake))
    assert report.status == CRITICAL
    assert report.line().startswith("JENKINS CRITICAL: agents linux 1/2 online; ")
    assert "agents agent-2 1/1 online" in report.line()  # a node carries its own name


def test_unhealthy_metrics(fake: FakeJenkins, client: JenkinsClient) -> None:
    _seeded(fake, client, "SUCCESS")
    fake.metrics["k"] = {"disk-space": {"healthy": False, "message": "only 1 GB free"},
                         "plugins": {"healthy": True}}
    report = check_health(client, _options(metrics_key="k"), _now(fake))
    assert report.status == CRITICAL
    assert "health checks failing: disk-space (only 1 GB free)" in report.line()
    wrong = check_health(client, _options(metrics_key="nope"), _now(fake))
    assert "metrics access key refused" in wrong.line()


def test_queue_thresholds(fake: FakeJenkins, client: JenkinsClient) -> None:
    _seeded(fake, client, "SUCCESS")
    for n in range(3):
        client.create_job(f"busy{n}", pipeline_xml())
        fake.state.items[f"busy{n}"].plans.append(BuildPlan(queue_ticks=100))
        client.start_build(f"busy{n}", None)
    ok = check_health(client, _options(queue_warn=3, queue_crit=5), _now(fake))
    assert (ok.status, "queue 3 waiting" in ok.line()) == (OK, True)
    warn = check_health(client, _options(queue_warn=2, queue_crit=5), _now(fake))
    assert warn.status == WARNING
    crit = check_health(client, _options(queue_warn=0, queue_crit=2), _now(fake))
    assert crit.line().startswith("JENKINS CRITICAL: queue 3 waiting")


@pytest.mark.parametrize(("results", "max_age", "status", "text"), [
    ((), None, WARNING, "never succeeded"),
    (("SUCCESS", "FAILURE"), None, WARNING, "seed #1 succeeded 3d ago, but #2 FAILURE"),
    (("SUCCESS",), 86_400.0, WARNING, "(older than 1d)"),
    (("SUCCESS",), 7 * 86_400.0, OK, "seed #1 succeeded 3d ago"),
])
def test_seed_age(fake: FakeJenkins, client: JenkinsClient, results: tuple[str, ...],
                  max_age: float | None, status: int, text: str) -> None:
    _seeded(fake, client, *results, age_ms=3 * 86_400_000)
    report = check_health(client, _options(seed_max_age_s=max_age), _now(fake))
    assert report.status == status
    assert text in report.line()


def test_missing_seed_job_warns(fake: FakeJenkins, client: JenkinsClient) -> None:
    report = check_health(client, _options(), _now(fake))
    assert (report.status, "seed job 'seed' not found" in report.line()) == (WARNING, True)


def test_unreachable_is_critical_in_one_line(fake: FakeJenkins) -> None:
    client = JenkinsClient(JenkinsSettings(fake.url, "admin", "wrong"))
    report = check_health(client, _options(), datetime.now(UTC))
    assert report.status == CRITICAL
    assert len(report.line().splitlines()) == 1
    assert report.line().startswith("JENKINS CRITICAL: unreachable: Jenkins rejected")


@pytest.mark.parametrize(("pairs", "parsed"), [
    (["linux=2"], {"linux": 2}),
    (["a=b=3", "x=0"], {"a=b": 3, "x": 0}),
])
def test_min_agents(pairs: list[str], parsed: dict[str, int]) -> None:
    assert parse_min_agents(pairs) == parsed


@pytest.mark.parametrize("pair", ["linux", "linux=", "=2", "linux=two"])
def test_bad_min_agents(pair: str) -> None:
    with pytest.raises(UsageError):
        parse_min_agents([pair])
