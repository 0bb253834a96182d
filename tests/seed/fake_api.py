"""The JSON the fake Jenkins serves, shaped as Jenkins' remote API shapes it."""

from __future__ import annotations

import re
from typing import Any

from tests.seed.fake_state import (
    WORKFLOW_RUN,
    Build,
    Item,
    JenkinsState,
    QueueItem,
)


def job_url(base: str, full_name: str) -> str:
    return base + "".join(f"job/{name}/" for name in full_name.split("/"))


def _ref(item: Item, build: Build | None, base: str) -> dict[str, Any] | None:
    return None if build is None else _full_build(item, build, base)


def item_json(state: JenkinsState, item: Item, base: str) -> dict[str, Any]:
    url = job_url(base, item.full_name)
    if item.is_folder:
        return {"_class": item.kind, "name": item.name, "fullName": item.full_name, "url": url,
                "jobs": [{"_class": c.kind, "name": c.name, "url": job_url(base, c.full_name)}
                         for c in state.children(item.full_name)]}
    builds = sorted(item.builds.values(), key=lambda b: b.number, reverse=True)
    last = builds[0] if builds else None
    done = [b for b in builds if b.result is not None]
    queued = [q for q in state.queue.values()
              if q.job == item.full_name and q.build is None and not q.cancelled]
    color = "disabled" if item.disabled else "notbuilt"
    if done:
        color = {"SUCCESS": "blue", "UNSTABLE": "yellow", "ABORTED": "aborted"}.get(
            done[0].result or "", "red")
    if last is not None and last.result is None:
        color += "_anime"
    properties: list[dict[str, Any]] = []
    if item.parameters:
        properties.append({
            "_class": "hudson.model.ParametersDefinitionProperty",
            "parameterDefinitions": [
                {"_class": f"hudson.model.{p['type']}", "name": p["name"], "type": p["type"],
                 "description": None,
                 "defaultParameterValue": {"name": p["name"], "value": p["default"]},
                 **({"choices": p["choices"]} if p["type"] == "ChoiceParameterDefinition" else {})}
                for p in item.parameters
            ],
        })
    return {
        "_class": item.kind, "name": item.name, "fullName": item.full_name,
        "displayName": item.name, "url": url, "buildable": not item.disabled,
        "disabled": item.disabled, "color": color, "inQueue": bool(queued),
        "nextBuildNumber": item.next_build_number, "property": properties,
        "builds": [_full_build(item, b, base) for b in builds][:100],
        "firstBuild": _ref(item, builds[-1] if builds else None, base),
        "lastBuild": _ref(item, last, base),
        "lastCompletedBuild": _ref(item, done[0] if done else None, base),
        "lastSuccessfulBuild": _ref(
            item, next((b for b in builds if b.result == "SUCCESS"), None), base),
        "lastFailedBuild": _ref(
            item, next((b for b in builds if b.result == "FAILURE"), None), base),
        "queueItem": queue_json(state, queued[0], base) if queued else None,
    }


def _full_build(item: Item, build: Build, base: str) -> dict[str, Any]:
    data = build_json(item, build, base)
    data["_depth"] = 1  # hidden unless a tree asks for it: see apply_tree
    return data


def build_json(item: Item, build: Build, base: str) -> dict[str, Any]:
    actions: list[dict[str, Any]] = [{"_class": "hudson.model.CauseAction", "causes": [
        {"_class": "hudson.model.Cause$UserIdCause", "shortDescription": "Started by user admin",
         "userId": "admin", "userName": "admin"}]}]
    if build.parameters:
        actions.insert(0, {"_class": "hudson.model.ParametersAction", "parameters": [
            {"_class": "hudson.model.StringParameterValue", "name": k, "value": v}
            for k, v in build.parameters.items()]})
    return {
        "_class": WORKFLOW_RUN, "number": build.number, "id": str(build.number),
        "url": f"{job_url(base, item.full_name)}{build.number}/",
        "displayName": f"#{build.number}", "fullDisplayName": f"{item.full_name} #{build.number}",
        "building": build.result is None, "result": build.result,
        "timestamp": build.timestamp_ms, "duration": build.duration_ms,
        "estimatedDuration": 60000, "queueId": build.queue_id, "actions": actions,
    }


