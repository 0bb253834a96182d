"""The click group; each subcommand's module is imported only when it runs."""

from __future__ import annotations

import importlib
from typing import Any

import click

from jobsmith import __version__

# command name -> "module:attribute". Help texts are short so `jobsmith --help`
# lists everything without importing any command module.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("jobsmith.cli.spec:validate", "Check a spec tree; exit 0 or 2."),
    "generate": ("jobsmith.cli.spec:generate", "Write Job DSL and pipelines for a spec tree."),
    "schema": ("jobsmith.cli.spec:schema", "Print the JSON Schema of a job spec."),
    "approval-hash": ("jobsmith.cli.spec:approval_hash",
                      "Print the script-approval hash of the seed's Job DSL."),
    "casc": ("jobsmith.cli.spec:casc", "Print the JCasC for the throttle categories and "
             "priorities the specs use."),
    "schedule": ("jobsmith.cli.schedule:schedule", "Show the next runs of every job."),
    "cron": ("jobsmith.cli.cron:cron", "Resolve H and compute fire times as Jenkins does."),
    "try": ("jobsmith.cli.tryrun:try_", "Run a job's steps here, as its pipeline would."),
    "run": ("jobsmith.cli.run:run", "The wrapper: run one job step with retries and alerts."),
    "seed": ("jobsmith.cli.jenkins:seed", "Create or update the seed job on Jenkins."),
    "deploy": ("jobsmith.cli.jenkins:deploy", "Run the seed job and follow it."),
    "trigger": ("jobsmith.cli.jenkins:trigger", "Start one job on demand."),
    "status": ("jobsmith.cli.jenkins:status", "Running builds, history and next runs."),
    "health": ("jobsmith.cli.jenkins:health", "Sensu-style check of Jenkins and its agents."),
    "expect": ("jobsmith.cli.expect:expect", "After a seed run: tell Sensu what the new "
               "specs expect."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[cmd_name][0].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: Any) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="jobsmith")
def cli() -> None:
    """Scheduled and on-demand batch jobs on Jenkins, from YAML specs."""
