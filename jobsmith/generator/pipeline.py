"""The declarative pipeline of one job, as text.

Built in Python rather than from a template: at thousands of jobs a run, a template
engine's per-value calls were most of rendering. The rule the templates kept holds here
by construction: a spec value reaches the text only through `groovy_string` (`_q`), or
as a number; the stage views (`steps.stage_views`) carry values, never Groovy code,
except `StageView.env_code`, built with `groovy_string` too. Lines are built with their
indentation (`pad`) and joined once.

The pipeline's shape (docs/spec.md says what each spec key does to it):
- `agent none` at the top and an agent per stage (`steps`: the step's bound is a
  `timeout` inside the agent, so queue time never counts against it);
- `concurrency: skip`: a guard stage marks the build NOT_BUILT when another one runs,
  and every later stage has a `when` evaluated before its agent and options;
- `lock`: one stage holding the lock around all others;
- a parallel group is a stage of stages, `failFast` as the spec says;
- a fan-out stage (`on_each`) runs its step on every matching agent (`jobsmithOnEach`).
"""

from __future__ import annotations

import re

from jobsmith import __version__
from jobsmith.generator.groovy import groovy_string as _q
from jobsmith.generator.steps import (
    GroupView,
    StageView,
    finish_command,
    finish_label,
    generated_names,
    stage_views,
)
from jobsmith.spec.model import JobSpec

_STEP = "    "  # one level of indentation
# What `// Pipeline of NAME` keeps of the name (anything else becomes `?`): the comment
# stays one line, whatever the name holds.
_COMMENT_UNSAFE = re.compile(r"[^A-Za-z0-9._/ -]")

_SKIP_WHEN = ("when {", "    beforeAgent true", "    beforeOptions true",
              "    expression { currentBuild.result != 'NOT_BUILT' }", "}")


def _skip_when(out: list[str], pad: str) -> None:
    """Skip the stage when the guard stage marked the build NOT_BUILT, before its
    agent is allocated and its options (a `timeout`, a `lock`) apply."""
    out.extend([pad + line for line in _SKIP_WHEN])


def _run(out: list[str], s: StageView, pad: str) -> None:
    """The step itself: checkout, earlier stages' outputs, environment, credentials,
    the wrapper's `sh`, this stage's outputs."""
    checkout = s.checkout
    if checkout:
        credentials = (f"credentialsId: {_q(checkout.credentials)}, "
                       if checkout.credentials else "")
        out.append(f"{pad}git(url: {_q(checkout.git)}, branch: {_q(checkout.branch)}, "
                   f"{credentials}changelog: false, poll: false)")
    for name in s.unstash:
        out.append(f"{pad}unstash({_q(name)})")
    out.append(f"{pad}withEnv({s.env_code}) {{")
    sh = f"sh(script: {_q(s.script)}, label: {_q(s.name)})"
    if s.credentials:
        out.append(f"{pad}    withCredentials([")
        last = len(s.credentials) - 1
        for number, c in enumerate(s.credentials):
            comma = "," if number < last else ""
            if c.variable:
                out.append(f"{pad}        string(credentialsId: {_q(c.id)}, "
                           f"variable: {_q(c.variable)}){comma}")
            else:
                # the model's `Credential._one_form`: no `variable`, so both of these
                assert c.username is not None and c.password is not None
                out.append(f"{pad}        usernamePassword(credentialsId: {_q(c.id)}, "
                           f"usernameVariable: {_q(c.username)}, "
                           f"passwordVariable: {_q(c.password)}){comma}")
        out.append(f"{pad}    ]) {{")
        out.append(f"{pad}        {sh}")
        out.append(f"{pad}    }}")
    else:
        out.append(f"{pad}    {sh}")
    out.append(f"{pad}}}")
    stash = s.stash
    if stash:
        out.append(f"{pad}stash(name: {_q(stash.name)}, includes: {_q(stash.includes)}, "
                   "allowEmpty: false)")


