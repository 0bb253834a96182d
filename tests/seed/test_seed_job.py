from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from jobsmith.seed.connection import JenkinsClient
from jobsmith.seed.errors import UsageError
from jobsmith.seed.seed_job import SeedJob, apply_seed_job, canonical, config_diff, seed_config_xml
from tests.seed.conftest import FOLDER_XML
from tests.seed.fake_jenkins import FakeJenkins

REPO = "https://git.example.com/platform/jobs.git"


def test_config_xml_is_a_pipeline_from_scm() -> None:
    root = ET.fromstring(seed_config_xml(SeedJob(REPO, "prod", "git-ssh")))
    assert root.tag == "flow-definition"
    definition = root.find("definition")
    assert definition is not None
    assert definition.get("class") == "org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition"
    assert definition.findtext("scriptPath") == "Jenkinsfile"
    assert definition.findtext("lightweight") == "true"
    remote = definition.find("scm/userRemoteConfigs/hudson.plugins.git.UserRemoteConfig")
    assert remote is not None
    assert (remote.findtext("url"), remote.findtext("credentialsId")) == (REPO, "git-ssh")
    assert definition.findtext("scm/branches/hudson.plugins.git.BranchSpec/name") == "*/prod"
    assert root.find("properties/org.jenkinsci.plugins.workflow.job.properties."
                     "DisableConcurrentBuildsJobProperty") is not None
    assert root.findtext("disabled") == "false"


def test_without_credentials_there_is_no_credentials_id() -> None:
    assert "credentialsId" not in seed_config_xml(SeedJob(REPO))


def test_values_are_escaped() -> None:
    xml = seed_config_xml(SeedJob("https://git/x?a=1&b=<2>", "main"))
    assert ET.fromstring(xml).findtext(".//url") == "https://git/x?a=1&b=<2>"


@pytest.mark.parametrize("seed", [
    SeedJob(""), SeedJob(REPO, "has space"), SeedJob(REPO, ""), SeedJob(REPO, name="a//b"),
    SeedJob(REPO, name="bad?name"),
])
def test_bad_input_is_a_usage_error(seed: SeedJob) -> None:
    with pytest.raises(UsageError):
        seed_config_xml(seed)


def test_canonical_ignores_what_an_xml_transform_changes() -> None:
    ours = "<?xml version='1.1' encoding='UTF-8'?>\n<a x='1'>\n  <b/>\n  <c>text</c>\n</a>\n"
    theirs = '<?xml version="1.0" encoding="UTF-8"?><a x="1"><b></b><c>text</c></a>'
    assert canonical(ours) == canonical(theirs)
    assert canonical(ours) != canonical(ours.replace("text", "other"))


def test_diff_of_a_new_job_is_against_dev_null() -> None:
    diff = config_diff("seed", None, seed_config_xml(SeedJob(REPO)))
    assert diff.startswith("--- /dev/null\n+++ wanted:seed/config.xml\n")


def test_create_then_unchanged(fake: FakeJenkins, client: JenkinsClient) -> None:
    first = apply_seed_job(client, SeedJob(REPO))
    assert first.action == "created"
    posts = len(fake.posts())
    second = apply_seed_job(client, SeedJob(REPO))
    assert (second.action, second.diff) == ("unchanged", "")
    assert len(fake.posts()) == posts  # nothing sent when nothing changed
    # Jenkins really holds a differently serialised copy:
    assert fake.state.items["seed"].config_xml != seed_config_xml(SeedJob(REPO))


def test_update_only_what_changed(fake: FakeJenkins, client: JenkinsClient) -> None:
    apply_seed_job(client, SeedJob(REPO))
    result = apply_seed_job(client, SeedJob(REPO, branch="release"))
    assert result.action == "updated"
    changed = [line for line in result.diff.splitlines()
               if line[:1] in "+-" and not line.startswith(("---", "+++"))]
    assert [line.split(">")[0].strip() for line in changed] == [
        "-  <description", "+  <description", "-          <name", "+          <name"]
    assert "-          <name>*/main</name>" in changed
    assert "+          <name>*/release</name>" in changed
    assert fake.posts()[-1].path == "/job/seed/config.xml"
    assert "*/release" in fake.state.items["seed"].config_xml


def test_dry_run_changes_nothing(fake: FakeJenkins, client: JenkinsClient) -> None:
    result = apply_seed_job(client, SeedJob(REPO), dry_run=True)
    assert result.action == "would-create"
    assert "+++ wanted:seed/config.xml" in result.diff
    assert fake.posts() == []
    assert "seed" not in fake.state.items
    apply_seed_job(client, SeedJob(REPO))
    again = apply_seed_job(client, SeedJob(REPO, credentials="git"), dry_run=True)
    assert again.action == "would-update"
    assert "\n+          <credentialsId>git</credentialsId>\n" in again.diff
    assert "credentialsId" not in fake.state.items["seed"].config_xml


def test_seed_job_in_a_folder(fake: FakeJenkins, client: JenkinsClient) -> None:
    client.create_job("ops", FOLDER_XML)
    assert apply_seed_job(client, SeedJob(REPO, name="ops/seed")).action == "created"
    assert "ops/seed" in fake.state.items
