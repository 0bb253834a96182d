"""The shape of generated pipelines, read by Groovy 2.4's own parser (not by regex),
against what the real Declarative and core code does with it. Each test names the class
and method that implement the fact it relies on."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from jobsmith.generator import generate
from jobsmith.generator.steps import jenkins_label
from jobsmith.spec import load_tree
from jobsmith.spec.stages import GENERATED_STAGE_PREFIX
from jobsmith.wrapper.options import parse_args
from tests.support.pipeline_ast import (
    Node,
    block,
    calls,
    method,
    parse_files,
    section,
    stage_list,
    top_stages,
    walk,
)

FIXTURES = Path(__file__).parent / "fixtures" / "render"
EXAMPLES = Path(__file__).parents[2] / "examples" / "jobs"


@pytest.fixture(scope="module")
def pipelines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Node]:
    """Every golden pipeline and every example's pipeline, parsed in one JVM."""
    out = tmp_path_factory.mktemp("examples") / "out"
    generate(EXAMPLES, out)
    paths = [*sorted(FIXTURES.glob("*.pipeline.groovy")),
             *sorted((out / "pipelines").rglob("*.groovy"))]
    trees = parse_files(paths)
    return {str(path.relative_to(FIXTURES if path.is_relative_to(FIXTURES) else out)): tree
            for path, tree in trees.items()}


def _render_tree(tmp_path: Path, files: dict[str, str]) -> dict[str, Node]:
    for name, text in files.items():
        path = tmp_path / "jobs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    generate(tmp_path / "jobs", tmp_path / "out")
    paths = sorted((tmp_path / "out" / "pipelines").rglob("*.groovy"))
    return {path.relative_to(tmp_path / "out" / "pipelines").with_suffix("").as_posix(): tree
            for path, tree in parse_files(paths).items()}


# 1. Step bounds inside the agent --------------------------------------------------------

def test_no_stage_level_timeout_anywhere(pipelines: dict[str, Node]) -> None:
    """pipeline-model-definition `ModelInterpreter.evaluateStage` runs
    `inWrappers(thisStage.options?.wrappers)` outside `inDeclarativeAgent(...)`: a stage's
    `options { timeout }` is already running while the stage waits for its agent."""
    assert len(pipelines) > 20
    for name, tree in pipelines.items():
        for options in calls(tree, "options"):
            assert not [c for block_ in options.node["closures"] for c in block_
                        if c.get("name") == "timeout"], name


def test_every_step_and_checkout_is_bounded_inside_its_agent(pipelines: dict[str, Node]) -> None:
    """Each `sh` and `git` of a stage with a timeout sits in `timeout` inside `steps`
    (the stage's agent is allocated around `steps`, `ModelInterpreter.inDeclarativeAgent`),
    and in a fan-out inside `node(...)` of the one fan-out method."""
    bounded = 0
    for name, tree in pipelines.items():
        for found in calls(tree, "sh") + calls(tree, "git"):
            chain = found.call_chain
            if not found.enclosing("stage") and "jobsmithOnEach" not in chain:
                # the build's finish step (method jobsmithFinish, from `post { always }`)
                assert "node" in chain and chain.index("timeout") < chain.index("node"), name
                continue
            if "jobsmithOnEach" in chain:
                (call,) = found.enclosing("jobsmithOnEach")
                seconds = call["args"][2]
                assert isinstance(seconds, int), name
                bounded += seconds > 0
                continue
            if "timeout" not in chain:
                continue
            bounded += 1
            stage = found.enclosing("stage")[-1]
            assert chain.index("steps") < chain.index("timeout"), name
            assert section(stage, "agent") is not None, name
        if any(m["name"] == "jobsmithOnEach" for m in tree["methods"]):
            body = method(tree, "jobsmithOnEach")
            (node,) = calls(body, "node")
            (timeout,) = calls(node.node, "timeout")
            inner = [f.node["name"] for f in walk(timeout.node) if f.node.get("kind") == "call"]
            assert inner == ["body"], name
            assert timeout.node["named"] == {"time": {"expr": "seconds"}, "unit": "SECONDS"}
    assert bounded > 20


def test_stage_bound_values(pipelines: dict[str, Node]) -> None:
    """stages.yaml: 10m x 3 attempts + kill-after + backoff + margin, inside the agent."""
    stages = {s["args"][0]: s for s in top_stages(pipelines["stages.pipeline.groovy"])}
    steps = section(stages["extract"], "steps")
    assert steps is not None
    (timeout,) = block(steps)
    assert timeout["name"] == "timeout"
    assert timeout["named"]["unit"] == "SECONDS"
    assert [c["name"] for c in block(timeout)] == ["withEnv"]
    (sh,) = [f.node for f in walk(timeout) if f.node.get("name") == "sh"]
    options = parse_args(shlex.split(sh["named"]["script"])[2:])
    assert options.timeout == 600 and options.retries == 2
    worst = 3 * (600 + options.kill_after) + 2 * options.max_backoff
    assert worst < timeout["named"]["time"] <= worst + 61


