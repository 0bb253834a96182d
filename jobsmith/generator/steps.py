"""What the pipeline template needs of each stage: the `jobsmith run` command line, the
environment, the step's bound, and how the stage is laid out (one agent, every agent
with a label, or a parallel group of stages).

The bound is a `timeout` step inside the agent, around the checkout and the step: a
stage-level `options { timeout }` would start before the agent is allocated
(pipeline-model-definition `ModelInterpreter.evaluateStage` runs the stage's options
wrappers outside `inDeclarativeAgent`), so queue time would count against it."""

from __future__ import annotations

import posixpath
import shlex
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from jobsmith import __version__
from jobsmith.durations import format_duration
from jobsmith.generator.groovy import GroovyCode, groovy_string
from jobsmith.spec.model import Credential, JobSpec, ParallelGroup, RetryPolicy, Stage
from jobsmith.spec.names import UNSAFE
from jobsmith.spec.stages import GENERATED_STAGE_PREFIX, Checkout
from jobsmith.wrapper.jobenv import EMPTY_ENV, FOLDED
from jobsmith.wrapper.metrics import metric_job

# The wrapper's default --kill-after: part of the worst case of one attempt.
KILL_AFTER = 10.0
# Slack between the wrapper's own limits and Jenkins' outer timeout.
OUTER_MARGIN = 60.0

_quote = shlex.quote
_REQUIRES = f"--requires {_quote(__version__)} --"
_FINISH_END = (f"--requires {_quote(__version__)} --finish \"$JOBSMITH_BUILD_RESULT\" "
               '--build-started "$JOBSMITH_BUILD_STARTED" --build-number "$BUILD_NUMBER" '
               '--previous-result "$JOBSMITH_PREVIOUS_RESULT"')
# A tree's steps share a handful of durations: each is formatted once.
_duration = lru_cache(maxsize=1024)(format_duration)


class StageView(NamedTuple):
    """One stage as the pipeline and `jobsmith try` run it. A named tuple: it is made
    for every stage of every job, and a frozen dataclass' `__init__` (one
    `object.__setattr__` a field) takes twice as long."""

    name: str
    agent: str | None
    on_each: str | None
    env: list[str]
    credentials: tuple[Credential, ...]
    checkout: Checkout | None
    script: str
    step_timeout: int | None
    unstash: tuple[str, ...] = ()  # earlier stages' outputs, unstashed before the step
    stash: Stash | None = None  # this stage's outputs, stashed after the step
    count_folded: bool = False  # the stage that counts folded triggers for the build
    record: str = ""  # where the step's `--record` goes, in the workspace

    @property
    def env_code(self) -> GroovyCode:
        """The `withEnv` list; the counting stage adds the build's folded triggers."""
        items = [groovy_string(pair) for pair in self.env]
        if self.count_folded:
            items.append(GroovyCode(f"{groovy_string(FOLDED + '=')} + jobsmithFolded()"))
        return GroovyCode("[" + ", ".join(items) + "]")


@dataclass(frozen=True)
class Stash:
    """`stash(name:, includes:)`: a stage's `outputs` as one stash of the build."""

    name: str
    includes: str


def _include(path: str) -> str:
    """An output as an Ant include: a directory (ending in `/`) as everything below it.
    Ant takes `./report.csv`, `out//x` or `out/./x` literally and matches no file, so
    those are written the plain way."""
    plain = posixpath.normpath(path)
    if not path.endswith("/"):
        return plain
    return "**" if plain == "." else f"{plain}/**"


def stash_of(stage: Stage, taken: set[str]) -> Stash | None:
    """The stage's stash, named after it. `StashManager.stash` and `unstash` check the
    name with `Jenkins.checkGoodName`, which fails the step on any of
    `?*/\\%!@#$^&|<>[]:;`, a control character or a trailing `.`: those become `_` (and a
    number keeps the name apart from the other stages' in `taken`)."""
    if not stage.outputs:
        return None
    patterns = [_include(path) for path in stage.outputs]
    safe = "".join("_" if char in UNSAFE or ord(char) <= 0x1F or 0x7F <= ord(char) <= 0x9F
                   else char for char in stage.name).rstrip()
    if safe.endswith("."):
        safe += "_"
    name, number = f"jobsmith outputs of {safe}", 2
    while name in taken:
        name, number = f"jobsmith outputs of {safe} ({number})", number + 1
    taken.add(name)
    return Stash(name=name, includes=",".join(patterns))


