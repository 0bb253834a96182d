"""`jobsmith health` checks that the plugins the generated jobs need are active on the
controller: the list comes from the manifest the last successful seed build archived
(`job/seed/lastSuccessfulBuild/artifact/out/manifest.json`, Jenkinsfile
archiveArtifacts 'out/**'), the installed ones from `pluginManager/api/json`
(PluginManager.getPlugins; PluginWrapper exports shortName, version, active, enabled)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobsmith.cli.app import cli
from jobsmith.seed.connection import JenkinsClient
from jobsmith.seed.health import CRITICAL, OK, HealthOptions, check_health
from tests.seed.conftest import pipeline_xml
from tests.seed.fake_jenkins import FakeJenkins

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """What `jobsmith generate` writes for the example specs (they use every capability)."""
    out = tmp_path_factory.mktemp("seed") / "out"
    result = CliRunner().invoke(cli, ["generate", str(ROOT / "examples" / "jobs"),
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    return (out / "manifest.json").read_bytes()


def _seed(fake: FakeJenkins, client: JenkinsClient, manifest: bytes | None) -> None:
    client.create_job("seed", pipeline_xml())
    build = fake.state.add_build("seed", "SUCCESS")
    if manifest is not None:
        build.artifacts["out/manifest.json"] = manifest


def _check(client: JenkinsClient, fake: FakeJenkins) -> tuple[int, str]:
    now = datetime.fromtimestamp(fake.state.now_ms / 1000, UTC)
    report = check_health(client, HealthOptions(min_agents={}), now)
    return report.status, report.line()


def test_the_manifest_names_what_the_jobs_use(manifest: bytes) -> None:
    plugins = json.loads(manifest)["plugins"]
    assert plugins == sorted(plugins)
    # examples/jobs: folders, credentials, a lock, a throttle category, a priority,
    # a git checkout, a fan-out (nodesByLabel).
    assert {"cloudbees-folder", "credentials-binding", "lockable-resources",
            "throttle-concurrents", "PrioritySorter", "git", "pipeline-utility-steps",
            "job-dsl", "workflow-job", "workflow-cps"} <= set(plugins)
    listed = {line.split()[0] for line in (ROOT / "deploy" / "plugins.txt").read_text()
              .splitlines() if line.strip() and not line.startswith("#")}
    assert set(plugins) <= listed  # the kit installs every one


def test_all_active_is_ok(fake: FakeJenkins, client: JenkinsClient, manifest: bytes) -> None:
    _seed(fake, client, manifest)
    needed = json.loads(manifest)["plugins"]
    fake.plugins = {name: ("1.0", True) for name in [*needed, "matrix-auth"]}
    status, line = _check(client, fake)
    assert status == OK, line
    assert f"{len(needed)} plugins the jobs need are active" in line


def test_a_missing_or_inactive_plugin_is_critical(fake: FakeJenkins, client: JenkinsClient,
                                                  manifest: bytes) -> None:
    _seed(fake, client, manifest)
    needed = json.loads(manifest)["plugins"]
    fake.plugins = {name: ("1.0", True) for name in needed if name != "PrioritySorter"}
    fake.plugins["lockable-resources"] = ("1.0", False)  # installed, disabled
    status, line = _check(client, fake)
    assert status == CRITICAL
    assert line.startswith("JENKINS CRITICAL: plugins the jobs need are missing or "
                           "inactive: PrioritySorter, lockable-resources")


def test_without_an_archived_manifest_there_is_nothing_to_check(
        fake: FakeJenkins, client: JenkinsClient) -> None:
    _seed(fake, client, None)
    status, line = _check(client, fake)
    assert status == OK and "plugins" not in line
