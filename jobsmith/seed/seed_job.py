"""The seed job: a pipeline job that runs the spec repository's `Jenkinsfile`.

`seed_config_xml` builds its config.xml (pure); `apply_seed_job` creates or updates
it only when the XML Jenkins holds differs in content (Jenkins stores a posted
config.xml after an XML identity transform, so the comparison is on canonical XML,
not bytes); a dry run returns the unified diff and changes nothing.

The Jenkinsfile must not set job properties (`properties([...])`, declarative
`options { disableConcurrentBuilds() }`, `parameters {}`, `triggers {}`): Jenkins
would write them into this job's config.xml and the next `jobsmith seed` would
see a difference. Everything the seed job needs is here.
"""

from __future__ import annotations

import difflib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Literal

from jobsmith.seed.connection import JenkinsClient
from jobsmith.seed.errors import UsageError

DEFAULT_NAME = "seed"
DEFAULT_BRANCH = "main"
SCRIPT_PATH = "Jenkinsfile"
_NO_CONCURRENT = "org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty"


@dataclass(frozen=True)
class SeedJob:
    """What the seed job checks out and runs."""

    repo: str
    branch: str = DEFAULT_BRANCH
    credentials: str | None = None
    name: str = DEFAULT_NAME
    keep_builds: int = 50


@dataclass(frozen=True)
class SeedResult:
    """`action`: created, updated, unchanged; with a dry run: would-create, would-update."""

    name: str
    action: Literal["created", "updated", "unchanged", "would-create", "would-update"]
    diff: str


def validate(seed: SeedJob) -> None:
    if not seed.repo.strip():
        raise UsageError("--repo must not be empty")
    if any(c.isspace() for c in seed.branch) or not seed.branch:
        raise UsageError(f"--branch {seed.branch!r} is not a branch name")
    for segment in seed.name.split("/"):
        if not segment or segment in (".", "..") or any(c in segment for c in "\\?*%<>:|\"[]#!@&;"):
            raise UsageError(f"--name {seed.name!r} is not a valid Jenkins item name")


def seed_config_xml(seed: SeedJob) -> str:
    """The config.xml of the seed job (WorkflowJob + CpsScmFlowDefinition + GitSCM)."""
    validate(seed)
    job = ET.Element("flow-definition", plugin="workflow-job")
    ET.SubElement(job, "actions")
    ET.SubElement(job, "description").text = (
        f"jobsmith seed job: runs {SCRIPT_PATH} from {seed.repo} ({seed.branch}) to "
        "generate and apply every job of the spec tree. Managed by `jobsmith seed`; "
        "changes made here are overwritten."
    )
    ET.SubElement(job, "keepDependencies").text = "false"
    properties = ET.SubElement(job, "properties")
    # Two seed runs at once would race on the generated-items bookkeeping of Job DSL.
    ET.SubElement(properties, _NO_CONCURRENT)
    discarder = ET.SubElement(properties, "jenkins.model.BuildDiscarderProperty")
    strategy = ET.SubElement(discarder, "strategy", {"class": "hudson.tasks.LogRotator"})
    for tag, value in (("daysToKeep", -1), ("numToKeep", seed.keep_builds),
                       ("artifactDaysToKeep", -1), ("artifactNumToKeep", -1)):
        ET.SubElement(strategy, tag).text = str(value)
    definition = ET.SubElement(job, "definition", {
        "class": "org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition",
        "plugin": "workflow-cps",
    })
    scm = ET.SubElement(definition, "scm", {"class": "hudson.plugins.git.GitSCM", "plugin": "git"})
    ET.SubElement(scm, "configVersion").text = "2"
    remotes = ET.SubElement(scm, "userRemoteConfigs")
    remote = ET.SubElement(remotes, "hudson.plugins.git.UserRemoteConfig")
    ET.SubElement(remote, "url").text = seed.repo
    if seed.credentials:
        ET.SubElement(remote, "credentialsId").text = seed.credentials
    branches = ET.SubElement(scm, "branches")
    branch = ET.SubElement(branches, "hudson.plugins.git.BranchSpec")
    ET.SubElement(branch, "name").text = f"*/{seed.branch}"
    ET.SubElement(scm, "doGenerateSubmoduleConfigurations").text = "false"
    ET.SubElement(scm, "submoduleCfg", {"class": "empty-list"})
    ET.SubElement(scm, "extensions")
    ET.SubElement(definition, "scriptPath").text = SCRIPT_PATH
    # Lightweight checkout reads only the Jenkinsfile; the pipeline checks out the rest.
    ET.SubElement(definition, "lightweight").text = "true"
    ET.SubElement(job, "triggers")
    ET.SubElement(job, "disabled").text = "false"
    ET.indent(job, space="  ")
    return "<?xml version='1.1' encoding='UTF-8'?>\n" + ET.tostring(job, encoding="unicode") + "\n"


def canonical(config_xml: str) -> str:
    """Content of a config.xml without the incidentals an XML transform changes
    (declaration, attribute quoting, empty-element form, indentation)."""
    try:
        root = ET.fromstring(config_xml.encode("utf-8"))
    except ET.ParseError:
        return config_xml  # not XML: compare as text
    for element in root.iter():
        if element.text is not None and not element.text.strip() and len(element):
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    ET.indent(root, space="  ")
    return ET.canonicalize(ET.tostring(root, encoding="unicode")) + "\n"


def config_diff(name: str, current: str | None, wanted: str) -> str:
    """Unified diff of the canonical config.xml on Jenkins against the wanted one."""
    before = canonical(current).splitlines(keepends=True) if current is not None else []
    after = canonical(wanted).splitlines(keepends=True)
    label = f"{name}/config.xml"
    return "".join(difflib.unified_diff(
        before, after, fromfile=f"jenkins:{label}" if current is not None else "/dev/null",
        tofile=f"wanted:{label}",
    ))


def apply_seed_job(client: JenkinsClient, seed: SeedJob, *, dry_run: bool = False) -> SeedResult:
    """Create or update the seed job; with `dry_run`, only say what would change."""
    wanted = seed_config_xml(seed)
    current = client.job_config(seed.name)
    diff = config_diff(seed.name, current, wanted)
    if current is not None and not diff:
        return SeedResult(seed.name, "unchanged", "")
    if dry_run:
        return SeedResult(seed.name, "would-create" if current is None else "would-update", diff)
    if current is None:
        client.create_job(seed.name, wanted)
        return SeedResult(seed.name, "created", diff)
    client.update_job(seed.name, wanted)
    return SeedResult(seed.name, "updated", diff)