def queue_json(state: JenkinsState, queued: QueueItem, base: str) -> dict[str, Any]:
    item = state.items.get(queued.job)
    task = {"_class": item.kind if item else "", "name": queued.job.rsplit("/", 1)[-1],
            "url": job_url(base, queued.job), "color": "notbuilt"}
    data: dict[str, Any] = {
        "actions": [], "blocked": False, "buildable": True, "id": queued.id,
        "inQueueSince": queued.since_ms,
        "params": "".join(f"\n{k}={v}" for k, v in queued.parameters.items()),
        "stuck": False, "task": task, "url": f"queue/item/{queued.id}/",
    }
    if queued.cancelled:
        data.update({"_class": "hudson.model.Queue$LeftItem", "why": None, "buildable": False,
                     "cancelled": True, "executable": None})
    elif queued.build is not None:
        data.update({"_class": "hudson.model.Queue$LeftItem", "why": None, "buildable": False,
                     "cancelled": False, "executable": {
                         "_class": "org.jenkinsci.plugins.workflow.job.WorkflowRun",
                         "number": queued.build,
                         "url": f"{job_url(base, queued.job)}{queued.build}/"}})
    else:
        data.update({"_class": "hudson.model.Queue$BuildableItem", "why": queued.why,
                     "pending": False, "buildableStartMilliseconds": queued.since_ms})
    return data


def computers_json(state: JenkinsState) -> dict[str, Any]:
    computers = []
    for c in state.computers:
        builtin = c.name == "Built-In Node"
        labels = c.labels if builtin else (*c.labels, c.name)  # a node is labelled by its name
        computers.append({
            "_class": "hudson.model.Hudson$MasterComputer" if builtin
            else "hudson.slaves.SlaveComputer",
            "displayName": c.name, "assignedLabels": [{"name": lbl} for lbl in labels],
            "offline": c.offline, "temporarilyOffline": False, "idle": True,
            "numExecutors": c.executors, "description": "",
            "offlineCause": {"_class": "hudson.slaves.OfflineCause$ChannelTermination"}
            if c.offline else None,
        })
    online = [c for c in state.computers if not c.offline]
    return {"_class": "hudson.model.ComputerSet", "busyExecutors": 0, "computer": computers,
            "displayName": "Nodes", "totalExecutors": sum(c.executors for c in online)}




def apply_tree(data: Any, tree: str | None) -> Any:
    """Filter like Jenkins' `tree=`: `a,b[c,d]{0,5}`. Without a tree, nested builds
    show only `_class`, `number` and `url` (depth 0)."""
    if tree is None:
        return _depth0(data)
    spec, rest = _parse(tree, 0)
    if rest != len(tree):
        raise ValueError(f"bad tree {tree!r}")
    return _filter(data, spec)


def _depth0(data: Any) -> Any:
    if isinstance(data, dict):
        if data.get("_depth") == 1:
            return {k: data[k] for k in ("_class", "number", "url")}
        return {k: _depth0(v) for k, v in data.items() if k != "_depth"}
    if isinstance(data, list):
        return [_depth0(v) for v in data]
    return data


Spec = dict[str, tuple["Spec | None", tuple[int, int] | None]]


def _parse(text: str, pos: int) -> tuple[Spec, int]:
    spec: Spec = {}
    while pos < len(text):
        match = re.compile(r"\s*([A-Za-z_$][\w$]*)").match(text, pos)
        if match is None:
            break
        name, pos = match.group(1), match.end()
        sub: Spec | None = None
        window: tuple[int, int] | None = None
        if text.startswith("[", pos):
            sub, pos = _parse(text, pos + 1)
            if not text.startswith("]", pos):
                raise ValueError(f"bad tree {text!r}")
            pos += 1
        range_ = re.compile(r"\{(\d*),?(\d*)\}").match(text, pos)
        if range_ is not None:
            low = int(range_.group(1) or 0)
            high = int(range_.group(2)) if range_.group(2) else 1 << 30
            window, pos = (low, high), range_.end()
        spec[name] = (sub, window)
        if text.startswith(",", pos):
            pos += 1
            continue
        break
    return spec, pos


def _filter(data: Any, spec: Spec) -> Any:
    if isinstance(data, list):
        return [_filter(v, spec) for v in data]
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {"_class": data["_class"]} if "_class" in data else {}
    for name, (sub, window) in spec.items():
        if name not in data:
            continue
        value = data[name]
        if window is not None and isinstance(value, list):
            value = value[window[0]:window[1]]
        out[name] = _filter(value, sub) if sub is not None else _strip(value)
    return out


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "_depth"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value