def _fan_out(out: list[str], s: StageView, pad: str) -> None:
    assert s.on_each is not None
    out.append(f"{pad}script {{")
    out.append(f"{pad}    jobsmithOnEach({_q(s.name)}, {_q(s.on_each)}, "
               f"{int(s.step_timeout or 0)}, {_q(s.record)}) {{")
    _run(out, s, pad + "        ")
    out.append(f"{pad}    }}")
    out.append(f"{pad}}}")


def _stage(out: list[str], s: StageView, skip: bool, pad: str) -> None:
    inner = pad + _STEP
    out.append(f"{pad}stage({_q(s.name)}) {{")
    if s.agent:
        out.append(f"{inner}agent {{ label({_q(s.agent)}) }}")
    elif not s.on_each:
        out.append(f"{inner}agent any")
    if skip:
        _skip_when(out, inner)
    out.append(f"{inner}steps {{")
    if s.on_each:
        _fan_out(out, s, inner + _STEP)
    elif s.step_timeout:
        out.append(f"{inner}    timeout(time: {int(s.step_timeout)}, unit: 'SECONDS') {{")
        _run(out, s, inner + "        ")
        out.append(f"{inner}    }}")
    else:
        _run(out, s, inner + _STEP)
    out.append(f"{inner}}}")
    if not s.on_each:
        record = _q(s.record)
        out.extend([f"{inner}post {{",
                    f"{inner}    failure {{",
                    f"{inner}        script {{",
                    f"{inner}            jobsmithFailed({record})",
                    f"{inner}        }}",
                    f"{inner}    }}",
                    f"{inner}}}"])
    out.append(f"{pad}}}")


def _group(out: list[str], g: GroupView, skip: bool, pad: str) -> None:
    inner = pad + _STEP
    out.append(f"{pad}stage({_q(g.name)}) {{")
    if skip:
        _skip_when(out, inner)
    if g.fail_fast:
        out.append(f"{inner}failFast true")
    out.append(f"{inner}parallel {{")
    for branch in g.branches:
        _stage(out, branch, False, inner + _STEP)
    out.append(f"{inner}}}")
    out.append(f"{pad}}}")


def _items(out: list[str], views: list[StageView | GroupView], skip: bool, pad: str) -> None:
    for view in views:
        if isinstance(view, GroupView):
            _group(out, view, skip, pad)
        else:
            _stage(out, view, skip, pad)


def pipeline_text(job: JobSpec, ttl: float | None) -> str:
    """The job's pipeline; `ttl` is its missed-run TTL (`missed_run_ttl`), which the
    finish step passes on."""
    name = _COMMENT_UNSAFE.sub("?", job.full_name)
    out = [f"// Pipeline of {name}, generated by jobsmith {__version__}. Do not edit.",
           "pipeline {", "    agent none", "    stages {"]
    skip = job.concurrency == "skip"
    names = generated_names(job)
    if skip:
        message = f"jobsmith: not running {job.full_name}: the previous build is still running"
        out.extend([f"        stage({_q(names.skip_guard)}) {{",
                    "            steps {",
                    "                script {",
                    "                    if (currentBuild.previousBuildInProgress != null) {",
                    f"                        echo({_q(message)})",
                    "                        currentBuild.result = 'NOT_BUILT'",
                    "                    }",
                    "                }",
                    "            }",
                    "        }"])
    views = stage_views(job)
    if job.lock:
        out.append(f"        stage({_q(names.lock)}) {{")
        if skip:
            _skip_when(out, "            ")
        out.append(f"            options {{ lock(resource: {_q(job.lock)}) }}")
        out.append("            stages {")
        _items(out, views, False, "                ")
        out.append("            }")
        out.append("        }")
    else:
        _items(out, views, skip, "        ")
    out.append(_AFTER_STAGES)
    label = finish_label(job)
    out.append(f"        node({_q(label)}) {{" if label else "        node {")
    out.append(_FINISH_ENV)
    out.append(f"                sh(script: {_q(finish_command(job, ttl))}, "
               "label: 'jobsmith: report the build')")
    out.append(_FINISH_END)
    stages = job.all_stages
    if any(s.on_each for s in stages):
        out.append(_ON_EACH)
    if any(s.on_each is None for s in stages):  # it has a `counting_stage`
        out.append(_FOLDED)
    out.append("")
    return "\n".join(out)


