"""The agent side of the kit: the systemd units (the swarm agent, and the outbox drain's
service and timer), their environment, and how jobsmith itself is installed
(deploy/agent/install-jobsmith.sh), run for real against a wheel that `make dist`
builds."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AGENT = ROOT / "deploy" / "agent"
INSTALL = AGENT / "install-jobsmith.sh"


def unit_settings(path: Path = AGENT / "jenkins-swarm-agent.service",
                  wanted: str = "[Service]") -> dict[str, list[str]]:
    """The settings of one section of a unit, continuation lines joined (systemd.syntax)."""
    text = path.read_text().replace("\\\n", " ")
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
        if section == wanted:
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


DRAIN_SERVICE = AGENT / "jobsmith-drain.service"
DRAIN_TIMER = AGENT / "jobsmith-drain.timer"
# Sensu 1.x sweeps for expired TTLs every 30 s, the first time 30 s after the server
# takes that task on (at the earliest as it starts; a lone server 30 s later, after its
# two other tasks: `setup_task_elections`): `setup_check_result_monitor(interval=30)`
# makes an `EM::PeriodicTimer` (lib/sensu/server/process.rb), whose first tick is one
# interval after it is made.
SENSU_FIRST_SWEEP = 30.0


def _seconds(text: str) -> float:
    from jobsmith.durations import parse_duration

    return parse_duration(text)


def test_the_drain_runs_as_the_agent_with_its_settings() -> None:
    service = unit_settings(DRAIN_SERVICE)
    swarm = unit_settings()
    for key in ("User", "Group", "EnvironmentFile"):  # the outbox is that user's files
        assert service[key] == swarm[key], key
    assert service["Type"] == ["oneshot"]
    [command] = service["ExecStart"]
    argv = command.split()
    assert argv[:4] == ["/opt/jobsmith/current/bin/jobsmith", "run", "--drain", "--timeout"]
    # systemd's own bound lies above the drain's budget, which lies under the interval.
    budget = _seconds(argv[4])
    timer = unit_settings(DRAIN_TIMER, "[Timer]")
    interval = _seconds(timer["OnUnitInactiveSec"][0])
    assert budget < interval < _seconds(service["TimeoutStartSec"][0])


def test_the_drain_timer_beats_sensus_first_sweep_after_an_outage() -> None:
    """After Sensu returns, the next drain starts within the interval (counted from the
    previous drain's end, which found Sensu down and ended at once) plus the timer's
    accuracy: at most half of the 30 s before the first sweep; and it ends, its whole
    budget spent, before that sweep. Otherwise every check with a result waiting in an
    outbox gets a missed-run alert. systemd's default AccuracySec is 1 minute."""
    timer = unit_settings(DRAIN_TIMER, "[Timer]")
    interval = _seconds(timer["OnUnitInactiveSec"][0])
    accuracy = _seconds(timer["AccuracySec"][0])
    [command] = unit_settings(DRAIN_SERVICE)["ExecStart"]
    budget = _seconds(command.split()[4])
    assert interval + accuracy <= SENSU_FIRST_SWEEP / 2
    assert interval + accuracy + budget < SENSU_FIRST_SWEEP
    assert _seconds(timer["OnActiveSec"][0]) <= interval  # the first run, at boot
    assert "RandomizedDelaySec" not in timer
    assert unit_settings(DRAIN_TIMER, "[Install]")["WantedBy"] == ["timers.target"]


def test_the_installer_installs_and_the_docs_enable_the_drain_timer() -> None:
    script = (AGENT / "install-agent.sh").read_text()
    for unit in ("jobsmith-drain.service", "jobsmith-drain.timer"):
        assert f'"$HERE/{unit}" /etc/systemd/system/{unit}' in script
    assert "systemctl enable --now jenkins-swarm-agent jobsmith-drain.timer" in script
    assert "systemctl enable --now jenkins-swarm-agent jobsmith-drain.timer" in (
        ROOT / "docs" / "deploy.md").read_text()


def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """systemd's own parser, offline, over a root holding the system's units and
    stand-ins for the programs the units start (verify checks they are executable)."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: make system-deps installs it (systemd)"
    root = tmp_path / "root"
    system = Path("/usr/lib/systemd/system")
    assert system.is_dir(), "no /usr/lib/systemd/system"
    shutil.copytree(system, root / "usr/lib/systemd/system", symlinks=True)
    for program in ("usr/bin/java", "opt/jobsmith/current/bin/jobsmith"):
        path = root / program
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    units = root / "etc/systemd/system"
    units.mkdir(parents=True)
    names = ["jenkins-swarm-agent.service", "jobsmith-drain.service", "jobsmith-drain.timer"]
    for name in names:
        shutil.copy(AGENT / name, units / name)
    checked = subprocess.run([analyze, "verify", f"--root={root}",
                              *[f"/etc/systemd/system/{name}" for name in names]],
                             capture_output=True, text=True, check=False)
    # An unknown key or a bad value is only a warning: none may be printed.
    assert (checked.returncode, checked.stderr, checked.stdout) == (0, "", "")


def test_the_drain_units_command_line_drains_for_real(tmp_path: Path) -> None:
    """The service's ExecStart, with this checkout's jobsmith in place of the installed
    one, against the fake Sensu: the stored alert is delivered."""
    from jobsmith.wrapper.outbox import Outbox
    from tests.wrapper.fake_sensu import FakeSensu

    [command] = unit_settings(DRAIN_SERVICE)["ExecStart"]
    argv = command.split()
    outbox = tmp_path / "outbox"
    Outbox(str(outbox)).put({"name": "jobsmith.stored", "status": 0, "output": "ok\n",
                             "executed": int(time.time()), "duration": 1})
    sensu = FakeSensu()
    try:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("JOBSMITH_")}
        env.update(JOBSMITH_SENSU=sensu.tcp_url, JOBSMITH_OUTBOX=str(outbox))
        done = subprocess.run([sys.executable, "-m", "jobsmith", *argv[1:]], env=env,
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert [check["name"] for check in sensu.wait_for(1)] == ["jobsmith.stored"]
    finally:
        sensu.close()
