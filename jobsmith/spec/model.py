"""The job spec model: what a YAML spec may say, with real types.

One pydantic model serves three purposes: strict validation of the merged YAML data
(every error at once, each with its path so the loader can point at file:line:col),
the frozen objects the generator reads, and the JSON Schema of `jobsmith schema`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from jobsmith.cron import (
    CronError,
    ResolvedSchedule,
    Schedule,
    iso_interval_to_lines,
    parse_schedule,
)
from jobsmith.errors import Location
from jobsmith.spec.fields import (
    CREDENTIAL_ID,
    HANDLER,
    Bool,
    Command,
    EnvMap,
    Identifier,
    Int,
    LabelExpression,
    Model,
    NonEmpty,
    PositiveDuration,
    RetriesField,
    RetryPolicy,
    Text,
)
from jobsmith.spec.names import full_name_problem
from jobsmith.spec.stages import (
    GENERATED_STAGE_PREFIX,
    MAX_STAGES,
    Artifact,
    Checkout,
    ParallelGroup,
    Stage,
    StageItem,
    check_body,
    flatten,
)

ISO_INTERVAL = re.compile(r"^\s*(R\d*/|P)")
# A Schedule is immutable, and the jobs of a tree share a few schedule texts.
_schedule_of = functools.lru_cache(maxsize=1024)(parse_schedule)

class Credential(Model):
    """A Jenkins credential bound to environment variables for the job's steps."""

    id: Annotated[Text, Field(pattern=CREDENTIAL_ID, max_length=256)]
    variable: Identifier | None = None
    username: Identifier | None = None
    password: Identifier | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Credential:
        pair = self.username is not None or self.password is not None
        if self.variable is not None and pair:
            raise PydanticCustomError(
                "credential", "give either `variable` or `username` and `password`, not both"
            )
        if pair and (self.username is None or self.password is None):
            raise PydanticCustomError(
                "credential", "`username` and `password` go together: give both"
            )
        if self.variable is None and not pair:
            raise PydanticCustomError(
                "credential",
                "bind the credential to variables: `variable: NAME` (secret text) or "
                "`username: USER_VAR` and `password: PASS_VAR`",
            )
        return self

    @property
    def variables(self) -> tuple[str, ...]:
        names = (self.variable, self.username, self.password)
        return tuple(name for name in names if name is not None)


class Parameter(Model):
    """An input of the Jenkins "Build with Parameters" form."""

    name: Identifier
    type: Literal["string", "boolean", "choice", "text"] = "string"
    default: Text | Bool | None = None
    choices: tuple[Text, ...] | None = None
    description: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Parameter:
        if self.type == "choice":
            if not self.choices:
                raise PydanticCustomError(
                    "parameter", "a choice parameter needs `choices`: a list of values"
                )
            if len(set(self.choices)) != len(self.choices):
                raise PydanticCustomError("parameter", "`choices` lists a value twice")
            if self.default is not None and self.default not in self.choices:
                raise PydanticCustomError(
                    "parameter",
                    "default {default} is not among the choices {choices}",
                    {"default": repr(self.default), "choices": list(self.choices),
                     "at": ("default",)},
                )
        elif self.choices is not None:
            raise PydanticCustomError(
                "parameter", "`choices` is only for parameters of type choice"
            )
        if self.type == "boolean" and self.default is not None and not isinstance(
            self.default, bool
        ):
            raise PydanticCustomError(
                "parameter", "a boolean parameter's default is true or false, found {found}",
                {"found": repr(self.default), "at": ("default",)},
            )
        if self.type != "boolean" and isinstance(self.default, bool):
            raise PydanticCustomError(
                "parameter",
                "a {type} parameter's default is text, found {found}; quote it",
                {"type": self.type, "found": str(self.default).lower(), "at": ("default",)},
            )
        return self


class Alerts(Model):
    handlers: tuple[Annotated[Text, Field(pattern=HANDLER)], ...] = ()
    max_duration: PositiveDuration | None = None
    # Longest a run may wait for its lock or an executor: part of the missed-run TTL.
    max_wait: PositiveDuration | None = None
    missed_runs: Bool = True


class Retention(Model):
    builds: Annotated[Int, Field(ge=1)] | None = None
    days: Annotated[Int, Field(ge=1)] | None = None


LOCK_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.:@+-]*$"


def _job_name(value: Any) -> Any:
    if isinstance(value, str):
        problem = full_name_problem(value)
        if problem is not None:
            raise PydanticCustomError(
                "after", "{name} is not the full name of a job ({problem}); write it as "
                "folder/job, such as data/nightly-backup", {"name": repr(value),
                                                             "problem": problem})
    return value


JobName = Annotated[Text, Field(max_length=1024), BeforeValidator(_job_name)]
LockName = Annotated[Text, Field(pattern=LOCK_NAME, max_length=200)]


