"""Stages that hand files on, and stages that get what they need.

Each stage with its own `agent` gets its own executor and workspace (Declarative's
`ModelInterpreter.inDeclarativeAgent` allocates a node per stage), so files reach a later
stage only through `stash`/`unstash` (workflow-basic-steps `StashStep`/`UnstashStep`,
stored on the controller by `StashManager`), or by checking out again."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

from jobsmith.generator import generate
from tests.support.declarative import run_pipeline
from tests.support.pipeline_ast import Node, block, calls, parse_files, section, top_stages

FIXTURES = Path(__file__).parent / "fixtures" / "render"
EXAMPLES = Path(__file__).parents[2] / "examples" / "jobs"


def _steps_of(stage: Node) -> list[str]:
    steps = section(stage, "steps")
    assert steps is not None
    body = block(steps)
    if len(body) == 1 and body[0]["name"] == "timeout":
        body = block(body[0])
    return [s["name"] for s in body]


def test_outputs_are_stashed_after_and_unstashed_before() -> None:
    path = FIXTURES / "outputs.pipeline.groovy"
    tree = parse_files([path])[path]
    build, group, publish = top_stages(tree)
    assert _steps_of(build) == ["git", "withEnv", "stash"]
    (stash,) = calls(build, "stash")
    assert stash.node["named"] == {"name": "jobsmith outputs of build",
                                   "includes": "report.csv,out/**", "allowEmpty": False}
    parallel = section(group, "parallel")
    assert parallel is not None
    render, lint = [s for s in block(parallel) if s["name"] == "stage"]
    # branches run side by side: each gets what came before the group, not its sibling's
    for branch in (render, lint):
        assert [u.node["args"] for u in calls(branch, "unstash")] == [
            ["jobsmith outputs of build"]]
    assert _steps_of(render) == ["git", "unstash", "withEnv", "stash"]
    assert _steps_of(publish) == ["git", "unstash", "unstash", "withEnv"]
    assert [u.node["args"][0] for u in calls(publish, "unstash")] == [
        "jobsmith outputs of build", "jobsmith outputs of render"]


def test_outputs_reach_later_stages_in_order() -> None:
    events = run_pipeline(FIXTURES / "outputs.pipeline.groovy", ["agent1"])
    assert events[-1] == "RESULT success"
    order = [e.split()[0] for e in events if e.split()[0] in ("STAGE", "STASH", "UNSTASH",
                                                              "SH")]
    assert order == ["STAGE", "SH", "STASH",  # build
                     "STAGE",  # the group
                     "STAGE", "UNSTASH", "SH", "STASH",  # render
                     "STAGE", "UNSTASH", "SH",  # lint
                     "STAGE", "UNSTASH", "UNSTASH", "SH"]  # publish


def test_a_failed_stage_hands_nothing_on() -> None:
    events = run_pipeline(FIXTURES / "outputs.pipeline.groovy", ["agent1"], ["build"])
    assert not [e for e in events if e.startswith(("STASH", "UNSTASH"))]
    assert events[-1].startswith("RESULT failure")


def test_every_example_step_has_what_it_runs(tmp_path: Path) -> None:
    """A step that runs a file of the workspace (`./x`, `python3 -m pkg`) checks the
    repository out in its own workspace first (the README's examples once did not, and
    would exit 127 on a real agent)."""
    shutil.copytree(EXAMPLES, tmp_path / "jobs")
    generate(tmp_path / "jobs", tmp_path / "out")
    paths = sorted((tmp_path / "out" / "pipelines").rglob("*.groovy"))
    checked = 0
    for path, tree in parse_files(paths).items():
        for sh in calls(tree, "sh"):
            argv = shlex.split(sh.node["named"]["script"])
            if "--" not in argv:
                continue  # the build's finish step (`--finish`) runs no command
            command = argv[argv.index("--") + 1:]
            text = command[-1] if command[:2] == ["sh", "-c"] else " ".join(command)
            if not (text.startswith("./") or " -m " in f" {text} "):
                continue
            checked += 1
            holder = sh.ancestors[-1]
            while holder.get("name") == "withCredentials" or holder.get("name") == "withEnv":
                holder = sh.ancestors[sh.ancestors.index(holder) - 1]
            assert "git" in [s.get("name") for s in block(holder)], (path.name, text)
    assert checked >= 8
