"""The agent side of the kit: the systemd unit, its environment, and how jobsmith itself
is installed (deploy/agent/install-jobsmith.sh), run for real against a wheel that
`make dist` builds."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AGENT = ROOT / "deploy" / "agent"
INSTALL = AGENT / "install-jobsmith.sh"


def unit_settings() -> dict[str, list[str]]:
    """The [Service] settings of the unit, continuation lines joined (systemd.syntax)."""
    text = (AGENT / "jenkins-swarm-agent.service").read_text().replace("\\\n", " ")
    settings: dict[str, list[str]] = {}
    section = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line
            continue
        key, _, value = line.partition("=")
        if section == "[Service]":
            settings.setdefault(key, []).append(value)
    return settings


def test_a_restart_stops_the_agent_jvm_only() -> None:
    # systemd.kill: `process` signals the main process alone; `mixed` and the default
    # `control-group` SIGKILL the rest of the cgroup - every build's process tree, which
    # durable-task started with nohup so that it outlives the agent JVM
    # (BourneShellScript.scriptLauncherCmd) and is found again after reconnecting.
    settings = unit_settings()
    assert settings["KillMode"] == ["process"]
    assert settings["Restart"] == ["always"]


def test_the_agent_comes_back_under_the_same_name() -> None:
    # DurableTaskStep finds the workspace by node name (FilePathUtils.find); a swarm
    # client without -disableClientsUniqueId appends a hash that may change.
    [command] = unit_settings()["ExecStart"]
    args = command.split()
    assert "-disableClientsUniqueId" in args
    assert args[args.index("-name") + 1] == "%H"
    assert "-labels ${SWARM_LABELS}" in command  # ${VAR}: one argument, spaces kept
    assert unit_settings()["EnvironmentFile"] == ["/etc/jobsmith/agent.env"]


def _agent_env() -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in (AGENT / "jobsmith-agent.env").read_text().splitlines()
        if line and not line.startswith("#")
    )


def test_agent_environment_names_the_jobsmith_settings() -> None:
    env = _agent_env()
    assert {"JOBSMITH_STATSD", "JOBSMITH_SENSU", "JOBSMITH_OUTBOX"} <= set(env)
    assert "jobsmith" in env["SWARM_LABELS"].split()  # the seed pipeline's label
    assert re.fullmatch(r"(tcp|udp)://[^:]+:\d+|http://\S+", env["JOBSMITH_SENSU"])
    # Steps find the current release; running builds keep theirs.
    assert env["PATH"].split(":")[0] == "/opt/jobsmith/current/bin"


@pytest.mark.parametrize("script", ["install-agent.sh", "install-jobsmith.sh"])
def test_install_scripts_are_valid_sh(script: str) -> None:
    result = subprocess.run(["sh", "-n", str(AGENT / script)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def _install(spec: str | None, prefix: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("JOBSMITH_PIP_SPEC", "JOBSMITH_INDEX_URL", "JOBSMITH_VERSION")}
    if spec is not None:
        environ["JOBSMITH_PIP_SPEC"] = spec
    environ.update(env)
    return subprocess.run(["sh", str(INSTALL), str(prefix)], capture_output=True, text=True,
                          env=environ, timeout=600, check=False)


REFUSED = [
    (None, "JOBSMITH_PIP_SPEC is not set"),
    ("", "JOBSMITH_PIP_SPEC is not set"),
    ("jobsmith", "jobsmith is not a pinned jobsmith"),
    ("jobsmith>=0.1", "is not a pinned jobsmith"),
    ("jobsmith==0.1.0", "needs JOBSMITH_INDEX_URL"),
    ("git+https://git.example.com/jobsmith.git", "name a tag"),
    ("https://pkgs.example.com/other-0.1.0-py3-none-any.whl", "not a jobsmith wheel"),
]


@pytest.mark.parametrize(("spec", "message"), REFUSED)
def test_the_installer_refuses_what_names_no_release(tmp_path: Path, spec: str | None,
                                                     message: str) -> None:
    result = _install(spec, tmp_path / "opt")
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "opt").exists()  # refused before anything was installed


@pytest.mark.parametrize(("spec", "version"), [
    ("https://pkgs.example.com/jobsmith-0.2.0-py3-none-any.whl", "0.2.0"),
    ("jobsmith @ https://pkgs.example.com/jobsmith-0.2.1-py3-none-any.whl", "0.2.1"),
    ("git+https://git.example.com/jobsmith.git@v0.3.0", "0.3.0"),
])
def test_the_installer_reads_the_version_a_spec_names(spec: str, version: str) -> None:
    result = subprocess.run(["sh", str(INSTALL), "--check"], capture_output=True, text=True,
                            env={**os.environ, "JOBSMITH_PIP_SPEC": spec}, check=False)
    assert (result.returncode, result.stdout) == (0, f"{version}\n"), result.stderr


def _version() -> str:
    from jobsmith import __version__

    return __version__


def test_make_dist_builds_a_wheel_that_installs_and_is_made_current(
        wheel: Path, tmp_path: Path) -> None:
    assert wheel.name == f"jobsmith-{_version()}-py3-none-any.whl"
    prefix = tmp_path / "opt"
    result = _install(str(wheel), prefix)
    assert result.returncode == 0, result.stderr
    assert os.readlink(prefix / "current") == f"versions/{_version()}"
    jobsmith = prefix / "current" / "bin" / "jobsmith"
    out = subprocess.run([str(jobsmith), "--version"], capture_output=True, text=True,
                         check=True).stdout
    assert out == f"jobsmith, version {_version()}\n"
    # The installed package holds the same seed template: the same approval hash.
    installed = subprocess.run([str(jobsmith), "approval-hash"], capture_output=True,
                               text=True, check=True).stdout.strip()
    from jobsmith.generator.seed_script import seed_approval_hash

    assert installed == seed_approval_hash("out")

    # Installing the same release again leaves its virtualenv alone (builds may run
    # from it) and keeps it current.
    again = _install(str(wheel), prefix)
    assert again.returncode == 0 and "already installed" in again.stdout, again.stderr


def test_a_spec_that_installs_another_version_is_refused(wheel: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "opt"
    result = _install(str(wheel), prefix, JOBSMITH_VERSION="9.9.9")
    assert result.returncode == 2, result.stderr
    assert f"to install jobsmith 9.9.9 but installed: jobsmith, version {_version()}" in (
        result.stderr)
    assert not (prefix / "versions" / "9.9.9").exists()
    assert not (prefix / "current").exists()