class Throttle(Model):
    """Limits on concurrent runs (throttle-concurrents plugin).

    With `category`, the job joins that throttle category, whose limits hold for every
    job in it (the category is configured in Jenkins; `max_total`/`max_per_node` here
    state those limits, and must agree across jobs). Without it, the limits are this
    job's own.
    """

    category: Annotated[LockName | None, Field(
        description="throttle category shared with other jobs")] = None
    max_total: Annotated[Int | None, Field(
        ge=0, description="most concurrent runs in total (0: no limit)")] = None
    max_per_node: Annotated[Int | None, Field(
        ge=0, description="most concurrent runs on one agent (0: no limit)")] = None

    @model_validator(mode="after")
    def _something(self) -> Throttle:
        if self.category is None and self.max_total is None and self.max_per_node is None:
            raise PydanticCustomError(
                "throttle", "`throttle` needs a `category`, `max_total` or `max_per_node`"
            )
        return self


ScheduleField = Annotated[
    Schedule,
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}, "minItems": 1},
            ],
            "description": "Jenkins cron (H 2 * * *, @daily; several lines or a list) "
            "or an ISO 8601 repeating interval (R/2026-01-01T02:05:00Z/PT15M)",
        }
    ),
]


class JobDocument(Model):
    """The keys of one job spec file (after `_defaults.yaml` is merged in)."""

    description: Text | None = None
    owner: Text | None = None
    timezone: NonEmpty | None = None
    schedule: ScheduleField | None = None
    agent: LabelExpression | None = None
    concurrency: Literal["queue", "skip", "replace", "parallel"] = "queue"
    timeout: PositiveDuration | None = None
    retries: RetriesField = RetryPolicy()
    command: Command | None = None
    stages: Annotated[tuple[StageItem, ...] | None, Field(
        description="steps run in order; an item {parallel: [stage, ...], fail_fast?, name?} "
        "runs its stages side by side")] = None
    artifact: Annotated[Artifact | None, Field(
        description="a one-step job that downloads this file, verifies its sha256 and runs "
        "it; `command` then lists its arguments")] = None
    checkout: Annotated[Checkout | None, Field(
        description="git repository checked out into the workspace before the steps")] = None
    env: EnvMap = Field(default_factory=dict)
    credentials: tuple[Credential, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    after: Annotated[tuple[JobName, ...], Field(
        description="full names of jobs whose success starts this job")] = ()
    lock: Annotated[LockName | None, Field(
        description="lockable resource held for the whole run: one run at a time across "
        "every job holding it")] = None
    throttle: Throttle | None = None
    priority: Annotated[Int | None, Field(
        ge=1, le=5, description="queue priority, 1 (first) to 5 (last); Jenkins' default is "
        "3")] = None
    alerts: Alerts = Alerts()
    retention: Retention = Retention()
    disabled: Bool = False

    @field_validator("after", mode="before")
    @classmethod
    def _list_of_jobs(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise PydanticCustomError(
                "after", "a list of full job names, such as [{name}]",
                {"name": value},
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            check_zone(value)
        return value

    @field_validator("schedule", mode="before")
    @classmethod
    def _parse_schedule(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        timezone = info.data.get("timezone")
        if isinstance(value, str):
            lines = value.splitlines() or [""]
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            lines = list(value)
        else:
            raise PydanticCustomError(
                "schedule",
                "a schedule is Jenkins cron text or a list of cron lines, found {found}",
                {"found": repr(value)},
            )
        if len(lines) == 1 and ISO_INTERVAL.match(lines[0]):
            try:
                lines, timezone = iso_interval_to_lines(lines[0].strip(), timezone)
            except CronError as error:
                raise PydanticCustomError("cron", "{message}", {"message": error.message,
                                                                "line": 1, "col": 1}) from None
        try:
            return _schedule_of("\n".join(lines), timezone)
        except CronError as error:
            raise PydanticCustomError(
                "cron",
                "{message}",
                {"message": error.message, "line": error.line, "col": error.col},
            ) from None

    @model_validator(mode="after")
    def _one_body(self) -> JobDocument:
        if self.stages is None:
            if self.command is None and self.artifact is None:
                raise PydanticCustomError(
                    "body", "a job needs `command` (one step) or `stages` (a list of steps)"
                )
            check_body(self.command, self.artifact, "job")
        elif self.command is not None or self.artifact is not None:
            key = "command" if self.command is not None else "artifact"
            raise PydanticCustomError(
                "body", "a job has either `{key}` or `stages`, not both{hint}",
                {"key": key, "hint": "; give each stage its own `artifact`"
                 if key == "artifact" else "", "at": ("stages",)},
            )
        else:
            if not self.stages:
                raise PydanticCustomError("body", "`stages` needs at least one stage")
            names = list(_stage_names(self.stages))
            count = len(flatten(self.stages))
            if count > MAX_STAGES:
                raise PydanticCustomError(
                    "stage", "{count} stages are more than the {limit} a job may have (a "
                    "larger pipeline risks Jenkins' 64 KiB method limit); split the job, "
                    "and chain the parts with `after`",
                    {"count": count, "limit": MAX_STAGES, "at": ("stages",)},
                )
            _unique(names, "stage name")
            _not_generated(names)
        if len(self.parameters) > 1:
            _unique([(("parameters", i, "name"), p.name)
                     for i, p in enumerate(self.parameters)], "parameter name")
        if self.credentials:  # one credential binds two variables
            _unique([(("credentials", i), v) for i, c in enumerate(self.credentials)
                     for v in c.variables], "credential variable")
        if len(self.after) > 1:
            _unique([(("after", i), name) for i, name in enumerate(self.after)],
                    "job in `after`")
        return self


def _stage_names(items: tuple[Stage | ParallelGroup, ...]
                 ) -> Iterator[tuple[tuple[str | int, ...], str]]:
    for i, item in enumerate(items):
        if isinstance(item, ParallelGroup):
            if item.name is not None:
                yield ("stages", i, "name"), item.name
            for j, stage in enumerate(item.parallel):
                yield ("stages", i, "parallel", j, "name"), stage.name
        else:
            yield ("stages", i, "name"), item.name


def _unique(names: list[tuple[tuple[str | int, ...], str]], what: str) -> None:
    seen: set[str] = set()
    for at, name in names:
        if name in seen:
            raise PydanticCustomError(
                "duplicate", "{what} {name} is used twice",
                {"what": what, "name": repr(name), "at": at},
            )
        seen.add(name)


def _not_generated(names: list[tuple[tuple[str | int, ...], str]]) -> None:
    for at, name in names:
        if name.strip().lower().startswith(GENERATED_STAGE_PREFIX):
            raise PydanticCustomError(
                "stage", "stage name {name}: names starting with {prefix} are jobsmith's "
                "own (its skip, lock and parallel stages); choose another name",
                {"name": repr(name), "prefix": repr(GENERATED_STAGE_PREFIX), "at": at},
            )


def check_zone(name: str) -> None:
    """Raise a clear error unless `name` is a time zone this machine knows."""
    import zoneinfo

    try:
        if "/" not in name and name not in ("UTC", "GMT"):
            raise ValueError
        zoneinfo.ZoneInfo(name)
        return
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        pass
    import difflib

    close = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    raise PydanticCustomError(
        "timezone",
        "unknown time zone {zone}{hint} Use an IANA zone such as Europe/Berlin or UTC",
        {"zone": repr(name), "hint": hint},
    )


_set = object.__setattr__


def one_stage(name: str, command: Command | None, artifact: Artifact | None) -> Stage:
    """What `Stage.model_construct(name=name, command=command, artifact=artifact,
    agent=None, on_each=None, timeout=None, retries=None, env={}, outputs=())` makes,
    without its loop over every field's aliases and defaults (tests/spec/test_tree.py
    compares both)."""
    stage = Stage.__new__(Stage)
    values: dict[str, Any] = {
        "name": name, "command": command, "artifact": artifact, "agent": None,
        "on_each": None, "timeout": None, "retries": None, "env": {}, "outputs": ()}
    _set(stage, "__dict__", values)
    _set(stage, "__pydantic_fields_set__", set(values))
    _set(stage, "__pydantic_extra__", None)
    _set(stage, "__pydantic_private__", None)
    return stage


class JobSpec(JobDocument):
    """A validated job: its document plus where it lives."""

    full_name: str = Field("", exclude=True)
    source: str = Field("", exclude=True)
    # Where each `after` entry is written, for errors found across the tree.
    after_at: tuple[Location, ...] = Field((), exclude=True)
    throttle_at: Location | None = Field(None, exclude=True)
    # Where the values warnings point at are written (`spec.warnings.SPOTS`).
    key_at: dict[tuple[str, ...], Location] = Field(default_factory=dict, exclude=True)

    @property
    def folder(self) -> str:
        return self.full_name.rpartition("/")[0]

    @property
    def base_name(self) -> str:
        return self.full_name.rpartition("/")[2]

    @cached_property
    def resolved_schedule(self) -> ResolvedSchedule | None:
        """The schedule with every `H` drawn as Jenkins draws it for this job (made once:
        validation and the generator both need it)."""
        return self.schedule.resolve(self.full_name) if self.schedule is not None else None

    @cached_property
    def steps(self) -> tuple[Stage | ParallelGroup, ...]:
        """What runs, in order: a `command` job is one stage named after the job
        (made once: the generator asks for it several times per job)."""
        if self.stages is not None:
            return self.stages
        return (one_stage(self.base_name, self.command, self.artifact),)

    @property
    def all_stages(self) -> list[Stage]:
        """Every stage, the branches of a parallel group in its place."""
        return flatten(self.steps)

    @property
    def mask_variables(self) -> tuple[str, ...]:
        return tuple(v for c in self.credentials for v in c.variables)
