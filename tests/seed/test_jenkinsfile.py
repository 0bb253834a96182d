"""The seed pipeline, run by Groovy 2.4 with its steps recorded, and its Job DSL
targets resolved over real generator output the way the job-dsl plugin resolves them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from jobsmith.cli.app import cli
from tests.support.groovy import JAVA_HOME, compile_files, require_groovy

ROOT = Path(__file__).resolve().parents[2]
JENKINSFILE = ROOT / "Jenkinsfile"


@pytest.fixture(scope="module")
def calls() -> list[dict[str, Any]]:
    require_groovy()
    env = {**os.environ, "JAVA_HOME": os.environ.get("JAVA_HOME", JAVA_HOME)}
    result = subprocess.run(
        ["groovy", str(Path(__file__).with_name("jenkinsfile_stub.groovy")), str(JENKINSFILE)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    recorded: list[dict[str, Any]] = json.loads(result.stdout.strip().splitlines()[-1])
    return recorded


def test_it_compiles_with_groovy_24() -> None:
    assert compile_files([JENKINSFILE]) == {str(JENKINSFILE): None}


def test_stages_run_validate_generate_apply(calls: list[dict[str, Any]]) -> None:
    stages = [c["args"][0] for c in calls if c["name"] == "stage"]
    assert stages == ["Install jobsmith", "Validate", "Generate", "Apply", "Expect"]
    shells = [c["args"][0] for c in calls if c["name"] == "sh"]
    assert 'pip install --quiet "$spec"' in shells[0]  # tests/deploy/test_seed_install.py
    assert shells[1] == '.jobsmith-venv/bin/jobsmith validate "${JOBSMITH_SPECS:-jobs}"'
    assert shells[2] == '.jobsmith-venv/bin/jobsmith generate "${JOBSMITH_SPECS:-jobs}" -o out'


def test_after_job_dsl_sensu_is_told_what_the_new_specs_expect(
        calls: list[dict[str, Any]]) -> None:
    # credentials-binding: usernamePassword binds the read-only user's name and password
    # (UsernamePasswordMultiBinding); the step's `sh` runs inside withCredentials.
    names = [c["name"] for c in calls]
    assert names.index("jobDsl") < names.index("withCredentials")
    [binding] = [c for c in calls if c["name"] == "usernamePassword"]
    assert binding["args"][0] == {"credentialsId": "jobsmith-seed-reader",
                                  "usernameVariable": "JOBSMITH_JENKINS_USER",
                                  "passwordVariable": "JOBSMITH_JENKINS_TOKEN"}
    [credentials] = [c for c in calls if c["name"] == "withCredentials"]
    [expect] = [c for c in calls if c["name"] == "sh" and "expect" in c["args"][0]]
    assert expect["depth"] == credentials["depth"] + 1
    assert expect["args"][0].endswith(
        '.jobsmith-venv/bin/jobsmith expect out --seed-name "$JOB_NAME"')


def test_one_job_dsl_step_disabling_removed_jobs(calls: list[dict[str, Any]]) -> None:
    [step] = [c for c in calls if c["name"] == "jobDsl"]
    assert step["args"][0] == {
        "targets": "out/dsl/jobsmith.groovy",
        "removedJobAction": "DISABLE",
        "removedViewAction": "IGNORE",
        "removedConfigFilesAction": "IGNORE",
        "lookupStrategy": "JENKINS_ROOT",
        "failOnMissingPlugin": True,
        "unstableOnDeprecation": True,
    }


def test_no_job_properties_from_the_jenkinsfile(calls: list[dict[str, Any]]) -> None:
    names = {c["name"] for c in calls}
    assert not names & {"properties", "parameters", "triggers", "disableConcurrentBuilds",
                        "buildDiscarder"}
    assert [c["args"][0] for c in calls if c["name"] == "archiveArtifacts"] == [
        {"artifacts": "out/**", "allowEmptyArchive": True}]


def _resolve_targets(workspace: Path, targets: str) -> list[Path]:
    """ScriptRequestGenerator: each line is an Ant pattern, in order; requests are a
    LinkedHashSet, so a file matched twice runs once, at its first place."""
    ordered: dict[Path, None] = {}
    for line in targets.split("\n"):
        matches = sorted(workspace.glob(line))
        assert matches, f"no Job DSL script(s) found at {line}"
        for path in matches:
            ordered.setdefault(path, None)
    return list(ordered)


def test_the_one_target_is_every_script_generate_writes(calls: list[dict[str, Any]],
                                                       tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # the seed workspace is where `jobsmith generate ... -o out` runs
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["generate", str(ROOT / "examples" / "jobs"), "-o", "out"])
    assert result.exit_code == 0, result.output
    [step] = [c for c in calls if c["name"] == "jobDsl"]
    scripts = _resolve_targets(tmp_path, step["args"][0]["targets"])
    assert scripts == sorted((tmp_path / "out" / "dsl").rglob("*.groovy"))
    assert scripts == [tmp_path / "out" / "dsl" / "jobsmith.groovy"]
