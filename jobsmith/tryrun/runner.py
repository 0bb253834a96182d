"""Run a job's stages here, in the generated pipeline's order and with its command lines.

Each stage runs as the pipeline's `sh` step runs it: durable-task's `BourneShellScript`
writes the script (the `jobsmith run ...` line from `jobsmith.generator.steps`) to a
file and starts it as `sh -xe FILE` in the stage's workspace. A stage gets a fresh
workspace of its own, as a stage with its own `agent` does on Jenkins, so files carry
over only where the pipeline carries them.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from jobsmith.generator.steps import GroupView, StageView, stage_views
from jobsmith.seed.errors import BUILD_RESULT_EXIT
from jobsmith.spec import load_tree
from jobsmith.spec.model import JobSpec
from jobsmith.tryrun.environment import (
    TryError,
    agent_environment,
    credential_values,
    parameter_values,
)
from jobsmith.tryrun.finish import run_finish
from jobsmith.tryrun.stage import StageRun, run_parallel, run_stage

Echo = Callable[[str], None]


@dataclass(frozen=True)
class TryOptions:
    job: str
    specs: Path = Path("jobs")
    params: tuple[str, ...] = ()
    stage: str | None = None
    send_alerts: bool = False
    send_metrics: bool = False
    keep_workspace: bool = False


@dataclass
class TryResult:
    job: str
    result: str = "SUCCESS"
    stages: list[tuple[str, str]] = field(default_factory=list)  # (stage, result)
    finish_status: int | None = None  # the finish step's exit status

    @property
    def exit_code(self) -> int:
        return BUILD_RESULT_EXIT[self.result]


def find_job(specs: Path, name: str) -> JobSpec:
    tree = load_tree(specs)
    wanted = name.strip("/")
    job = tree.jobs.get(wanted)
    if job is None:
        close = difflib.get_close_matches(wanted, list(tree.jobs), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise TryError(f"no job {wanted!r} in {specs}{hint}")
    return job


def _select(views: list[StageView | GroupView], stage: str | None
            ) -> list[StageView | GroupView]:
    if stage is None:
        return views
    names: list[str] = []
    for view in views:
        if view.name == stage:
            return [view]
        names.append(view.name)
        if isinstance(view, GroupView):
            for branch in view.branches:
                if branch.name == stage:
                    return [branch]
                names.append(branch.name)
    close = difflib.get_close_matches(stage, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise TryError(f"the job has no stage {stage!r}{hint} (its stages: {', '.join(names)})")


def try_job(options: TryOptions, echo: Echo, environ: Mapping[str, str] | None = None,
            output: BinaryIO | None = None) -> TryResult:
    """Run the job's steps; `echo` gets jobsmith's own lines, the steps' output goes
    to this process's stdout and stderr (or `output`, for parallel branches' lines)."""
    local = dict(os.environ if environ is None else environ)
    job = find_job(options.specs, options.job)
    params = parameter_values(job, options.params)
    secrets = credential_values(job.credentials, local)
    base = agent_environment(local, options.send_alerts, options.send_metrics)
    base.update(params)  # Jenkins exposes parameters as environment variables
    views = _select(stage_views(job), options.stage)

    echo(f"jobsmith try: {job.full_name}, {_count(views)} here, as its pipeline runs "
         f"{'it' if len(views) == 1 else 'them'}")
    for note in _notes(job, options):
        echo(f"jobsmith try: {note}")
    root = Path(tempfile.mkdtemp(prefix="jobsmith-try-"))
    run = StageRun(job=job, base_env=base, secrets=secrets, root=root, echo=echo,
                   output=output)
    result = TryResult(job.full_name)
    started_ms = int(time.time() * 1000)  # currentBuild.startTimeInMillis
    try:
        _run_stages(run, views, result)
        _finish(run, result, started_ms)
    finally:
        if options.keep_workspace:
            echo(f"jobsmith try: workspaces kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    echo(f"jobsmith try: {job.full_name} finished: {result.result} "
         f"(exit status {result.exit_code})")
    return result


def _run_stages(run: StageRun, views: list[StageView | GroupView], result: TryResult) -> None:
    echo = run.echo
    try:
        for view in views:
            if result.result != "SUCCESS":
                names = [b.name for b in view.branches] if isinstance(view, GroupView) \
                    else [view.name]
                for name in names:
                    echo(f"jobsmith try: stage {name!r} skipped: an earlier stage failed")
                    result.stages.append((name, "SKIPPED"))
                continue
            if isinstance(view, GroupView):
                outcomes, outcome = run_parallel(run, view)
            else:
                outcome = run_stage(run, view)
                outcomes = [(view.name, outcome)]
            result.stages.extend(outcomes)
            if _worse(outcome, result.result):
                result.result = outcome
    except KeyboardInterrupt:
        # Ctrl-C is this try's "Abort" button: the running step was stopped.
        echo("jobsmith try: interrupted; the running step was stopped")
        result.result = "ABORTED"


def _finish(run: StageRun, result: TryResult, started_ms: int) -> None:
    """`post { always }`: the finish step, after a failure or an abort too."""
    try:
        status = run_finish(run, result.result, started_ms)
    except KeyboardInterrupt:
        run.echo("jobsmith try: interrupted; the finish step was stopped")
        result.result = "ABORTED"
        return
    result.finish_status = status
    if status != 0:
        run.echo(f"jobsmith try: the finish step failed (exit status {status}); on Jenkins "
                 "a failing post step fails the build")
        if _worse("FAILURE", result.result):
            result.result = "FAILURE"


_ORDER = ["SUCCESS", "UNSTABLE", "FAILURE", "NOT_BUILT", "ABORTED"]


def _worse(new: str, old: str) -> bool:
    return _ORDER.index(new) > _ORDER.index(old)


def _count(views: list[StageView | GroupView]) -> str:
    count = sum(len(v.branches) if isinstance(v, GroupView) else 1 for v in views)
    return f"{count} stage" if count == 1 else f"{count} stages"


def _notes(job: JobSpec, options: TryOptions) -> list[str]:
    notes = []
    if not options.send_alerts:
        notes.append("no alert is sent (--send-alerts sends them as the agent would)")
    if not options.send_metrics:
        notes.append("no metric is sent (--send-metrics sends them)")
    if job.lock:
        notes.append(f"the lock {job.lock!r} is not taken here")
    if job.concurrency == "skip":
        notes.append("concurrency: skip is not checked here (no previous build)")
    return notes
