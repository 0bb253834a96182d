"""The environment a try's steps see: what Jenkins would give the pipeline's `sh` step.

Jenkins sets its build variables, the parameters, then `withEnv` (the spec's `env`) and
`withCredentials` on top. `withEnv` merges with `hudson.EnvVars.override`, which removes
a variable whose value is empty, and a job's `PATH` replaces the agent's; the same rule
applies here, so an empty value is missing here too, as on an agent.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from jobsmith.errors import EXIT_USAGE, JobsmithError
from jobsmith.seed.trigger import check_parameters, from_spec, parse_assignments
from jobsmith.spec.model import Credential, JobSpec

# Where the wrapper would send results; kept only when the user asks for them.
ALERT_VARIABLES = ("JOBSMITH_SENSU", "JOBSMITH_OUTBOX")
METRIC_VARIABLES = ("JOBSMITH_STATSD", "JOBSMITH_STATSD_PREFIX")
# Jenkins' own variables that would otherwise leak from a developer's shell.
JENKINS_VARIABLES = ("JENKINS_URL", "JENKINS_HOME", "BUILD_URL", "JOB_URL", "BUILD_NUMBER",
                     "BUILD_ID", "BUILD_TAG", "JOB_NAME", "JOB_BASE_NAME", "NODE_NAME",
                     "NODE_LABELS", "EXECUTOR_NUMBER", "WORKSPACE", "STAGE_NAME")


class TryError(JobsmithError):
    """A try that cannot start: a bad parameter, a missing credential, no such job."""

    exit_code = EXIT_USAGE


def parameter_values(job: JobSpec, assignments: Sequence[str]) -> dict[str, str]:
    """Every parameter's value: `-p` values checked as `jobsmith trigger` checks them,
    the others their defaults as Jenkins fills them in (empty text, `false`, the first
    choice)."""
    try:
        given = check_parameters(job.full_name, from_spec(job.parameters),
                                 parse_assignments(assignments))
    except JobsmithError as error:
        raise TryError(str(error)) from None
    values: dict[str, str] = {}
    for parameter in job.parameters:
        default = parameter.default
        if isinstance(default, bool):
            text = "true" if default else "false"
        elif default is not None:
            text = str(default)
        elif parameter.type == "boolean":
            text = "false"
        elif parameter.type == "choice" and parameter.choices:
            text = parameter.choices[0]
        else:
            text = ""
        values[parameter.name] = given.get(parameter.name, text)
    return values


def credential_values(credentials: Sequence[Credential],
                      local: Mapping[str, str]) -> dict[str, str]:
    """Each bound variable's value, taken from the local environment by its name."""
    values: dict[str, str] = {}
    missing: list[str] = []
    for credential in credentials:
        absent = [name for name in credential.variables if name not in local]
        if absent:
            names = " and ".join(absent)
            missing.append(f"credential {credential.id!r} is bound to {names}: set "
                           f"{'them' if len(absent) > 1 else 'it'} in the environment to "
                           "try this job here (jobsmith try takes credentials from local "
                           "variables of the same names)")
        for name in credential.variables:
            if name in local:
                values[name] = local[name]
    if missing:
        raise TryError("\n".join(missing))
    return values


# The build number a try reports: no Jenkins build has it (they start at 1).
TRY_BUILD_NUMBER = "0"


def build_variables(job: JobSpec, workspace: Path, stage: str | None) -> dict[str, str]:
    """Jenkins' build variables, saying that this is a local try and not a build
    (`STAGE_NAME` only inside a stage: the pipeline's `post` runs outside them)."""
    url = f"jobsmith-try://{os.uname().nodename}/{job.full_name}"
    variables = {
        "JOB_NAME": job.full_name,
        "JOB_BASE_NAME": job.base_name,
        "BUILD_NUMBER": TRY_BUILD_NUMBER,
        "BUILD_ID": "try",
        "BUILD_TAG": f"jobsmith-try-{job.full_name.replace('/', '-')}",
        "BUILD_URL": url,
        "JOB_URL": url,
        "NODE_NAME": "local-try",
        "WORKSPACE": str(workspace),
        "JOBSMITH_TRY": "1",
    }
    if stage is not None:
        variables["STAGE_NAME"] = stage
    return variables


def override(base: Mapping[str, str], pairs: Sequence[str]) -> dict[str, str]:
    """`withEnv(["K=V", ...])` as `hudson.EnvVars.override` applies each entry: an empty
    value removes the variable, `PATH+NAME=dir` puts `dir` in front of `PATH`."""
    env = dict(base)
    for pair in pairs:
        key, _, value = pair.partition("=")
        if not value:
            env.pop(key, None)
        elif key.find("+") > 0:
            real = key[:key.index("+")]
            env[real] = value if real not in env else f"{value}{os.pathsep}{env[real]}"
        else:
            env[key] = value
    return env


def agent_environment(local: Mapping[str, str], send_alerts: bool,
                      send_metrics: bool) -> dict[str, str]:
    """This machine's environment as an agent's: no alert or metric goes out unless
    asked for, no Jenkins variable of the caller's leaks in, and `jobsmith` on PATH is
    this jobsmith."""
    env = {key: value for key, value in local.items() if key not in JENKINS_VARIABLES}
    for name in (() if send_alerts else ALERT_VARIABLES) + (() if send_metrics
                                                           else METRIC_VARIABLES):
        env.pop(name, None)
    here = Path(sys.executable).parent
    if (here / "jobsmith").exists() and shutil.which("jobsmith", path=env.get("PATH")) != str(
            here / "jobsmith"):
        env["PATH"] = os.pathsep.join(p for p in (str(here), env.get("PATH", "")) if p)
    return env
