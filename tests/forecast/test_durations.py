"""Stage durations: files, the Jenkins API (the fake Jenkins of tests/seed) and estimates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobsmith.cli.app import cli
from jobsmith.forecast.durations import DurationsError, parse_csv, parse_json
from tests.seed.conftest import pipeline_xml
from tests.seed.fake_jenkins import FakeJenkins

FOLDER = "<com.cloudbees.hudson.plugins.folder.Folder/>"


def test_csv_with_and_without_header() -> None:
    text = "job,seconds\ndata/a,90\ndata/b,2m\n"
    assert parse_csv(text, "d.csv").builds == {"data/a": 90.0, "data/b": 120.0}
    staged = parse_csv("data/a,extract,30\ndata/a,load,1m30s\n", "d.csv")
    assert staged.stages == {("data/a", "extract"): 30.0, ("data/a", "load"): 90.0}
    assert parse_csv("job,stage,seconds\nx,s,5\n", "d.csv").stages == {("x", "s"): 5.0}
    with pytest.raises(DurationsError, match=r"d.csv:2: expected job,seconds"):
        parse_csv("a,1\nb\n", "d.csv")
    with pytest.raises(DurationsError, match=r"d.csv:1: 'soon' is not a duration"):
        parse_csv("a,soon\n", "d.csv")


def test_json_whole_builds_and_stages() -> None:
    durations = parse_json('{"a": 60, "b": {"x": "5m", "y": 10}}', "d.json")
    assert durations.builds == {"a": 60.0}
    assert durations.stages == {("b", "x"): 300.0, ("b", "y"): 10.0}
    with pytest.raises(DurationsError, match=r"d.json:1:2"):
        parse_json("{nope", "d.json")


def _tree(root: Path) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "etl.yaml").write_text(
        "schedule: '0 3 * * *'\nstages:\n  - {name: extract, command: x, timeout: 20m}\n"
        "  - {name: load, command: y, timeout: 60m}\n")
    (root / "data" / "new.yaml").write_text("schedule: '0 4 * * *'\ncommand: z\n")
    return root


@pytest.fixture
def fake() -> Iterator[FakeJenkins]:
    with FakeJenkins().serve() as server:
        yield server


def test_durations_from_jenkins_history(fake: FakeJenkins, tmp_path: Path) -> None:
    # `job/data/job/etl/api/json?tree=builds[result,duration,building]{0,30}`: the
    # median of the last successful builds; failures and running builds do not count.
    fake.state.create("", "data", FOLDER)
    fake.state.create("data", "etl", pipeline_xml())
    for outcome, ms in (("SUCCESS", 1_000_000), ("FAILURE", 5_000), ("SUCCESS", 1_200_000),
                        ("SUCCESS", 1_400_000), (None, 0)):
        fake.state.add_build("data/etl", outcome, duration_ms=ms)
    env = {"JOBSMITH_JENKINS_URL": fake.url, "JOBSMITH_JENKINS_USER": "admin",
           "JOBSMITH_JENKINS_TOKEN": fake.token()}
    result = CliRunner().invoke(cli, [
        "schedule", str(_tree(tmp_path / "jobs")), "--from", "2026-03-28T00:00:00Z",
        "--format", "json", "--durations", "jenkins", "--agents", "linux=1"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    etl = next(run for run in data["runs"] if run["job"] == "data/etl")
    # 1,200 s in all, shared 1:3 like the estimates (10 and 30 minutes).
    assert (etl["start"], etl["end"]) == ("2026-03-28T03:00:00Z", "2026-03-28T03:20:00Z")
    new = next(run for run in data["runs"] if run["job"] == "data/new")
    assert new["end"] == "2026-03-28T04:02:00Z"  # not on Jenkins: the 2-minute estimate
    assert data["durations"] == "Jenkins build history"
    paths = [r.path for r in fake.requests if "etl/api/json" in r.path]
    assert paths and all("builds" in r.query.get("tree", "") for r in fake.requests
                         if "etl/api/json" in r.path)
