"""Queue folding made visible. Jenkins folds a trigger that comes while the job already
waits in the queue into that waiting item: `Queue.schedule2` -> `scheduleInternal` finds
the item (`liveGetItems`; a parameters `QueueAction` that differs keeps them apart) and
calls `CauseAction.foldIntoExisting`, which adds the new causes to the item's bag
(`addCauses`); `CauseAction.getCauses` lists each cause once per fold
(`Collections.nCopies`), and `TimerTriggerCause.equals` makes every tick the same cause.
So with `concurrency: queue` at most one run waits, and its build lists one cause per
trigger it absorbed. `currentBuild.getBuildCauses()` (workflow-support `RunWrapper`,
`@Whitelisted`; its own sandboxed test `RunWrapperTest` calls `.size()` on it) returns
that list."""

from __future__ import annotations

from pathlib import Path

from tests.support.declarative import run_pipeline
from tests.support.pipeline_ast import calls, method, parse_files, walk

FIXTURES = Path(__file__).parent / "fixtures" / "render"
TIMER = "hudson.triggers.TimerTrigger$TimerTriggerCause"


def test_one_stage_counts_the_folded_triggers() -> None:
    paths = sorted(FIXTURES.glob("*.pipeline.groovy"))
    for path, tree in parse_files(paths).items():
        counting = calls(tree, "jobsmithFolded")
        fan_out_only = "fan_out" in path.name
        assert len(counting) == (0 if fan_out_only else 1), path.name
        if counting:
            (use,) = counting
            assert use.call_chain[-1] == "withEnv", path.name  # passed to one step
            body = method(tree, "jobsmithFolded")
            assert [f.node["name"] for f in walk(body) if f.node.get("kind") == "call"
                    and f.node["name"] == "getBuildCauses"] == ["getBuildCauses"]


def test_a_build_that_absorbed_ticks_says_so() -> None:
    events = run_pipeline(FIXTURES / "stages.pipeline.groovy", ["linux1"],
                          causes=[TIMER, TIMER, TIMER])
    assert ("ECHO jobsmith: this build absorbed 2 more trigger(s) that came while it "
            "waited in the queue") in events
    with_env = [e for e in events if e.startswith("WITHENV ")]
    assert with_env[0].endswith(",JOBSMITH_FOLDED=2")
    assert not any("JOBSMITH_FOLDED" in e for e in with_env[1:])  # counted once
    assert events[-1] == "RESULT success"


def test_a_build_of_one_trigger_is_quiet() -> None:
    events = run_pipeline(FIXTURES / "stages.pipeline.groovy", ["linux1"], causes=[TIMER])
    assert not [e for e in events if "absorbed" in e]
    first = next(e for e in events if e.startswith("WITHENV "))
    assert first.endswith("JOBSMITH_FOLDED=0")
