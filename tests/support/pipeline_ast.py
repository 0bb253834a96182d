"""The structure of generated pipelines as Groovy 2.4's parser sees it.

`parse_files` runs `groovy_ast.groovy` over many files in one JVM and returns each
file's tree (see that script for the shape). The helpers below walk it: every call with
the chain of calls and statements around it, so a test can say "every `sh` sits in a
`timeout` inside `node`" without looking at the text.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.groovy import run_over_files

Node = dict[str, Any]


def parse_files(paths: list[Path]) -> dict[Path, Node]:
    """path -> its tree; fails the test when Groovy cannot parse one."""
    reports, _ = run_over_files("groovy_ast.groovy", paths)
    failures = {path: payload for path, (status, payload) in reports.items()
                if status == "FAIL"}
    assert not failures, failures
    return {Path(path): json.loads(payload) for path, (_, payload) in reports.items()}


def parse_text(text: str) -> Node:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory, "pipeline.groovy")
        path.write_text(text, encoding="utf-8")
        return parse_files([path])[path]


@dataclass(frozen=True)
class Found:
    node: Node
    ancestors: tuple[Node, ...]  # outermost first

    def enclosing(self, name: str) -> list[Node]:
        """The calls named `name` around this node, outermost first."""
        return [a for a in self.ancestors if a.get("kind") == "call" and a["name"] == name]

    @property
    def call_chain(self) -> list[str]:
        return [a["name"] for a in self.ancestors if a.get("kind") == "call"]


def children(node: Node) -> Iterator[Node]:
    kind = node.get("kind")
    if kind == "call":
        yield from node["inner"]
        for block in node["closures"]:
            yield from block
        for value in node["named"].values():
            if isinstance(value, dict) and "closure" in value:
                yield from value["closure"]
    elif kind == "script":
        yield from node["body"]
        yield from node["methods"]
    elif kind in ("method", "closure"):
        yield from node["body"]
    elif kind == "if":
        yield from node["calls"]
        yield from node["then"]
        yield from node["else"]
    elif kind in ("for", "while"):
        yield from node["body"]
    elif kind == "try":
        yield from node["body"]
        for catch in node["catches"]:
            yield from catch["body"]
        yield from node["finally"]
    elif kind in ("expr", "return"):
        yield from node["calls"]


def walk(node: Node, ancestors: tuple[Node, ...] = ()) -> Iterator[Found]:
    for child in children(node):
        yield Found(child, (*ancestors, node))
        yield from walk(child, (*ancestors, node))


def calls(node: Node, name: str) -> list[Found]:
    """Every call named `name` below `node`, in source order."""
    return [f for f in walk(node) if f.node.get("kind") == "call" and f.node["name"] == name]


def block(call: Node, index: int = 0) -> list[Node]:
    """The statements of the call's closure argument."""
    return list(call["closures"][index])


def method(tree: Node, name: str) -> Node:
    (found,) = [m for m in tree["methods"] if m["name"] == name]
    return found


def stage_list(stages_call: Node) -> list[Node]:
    """The `stage(...)` calls directly in a `stages { }` or `parallel { }` block."""
    return [s for s in block(stages_call) if s.get("kind") == "call" and s["name"] == "stage"]


def top_stages(tree: Node) -> list[Node]:
    (pipeline,) = [s for s in tree["body"] if s.get("kind") == "call" and s["name"] == "pipeline"]
    (stages,) = [s for s in block(pipeline) if s.get("kind") == "call" and s["name"] == "stages"]
    return stage_list(stages)


def section(stage: Node, name: str) -> Node | None:
    """A stage's directive (`agent`, `options`, `steps`, `when`, `stages`, `parallel`)."""
    found = [s for s in block(stage) if s.get("kind") == "call" and s["name"] == name]
    assert len(found) <= 1
    return found[0] if found else None
