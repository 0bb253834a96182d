"""The job-level checks of `JobDocument`, run on the raw data when some field is wrong.

pydantic runs a model's own validator only once every field is valid, so a file with a
bad `timeout` and two stages of the same name would show the second problem only in a
second round. These checks read the merged YAML as it is and report what the model's
validator would, in the same words and at the same place, in the same round.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jobsmith.errors import Location, Problem
from jobsmith.spec.dependencies import TreeLinks
from jobsmith.spec.messages import pydantic_problem
from jobsmith.spec.yamlsource import Located

Where = tuple[str | int, ...]


def whole_document_problems(merged: Located, display: str) -> list[Problem]:
    data = merged.data if isinstance(merged.data, dict) else {}
    items: list[dict[str, Any]] = []
    stages = data.get("stages")
    if stages is not None:
        for key in ("command", "artifact"):
            if key in data:
                hint = "; give each stage its own `artifact`" if key == "artifact" else ""
                items.append({"type": "body", "loc": (), "ctx": {"at": ("stages",)},
                              "msg": f"a job has either `{key}` or `stages`, not both{hint}"})
                break
    if isinstance(stages, list):
        items += _twice(_stage_names(stages), "stage name")
    parameters = data.get("parameters")
    if isinstance(parameters, list):
        items += _twice(((("parameters", i, "name"), p.get("name"))
                         for i, p in enumerate(parameters) if isinstance(p, dict)),
                        "parameter name")
    return [pydantic_problem(item, merged, display) for item in items]


def _stage_names(stages: list[Any]) -> Iterator[tuple[Where, Any]]:
    for i, item in enumerate(stages):
        if not isinstance(item, dict):
            continue
        if "parallel" in item:
            if item.get("name") is not None:
                yield ("stages", i, "name"), item["name"]
            branches = item["parallel"] if isinstance(item["parallel"], list) else []
            for j, stage in enumerate(branches):
                if isinstance(stage, dict):
                    yield ("stages", i, "parallel", j, "name"), stage.get("name")
        else:
            yield ("stages", i, "name"), item.get("name")


def _twice(names: Iterator[tuple[Where, Any]], what: str) -> list[dict[str, Any]]:
    """Like the model's check: the first name used twice, at its second use."""
    seen: set[str] = set()
    for at, name in names:
        if not isinstance(name, str):
            continue
        if name in seen:
            return [{"type": "duplicate", "loc": (), "ctx": {"at": at},
                     "msg": f"{what} {name!r} is used twice"}]
        seen.add(name)
    return []


def raw_links(merged: Located, full_name: str, display: str) -> TreeLinks:
    """The `after` entries of a job whose file has problems: those that are names."""
    after = merged.data.get("after") if isinstance(merged.data, dict) else None
    entries = tuple((name, merged.values.get(("after", i), Location(display)))
                    for i, name in enumerate(after if isinstance(after, list) else [])
                    if isinstance(name, str))
    return TreeLinks(full_name, entries, None)
