"""Start one job on demand, its parameters checked before anything is sent.

The job's spec (from `--specs`) says which parameters exist and what they accept;
a job not in the spec tree is checked against the definitions Jenkins reports.
Jenkins itself would silently drop an unknown name, read any text but `true` as
false for a boolean, and fail with a stack trace on an illegal choice.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from jobsmith.seed.connection import JenkinsClient
from jobsmith.seed.errors import JenkinsRequestError, UsageError

_JOB_TREE = "name,buildable,property[parameterDefinitions[name,type,choices]]"
_BOOLEANS = {"true": "true", "false": "false"}
_JENKINS_TYPES = {
    "StringParameterDefinition": "string",
    "BooleanParameterDefinition": "boolean",
    "ChoiceParameterDefinition": "choice",
    "TextParameterDefinition": "text",
}


class SpecParameter(Protocol):
    """The fields of `jobsmith.spec.Parameter` this module reads."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def choices(self) -> tuple[str, ...] | None: ...


@dataclass(frozen=True)
class ParameterDef:
    name: str
    type: str  # string, boolean, choice, text, or other (a type jobsmith does not check)
    choices: tuple[str, ...] = ()


def from_spec(parameters: Iterable[SpecParameter]) -> list[ParameterDef]:
    return [ParameterDef(p.name, p.type, tuple(p.choices or ())) for p in parameters]


def from_jenkins(job_info: Mapping[str, Any]) -> list[ParameterDef]:
    """Parameter definitions from a job's `api/json` (`property[parameterDefinitions]`)."""
    found: list[ParameterDef] = []
    for prop in job_info.get("property") or []:
        for definition in (prop or {}).get("parameterDefinitions") or []:
            kind = _JENKINS_TYPES.get(str(definition.get("type")), "other")
            found.append(ParameterDef(str(definition.get("name")), kind,
                                      tuple(str(c) for c in definition.get("choices") or ())))
    return found


def parse_assignments(pairs: Sequence[str]) -> list[tuple[str, str]]:
    """`NAME=VALUE` strings (the value may contain `=`)."""
    parsed = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-p {pair!r}: expected NAME=VALUE")
        parsed.append((name.strip(), value))
    return parsed


def check_parameters(
    job: str, definitions: Sequence[ParameterDef], given: Sequence[tuple[str, str]]
) -> dict[str, str]:
    """The values to send, or a `UsageError` naming every problem."""
    by_name = {d.name: d for d in definitions}
    problems: list[str] = []
    values: dict[str, str] = {}
    for name, value in given:
        definition = by_name.get(name)
        if name in values:
            problems.append(f"parameter {name} is given twice")
            continue
        if definition is None:
            if not definitions:
                problems.append(f"{job} takes no parameters, but -p {name}=... was given")
                continue
            close = difflib.get_close_matches(name, list(by_name), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            problems.append(f"{job} has no parameter {name}{hint} "
                            f"(its parameters: {', '.join(sorted(by_name))})")
            continue
        if definition.type == "boolean":
            normal = _BOOLEANS.get(value.strip().lower())
            if normal is None:
                problems.append(f"parameter {name} is a boolean: use true or false, not {value!r}")
                continue
            value = normal
        elif definition.type == "choice" and value not in definition.choices:
            problems.append(f"parameter {name} must be one of {', '.join(definition.choices)}; "
                            f"got {value!r}")
            continue
        elif definition.type == "string" and ("\n" in value or "\r" in value):
            problems.append(f"parameter {name} is a one-line string; use a text parameter "
                            "for several lines")
            continue
        values[name] = value
    if problems:
        raise UsageError("\n".join(problems))
    return values


def spec_parameters(specs_dir: Path | None, job: str) -> list[ParameterDef] | None:
    """The job's parameters from the spec tree; None when the tree has no such job."""
    if specs_dir is None or not specs_dir.is_dir():
        return None
    from jobsmith.spec import load_tree

    tree = load_tree(specs_dir)
    spec = tree.jobs.get(job.strip("/"))
    return None if spec is None else from_spec(spec.parameters)


def prepare(
    client: JenkinsClient, job: str, assignments: Sequence[str], specs_dir: Path | None
) -> dict[str, str] | None:
    """Check everything before a build is requested. -> the parameters to send
    (None: the job takes none, so the plain `build` endpoint is used)."""
    given = parse_assignments(assignments)
    definitions = spec_parameters(specs_dir, job)
    if definitions is not None:
        check_parameters(job, definitions, given)  # fail before any request
    info = client.job_json(job, tree=_JOB_TREE)
    if info.get("buildable") is False:
        raise JenkinsRequestError(f"{job} is disabled on Jenkins; it cannot be started")
    if definitions is None:
        definitions = from_jenkins(info)
    values = check_parameters(job, definitions, given)
    on_jenkins = from_jenkins(info)
    if definitions and not on_jenkins:
        raise JenkinsRequestError(
            f"{job} has parameters in its spec but none on Jenkins: run `jobsmith deploy` first"
        )
    return values if on_jenkins else None
