"""The fan-out Groovy of an `on_each` stage, run by real Groovy 2.4 with the Jenkins
steps it calls replaced by stand-ins: every online agent runs the step, the stage waits
for all, fails when one failed, and names the agents that failed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from jobsmith.generator import render_job
from jobsmith.spec import load_tree
from tests.support.groovy import _env, require_groovy

HARNESS = Path(__file__).parent / "fan_out_harness.groovy"
SPEC = """stages:
  - name: rotate logs
    on_each: web && linux
    command: ./rotate.sh
checkout: {git: "https://git.example.com/ops.git"}
credentials:
  - {id: tok, variable: TOKEN}
"""


def _script_body(pipeline: str) -> str:
    """The lines inside the `script {` block of the fan-out stage."""
    lines = pipeline.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "script {"
                 and "nodesByLabel" in lines[i + 1])
    indent = lines[start].index("script")
    end = next(i for i in range(start + 1, len(lines))
               if lines[i].strip() == "}" and lines[i].index("}") == indent)
    return "\n".join(lines[start + 1:end]) + "\n"


def _run(tmp_path: Path, online: list[str], failing: list[str]) -> list[str]:
    require_groovy()
    (tmp_path / "jobs").mkdir(exist_ok=True)
    (tmp_path / "jobs" / "fleet.yaml").write_text(SPEC)
    pipeline = render_job(load_tree(tmp_path / "jobs").jobs["fleet"]).pipeline
    body = tmp_path / "body.groovy"
    body.write_text(_script_body(pipeline))
    result = subprocess.run(["groovy", str(HARNESS), str(body), ",".join(online),
                             ",".join(failing)], capture_output=True, text=True,
                            env=_env(), timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.splitlines()


@pytest.mark.parametrize(
    ("online", "failing", "last_lines"),
    [
        (["web1", "web2", "web3"], [], ["RESULT success"]),
        (["web1", "web2", "web3"], ["web1", "web3"],
         ["ECHO jobsmith: rotate logs failed on 2 of 3 agents: web1, web3",
          "RESULT failure: script returned exit code 1 on web1"]),
        ([], [], ["RESULT failure: ERROR jobsmith: rotate logs: no online agent matches "
                  "web && linux"]),
    ],
    ids=["all-succeed", "two-fail", "no-agent"],
)
def test_fan_out_runs_everywhere_and_names_failures(tmp_path: Path, online: list[str],
                                                    failing: list[str],
                                                    last_lines: list[str]) -> None:
    events = _run(tmp_path, online, failing)
    assert events[0] == "LIST web && linux"
    ran = [line.split()[1] for line in events if line.startswith("SH ")]
    assert ran == online  # every agent ran the step, failing ones included
    checked_out = [line.split()[1] for line in events if line.startswith("GIT ")]
    assert checked_out == online
    assert events[-len(last_lines):] == last_lines
