"""deploy/plugins.txt: plugin IDs with documented minimums, installed as latest.

jenkins-plugin-cli (plugin-installation-manager-tool `PluginListParser.parsePluginTxtFile`)
drops `\\s#+.*` from each line, then all whitespace, and skips lines starting with `#`;
a plugin without `:VERSION` is installed at its latest release, with the dependencies
that release needs. A `:VERSION` pin would be installed exactly, and exact pins of some
plugins contradict what others require (workflow-job 1447 needs a newer
workflow-support than 839), so the file must hold none.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "deploy" / "plugins.txt"
LINE = re.compile(r"^(?P<id>[A-Za-z0-9_-]+) +# >= (?P<minimum>[0-9][0-9A-Za-z._-]*)$")


def plugin_lines() -> list[str]:
    """The lines jenkins-plugin-cli reads as plugins (its own parsing)."""
    lines = [re.sub(r"\s#+.*", "", line) for line in PLUGINS.read_text().splitlines()]
    lines = [re.sub(r"\s", "", line) for line in lines]
    return [line for line in lines if line and not line.startswith("#")]


def minimums() -> dict[str, str]:
    found = {}
    for line in PLUGINS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            match = LINE.match(line)
            assert match, f"not `ID  # >= MINIMUM`: {line!r}"
            found[match["id"]] = match["minimum"]
    return found


def test_every_plugin_is_installed_at_its_latest_release() -> None:
    assert plugin_lines() == list(minimums())
    assert not [line for line in plugin_lines() if ":" in line]


def test_every_plugin_states_its_minimum() -> None:
    assert len(minimums()) == len(plugin_lines()) >= 20


def test_the_kit_and_the_generated_groovy_find_their_plugins() -> None:
    needed = {"job-dsl", "script-security", "workflow-job", "workflow-cps",
              "pipeline-model-definition", "workflow-durable-task-step",
              "workflow-basic-steps", "credentials-binding", "plain-credentials",
              "cloudbees-folder", "git", "git-client", "swarm", "metrics",
              "configuration-as-code", "matrix-auth"}
    assert needed <= set(minimums())
    assert not {"timestamper", "command-launcher"} & set(minimums())


def test_the_jcasc_keys_come_with_the_plugins_that_bring_them() -> None:
    # globalMatrix `entries`: matrix-auth 3.2 (DefinitionEntry); approvedScriptHashes
    # as SHA512 and forceSandbox: script-security 1190 / 1366; host key strategies:
    # git-client 3.11.1 (verifier package); Priority Sorter JCasC: 5.0.0.
    floor = {"matrix-auth": (3, 2), "script-security": (1366,), "git-client": (3, 11, 1),
             "PrioritySorter": (5, 0, 0)}
    for plugin, version in floor.items():
        assert _release(minimums()[plugin]) >= version, plugin


def _release(version: str) -> tuple[int, ...]:
    """The numeric release of a Jenkins plugin version: 1447.v559b_c710cd2e -> (1447,)."""
    parts = []
    for part in version.split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


def test_templates_use_only_listed_step_plugins() -> None:
    templates = ROOT / "jobsmith" / "templates"
    text = "".join(p.read_text() for p in templates.glob("*.j2"))
    for module in ("pipeline.py", "properties.py"):
        text += (ROOT / "jobsmith" / "generator" / module).read_text()
    uses = {"withCredentials": "credentials-binding", "timeout(": "workflow-basic-steps",
            "sh(": "workflow-durable-task-step", "folder(": "cloudbees-folder",
            "pipelineJob(": "workflow-job", "lock(": "lockable-resources",
            "nodesByLabel(": "pipeline-utility-steps",
            "ThrottleJobProperty": "throttle-concurrents",
            "PriorityJobProperty": "PrioritySorter", "git(": "git"}
    for step, plugin in uses.items():
        if step in text:
            assert plugin in minimums(), step
    for unlisted in ("timestamps", "ansiColor"):
        assert unlisted not in text
