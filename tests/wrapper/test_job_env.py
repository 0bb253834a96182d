"""The environment a job's command really sees on an agent, end to end: the generated
`withEnv` list (read by Groovy 2.4's parser) applied the way Jenkins applies it, then the
real wrapper process, then the command.

Jenkins' side, ported from `hudson.EnvVars.override(String key, String value)`: an empty
value removes the variable; `KEY+NAME=V` puts V before the existing KEY with the path
separator; anything else replaces. `withEnv` applies it (`EnvStep.Expander.expand` ->
`EnvVars.overrideAll`), and the agent's launcher applies it again when it starts the
process (`Launcher.inherit`), so no empty variable survives to `exec`."""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

from jobsmith.generator import generate
from tests.support.pipeline_ast import calls, parse_files
from tests.wrapper.conftest import StatsdDaemon, run_wrapper
from tests.wrapper.test_metrics import wait_for_counter

FIXTURE = Path(__file__).parents[1] / "generator" / "fixtures" / "render" / "env_exact.yaml"


def _override(env: dict[str, str], pairs: list[str]) -> dict[str, str]:
    result = dict(env)
    for pair in pairs:
        key, _, value = pair.partition("=")
        if not value:
            result.pop(key, None)
            continue
        plus = key.find("+")
        if plus > 0:
            real = key[:plus]
            result[real] = value if real not in result else value + os.pathsep + result[real]
        else:
            result[key] = value
    return result


def test_env_reaches_the_command_exactly(tmp_path: Path, wrapper_env: dict[str, str]) -> None:
    (tmp_path / "jobs").mkdir()
    shutil.copy(FIXTURE, tmp_path / "jobs" / "env_exact.yaml")
    generate(tmp_path / "jobs", tmp_path / "out")
    pipeline = tmp_path / "out" / "pipelines" / "env_exact.groovy"
    tree = parse_files([pipeline])[pipeline]
    # the step's, then the build's finish step's (method jobsmithFinish, after pipeline {})
    with_env, _finish_env = calls(tree, "withEnv")
    sh, _finish = calls(tree, "sh")
    # the counting stage's folded triggers: this build had one cause, so none folded
    pairs = [p if isinstance(p, str) else "JOBSMITH_FOLDED=0" for p in with_env.node["args"][0]]
    assert [p for p in with_env.node["args"][0] if not isinstance(p, str)] == [
        {"expr": "(JOBSMITH_FOLDED= + this.jobsmithFolded())"}]
    agent = dict(wrapper_env, EMPTY="from the agent", REGION="agent", MODE="x")
    # the build's parameters, as the timer trigger gives them: their defaults ("")
    build = _override(agent, ["NOTE=", "MODE=", "DRY_RUN=false"])
    launched = {k: v for k, v in _override(build, pairs).items() if v}  # the launcher
    assert "EMPTY" not in launched and "NOTE" not in launched
    (tmp_path / "report.sh").write_text("#!/bin/sh\nenv -0\n")
    (tmp_path / "report.sh").chmod(0o755)
    argv = shlex.split(sh.node["named"]["script"])
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = run_wrapper(argv[2:], launched)
    finally:
        os.chdir(cwd)
    assert result.returncode == 0, result.stderr
    seen = dict(item.split("=", 1) for item in result.stdout.decode().split("\0") if item)
    assert seen["EMPTY"] == "" and seen["REGION"] == "" and seen["NOTE"] == ""
    assert seen["MODE"] == "" and seen["DRY_RUN"] == "false"
    assert seen["PATH"] == "/opt/report-tool/bin" + os.pathsep + wrapper_env["PATH"]


def test_folded_triggers_reach_statsd(statsd_daemon: StatsdDaemon,
                                      wrapper_env: dict[str, str]) -> None:
    """The counting stage's `JOBSMITH_FOLDED` becomes the counter `<job>.folded`, in a
    whole one-step build and in a part of a larger one."""
    env = dict(wrapper_env, JOBSMITH_STATSD=statsd_daemon.address, JOBSMITH_FOLDED="3")
    assert run_wrapper(["--job", "team/busy", "--", "true"], env).returncode == 0
    assert run_wrapper(["--job", "team/busy", "--stage", "first", "--", "true"],
                       env).returncode == 0
    plain = dict(wrapper_env, JOBSMITH_STATSD=statsd_daemon.address)
    assert run_wrapper(["--job", "team/busy", "--", "true"], plain).returncode == 0
    counters = wait_for_counter(statsd_daemon, "jobsmith.team.busy.folded", 6)
    assert counters["jobsmith.team.busy.folded"] == 6
