"""The state behind the fake Jenkins: items, queue, builds, agents, and a clock.

Time moves only when the test calls `tick()` (the client's injected sleep does), so
a queue item stays queued for exactly as many polls as the test asks, and a build
prints one console chunk per tick.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field
from typing import Any

WORKFLOW_JOB = "org.jenkinsci.plugins.workflow.job.WorkflowJob"
WORKFLOW_RUN = "org.jenkinsci.plugins.workflow.job.WorkflowRun"
FOLDER = "com.cloudbees.hudson.plugins.folder.Folder"
FREESTYLE = "hudson.model.FreeStyleProject"
_ROOT_CLASSES = {
    "flow-definition": WORKFLOW_JOB,
    "project": FREESTYLE,
    FOLDER: FOLDER,
}
_PARAM_TYPES = {
    "hudson.model.StringParameterDefinition": "StringParameterDefinition",
    "hudson.model.BooleanParameterDefinition": "BooleanParameterDefinition",
    "hudson.model.ChoiceParameterDefinition": "ChoiceParameterDefinition",
    "hudson.model.TextParameterDefinition": "TextParameterDefinition",
}


class Refusal(Exception):
    """Jenkins answers with an error status and a message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class BuildPlan:
    """What the next build of a job does: console chunks (one per tick), result."""

    chunks: list[str] = field(default_factory=lambda: ["Started by user admin\n"])
    result: str = "SUCCESS"
    queue_ticks: int = 0  # ticks spent waiting in the queue


@dataclass
class Build:
    number: int
    queue_id: int
    parameters: dict[str, str]
    timestamp_ms: int
    pending: deque[bytes]
    final_result: str
    log: bytes = b""
    result: str | None = None
    duration_ms: int = 0
    artifacts: dict[str, bytes] = field(default_factory=dict)  # relative path -> content


@dataclass
class QueueItem:
    id: int
    job: str
    parameters: dict[str, str]
    waits_left: int
    since_ms: int
    plan: BuildPlan
    why: str = "Waiting for next available executor"
    cancelled: bool = False
    build: int | None = None


@dataclass
class Item:
    full_name: str
    config_xml: str
    kind: str
    disabled: bool = False
    parameters: list[dict[str, Any]] = field(default_factory=list)
    builds: dict[int, Build] = field(default_factory=dict)
    next_build_number: int = 1
    plans: deque[BuildPlan] = field(default_factory=deque)

    @property
    def name(self) -> str:
        return self.full_name.rsplit("/", 1)[-1]

    @property
    def is_folder(self) -> bool:
        return self.kind == FOLDER


@dataclass
class Computer:
    name: str
    labels: tuple[str, ...]
    offline: bool = False
    executors: int = 2


def parse_item(full_name: str, config_xml: str) -> Item:
    """What Jenkins reads from a config.xml: the item type, disabled, parameters."""
    try:
        root = ET.fromstring(config_xml.encode("utf-8"))
    except ET.ParseError as error:
        raise Refusal(500, f"java.io.IOException: Unable to read config.xml: {error}") from None
    kind = _ROOT_CLASSES.get(root.tag)
    if kind is None:
        raise Refusal(500, f"com.thoughtworks.xstream.mapper.CannotResolveClassException: "
                           f"{root.tag}")
    item = Item(full_name, config_xml, kind, disabled=root.findtext("disabled") == "true")
    for definition in root.iterfind(".//hudson.model.ParametersDefinitionProperty/"
                                    "parameterDefinitions/*"):
        kind_name = _PARAM_TYPES.get(definition.tag, definition.tag.rsplit(".", 1)[-1])
        choices = [s.text or "" for s in definition.iterfind("choices//string")]
        default = definition.findtext("defaultValue")
        if kind_name == "ChoiceParameterDefinition":
            default = choices[0] if choices else None
        item.parameters.append({
            "name": definition.findtext("name") or "",
            "type": kind_name,
            "default": default,
            "choices": choices,
        })
    return item


def stored_xml(config_xml: str) -> str:
    """Jenkins keeps a posted config.xml after an XML identity transform: same
    content, but its own declaration, quoting and empty-element style."""
    root = ET.fromstring(config_xml.encode("utf-8"))
    return "<?xml version='1.1' encoding='UTF-8'?>\n" + ET.tostring(root, encoding="unicode")