# 4. Labels and stage names ----------------------------------------------------------------

def _unquote(text: str) -> str:
    """What `hudson.util.QuotedStringTokenizer.unquote` does to an expression before
    `jenkins.model.Jenkins.getLabel` parses it: strips one pair of matching quotes."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


@pytest.mark.parametrize(("expression", "sent"), [
    ('"my label" && "other label"', '("my label" && "other label")'),
    ('"a b"', '("a b")'),
    ('db && linux', 'db && linux'),
    ('"a b" || c', '"a b" || c'),
    ('(x) && "y z"', '(x) && "y z"'),
])
def test_labels_reach_jenkins_whole(expression: str, sent: str) -> None:
    assert jenkins_label(expression) == sent
    assert _unquote(sent) == sent  # Jenkins.getLabel leaves it as written


def test_quoted_labels_in_agent_and_on_each(tmp_path: Path) -> None:
    trees = _render_tree(tmp_path, {"fleet.yaml": """agent: '"my label" && "other label"'
stages:
  - {name: one, command: ./a.sh}
  - {name: all, command: ./b.sh, on_each: '"web server"'}
"""})
    tree = trees["fleet"]
    one, every = top_stages(tree)
    agent = section(one, "agent")
    assert agent is not None
    (label,) = block(agent)
    assert label["name"] == "label" and label["args"] == ['("my label" && "other label")']
    (fan_out,) = calls(every, "jobsmithOnEach")
    assert fan_out.node["args"][1] == '("web server")'
    (listing,) = calls(method(tree, "jobsmithOnEach"), "nodesByLabel")
    assert listing.node["named"]["label"] == {"expr": "label"}


def _stage_blocks(tree: Node) -> list[list[str]]:
    """The stage names of every `stages { }` and `parallel { }` block."""
    return [[s["args"][0] for s in stage_list(found.node)]
            for found in walk(tree) if found.node.get("name") in ("stages", "parallel")
            and found.node.get("closures")]


def test_stage_names_are_unique_in_every_block(pipelines: dict[str, Node]) -> None:
    """`ModelValidatorImpl.validateElement(ModelASTStages)` (and `ModelASTParallel`)
    rejects the whole pipeline with "Duplicate stage name" when two stages of one block
    share a name; generated stages start with the reserved prefix."""
    generated = 0
    for name, tree in pipelines.items():
        for names in _stage_blocks(tree):
            assert len(names) == len(set(names)), (name, names)
            generated += sum(n.startswith(GENERATED_STAGE_PREFIX) for n in names)
    assert generated >= 3  # skip guard, lock, parallel titles are among the goldens


def test_user_stage_cannot_take_a_generated_name(tmp_path: Path) -> None:
    from jobsmith.errors import SpecError

    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "j.yaml").write_text("""concurrency: skip
stages:
  - {name: "jobsmith: skip if running", command: ./a.sh}
  - parallel:
      - {name: a, command: ./a.sh}
      - {name: b, command: ./b.sh}
""")
    with pytest.raises(SpecError) as error:
        load_tree(tmp_path / "jobs")
    assert "stages[0].name" in str(error.value)
    assert "jobsmith's own" in str(error.value)


def test_default_group_title_cannot_collide(tmp_path: Path) -> None:
    """A user stage named like the old default title `parallel: a, b` beside that group."""
    trees = _render_tree(tmp_path, {"j.yaml": """stages:
  - {name: "parallel: a, b", command: ./x.sh}
  - parallel:
      - {name: a, command: ./a.sh}
      - {name: b, command: ./b.sh}
"""})
    (names,) = [n for n in _stage_blocks(trees["j"]) if "parallel: a, b" in n]
    assert names == ["parallel: a, b", "jobsmith: parallel a, b"]


# 5. Names exactly as Jenkins checks them ------------------------------------------------

def test_non_ascii_job_reaches_the_wrapper_exactly(tmp_path: Path) -> None:
    trees = _render_tree(tmp_path, {"reports/rapport-qualité.yaml": "command: ./r.sh\n",
                                    "reports/weekly job.yaml": "command: ./w.sh\n"})
    assert set(trees) == {"reports/rapport-qualité", "reports/weekly job"}
    for name, tree in trees.items():
        step, finish = calls(tree, "sh")  # the step, and the build's finish step
        assert parse_args(shlex.split(step.node["named"]["script"])[2:]).job == name
        argv = shlex.split(finish.node["named"]["script"])
        assert argv[argv.index("--job") + 1] == name
        (stage,) = top_stages(tree)
        assert stage["args"] == [name.rpartition("/")[2]]

