"""The job spec model: what a YAML spec may say, with real types.

One pydantic model serves three purposes: strict validation of the merged YAML data
(every error at once, each with its path so the loader can point at file:line:col),
the frozen objects the generator reads, and the JSON Schema of `jobsmith schema`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from jobsmith.cron import CronError, Schedule, iso_interval_to_lines, parse_schedule
from jobsmith.durations import ALLOWED as DURATION_ALLOWED
from jobsmith.durations import DurationError, parse_duration

IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
HANDLER = r"^[A-Za-z0-9_.-]+$"
CREDENTIAL_ID = r"^[A-Za-z0-9_.@:-]+$"
ISO_INTERVAL = re.compile(r"^\s*(R\d*/|P)")


def _duration(value: Any) -> float:
    try:
        return parse_duration(value)
    except DurationError as error:
        raise PydanticCustomError("duration", str(error)) from None


_DURATION_SCHEMA = {
    "oneOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": r"^(\d+d)?(\d+h)?(\d+m)?(\d+(\.\d+)?s)?$|^\d+$"},
    ],
    "description": f"seconds: {DURATION_ALLOWED}",
}

Duration = Annotated[float, BeforeValidator(_duration), WithJsonSchema(_DURATION_SCHEMA)]
PositiveDuration = Annotated[Duration, Field(gt=0)]
# Lists become tuples (frozen), but scalars are strict: "3" is not a number, 1 is not true.
Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
Text = Annotated[str, Strict()]
NonEmpty = Annotated[Text, Field(min_length=1)]
Identifier = Annotated[Text, Field(pattern=IDENTIFIER, max_length=128)]


def _command(value: Any) -> Any:
    if isinstance(value, str):
        if not value.strip():
            raise PydanticCustomError("command", "a command cannot be empty")
        return value
    if isinstance(value, list | tuple):
        if not value:
            raise PydanticCustomError("command", "an exec-form command needs at least one word")
        for word in value:
            if not isinstance(word, str):
                raise PydanticCustomError(
                    "command",
                    "every word of an exec-form command must be text, found {found}; "
                    "quote it",
                    {"found": repr(word)},
                )
        return tuple(value)
    raise PydanticCustomError(
        "command",
        "a command is a shell string or a list of words (exec form), found {found}",
        {"found": repr(value)},
    )


Command = Annotated[
    str | tuple[str, ...],
    BeforeValidator(_command),
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "string", "minLength": 1, "description": "run by /bin/sh -c"},
                {"type": "array", "items": {"type": "string"}, "minItems": 1,
                 "description": "exec form, no shell"},
            ]
        }
    ),
]


class Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, arbitrary_types_allowed=True
    )


class RetryPolicy(Model):
    """Retries after the first attempt (the wrapper's --retries and friends)."""

    count: Annotated[Int, Field(ge=0, le=100)] = 0
    backoff: Duration = 10.0
    max_backoff: Duration = 600.0
    on_exit_codes: tuple[Annotated[Int, Field(ge=1, le=255)], ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_count(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return {"count": value}
        if not isinstance(value, dict | RetryPolicy):
            raise PydanticCustomError(
                "retries",
                "retries is a number of retries (3) or a mapping such as "
                "{count: 3, backoff: 30s, max_backoff: 10m, on_exit_codes: [75]}, found {found}",
                {"found": repr(value)},
            )
        return value


RetriesField = Annotated[
    RetryPolicy,
    WithJsonSchema(
        {
            "oneOf": [
                {"type": "integer", "minimum": 0, "maximum": 100},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "count": {"type": "integer", "minimum": 0, "maximum": 100},
                        "backoff": _DURATION_SCHEMA,
                        "max_backoff": _DURATION_SCHEMA,
                        "on_exit_codes": {
                            "type": "array",
                            "items": {"type": "integer", "minimum": 1, "maximum": 255},
                        },
                    },
                },
            ],
            "description": "retries after the first attempt: a count or a policy",
        }
    ),
]

EnvMap = dict[Identifier, Text]


class Stage(Model):
    name: Annotated[NonEmpty, Field(max_length=200)]
    command: Command
    agent: NonEmpty | None = None
    timeout: PositiveDuration | None = None
    retries: RetriesField | None = None
    env: EnvMap = Field(default_factory=dict)


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
                    {"default": repr(self.default), "choices": list(self.choices)},
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
                {"found": repr(self.default)},
            )
        if self.type != "boolean" and isinstance(self.default, bool):
            raise PydanticCustomError(
                "parameter",
                "a {type} parameter's default is text, found {found}; quote it",
                {"type": self.type, "found": str(self.default).lower()},
            )
        return self