class JenkinsState:
    """Items, queue, agents. Every method runs under the server's lock."""

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.queue: dict[int, QueueItem] = {}
        self.next_queue_id = 1
        self.now_ms = 1_800_000_000_000
        self.computers = [Computer("Built-In Node", ("built-in",), executors=0)]

    # -- items ------------------------------------------------------------------
    def item(self, full_name: str) -> Item:
        found = self.items.get(full_name)
        if found is None:
            raise Refusal(404, f"no item {full_name}")
        return found

    def children(self, folder: str) -> list[Item]:
        prefix = f"{folder}/" if folder else ""
        return [
            i for name, i in sorted(self.items.items())
            if name.startswith(prefix) and "/" not in name[len(prefix):]
        ]

    def create(self, folder: str, name: str, config_xml: str) -> Item:
        if folder and not self.item(folder).is_folder:
            raise Refusal(404, f"{folder} is not a folder")
        full_name = f"{folder}/{name}" if folder else name
        if not name or any(c in name for c in "/\\?*%<>:|\"[]#!@&;"):
            raise Refusal(400, f"‘{name}’ is an unsafe character")
        if full_name in self.items:
            raise Refusal(400, f"A job already exists with the name ‘{name}’")
        item = parse_item(full_name, config_xml)
        item.config_xml = stored_xml(config_xml)
        self.items[full_name] = item
        return item

    def update(self, full_name: str, config_xml: str) -> None:
        old = self.item(full_name)
        new = parse_item(full_name, config_xml)
        old.config_xml = stored_xml(config_xml)
        old.kind, old.disabled, old.parameters = new.kind, new.disabled, new.parameters

    # -- builds -----------------------------------------------------------------
    def schedule(self, full_name: str, given: dict[str, str] | None) -> QueueItem:
        """`given` None: the `build` endpoint; a dict: `buildWithParameters`."""
        item = self.item(full_name)
        if item.is_folder:
            raise Refusal(404, "a folder has no build action")
        if item.disabled:
            raise Refusal(409, f"java.io.IOException: {full_name} is not buildable")
        if given is None and item.parameters:
            raise Refusal(400, "Nothing is submitted")
        if given is not None and not item.parameters:
            raise Refusal(500, "java.lang.IllegalStateException: This build is not parameterized!")
        values = self._parameter_values(item, given or {})
        for queued in self.queue.values():
            if queued.job == full_name and queued.build is None and not queued.cancelled \
                    and queued.parameters == values:
                return queued  # Jenkins folds an identical request into the waiting item
        plan = item.plans.popleft() if item.plans else BuildPlan()
        queued = QueueItem(self.next_queue_id, full_name, values, plan.queue_ticks,
                           self.now_ms, plan)
        self.next_queue_id += 1
        self.queue[queued.id] = queued
        if plan.queue_ticks == 0:
            self._start(queued)
        return queued

    def _parameter_values(self, item: Item, given: dict[str, str]) -> dict[str, str]:
        values: dict[str, str] = {}
        for definition in item.parameters:
            name = definition["name"]
            value = given.get(name)
            if value is None:
                default = definition["default"]
                value = "" if default is None else str(default)
            choice = definition["type"] == "ChoiceParameterDefinition"
            if choice and value not in definition["choices"]:
                raise Refusal(500, f"java.lang.IllegalArgumentException: Illegal choice for "
                                   f"parameter {name}: {value}")
            if definition["type"] == "BooleanParameterDefinition":
                value = "true" if value.lower() == "true" else "false"
            values[name] = value  # names the job does not define are dropped
        return values

    def _start(self, queued: QueueItem) -> None:
        item = self.item(queued.job)
        number = item.next_build_number
        item.next_build_number += 1
        chunks = deque(c.encode("utf-8") for c in queued.plan.chunks)
        item.builds[number] = Build(number, queued.id, queued.parameters, self.now_ms, chunks,
                                    queued.plan.result)
        queued.build = number

    def cancel(self, queue_id: int) -> None:
        queued = self.queue[queue_id]
        queued.cancelled = True

    def tick(self) -> None:
        """One second passes: queue items advance, running builds print a chunk."""
        self.now_ms += 1000
        for queued in list(self.queue.values()):
            if queued.build is None and not queued.cancelled:
                queued.waits_left -= 1
                if queued.waits_left <= 0:
                    self._start(queued)
        for item in self.items.values():
            for build in item.builds.values():
                if build.result is not None:
                    continue
                if build.pending:
                    build.log += build.pending.popleft()
                if not build.pending:
                    build.result = build.final_result
                    build.duration_ms = self.now_ms - build.timestamp_ms

    def add_build(self, full_name: str, result: str | None, log: str = "",
                  started_ms: int | None = None, duration_ms: int = 1000) -> Build:
        """A build in the history (result None: still running)."""
        item = self.item(full_name)
        number = item.next_build_number
        item.next_build_number += 1
        build = Build(number, 0, {}, started_ms if started_ms is not None else self.now_ms,
                      deque(), result or "SUCCESS", log.encode("utf-8"), result,
                      duration_ms if result else 0)
        if result is None:
            build.pending.append(b"")
        item.builds[number] = build
        return build
