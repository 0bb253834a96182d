"""The Jenkins plugins a generated job needs, for manifest.json and `jobsmith health`.

Job DSL's `failOnMissingPlugin` does not cover the `configure {}` XML the seed writes (a
property of a missing plugin is dropped silently when the job loads), and a pipeline
step of a missing plugin fails only when a build reaches it; so the manifest names them
and `jobsmith health` checks them against the controller. IDs as in deploy/plugins.txt.
"""

from __future__ import annotations

from jobsmith.spec.model import JobSpec

# What every generated job and the seed use: the jobDsl step under script security,
# pipelineJob with the sandboxed cps definition, declarative pipelines, `sh` (durable
# task), `timeout`/`withEnv`, and `currentBuild.previousBuildInProgress`.
BASE_PLUGINS = frozenset({
    "job-dsl", "script-security", "workflow-job", "workflow-cps", "workflow-support",
    "pipeline-model-definition", "workflow-durable-task-step", "workflow-basic-steps",
})


def job_plugins(job: JobSpec) -> set[str]:
    """The plugins beyond BASE_PLUGINS that `job`'s generated pipeline and properties use."""
    needed = set()
    if job.folder:
        needed.add("cloudbees-folder")
    if job.credentials:
        # withCredentials (credentials-binding) with string(...) (plain-credentials)
        # and usernamePassword(...) (credentials-binding) over credentials' store.
        needed |= {"credentials-binding", "plain-credentials", "credentials"}
    if job.lock is not None:
        needed.add("lockable-resources")
    if job.throttle is not None:
        needed.add("throttle-concurrents")
    if job.priority is not None:
        needed.add("PrioritySorter")
    if job.checkout is not None:
        needed.add("git")
    if any(stage.on_each is not None for stage in job.all_stages):
        needed.add("pipeline-utility-steps")
    return needed