class Alerts(Model):
    handlers: tuple[Annotated[Text, Field(pattern=HANDLER)], ...] = ()
    max_duration: PositiveDuration | None = None
    missed_runs: Bool = True


class Retention(Model):
    builds: Annotated[Int, Field(ge=1)] | None = None
    days: Annotated[Int, Field(ge=1)] | None = None


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
    agent: NonEmpty | None = None
    concurrency: Literal["queue", "skip", "replace", "parallel"] = "queue"
    timeout: PositiveDuration | None = None
    retries: RetriesField = RetryPolicy()
    command: Command | None = None
    stages: tuple[Stage, ...] | None = None
    env: EnvMap = Field(default_factory=dict)
    credentials: tuple[Credential, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    alerts: Alerts = Alerts()
    retention: Retention = Retention()
    disabled: Bool = False

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
            return parse_schedule("\n".join(lines), timezone)
        except CronError as error:
            raise PydanticCustomError(
                "cron",
                "{message}",
                {"message": error.message, "line": error.line, "col": error.col},
            ) from None

    @model_validator(mode="after")
    def _one_body(self) -> JobDocument:
        if self.command is None and self.stages is None:
            raise PydanticCustomError(
                "body", "a job needs `command` (one step) or `stages` (a list of steps)"
            )
        if self.command is not None and self.stages is not None:
            raise PydanticCustomError(
                "body", "a job has either `command` or `stages`, not both"
            )
        if self.stages is not None:
            if not self.stages:
                raise PydanticCustomError("body", "`stages` needs at least one stage")
            _unique([(("stages", i, "name"), s.name) for i, s in enumerate(self.stages)],
                    "stage name")
        _unique([(("parameters", i, "name"), p.name) for i, p in enumerate(self.parameters)],
                "parameter name")
        _unique([(("credentials", i), v) for i, c in enumerate(self.credentials)
                 for v in c.variables], "credential variable")
        return self


def _unique(names: list[tuple[tuple[str | int, ...], str]], what: str) -> None:
    seen: set[str] = set()
    for at, name in names:
        if name in seen:
            raise PydanticCustomError(
                "duplicate", "{what} {name} is used twice",
                {"what": what, "name": repr(name), "at": at},
            )
        seen.add(name)


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
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise PydanticCustomError(
        "timezone",
        "unknown time zone {zone}{hint} Use an IANA zone such as Europe/Berlin or UTC",
        {"zone": repr(name), "hint": hint},
    )


class JobSpec(JobDocument):
    """A validated job: its document plus where it lives."""

    full_name: str = Field("", exclude=True)
    source: str = Field("", exclude=True)

    @property
    def folder(self) -> str:
        return self.full_name.rpartition("/")[0]

    @property
    def base_name(self) -> str:
        return self.full_name.rpartition("/")[2]

    @property
    def steps(self) -> tuple[Stage, ...]:
        """The stages to run: a `command` job is one stage named after the job."""
        if self.stages is not None:
            return self.stages
        assert self.command is not None
        return (Stage.model_construct(name=self.base_name, command=self.command, agent=None,
                                      timeout=None, retries=None, env={}),)

    @property
    def mask_variables(self) -> tuple[str, ...]:
        return tuple(v for c in self.credentials for v in c.variables)
