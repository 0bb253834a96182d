"""`jobsmith seed | deploy | trigger | status | health` against the fake Jenkins."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from jobsmith.cli import jenkins as jenkins_cli
from jobsmith.cli.app import cli
from tests.seed.fake_jenkins import FakeJenkins
from tests.seed.fake_state import BuildPlan, Computer
from tests.support.ports import refused_port

REPO = "https://git.example.com/platform/jobs.git"
SPEC = """\
command: backup.sh
schedule: "H 2 * * *"
parameters:
  - {name: TARGET, type: choice, choices: [s3, gcs]}
"""


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeJenkins]:
    with FakeJenkins().serve() as server:
        monkeypatch.setattr(jenkins_cli, "SLEEP", server.tick)
        yield server


def _env(fake: FakeJenkins, **extra: str) -> dict[str, str]:
    return {"JOBSMITH_JENKINS_URL": fake.url, "JOBSMITH_JENKINS_USER": "admin",
            "JOBSMITH_JENKINS_TOKEN": fake.token(), **extra}


def run(fake: FakeJenkins, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env if env is not None else _env(fake))


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    (tmp_path / "jobs" / "data").mkdir(parents=True)
    (tmp_path / "jobs" / "data" / "nightly-backup.yaml").write_text(SPEC)
    return tmp_path / "jobs"


def test_seed_creates_then_reports_unchanged(fake: FakeJenkins) -> None:
    first = run(fake, "seed", "--repo", REPO, "--credentials", "git")
    assert (first.exit_code, first.stderr) == (0, "seed job 'seed': created\n")
    second = run(fake, "seed", "--repo", REPO, "--credentials", "git")
    assert (second.exit_code, second.stderr) == (0, "seed job 'seed': unchanged\n")


def test_seed_dry_run_prints_the_diff(fake: FakeJenkins) -> None:
    result = run(fake, "seed", "--repo", REPO, "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.startswith("--- /dev/null\n+++ wanted:seed/config.xml\n")
    assert result.stderr == "seed job 'seed': would-create\n"
    assert fake.state.items == {}


def test_deploy_streams_the_console_and_exits_0(fake: FakeJenkins) -> None:
    run(fake, "seed", "--repo", REPO)
    fake.state.items["seed"].plans.append(BuildPlan(["generating\n", "Finished: SUCCESS\n"],
                                                    queue_ticks=1))
    result = run(fake, "deploy")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "generating\nFinished: SUCCESS\n"
    assert "seed: build #1 finished: SUCCESS" in result.stderr


def test_deploy_exits_with_the_build_result(fake: FakeJenkins) -> None:
    run(fake, "seed", "--repo", REPO)
    fake.state.items["seed"].plans.append(BuildPlan(["jobs/x.yaml:1:1: bad\n"], "FAILURE"))
    result = run(fake, "deploy")
    assert result.exit_code == 21
    assert "jobs/x.yaml:1:1: bad" in result.stdout
    assert "jobsmith: seed #1 ended FAILURE" in result.stderr


def test_deploy_no_wait(fake: FakeJenkins) -> None:
    run(fake, "seed", "--repo", REPO)
    fake.state.items["seed"].plans.append(BuildPlan(queue_ticks=10))
    result = run(fake, "deploy", "--no-wait")
    assert (result.exit_code, result.stdout) == (0, "queue item 1\n")


def _deploy_backup_job(fake: FakeJenkins) -> None:
    from jobsmith.seed.connection import JenkinsClient, JenkinsSettings
    from tests.seed.conftest import choice_param, pipeline_xml

    client = JenkinsClient(JenkinsSettings(fake.url, "admin", fake.token()))
    client.create_job("data", "<com.cloudbees.hudson.plugins.folder.Folder/>")
    client.create_job("data/nightly-backup", pipeline_xml(choice_param("TARGET", "s3", "gcs")))


def test_trigger_checks_parameters_first(fake: FakeJenkins, specs: Path) -> None:
    result = run(fake, "trigger", "data/nightly-backup", "-p", "TARGET=azure",
                 "--specs", str(specs))
    assert result.exit_code == 2
    assert "TARGET must be one of s3, gcs; got 'azure'" in result.stderr
    assert fake.requests == []


def test_trigger_and_wait(fake: FakeJenkins, specs: Path) -> None:
    _deploy_backup_job(fake)
    fake.state.items["data/nightly-backup"].plans.append(BuildPlan(["backing up\n"], "UNSTABLE"))
    result = run(fake, "trigger", "data/nightly-backup", "-p", "TARGET=gcs", "--wait",
                 "--specs", str(specs))
    assert result.exit_code == 20
    assert result.stdout == "backing up\n"
    assert fake.state.items["data/nightly-backup"].builds[1].parameters == {"TARGET": "gcs"}


def test_trigger_without_wait(fake: FakeJenkins, specs: Path) -> None:
    _deploy_backup_job(fake)
    result = run(fake, "trigger", "data/nightly-backup", "--specs", str(specs))
    assert (result.exit_code, result.stdout) == (0, "data/nightly-backup: queue item 1\n")


def test_status_json(fake: FakeJenkins, specs: Path) -> None:
    _deploy_backup_job(fake)
    fake.state.add_build("data/nightly-backup", "SUCCESS")
    result = run(fake, "status", "--json", "--specs", str(specs), "--builds", "3")
    assert result.exit_code == 0, result.stderr
    [job] = json.loads(result.stdout)
    assert job["job"] == "data/nightly-backup"
    assert [b["result"] for b in job["recent"]] == ["SUCCESS"]
    assert len(job["next_runs"]) == 3


def test_status_table(fake: FakeJenkins, specs: Path) -> None:
    result = run(fake, "status", "--specs", str(specs))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[1].split()[:2] == ["data/nightly-backup", "missing"]


def test_status_without_a_tree_needs_job_names(fake: FakeJenkins, tmp_path: Path) -> None:
    result = run(fake, "status", "--specs", str(tmp_path / "none"))
    assert result.exit_code == 2
    assert "no spec tree" in result.stderr


def test_health_exit_status_and_one_line(fake: FakeJenkins) -> None:
    fake.state.computers.append(Computer("agent-1", ("linux",)))
    result = run(fake, "health", "--min-agents", "linux=2")
    assert result.exit_code == 2
    assert result.stdout.count("\n") == 1
    assert result.stdout.startswith("JENKINS CRITICAL: agents linux 1/2 online")
    fake.state.computers.append(Computer("agent-2", ("linux",)))
    warning = run(fake, "health", "--min-agents", "linux=2")  # no seed job yet
    assert warning.exit_code == 1


def test_health_when_jenkins_is_down(fake: FakeJenkins) -> None:
    port = refused_port()
    result = run(fake, "health", env=_env(fake, JOBSMITH_JENKINS_URL=f"http://127.0.0.1:{port}/"))
    assert result.exit_code == 2
    assert result.stdout.startswith("JENKINS CRITICAL: unreachable: cannot reach Jenkins")


@pytest.mark.parametrize(("env", "args", "code", "message"), [
    ({"JOBSMITH_JENKINS_URL": "{url}nope/"}, ["deploy"], 10, "no Jenkins API at"),
    ({"JOBSMITH_JENKINS_URL": "http://127.0.0.1:{free}/"}, ["deploy"], 11, "cannot reach Jenkins"),
    ({"JOBSMITH_JENKINS_URL": "{https}"}, ["deploy"], 12, "TLS failure"),
    ({"JOBSMITH_JENKINS_TOKEN": "wrong"}, ["deploy"], 13, "rejected the user or API token"),
    ({}, ["deploy", "--name", "nope"], 16, "no job 'nope'"),
    ({"JOBSMITH_JENKINS_URL": ""}, ["deploy"], 2, "no Jenkins URL"),
    ({}, ["trigger", "x", "-p", "bad"], 2, "expected NAME=VALUE"),
])
def test_failures_have_distinct_exit_statuses(fake: FakeJenkins, env: dict[str, str],
                                              args: list[str], code: int, message: str) -> None:
    free = refused_port()
    values = {"url": fake.url, "free": str(free), "https": fake.url.replace("http:", "https:")}
    environment = _env(fake, **{k: v.format(**values) for k, v in env.items()})
    result = run(fake, *args, env=environment)
    assert result.exit_code == code, result.stderr
    assert message in result.stderr
    assert result.stderr.startswith("jobsmith: ")


def test_crumb_failure_exit_status(fake: FakeJenkins) -> None:
    fake.token_exempt = False
    fake.drop_cookies = True
    result = run(fake, "seed", "--repo", REPO)
    assert result.exit_code == 15
    assert "No valid crumb" in result.stderr


def test_token_file(fake: FakeJenkins, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text(fake.token() + "\n")
    env = _env(fake)
    del env["JOBSMITH_JENKINS_TOKEN"]
    result = run(fake, "seed", "--repo", REPO, "--token-file", str(token), env=env)
    assert result.exit_code == 0, result.stderr
