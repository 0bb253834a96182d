"""A job's properties as XML data: the `<properties>` children of its config.xml.

The seed's fixed Job DSL script appends these nodes in a `configure {}` block (Job DSL
1.94 has no built-in `pipelineTriggers` or `disableConcurrentBuilds` on `pipelineJob`),
so adding a property needs no change to the script: only this module. Spec values
appear only as element text or attribute values, never as element names.

A node is `{"tag": ..., "attributes": {...}, "text": ..., "children": [...]}`; the
optional keys are left out when empty.
"""

from __future__ import annotations

from typing import Any

from jobsmith.spec.model import JobSpec

XmlNode = dict[str, Any]

_TRIGGERS = "org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty"
_NO_CONCURRENT = "org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty"
_THROTTLE = "hudson.plugins.throttleconcurrents.ThrottleJobProperty"
_PRIORITY = "jenkins.advancedqueue.priority.strategy.PriorityJobProperty"
_DISCARDER = "jenkins.model.BuildDiscarderProperty"
_COPY_ON_WRITE_LIST = "java.util.concurrent.CopyOnWriteArrayList"


def node(tag: str, *children: XmlNode, attributes: dict[str, str] | None = None) -> XmlNode:
    result: XmlNode = {"tag": tag}
    if attributes:
        result["attributes"] = attributes
    if children:
        result["children"] = list(children)
    return result


def _leaf(tag: str, text: str) -> XmlNode:
    """An element holding only text."""
    return {"tag": tag, "text": text}


def _bool(value: bool) -> str:
    return "true" if value else "false"


def job_properties(job: JobSpec, schedule: str | None) -> list[XmlNode]:
    """The job properties the seed writes for `job`, in config.xml order; `schedule` is
    `job.schedule.jenkins_text()` (None: not scheduled)."""
    found = [_triggers(job, schedule), _concurrency(job), _throttle(job), _priority(job),
             _discarder(job)]
    return [p for p in found if p is not None]


def _triggers(job: JobSpec, schedule: str | None) -> XmlNode | None:
    triggers = []
    if schedule is not None:
        triggers.append(node("hudson.triggers.TimerTrigger", _leaf("spec", schedule)))
    if job.after:
        # ReverseBuildTrigger.upstreamProjects: names relative to the job's folder, or
        # absolute with a leading `/` (Items.computeRelativeNamesAfterRenaming resolves them)
        upstream = ", ".join(f"/{name}" for name in job.after)
        triggers.append(node(
            "jenkins.triggers.ReverseBuildTrigger",
            _leaf("spec", ""),
            _leaf("upstreamProjects", upstream),
            node("threshold", _leaf("name", "SUCCESS"), _leaf("ordinal", "0"),
                 _leaf("color", "BLUE"), _leaf("completeBuild", "true")),
        ))
    if not triggers:
        return None
    return node(_TRIGGERS, node("triggers", *triggers))


def _concurrency(job: JobSpec) -> XmlNode | None:
    if job.concurrency not in ("queue", "replace"):
        return None
    return node(_NO_CONCURRENT, _leaf("abortPrevious", _bool(job.concurrency == "replace")))


def _throttle(job: JobSpec) -> XmlNode | None:
    throttle = job.throttle
    if not throttle:
        return None
    list_class = {"class": _COPY_ON_WRITE_LIST}
    if throttle.category:
        head = [_leaf("maxConcurrentPerNode", "0"), _leaf("maxConcurrentTotal", "0"),
                node("categories", _leaf("string", throttle.category),
                     attributes=list_class),
                _leaf("throttleEnabled", "true"), _leaf("throttleOption", "category")]
    else:
        head = [_leaf("maxConcurrentPerNode", str(throttle.max_per_node or 0)),
                _leaf("maxConcurrentTotal", str(throttle.max_total or 0)),
                node("categories", attributes=list_class),
                _leaf("throttleEnabled", "true"), _leaf("throttleOption", "project")]
    return node(_THROTTLE, *head,
                _leaf("limitOneJobWithMatchingParams", "false"),
                _leaf("paramsToUseForLimit", ""),
                _leaf("configVersion", "1"))


def _priority(job: JobSpec) -> XmlNode | None:
    if not job.priority:
        return None
    return node(_PRIORITY, _leaf("useJobPriority", "true"),
                _leaf("priority", str(job.priority)))


def _discarder(job: JobSpec) -> XmlNode | None:
    retention = job.retention
    if not (retention.builds or retention.days):
        return None
    return node(_DISCARDER, node(
        "strategy",
        _leaf("daysToKeep", str(retention.days or -1)),
        _leaf("numToKeep", str(retention.builds or -1)),
        _leaf("artifactDaysToKeep", "-1"),
        _leaf("artifactNumToKeep", "-1"),
        attributes={"class": "hudson.tasks.LogRotator"},
    ))
