"""What a job runs: stages, parallel groups of stages, fan-out, checkout and artifacts."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from jobsmith.spec.fields import (
    CREDENTIAL_ID,
    Bool,
    Command,
    EnvMap,
    LabelExpression,
    Model,
    NonEmpty,
    PositiveDuration,
    RetriesField,
    Text,
)

HTTP_URL = r"^https?://[^\s/?#]+[^\s]*$"
GIT_URL = r"^((https?|ssh|git|file)://\S+|[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+:\S+)$"
GIT_BRANCH = r"^[^\s~^:?*\[\\]+$"
_HEX = re.compile(r"[0-9a-fA-F]*")
# Stage names jobsmith generates (skip guard, lock, parallel group titles) start with
# this; a spec's stage and group names may not, so the two can never collide.
GENERATED_STAGE_PREFIX = "jobsmith:"
# The most stages (parallel branches included) a job may have: the largest pipeline the
# tests compile and measure against the JVM's 64 KiB method limit (see docs/pipeline.md).
MAX_STAGES = 20


class Artifact(Model):
    """A script or binary the wrapper downloads, verifies, caches and runs."""

    url: Annotated[Text, Field(pattern=HTTP_URL, max_length=2048,
                               description="http:// or https:// address of the file")]
    sha256: Annotated[Text, Field(description="SHA-256 of the file: 64 hex digits",
                                  json_schema_extra={"pattern": "^[0-9a-fA-F]{64}$"})]

    @field_validator("sha256", mode="before")
    @classmethod
    def _hex_digest(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if not _HEX.fullmatch(value):
            bad = next(char for char in value if char not in "0123456789abcdefABCDEF")
            raise PydanticCustomError(
                "sha256", "a sha256 checksum is 64 hexadecimal digits; {found} is not one",
                {"found": repr(bad)},
            )
        if len(value) != 64:
            raise PydanticCustomError(
                "sha256",
                "a sha256 checksum is 64 hexadecimal digits, this one has {count} "
                "(`sha256sum FILE` prints it)",
                {"count": len(value)},
            )
        return value.lower()


class Checkout(Model):
    """A git repository checked out into each stage's workspace before its steps."""

    git: Annotated[Text, Field(pattern=GIT_URL, max_length=2048,
                               description="repository URL (https://, ssh://, git@host:path)")]
    branch: Annotated[Text, Field(pattern=GIT_BRANCH, max_length=255,
                                  description="branch to check out")] = "main"
    credentials: Annotated[Text, Field(pattern=CREDENTIAL_ID, max_length=256,
                                       description="Jenkins credential id for the "
                                       "repository")] | None = None


def _output(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    path = value.rstrip("/")
    parts = path.split("/")
    if not path or value.startswith("/") or ".." in parts or "\\" in value:
        raise PydanticCustomError(
            "outputs", "{found} is not a path inside the workspace: write it relative to "
            "the workspace (report.csv, out/), without '..'", {"found": repr(value)},
        )
    if "," in value or any(not part.strip() for part in parts):
        raise PydanticCustomError(
            "outputs", "{found}: a path without commas or empty parts (stash takes a "
            "comma-separated list of patterns)", {"found": repr(value)},
        )
    return value


Output = Annotated[Text, BeforeValidator(_output), Field(max_length=1024)]


class Stage(Model):
    """One step of a job, run through the wrapper."""

    name: Annotated[NonEmpty, Field(max_length=200)]
    command: Annotated[Command | None, Field(
        description="shell string or exec-form list; with `artifact`, the list of its "
        "arguments")] = None
    artifact: Annotated[Artifact | None, Field(
        description="download this file, verify its checksum and run it")] = None
    agent: LabelExpression | None = None
    on_each: Annotated[LabelExpression | None, Field(
        description="run the stage once on every online agent matching this label "
        "expression, all in parallel; the next stage waits for all of them")] = None
    timeout: PositiveDuration | None = None
    retries: RetriesField | None = None
    env: EnvMap = Field(default_factory=dict)
    outputs: Annotated[tuple[Output, ...], Field(
        description="files or directories (ending in /) of this stage's workspace that "
        "every later stage gets in its own workspace (stash/unstash)")] = ()

    @model_validator(mode="after")
    def _runnable(self) -> Stage:
        check_body(self.command, self.artifact, "stage")
        if self.outputs and self.on_each is not None:
            raise PydanticCustomError(
                "stage", "an `on_each` stage runs on many agents at once; its copies cannot "
                "hand on one set of `outputs`: move them to a stage of their own",
                {"at": ("outputs",)},
            )
        if self.agent is not None and self.on_each is not None:
            raise PydanticCustomError(
                "stage", "a stage has either `agent` or `on_each` (which runs it on every "
                "agent with that label), not both", {"at": ("on_each",)},
            )
        return self


class ParallelGroup(Model):
    """Stages that run side by side; the job goes on when all of them finished."""

    name: Annotated[NonEmpty, Field(max_length=200, description="shown in Jenkins; "
                                    "default: the branch names")] | None = None
    parallel: Annotated[tuple[Stage, ...], Field(
        description="the stages to run side by side (two or more)")]
    fail_fast: Annotated[Bool, Field(
        description="stop the other stages as soon as one fails")] = False

    @field_validator("parallel", mode="before")
    @classmethod
    def _branches(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        for i, item in enumerate(value):
            if isinstance(item, dict) and "parallel" in item:
                raise PydanticCustomError(
                    "stage", "a parallel group cannot hold another one (Jenkins does not "
                    "nest them); list its stages in this group instead", {"at": (i,)},
                )
        if len(value) < 2:
            raise PydanticCustomError(
                "stage", "a parallel group needs two or more stages; a single stage goes "
                "directly in `stages`",
            )
        return value


def check_body(command: Command | None, artifact: Artifact | None, what: str) -> None:
    """A step needs a command or an artifact; an artifact's command is its arguments."""
    if command is None and artifact is None:
        raise PydanticCustomError(
            "body", "a {what} needs `command` (or `artifact`: a file to download and run)",
            {"what": what},
        )
    if artifact is not None and isinstance(command, str):
        raise PydanticCustomError(
            "body", "with `artifact`, `command` is the list of arguments passed to the "
            "downloaded file: write it as a list", {"at": ("command",)},
        )


def _stage_kind(value: Any) -> str:
    if isinstance(value, dict) and "parallel" in value:
        return "group"
    if isinstance(value, ParallelGroup):
        return "group"
    return "stage"


StageItem = Annotated[
    Annotated[Stage, Tag("stage")] | Annotated[ParallelGroup, Tag("group")],
    Discriminator(_stage_kind),
]


def flatten(items: tuple[Stage | ParallelGroup, ...]) -> list[Stage]:
    """Every stage, parallel branches in place of their group."""
    stages: list[Stage] = []
    for item in items:
        stages.extend(item.parallel if isinstance(item, ParallelGroup) else (item,))
    return stages
