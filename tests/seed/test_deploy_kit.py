"""The deployment kit under deploy/: plugins, JCasC, the swarm agent setup."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from tests.support.groovy import compile_files

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _plugins() -> dict[str, str]:
    found = {}
    for line in (DEPLOY / "plugins.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            plugin, _, version = line.partition(":")
            assert re.fullmatch(r"[A-Za-z0-9-]+", plugin) and version, line
            found[plugin] = version
    return found


def test_every_plugin_the_generated_groovy_needs_is_listed() -> None:
    needed = {"job-dsl", "workflow-job", "workflow-cps", "pipeline-model-definition",
              "workflow-durable-task-step", "workflow-basic-steps", "credentials-binding",
              "plain-credentials", "cloudbees-folder", "git", "swarm", "metrics",
              "configuration-as-code"}
    assert needed <= set(_plugins())
    assert "timestamper" not in _plugins()  # not used by the generated Groovy


def test_templates_use_only_listed_step_plugins() -> None:
    templates = Path(__file__).resolve().parents[2] / "jobsmith" / "templates"
    text = "".join(p.read_text() for p in templates.glob("*.j2"))
    uses = {"withCredentials": "credentials-binding", "timeout(": "workflow-basic-steps",
            "sh(": "workflow-durable-task-step", "folder(": "cloudbees-folder",
            "pipelineJob(": "workflow-job", "lock(": "lockable-resources",
            "nodesByLabel(": "pipeline-utility-steps",
            "ThrottleJobProperty": "throttle-concurrents",
            "PriorityJobProperty": "PrioritySorter", "git(": "git"}
    for step, plugin in uses.items():
        if step in text:
            assert plugin in _plugins(), step
    for unlisted in ("timestamps", "ansiColor"):
        assert unlisted not in text


def _casc() -> dict:
    data = yaml.safe_load((DEPLOY / "jenkins.yaml").read_text())
    assert isinstance(data, dict)
    return data


def test_casc_turns_job_dsl_script_security_off() -> None:
    casc = _casc()
    assert casc["security"]["globalJobDslSecurityConfiguration"] == {"useScriptSecurity": False}
    assert casc["jenkins"]["numExecutors"] == 0


def test_casc_seed_job_script_compiles(tmp_path: Path) -> None:
    [job] = _casc()["jobs"]
    # JCasC substitutes ${VAR} and ${VAR:-default} before Job DSL sees the script.
    script = re.sub(r"\$\{[A-Z_]+(?::-([^}]*))?\}", lambda m: m.group(1) or "value",
                    job["script"])
    assert "pipelineJob('seed')" in script and "scriptPath('Jenkinsfile')" in script
    path = tmp_path / "seed_job.groovy"
    path.write_text(script)
    assert compile_files([path]) == {str(path): None}


def test_agent_environment_names_the_jobsmith_settings() -> None:
    env = dict(
        line.split("=", 1)
        for line in (DEPLOY / "agent" / "jobsmith-agent.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert {"JOBSMITH_STATSD", "JOBSMITH_SENSU", "JOBSMITH_OUTBOX"} <= set(env)
    assert "jobsmith" in env["SWARM_LABELS"].split()  # the seed pipeline's label
    assert re.fullmatch(r"(tcp|udp)://[^:]+:\d+|http://\S+", env["JOBSMITH_SENSU"])


def test_systemd_unit_reads_the_environment_file() -> None:
    unit = (DEPLOY / "agent" / "jenkins-swarm-agent.service").read_text()
    assert "EnvironmentFile=/etc/jobsmith/agent.env" in unit
    assert "-labels ${SWARM_LABELS}" in unit  # one argument, spaces kept
    assert "Restart=always" in unit


def test_install_script_is_valid_sh() -> None:
    result = subprocess.run(["sh", "-n", str(DEPLOY / "agent" / "install-agent.sh")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