@dataclass(frozen=True)
class GroupView:
    name: str
    fail_fast: bool
    branches: list[StageView]


RECORD_DIR = ".jobsmith"


def record_path(stage: Stage) -> str:
    """The stage's `--record` file, relative to its workspace."""
    return f"{RECORD_DIR}/{metric_job(stage.name).replace('.', '_')}.json"


def wrapper_script(job: JobSpec, stage: Stage, record: str) -> str:
    """The `jobsmith run` command line for one stage, as its `sh` step runs it (each
    argument `shlex.quote`d, as `shlex.join` would): a part of the build (`--stage`),
    which sends stage metrics only; the build's finish step sends the Sensu result.
    `record` is the stage's `record_path`. `--requires` names this release: an agent
    with an older wrapper fails the step at once (exit 125) and says so."""
    parts = [f"jobsmith run --job {_quote(job.full_name)} --stage {_quote(stage.name)} "
             f"--record {_quote(record)}"]
    timeout = stage.timeout if stage.timeout is not None else job.timeout
    if timeout is not None:
        parts.append(f"--timeout {_quote(_duration(timeout))}")
    retries = stage.retries if stage.retries is not None else job.retries
    if retries.count:
        parts.append(f"--retries {retries.count} --backoff {_quote(_duration(retries.backoff))}"
                     f" --max-backoff {_quote(_duration(retries.max_backoff))}")
        if retries.on_exit_codes:
            codes = ",".join(str(code) for code in retries.on_exit_codes)
            parts.append(f"--retry-on {_quote(codes)}")
    if stage.artifact is not None:
        parts.append(f"--artifact {_quote(stage.artifact.url)} "
                     f"--sha256 {_quote(stage.artifact.sha256)}")
    parts.append(_REQUIRES)
    if isinstance(stage.command, str):
        parts.append(f"sh -c {_quote(stage.command)}")
    elif stage.command is not None:
        parts.extend(_quote(arg) for arg in stage.command)
    return " ".join(parts)


def outer_timeout(timeout: float | None, retries: RetryPolicy) -> int | None:
    """Jenkins' own bound on a step: never before the wrapper gives up by itself."""
    if timeout is None:
        return None
    attempts = retries.count + 1
    worst = attempts * (timeout + KILL_AFTER) + retries.count * retries.max_backoff
    return int(worst + OUTER_MARGIN + 0.999)


def stage_bound(job: JobSpec, stage: Stage) -> int | None:
    timeout = stage.timeout if stage.timeout is not None else job.timeout
    retries = stage.retries if stage.retries is not None else job.retries
    return outer_timeout(timeout, retries)


def longest_run(job: JobSpec) -> float | None:
    """The longest a whole run may take, when every stage has a timeout (a parallel
    group takes as long as its slowest stage; fan-out runs its copies side by side)."""
    total = 0.0
    for item in job.steps:
        stages = item.parallel if isinstance(item, ParallelGroup) else (item,)
        bounds = [stage_bound(job, stage) for stage in stages]
        if any(bound is None for bound in bounds):
            return None
        total += max(bound for bound in bounds if bound is not None)
    return total


def environment(job: JobSpec, stage: Stage) -> dict[str, str]:
    """The stage's `withEnv` pairs. `hudson.EnvVars.override` removes a variable whose
    value is empty (in `withEnv` and again in the agent's launcher), so such variables,
    and string and text parameters (which may be left empty), are named in
    `JOBSMITH_EMPTY_ENV` for the wrapper to set. `PATH` becomes `PATH+JOBSMITH`, which
    `override` puts before the agent's PATH instead of replacing it."""
    spec = {**job.env, **stage.env}
    env = {("PATH+JOBSMITH" if key == "PATH" else key): value for key, value in spec.items()}
    empty = {key for key, value in spec.items() if value == ""}
    empty.update(p.name for p in job.parameters if p.type in ("string", "text")
                 or (p.type == "choice" and "" in (p.choices or ())))
    if empty:
        env[EMPTY_ENV] = ",".join(sorted(empty))
    if job.mask_variables:
        env["JOBSMITH_MASK"] = ",".join(job.mask_variables)
    return env


