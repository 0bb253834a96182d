"""The reference in docs/ keeps up with the code.

Every key of the spec schema has a section in docs/spec.md (a heading naming the key in
backticks; its nested keys are named in that section), every command has a section
somewhere in docs/ (a heading such as "## `jobsmith validate`") that names each of its
options, and every relative link in README.md and docs/ points at a file (and heading)
that exists. Whoever adds a key, a command or an option adds its section.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from jobsmith.cli.app import cli
from jobsmith.wrapper.options import _VALUED as WRAPPER_OPTIONS
from jobsmith.wrapper.options import FLAGS as WRAPPER_FLAGS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# Options every Jenkins-facing command shares, documented once in this section.
SHARED = ("cli.md", "Connecting to Jenkins")
HEADING = re.compile(r"^(#{1,6}) (.*)$")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _sections(path: Path) -> list[tuple[str, str]]:
    """(heading text, section body up to the next heading of the same or a higher level)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    out: list[tuple[str, str]] = []
    in_code = False
    heads: list[tuple[int, int, str]] = []
    for number, line in enumerate(lines):
        if line.startswith("```"):
            in_code = not in_code
        match = None if in_code else HEADING.match(line)
        if match:
            heads.append((number, len(match.group(1)), match.group(2)))
    for index, (number, level, text) in enumerate(heads):
        end = len(lines)
        for later, later_level, _ in heads[index + 1:]:
            if later_level <= level:
                end = later
                break
        out.append((text, "\n".join(lines[number:end])))
    return out


def _all_sections() -> list[tuple[str, str, str]]:
    return [(path.name, text, body) for path in sorted(DOCS.glob("*.md"))
            for text, body in _sections(path)]


def _schema_keys() -> dict[str, set[str]]:
    """Top-level key -> the names of the keys nested below it.

    An object met again deeper down (a stage's `retries` is the job's `retries`, a
    parallel branch is a stage) is documented where it first appears: by its `$ref`,
    or by its set of key names when the schema writes it out inline."""
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    definitions: dict[str, Any] = schema.get("$defs", {})
    seen: set[str] = set()
    shapes: set[frozenset[str]] = set()
    keys: dict[str, set[str]] = {}
    # Breadth first, so each definition is claimed by its shallowest use.
    queue: list[tuple[Any, str | None]] = [(schema, None)]
    while queue:
        node, top = queue.pop(0)
        for child in _children(node, definitions, seen):
            shape = frozenset(child.get("properties", {}))
            if top and shape in shapes:
                continue
            shapes.add(shape)
            for name, value in child.get("properties", {}).items():
                owner = top or name
                keys.setdefault(owner, set())
                if top:
                    keys[owner].add(name)
                queue.append((value, owner))
    return keys


def _children(node: Any, definitions: dict[str, Any], seen: set[str]) -> Iterator[Any]:
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return
        seen.add(name)
        yield from _children(definitions[name], definitions, seen)
        return
    yield node
    for combinator in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(combinator, []):
            yield from _children(sub, definitions, seen)
    for nested in ("items", "additionalProperties"):
        if isinstance(node.get(nested), dict):
            yield from _children(node[nested], definitions, seen)


def _commands() -> Iterator[tuple[str, list[str]]]:
    ctx = click.Context(cli)

    def walk(command: click.Command, path: str) -> Iterator[tuple[str, list[str]]]:
        if isinstance(command, click.Group):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None
                yield from walk(sub, f"{path} {name}")
            return
        options = [opt for param in command.params if isinstance(param, click.Option)
                   for opt in param.opts if opt.startswith("--")]
        yield path, options

    yield from walk(cli, "jobsmith")


SPEC_KEYS = _schema_keys()
COMMANDS = dict(_commands())
COMMANDS["jobsmith run"] = [*WRAPPER_OPTIONS, *WRAPPER_FLAGS]


def test_the_schema_is_walked() -> None:
    # Guards the walk itself: a few keys we know, at both depths.
    assert {"schedule", "stages", "retries"} <= set(SPEC_KEYS)
    assert {"name", "on_each", "parallel"} <= SPEC_KEYS["stages"]
    assert "count" in SPEC_KEYS["retries"]


@pytest.mark.parametrize("key", sorted(SPEC_KEYS))
def test_every_spec_key_has_a_section(key: str) -> None:
    bodies = [body for text, body in _sections(DOCS / "spec.md") if f"`{key}`" in text]
    assert bodies, f"docs/spec.md has no section whose heading names `{key}`"
    missing = sorted(name for name in SPEC_KEYS[key] if f"`{name}`" not in bodies[0])
    assert not missing, f"the `{key}` section of docs/spec.md does not name {missing}"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_has_a_section_naming_its_options(command: str) -> None:
    sections = _all_sections()
    bodies = [body for _, text, body in sections if f"`{command}`" in text]
    assert bodies, f"no heading in docs/ names `{command}`"
    shared = "\n".join(body for name, text, body in sections if (name, text) == SHARED)
    missing = [opt for opt in COMMANDS[command]
               if not re.search(re.escape(opt) + r"(?![\w-])", bodies[0])
               and not re.search(re.escape(opt) + r"(?![\w-])", shared)]
    assert not missing, f"the section of `{command}` does not mention {missing}"


def _anchor(heading: str) -> str:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _links() -> Iterator[tuple[Path, str]]:
    for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        in_code = False
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.startswith("```"):
                in_code = not in_code
            if not in_code:
                for target in LINK.findall(line):
                    yield path, target


LINKS = [(path.relative_to(ROOT).as_posix(), target) for path, target in _links()
         if not re.match(r"^[a-z][a-z0-9+.-]*:", target)]


def test_links_are_found() -> None:
    assert ("README.md", "docs/deploy.md") in LINKS


@pytest.mark.parametrize(("source", "target"), LINKS)
def test_every_relative_link_resolves(source: str, target: str) -> None:
    file_part, _, fragment = target.partition("#")
    path = (ROOT / source).parent / file_part if file_part else ROOT / source
    assert path.exists(), f"{source}: the link {target!r} points at nothing"
    if fragment and path.suffix == ".md":
        anchors = {_anchor(text) for text, _ in _sections(path)}
        assert fragment in anchors, f"{source}: no heading in {file_part or source} " \
                                    f"has the anchor #{fragment}"


def test_the_index_links_every_page() -> None:
    linked = {target.partition("#")[0] for source, target in LINKS if source == "docs/index.md"}
    pages = {path.name for path in DOCS.glob("*.md")} - {"index.md"}
    assert not pages - linked, f"docs/index.md does not link {sorted(pages - linked)}"
