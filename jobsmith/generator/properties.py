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


def node(tag: str, *children: XmlNode, text: str | int | bool | None = None,
         attributes: dict[str, str] | None = None) -> XmlNode:
    result: XmlNode = {"tag": tag}
    if attributes:
        result["attributes"] = dict(attributes)
    if text is not None:
        result["text"] = _text(text)
    if children:
        result["children"] = list(children)
    return result


def _text(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def job_properties(job: JobSpec) -> list[XmlNode]:
    """The job properties the seed writes for `job`, in config.xml order."""
    found = [_triggers(job), _concurrency(job), _throttle(job), _priority(job),
             _discarder(job)]
    return [p for p in found if p is not None]


def _triggers(job: JobSpec) -> XmlNode | None:
    triggers = []
    if job.schedule:
        triggers.append(node("hudson.triggers.TimerTrigger",
                             node("spec", text=job.schedule.jenkins_text())))
    if job.after:
        # ReverseBuildTrigger.upstreamProjects: names relative to the job's folder, or
        # absolute with a leading `/` (Items.computeRelativeNamesAfterRenaming resolves them)
        upstream = ", ".join(f"/{name}" for name in job.after)
        triggers.append(node(
            "jenkins.triggers.ReverseBuildTrigger",
            node("spec", text=""),
            node("upstreamProjects", text=upstream),
            node("threshold", node("name", text="SUCCESS"), node("ordinal", text=0),
                 node("color", text="BLUE"), node("completeBuild", text=True)),
        ))
    if not triggers:
        return None
    return node(_TRIGGERS, node("triggers", *triggers))


def _concurrency(job: JobSpec) -> XmlNode | None:
    if job.concurrency not in ("queue", "replace"):
        return None
    return node(_NO_CONCURRENT, node("abortPrevious", text=job.concurrency == "replace"))


def _throttle(job: JobSpec) -> XmlNode | None:
    throttle = job.throttle
    if not throttle:
        return None
    list_class = {"class": _COPY_ON_WRITE_LIST}
    if throttle.category:
        head = [node("maxConcurrentPerNode", text=0), node("maxConcurrentTotal", text=0),
                node("categories", node("string", text=throttle.category),
                     attributes=list_class),
                node("throttleEnabled", text=True), node("throttleOption", text="category")]
    else:
        head = [node("maxConcurrentPerNode", text=throttle.max_per_node or 0),
                node("maxConcurrentTotal", text=throttle.max_total or 0),
                node("categories", attributes=list_class),
                node("throttleEnabled", text=True), node("throttleOption", text="project")]
    return node(_THROTTLE, *head,
                node("limitOneJobWithMatchingParams", text=False),
                node("paramsToUseForLimit", text=""),
                node("configVersion", text=1))


def _priority(job: JobSpec) -> XmlNode | None:
    if not job.priority:
        return None
    return node(_PRIORITY, node("useJobPriority", text=True),
                node("priority", text=job.priority))


def _discarder(job: JobSpec) -> XmlNode | None:
    retention = job.retention
    if not (retention.builds or retention.days):
        return None
    return node(_DISCARDER, node(
        "strategy",
        node("daysToKeep", text=retention.days or -1),
        node("numToKeep", text=retention.builds or -1),
        node("artifactDaysToKeep", text=-1),
        node("artifactNumToKeep", text=-1),
        attributes={"class": "hudson.tasks.LogRotator"},
    ))
