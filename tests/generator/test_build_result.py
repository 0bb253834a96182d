"""The pipeline sends one build-level result, at the end, whatever happened.

Run by real Groovy 2.4 with stand-ins for Declarative (`tests/support/declarative_run.groovy`).
What the stand-ins follow, from pipeline-model-definition's `ModelInterpreter`:
- `executeSingleStage` runs a stage's `post` in its `finally`, inside the stage's
  agent (`evaluateStage` wraps it in `inDeclarativeAgent`), so `post { failure }` can
  `readFile` the failing step's `--record` in that workspace;
- `executePostBuild` runs the pipeline's `post` after every stage, failed or not, and
  `runPostConditions` sets the build's result to the logical result first, so
  `currentBuild.currentResult` there is the build's outcome. With `agent none` at the
  top there is no node, so the finish step allocates one itself.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from jobsmith.generator import render_job
from jobsmith.spec import load_tree
from jobsmith.wrapper.options import parse_args
from tests.support.declarative import run_pipeline

SPECS = {
    "three_stages": """schedule: H 2 * * *
timeout: 10m
agent: linux
stages:
  - {name: extract, command: ./extract.sh}
  - {name: transform, command: ./transform.sh}
  - {name: load, command: ./load.sh}
""",
    "parallel_fail_fast": """schedule: H 2 * * *
timeout: 10m
stages:
  - parallel:
      - {name: left, command: ./l.sh, agent: a}
      - {name: right, command: ./r.sh, agent: b}
    fail_fast: true
""",
    "fan_out_last": """schedule: H 2 * * *
timeout: 5m
stages:
  - {name: prepare, command: ./p.sh, agent: linux}
  - {name: rotate, command: ./rotate.sh, on_each: web}
""",
}


def _events(tmp_path: Path, name: str, failing: list[str],
            previous: list[str] | None = None) -> list[str]:
    (tmp_path / "jobs").mkdir(exist_ok=True)
    (tmp_path / "jobs" / f"{name}.yaml").write_text(SPECS[name])
    job = load_tree(tmp_path / "jobs").jobs[name]
    pipeline = tmp_path / f"{name}.groovy"
    pipeline.write_text(render_job(job).pipeline)
    return run_pipeline(pipeline, ["web1", "web2"], failing, post=True,
                        previous=previous or [])


def _finish(events: list[str]) -> tuple[list[str], dict[str, str]]:
    """The one finish step's wrapper arguments and the environment it got."""
    shells = [e for e in events if e.startswith("POST SH ")]
    assert len(shells) == 1, events  # exactly one build-level result per build
    (env_line,) = [e for e in events if e.startswith("POST WITHENV ")]
    pairs = env_line.split(" ", 3)[3]
    env = dict(item.split("=", 1) for item in pairs.split(",JOBSMITH_") if "=" in item)
    env = {(k if k.startswith("JOBSMITH_") else f"JOBSMITH_{k}"): v for k, v in env.items()}
    script = shells[0].split(" ", 3)[3]
    return shlex.split(script)[2:], env


@pytest.mark.parametrize(
    ("name", "failing", "result", "failed_stage"),
    [
        ("three_stages", [], "SUCCESS", None),
        ("three_stages", ["transform"], "FAILURE", "transform"),
        ("parallel_fail_fast", ["left"], "FAILURE", "left"),
        ("fan_out_last", ["web2"], "FAILURE", "rotate"),
        ("fan_out_last", [], "SUCCESS", None),
    ],
)
def test_one_finish_per_build_with_the_failing_stage(
    tmp_path: Path, name: str, failing: list[str], result: str, failed_stage: str | None
) -> None:
    events = _events(tmp_path, name, failing)
    body = [e for e in events if not e.startswith("POST ")]
    # Every step is a part: stage metrics only, no TTL, no Sensu result of its own.
    for line in body:
        if line.startswith("SH "):
            options = parse_args(shlex.split(line.split(" ", 2)[2])[2:])
            assert options.stage is not None and options.ttl is None and options.record
    args, env = _finish(events)
    options = parse_args([*args[:args.index("--finish")], "--finish", result])
    assert options.ttl is not None and options.ttl > 86400  # the build carries the TTL
    assert env["JOBSMITH_BUILD_RESULT"] == result
    assert env["JOBSMITH_BUILD_STARTED"] == "1700000000000"
    part = env.get("JOBSMITH_FAILED_PART", "")
    if failed_stage is None:
        assert part == ""
    else:
        assert json.loads(part)["stage"] == failed_stage


@pytest.mark.parametrize(
    ("previous", "reported"),
    [
        ([], ""),
        (["SUCCESS"], "SUCCESS"),
        (["UNSTABLE", "FAILURE"], "UNSTABLE"),
        (["ABORTED", "NOT_BUILT", "FAILURE"], "FAILURE"),
        (["NOT_BUILT", "ABORTED"], ""),
    ],
)
def test_the_previous_result_skips_builds_that_did_no_work(
    tmp_path: Path, previous: list[str], reported: str
) -> None:
    """`JOBSMITH_PREVIOUS_RESULT` is the last completed build that did its work: the
    pipeline walks `currentBuild.previousCompletedBuild` back past ABORTED and NOT_BUILT
    builds (workflow-support `RunWrapper.getPreviousCompletedBuild`, @Whitelisted, wraps
    `Run.getPreviousCompletedBuild`; `RunWrapper.getResult` is `Result.toString()`, so
    'ABORTED' and 'NOT_BUILT'), so an abort after a failure keeps the check critical."""
    _, env = _finish(_events(tmp_path, "three_stages", [], previous))
    assert env["JOBSMITH_PREVIOUS_RESULT"] == reported
