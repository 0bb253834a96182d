"""A job whose name Jenkins accepts but that is not ASCII (`reports/rapport-qualité`)
works end to end: generated, its pipeline's shell steps run as Jenkins would run them
(the stage's step, a `--stage` part, then the build's finish step in the pipeline's
`post { always }`), its metrics reach the reference statsd daemon and its one
build-level check result reaches Sensu under names both accept."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from jobsmith.generator import generate
from tests.support.pipeline_ast import calls, parse_files
from tests.wrapper.conftest import StatsdDaemon
from tests.wrapper.fake_sensu import FakeSensu
from tests.wrapper.test_metrics import wait_for_counter


def _sh(script: str, workspace: Path, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """One `sh` step: durable-task's BourneShellScript runs the script with `sh -xe`
    in the workspace (there is nothing but `jobsmith` on the agent's PATH to find)."""
    return subprocess.run(["/bin/sh", "-e", "-c", script], cwd=workspace, env=env,
                          capture_output=True, timeout=60, check=False)


def test_rapport_qualite_end_to_end(tmp_path: Path, statsd_daemon: StatsdDaemon,
                                    fake_sensu: FakeSensu, wrapper_env: dict[str, str]) -> None:
    jobs = tmp_path / "jobs" / "reports"
    jobs.mkdir(parents=True)
    (jobs / "rapport-qualité.yaml").write_text("command: echo prêt\n", encoding="utf-8")
    generate(tmp_path / "jobs", tmp_path / "out")
    manifest = (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")
    assert '"reports/rapport-qualité"' in manifest
    pipeline = tmp_path / "out" / "pipelines" / "reports" / "rapport-qualité.groovy"
    tree = parse_files([pipeline])[pipeline]
    # the stage's step, then the finish step (method jobsmithFinish, after pipeline {})
    step, finish = calls(tree, "sh")
    assert step.node["named"]["label"] == "rapport-qualité"
    assert finish.enclosing("node")
    assert finish.node["named"]["label"] == "jobsmith: report the build"
    for found in (step, finish):
        assert found.node["named"]["script"].startswith(
            "jobsmith run --job 'reports/rapport-qualité' ")

    # `jobsmith` on the agent's PATH is this checkout's wrapper
    bin_dir = tmp_path / "agent-bin"
    bin_dir.mkdir()
    (bin_dir / "jobsmith").write_text(f'#!/bin/sh\nexec {sys.executable} -m jobsmith "$@"\n')
    (bin_dir / "jobsmith").chmod(0o755)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    agent = dict(wrapper_env, PATH=f"{bin_dir}:{wrapper_env['PATH']}",
                 JOBSMITH_STATSD=statsd_daemon.address, JOBSMITH_SENSU=fake_sensu.tcp_url,
                 BUILD_NUMBER="1")

    ran = _sh(step.node["named"]["script"], workspace, dict(agent, JOBSMITH_FOLDED="0"))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.decode() == "prêt\n"
    record = json.loads((workspace / ".jobsmith" / "rapport-qualit_.json").read_text())
    assert record["stage"] == "rapport-qualité" and record["exit_code"] == 0
    assert fake_sensu.accepted == []  # a part of a build sends no Sensu result

    # what jobsmithFinish's withEnv gives a first build that succeeded
    (finish_env,) = finish.enclosing("withEnv")
    names = [str(p).split("=", 1)[0].lstrip("(") for p in finish_env["args"][0]]
    assert [n.split("JOBSMITH_", 1)[-1] for n in names] == [
        "FAILED_PART", "BUILD_RESULT", "BUILD_STARTED", "PREVIOUS_RESULT"]
    ended = _sh(finish.node["named"]["script"], tmp_path, dict(
        agent, JOBSMITH_FAILED_PART="", JOBSMITH_BUILD_RESULT="SUCCESS",
        JOBSMITH_BUILD_STARTED="1764590400000", JOBSMITH_PREVIOUS_RESULT=""))
    assert ended.returncode == 0, ended.stderr

    counters = wait_for_counter(statsd_daemon, "jobsmith.reports.rapport-qualit_.runs", 1)
    assert counters["jobsmith.reports.rapport-qualit_.success"] == 1
    assert counters["jobsmith.reports.rapport-qualit_.stages.rapport-qualit_.success"] == 1
    (check,) = fake_sensu.wait_for(1)
    assert check["name"] == "jobsmith.reports.rapport-qualit_"
    assert re.fullmatch(r"[\w.-]+", check["name"], re.ASCII)
    assert check["job"] == "reports/rapport-qualité"
    assert check["status"] == 0 and check["build"] == 1