def jenkins_label(expression: str) -> str:
    """The expression as Jenkins must receive it: `Jenkins.getLabel` first runs
    `QuotedStringTokenizer.unquote`, which strips one pair of quotes when the first and
    last characters are both `"`, so `"a b" && "c d"` would become `a b" && "c d`.
    Parentheses keep the expression whole and mean the same."""
    if len(expression) >= 2 and expression[0] == expression[-1] == '"':
        return f"({expression})"
    return expression


@dataclass(frozen=True)
class GeneratedNames:
    """Stage names jobsmith adds itself. They start with GENERATED_STAGE_PREFIX, which
    a spec's stage and group names may not (spec validation), so Declarative's
    "Duplicate stage name" check (`ModelValidatorImpl.validateElement(ModelASTStages)`)
    can never fire on them."""

    skip_guard: str
    lock: str


def generated_names(job: JobSpec) -> GeneratedNames:
    return GeneratedNames(skip_guard=f"{GENERATED_STAGE_PREFIX} skip if running",
                          lock=f"{GENERATED_STAGE_PREFIX} lock {job.lock or ''}".rstrip())


def group_title(group: ParallelGroup) -> str:
    if group.name is not None:
        return group.name
    return f"{GENERATED_STAGE_PREFIX} parallel " + ", ".join(s.name for s in group.parallel)


def finish_command(job: JobSpec, ttl: float | None) -> str:
    """The build's finish step (`post { always }`): the one Sensu result of the build.
    The `$JOBSMITH_*` values come from the pipeline (currentBuild), expanded by `sh`.
    Each argument is `shlex.quote`d, as in `wrapper_script`."""
    parts = [f"jobsmith run --job {_quote(job.full_name)}"]
    if ttl is not None:
        parts.append(f"--ttl {_quote(_duration(ttl))}")
    if job.alerts.max_duration is not None:
        parts.append(f"--max-duration {_quote(_duration(job.alerts.max_duration))}")
    if job.alerts.handlers:
        parts.append(f"--alert-handlers {_quote(','.join(job.alerts.handlers))}")
    parts.append(_FINISH_END)
    return " ".join(parts)


def finish_label(job: JobSpec) -> str | None:
    """Where the finish step runs: the job's agent, else its first step's; None: any."""
    for item in job.steps:
        stage = item.parallel[0] if isinstance(item, ParallelGroup) else item
        label = job.agent or stage.agent or stage.on_each
        return jenkins_label(label) if label else None
    return jenkins_label(job.agent) if job.agent else None


def _stage_view(job: JobSpec, stage: Stage, unstash: tuple[str, ...],
                counting: Stage | None, stashes: set[str]) -> StageView:
    env = environment(job, stage)
    agent = None if stage.on_each else stage.agent or job.agent
    record = record_path(stage)
    return StageView(
        name=stage.name,
        agent=jenkins_label(agent) if agent else None,
        on_each=jenkins_label(stage.on_each) if stage.on_each else None,
        env=[f"{key}={value}" for key, value in sorted(env.items())],
        credentials=job.credentials,
        checkout=job.checkout,
        script=wrapper_script(job, stage, record),
        step_timeout=stage_bound(job, stage),
        unstash=unstash,
        stash=stash_of(stage, stashes),
        count_folded=counting is not None and stage.name == counting.name,
        record=record,
    )


def counting_stage(job: JobSpec) -> Stage | None:
    """The first stage that runs once (not a fan-out): it reports the build's folded
    triggers, so the build counts them once."""
    return next((s for s in job.all_stages if s.on_each is None), None)


def stage_views(job: JobSpec) -> list[StageView | GroupView]:
    """Every step item in order. A stage gets the outputs of every stage of the items
    before its own (a parallel branch not those of its siblings, which run beside it)."""
    views: list[StageView | GroupView] = []
    available: tuple[str, ...] = ()
    counting = counting_stage(job)
    stashes: set[str] = set()
    for item in job.steps:
        stages = item.parallel if isinstance(item, ParallelGroup) else (item,)
        made = [_stage_view(job, s, available, counting, stashes) for s in stages]
        if isinstance(item, ParallelGroup):
            views.append(GroupView(name=group_title(item), fail_fast=item.fail_fast,
                                   branches=made))
        else:
            views.append(made[0])
        available += tuple(v.stash.name for v in made if v.stash is not None)
    return views
