"""The fan-out of an `on_each` stage, run by real Groovy 2.4 with the Jenkins steps it
calls replaced by stand-ins (`tests/support/declarative_run.groovy`): every online agent
runs the step, each copy checks out and is bounded inside its own node, the stage waits
for all, fails when one failed, and names the agents that failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobsmith.generator import render_job
from jobsmith.spec import load_tree
from tests.support.declarative import run_pipeline

SPEC = """stages:
  - name: rotate logs
    on_each: web && linux
    command: ./rotate.sh
    timeout: 5m
checkout: {git: "https://git.example.com/ops.git"}
credentials:
  - {id: tok, variable: TOKEN}
"""


def _run(tmp_path: Path, online: list[str], failing: list[str]) -> list[str]:
    (tmp_path / "jobs").mkdir(exist_ok=True)
    (tmp_path / "jobs" / "fleet.yaml").write_text(SPEC)
    pipeline = tmp_path / "fleet.groovy"
    pipeline.write_text(render_job(load_tree(tmp_path / "jobs").jobs["fleet"]).pipeline)
    return run_pipeline(pipeline, online, failing)


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
    assert events[:2] == ["STAGE rotate logs", "LIST web && linux"]
    ran = [line.split()[1] for line in events if line.startswith("SH ")]
    assert ran == online  # every agent ran the step, failing ones included
    checked_out = [line.split()[1] for line in events if line.startswith("GIT ")]
    assert checked_out == online
    # each copy: allocated, then bounded (5m attempt + 10s kill + margin), then checkout
    for agent in online:
        mine = [e for e in events if e.split()[1:2] == [agent]
                or e == f"NODE {agent}"]
        assert [e.split()[0] for e in mine][:3] == ["NODE", "TIMEOUT", "GIT"]
    assert events[-len(last_lines):] == last_lines
