"""Value types shared by the spec models: strict scalars, durations, commands, retries.

Each is an annotated type, so that validation, the frozen value and the JSON Schema come
from one definition.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from jobsmith.durations import ALLOWED as DURATION_ALLOWED
from jobsmith.durations import DurationError, parse_duration
from jobsmith.spec.labels import LabelError, check_label_expression

IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
HANDLER = r"^[A-Za-z0-9_.-]+$"
CREDENTIAL_ID = r"^[A-Za-z0-9_.@:-]+$"


# The jobs of a tree share a few duration texts (`30m`).
_duration_of_text = functools.lru_cache(maxsize=1024)(parse_duration)


def _duration(value: Any) -> float:
    try:
        return _duration_of_text(value) if type(value) is str else parse_duration(value)
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

# A job's `PATH` goes before the agent's (as `PATH+JOBSMITH`, which `EnvVars.override`
# prepends); a plain `PATH` would replace the agent's and lose `jobsmith` itself.
RESERVED_ENV_PREFIX = "JOBSMITH_"


def _env_map(value: dict[str, str]) -> dict[str, str]:
    for key, text in value.items():
        if key.startswith(RESERVED_ENV_PREFIX):
            raise PydanticCustomError(
                "env", "variables starting with JOBSMITH_ are the agent's settings for the "
                "wrapper (metrics, alerts, outbox), not a job's; choose another name",
                {"at": (key,)},
            )
        if key == "PATH" and not text.strip(":"):
            raise PydanticCustomError(
                "env", "PATH cannot be empty: a job's PATH goes before the agent's "
                "(give the directories to add, such as /opt/tool/bin)", {"at": (key,)},
            )
    return value


EnvMap = Annotated[dict[Identifier, Text], AfterValidator(_env_map)]


@functools.lru_cache(maxsize=4096)
def _label_error(value: str) -> LabelError | None:
    """Why Jenkins would reject the label expression `value` (None: it accepts it).
    Remembered: many jobs share a few expressions."""
    try:
        check_label_expression(value)
    except LabelError as error:
        return error
    return None


def _label_expression(value: Any) -> Any:
    if isinstance(value, str):
        error = _label_error(value)
        if error is not None:
            raise PydanticCustomError(
                "label",
                "not a valid Jenkins label expression: {message} (at character {col}); "
                "combine labels with &&, ||, !, ->, <-> and parentheses, and quote a label "
                'that holds other characters with "..."',
                {"message": error.message, "line": 1, "col": error.column},
            ) from None
    return value


LabelExpression = Annotated[
    NonEmpty,
    BeforeValidator(_label_expression),
    WithJsonSchema({"type": "string", "minLength": 1,
                    "description": "Jenkins label expression, such as `db && linux`"}),
]
