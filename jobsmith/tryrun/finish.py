"""The pipeline's `post { always }` in a try: the build's finish step.

The generated pipeline ends every build, whatever happened, with `jobsmithFinish()`:
on a node of `finish_label`, inside `withEnv` of the failing part's record
(`JOBSMITH_FAILED_PART`), `currentBuild.currentResult`, `startTimeInMillis` and the
previous completed build's result, it runs the `sh` step `finish_command` (the
wrapper's `jobsmith run --finish`), which sends the build's metrics and its one Sensu
result. A try runs that same command line with the result it computed, the try's start,
no previous build, and its local build variables (`BUILD_NUMBER=0`, a `jobsmith-try://`
`BUILD_URL`); the metric and alert settings reach it only when asked for, as they reach
the stages. A finish step that fails makes the build fail, as a failing `post` step
does in Jenkins (`Result.combine`: an aborted build stays aborted).
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from jobsmith.generator.render import missed_run_ttl
from jobsmith.generator.steps import finish_command, finish_label
from jobsmith.tryrun.environment import build_variables, override
from jobsmith.tryrun.stage import StageRun, sh_step, stop

# jobsmithFinish()'s own bound: `timeout(time: 1800, unit: 'SECONDS')`.
FINISH_SECONDS = 1800
FINISH_LABEL = "jobsmith: report the build"


def finish_script(run: StageRun) -> str:
    """The finish step's `sh` script, exactly as the pipeline has it."""
    return finish_command(run.job, missed_run_ttl(run.job))


def run_finish(run: StageRun, result: str, started_ms: int) -> int:
    """Run the finish step for a build whose result is `result`; -> its exit status
    (`None` from a stopped step counts as 143, what the wrapper exits with)."""
    label = finish_label(run.job)
    where = f"an agent matching {label!r}" if label else "any agent"
    run.echo(f"jobsmith try: post {{ always }}: {FINISH_LABEL} ({result}; on Jenkins: {where})")
    workspace = Path(tempfile.mkdtemp(prefix="ws-", dir=run.root))
    control = Path(tempfile.mkdtemp(prefix="ws-tmp-", dir=run.root))
    env = override({**run.base_env, **build_variables(run.job, workspace, None)}, [
        f"JOBSMITH_FAILED_PART={run.failed_part}",
        f"JOBSMITH_BUILD_RESULT={result}",
        f"JOBSMITH_BUILD_STARTED={started_ms}",
        "JOBSMITH_PREVIOUS_RESULT=",  # no completed build before a try
    ])
    process = sh_step(finish_script(run), workspace, control, env)
    try:
        return process.wait(timeout=FINISH_SECONDS)
    except subprocess.TimeoutExpired:
        run.echo(f"jobsmith try: {FINISH_LABEL}: over {FINISH_SECONDS}s; aborting it as "
                 "Jenkins would")
        stop(process)
        return 143
    except BaseException:
        stop(process)
        raise
