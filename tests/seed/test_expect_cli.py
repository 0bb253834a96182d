"""`jobsmith expect`, as the seed pipeline runs it after Job DSL: a real process that
reads the strict fake Jenkins and sends to the strict fake Sensu (1.x client socket and
Sensu Go agent API).

Jenkins, as read (core `hudson.model.Job` / `Run`, their `@Exported` getters):
- the previous manifest is the one the seed job's last successful build archived:
  `job/seed/lastSuccessfulBuild/api/json?tree=number,timestamp`
  (`Job.getLastSuccessfulBuild`), then `job/seed/<n>/artifact/out/manifest.json`
  (Jenkinsfile `archiveArtifacts 'out/**'`, served by `DirectoryBrowserSupport`);
- each changed job's `lastCompletedBuild[number,result,timestamp,duration,url]`
  (`Job.getLastCompletedBuild`: the newest build not building; `Run.getResult`,
  `Run.getTimestamp`, `Run.getDuration`, `Run.getUrl`), `lastBuild[number,building]`
  (`Job.getLastBuild`, `Run.isBuilding`) and `builds[number,result]{0,20}`
  (`Job.getNewBuilds`, newest first: the result before an abort);
- a job that is not there answers 404.
Only GETs: the seed changes nothing in Jenkins here.

Sensu, as the results are checked: 1.x keeps the last result of `source:check` and
raises the TTL event `ttl` seconds after `executed`, and none for a result without
`ttl` (lib/sensu/server/process.rb `store_check_result`, `create_check_ttl_results`);
Sensu Go resets the check's TTL switch on an event with `ttl` and buries it on one
without, after one with (backend/eventd/eventd.go `handleMessage`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from jobsmith.generator import generate
from jobsmith.seed.connection import JenkinsClient
from tests.seed.conftest import FOLDER_XML, pipeline_xml
from tests.seed.fake_jenkins import FakeJenkins
from tests.support.ports import refused_port
from tests.wrapper.fake_sensu import FakeSensu, event_key, result_key

NOW = "2026-12-01T10:30:00Z"
HOURLY = "schedule: '5 * * * *'\ntimeout: 10m\ncommand: ./etl.sh\n"
DAILY = "schedule: '30 2 * * *'\ntimeout: 10m\ncommand: ./etl.sh\nalerts: {handlers: [pager]}\n"
BEFORE = {"etl/hourly": HOURLY, "etl/paused": HOURLY, "etl/same": DAILY}
AFTER = {"etl/hourly": DAILY, "etl/paused": HOURLY + "disabled: true\n", "etl/same": DAILY,
         "etl/new": DAILY}
RUN_BOUND = 1270  # timeout 10m: outer bound 670 s + grace 600 s


def at(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp()


def _generate(root: Path, specs: dict[str, str]) -> Path:
    for name, text in specs.items():
        path = root / "jobs" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    generate(root / "jobs", root / "out")
    return root / "out"


@pytest.fixture
def sensu() -> Iterator[FakeSensu]:
    fake = FakeSensu()
    yield fake
    fake.close()


@pytest.fixture
def seeded(tmp_path: Path, fake: FakeJenkins, client: JenkinsClient) -> Path:
    """Jenkins after the Job DSL step of a seed run that applied AFTER over BEFORE."""
    before = _generate(tmp_path / "before", BEFORE)
    out = _generate(tmp_path / "after", AFTER)
    client.create_job("seed", pipeline_xml())
    previous = fake.state.add_build("seed", "SUCCESS", started_ms=int(at("2026-11-30T09:00:00Z")
                                                                     * 1000))
    previous.artifacts["out/manifest.json"] = (before / "manifest.json").read_bytes()
    fake.state.add_build("seed", None)  # this seed run
    client.create_job("etl", FOLDER_XML)
    for name in ("hourly", "same", "new"):
        client.create_job(f"etl/{name}", pipeline_xml())
    client.create_job("etl/paused", pipeline_xml(disabled=True))
    ms = 1000
    fake.state.add_build("etl/hourly", "SUCCESS", started_ms=int(at("2026-12-01T10:05:00Z") * ms),
                         duration_ms=300 * ms)
    fake.state.add_build("etl/paused", "FAILURE", started_ms=int(at("2026-12-01T10:05:00Z") * ms))
    fake.state.add_build("etl/paused", "NOT_BUILT", started_ms=int(at("2026-12-01T10:05:30Z") * ms))
    fake.state.add_build("etl/paused", "ABORTED", started_ms=int(at("2026-12-01T10:06:00Z") * ms))
    fake.state.add_build("etl/same", "SUCCESS", started_ms=int(at("2026-12-01T02:30:00Z") * ms))
    return out


def expect(out: Path, fake: FakeJenkins, sensu_url: str, outbox: Path,
           *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBSMITH_")}
    env.update(JOBSMITH_JENKINS_URL=fake.url, JOBSMITH_JENKINS_USER="admin",
               JOBSMITH_JENKINS_TOKEN=fake.token(), JOBSMITH_SENSU=sensu_url,
               JOBSMITH_OUTBOX=str(outbox), JOB_NAME="seed")
    return subprocess.run([sys.executable, "-m", "jobsmith", "expect", str(out), "--now", NOW,
                           *extra], env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def _current(sensu: FakeSensu, scheme: str) -> dict[str, dict[str, Any]]:
    """check name -> (ttl, status, executed, handlers) as Sensu now holds it."""
    held = {}
    for key, value in sensu.current.items():
        if scheme == "http":
            check = value["check"]
            assert key == event_key(value) and key[0] == "jobsmith"  # the proxy entity
            held[key[1]] = {"ttl": check.get("ttl"), "status": check["status"],
                            "executed": check["executed"], "handlers": check["handlers"]}
        else:
            assert key == result_key(value) and key[0] == "jobsmith"
            held[key[1]] = {"ttl": value.get("ttl"), "status": value["status"],
                            "executed": value["executed"], "handlers": value["handlers"]}
    return held


@pytest.mark.parametrize("scheme", ["tcp", "http"])
def test_the_seed_run_moves_sensus_expectation(
    scheme: str, seeded: Path, fake: FakeJenkins, sensu: FakeSensu, tmp_path: Path,
) -> None:
    url = sensu.tcp_url if scheme == "tcp" else sensu.http_url
    setup = len(fake.posts())
    result = expect(seeded, fake, url, tmp_path / "outbox")
    assert result.returncode == 0, result.stderr
    assert "the previous specs: seed #1" in result.stderr
    assert "3 job(s) with a new expectation; 3 result(s) sent" in result.stderr
    held = _current(sensu, scheme)
    assert set(held) == {"jobsmith.etl.hourly", "jobsmith.etl.paused", "jobsmith.etl.new"}
    # hourly -> daily: build #1 (10:05, ok) restated; due at tomorrow's 02:30 + run bound
    hourly = held["jobsmith.etl.hourly"]
    assert (hourly["status"], hourly["executed"]) == (0, int(at("2026-12-01T10:05:00Z")))
    if scheme == "tcp":  # 1.x counts from executed
        assert hourly["executed"] + hourly["ttl"] == at("2026-12-02T02:30:00Z") + RUN_BOUND
    assert hourly["ttl"] and hourly["handlers"] == ["pager"]
    # disabled: its last outcome (aborted after a skipped build after a failure: still
    # critical, as the pipeline's finish step would say), no TTL
    paused = held["jobsmith.etl.paused"]
    assert (paused["status"], paused["ttl"]) == (2, None)
    # new, never ran: expected by its first fire + run bound, counted from now
    new = held["jobsmith.etl.new"]
    assert (new["status"], new["executed"]) == (0, int(at(NOW)))
    assert new["ttl"] == at("2026-12-02T02:30:00Z") + RUN_BOUND - at(NOW)
    assert len(fake.posts()) == setup  # nothing changed in Jenkins


def test_a_dry_run_sends_nothing(seeded: Path, fake: FakeJenkins, sensu: FakeSensu,
                                 tmp_path: Path) -> None:
    result = expect(seeded, fake, sensu.tcp_url, tmp_path / "outbox", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "etl/hourly: restate: next run at 2026-12-02T02:30:00Z" in result.stderr
    assert "etl/paused: retire: no runs expected any more" in result.stderr
    assert "etl/new: announce: expected by" in result.stderr
    assert sensu.accepted == [] and not (tmp_path / "outbox").exists()


def test_sensu_down_the_results_wait_in_the_outbox(seeded: Path, fake: FakeJenkins,
                                                   tmp_path: Path) -> None:
    port = refused_port()  # a port nobody listens on
    result = expect(seeded, fake, f"tcp://127.0.0.1:{port}", tmp_path / "outbox")
    assert result.returncode == 0, result.stderr
    assert "0 result(s) sent, 3 stored in the outbox" in result.stderr
    stored = sorted(json.loads(p.read_text())["name"] for p in (tmp_path / "outbox").glob("*.json"))
    assert stored == ["jobsmith.etl.hourly", "jobsmith.etl.new", "jobsmith.etl.paused"]


def test_the_first_seed_run_expects_every_scheduled_job(
    tmp_path: Path, fake: FakeJenkins, client: JenkinsClient, sensu: FakeSensu,
) -> None:
    out = _generate(tmp_path / "only", {"etl/new": DAILY})
    client.create_job("seed", pipeline_xml())
    fake.state.add_build("seed", None)  # the first seed run: nothing succeeded before
    client.create_job("etl", FOLDER_XML)
    client.create_job("etl/new", pipeline_xml())
    result = expect(out, fake, sensu.tcp_url, tmp_path / "outbox")
    assert result.returncode == 0, result.stderr
    assert "no successful build of 'seed' yet" in result.stderr
    (check,) = sensu.wait_for(1)
    assert check["name"] == "jobsmith.etl.new" and check["ttl"] > 0


def _expect_step() -> str:
    """The seed pipeline's Expect step, as Groovy 2.4 hands it to `sh`."""
    from tests.support.groovy import JAVA_HOME, require_groovy

    require_groovy()
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "JAVA_HOME": os.environ.get("JAVA_HOME", JAVA_HOME)}
    result = subprocess.run(["groovy", str(root / "tests" / "seed" / "jenkinsfile_stub.groovy"),
                             str(root / "Jenkinsfile")], capture_output=True, text=True,
                            env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    calls = json.loads(result.stdout.strip().splitlines()[-1])
    [script] = [c["args"][0] for c in calls if c["name"] == "sh" and "expect" in c["args"][0]]
    return str(script)


def test_the_seed_pipelines_expect_step_runs_it(
    seeded: Path, fake: FakeJenkins, sensu: FakeSensu, tmp_path: Path,
) -> None:
    """The step as the seed's agent runs it: in the workspace where `generate` wrote
    out/, with the jobsmith the Install step put in .jobsmith-venv, JENKINS_URL and
    JOB_NAME from Jenkins (EnvActionImpl / Run.getEnvironment), the read-only user
    bound by withCredentials, and the agent's own JOBSMITH_SENSU."""
    # No --now here: the step plans at the real time. A build of etl/hourly a minute
    # ago keeps it from being overdue whatever the time of day.
    fake.state.add_build("etl/hourly", "SUCCESS", started_ms=int(time.time() - 60) * 1000,
                         duration_ms=30_000)
    workspace = tmp_path / "workspace"
    (workspace / ".jobsmith-venv" / "bin").mkdir(parents=True)
    shim = workspace / ".jobsmith-venv" / "bin" / "jobsmith"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m jobsmith "$@"\n')
    shim.chmod(0o755)
    (workspace / "out").symlink_to(seeded)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBSMITH_")}
    env.update(JENKINS_URL=fake.url, JOB_NAME="seed", JOBSMITH_JENKINS_USER="admin",
               JOBSMITH_JENKINS_TOKEN=fake.token(), JOBSMITH_SENSU=sensu.tcp_url,
               JOBSMITH_OUTBOX=str(tmp_path / "outbox"))
    result = subprocess.run(["/bin/sh", "-xe", "-c", _expect_step()], cwd=workspace, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "the previous specs: seed #1" in result.stderr
    names = {name for _source, name in sensu.current}
    assert names == {"jobsmith.etl.hourly", "jobsmith.etl.paused", "jobsmith.etl.new"}
    assert sensu.current[("jobsmith", "jobsmith.etl.hourly")]["build"] == 2


def test_a_previous_manifest_from_a_file(seeded: Path, fake: FakeJenkins, sensu: FakeSensu,
                                         tmp_path: Path) -> None:
    """--previous FILE instead of the seed's archive (and --previous-at for when that
    run started): the same plan, and the seed job is not asked."""
    before = tmp_path / "before" / "out" / "manifest.json"
    result = expect(seeded, fake, sensu.tcp_url, tmp_path / "outbox", "--dry-run",
                    "--previous", str(before), "--previous-at", "2026-11-30T09:00:00Z")
    assert result.returncode == 0, result.stderr
    assert f"the previous specs: {before}" in result.stderr
    assert "3 job(s) with a new expectation" in result.stderr
    assert not [r for r in fake.requests if "/job/seed/" in r.path]
    bad = expect(seeded, fake, sensu.tcp_url, tmp_path / "outbox", "--now", "yesterday")
    assert bad.returncode == 2 and "--now" in bad.stderr