# The pipeline's fixed text: the stages' end, the build's finish and failure records.
_AFTER_STAGES = """\
    }
    post {
        always {
            jobsmithFinish()
        }
    }
}

// The failing step's `--record` (read on its agent by the stage's `post { failure }`),
// for the build's one Sensu result. The first failure wins: a branch that `failFast`
// aborts afterwards is not a failure of its own.
@groovy.transform.Field
String jobsmithFailedPart = ''

def jobsmithFailed(String record) {
    if (jobsmithFailedPart == '') {
        try {
            jobsmithFailedPart = readFile(record)
        } catch (err) {
            jobsmithFailedPart = ''
        }
    }
}

// The build's one Sensu result, once, whatever happened (`post { always }` runs after
// a failure, an abort, a superseded or skipped build): the wrapper's `--finish`.
def jobsmithFinish() {
    // The last completed build that did its work: an aborted or not-built one in between
    // proves nothing about an earlier failure, which keeps the check critical.
    def previous = currentBuild.previousCompletedBuild
    while (previous != null && (previous.result == 'ABORTED' || previous.result == 'NOT_BUILT')) {
        previous = previous.previousCompletedBuild
    }
    timeout(time: 1800, unit: 'SECONDS') {"""

_FINISH_ENV = """\
            withEnv(['JOBSMITH_FAILED_PART=' + jobsmithFailedPart,
                     'JOBSMITH_BUILD_RESULT=' + currentBuild.currentResult,
                     'JOBSMITH_BUILD_STARTED=' + currentBuild.startTimeInMillis,
                     'JOBSMITH_PREVIOUS_RESULT=' + (previous == null ? '' : previous.result)]) {"""

_FINISH_END = """\
            }
        }
    }
}"""

# Only in a pipeline with a fan-out (`on_each`) stage.
_ON_EACH = """\

// Runs `body` once on every online agent matching `label`, all side by side, each copy
// bounded by `seconds` (0: unbounded) inside its node, so time spent waiting for the
// agent never counts. One method for every fan-out stage keeps the CPS-transformed code
// of `run()` small (the JVM caps a method at 64 KiB of bytecode).
def jobsmithOnEach(String stageName, String label, int seconds, String record, Closure body) {
    def agents = nodesByLabel(label: label, offline: false)
    if (agents.isEmpty()) {
        error('jobsmith: ' + stageName + ': no online agent matches ' + label)
    }
    def failed = []
    def branches = [:]
    for (int i = 0; i < agents.size(); i++) {
        def agentName = agents[i]
        branches[agentName] = {
            try {
                node(agentName) {
                    try {
                        if (seconds > 0) {
                            timeout(time: seconds, unit: 'SECONDS') {
                                body()
                            }
                        } else {
                            body()
                        }
                    } catch (err) {
                        jobsmithFailed(record)
                        throw err
                    }
                }
            } catch (err) {
                failed.add(agentName)
                throw err
            }
        }
    }
    try {
        parallel(branches)
    } finally {
        if (!failed.isEmpty()) {
            echo('jobsmith: ' + stageName + ' failed on ' + failed.size() + ' of ' + agents.size() + ' agents: ' + failed.join(', '))
        }
    }
}"""  # noqa: E501 (Groovy lines)

# Only in a pipeline with a stage that runs once (`counting_stage`).
_FOLDED = """\

// A trigger that comes while this job already waits in the queue is folded into that
// waiting item (Queue.schedule2 -> CauseAction.foldIntoExisting), and the build lists
// every folded cause (CauseAction.getCauses). Says how many more triggers this build
// absorbed; the first stage's step adds them to the counter <job>.folded.
def jobsmithFolded() {
    int folded = currentBuild.getBuildCauses().size() - 1
    if (folded > 0) {
        echo('jobsmith: this build absorbed ' + folded + ' more trigger(s) that came while it waited in the queue')
    }
    return '' + folded
}"""  # noqa: E501 (Groovy lines)
