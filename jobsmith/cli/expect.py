"""`jobsmith expect`: a thin adapter over `jobsmith.seed.after_seed`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from jobsmith.cli.jenkins import _client, _connection_options, _run, _stderr


@click.command()
@click.argument("out", default="out", type=click.Path(file_okay=False))
@click.option("--seed-name", default=lambda: os.environ.get("JOB_NAME", "seed"),
              show_default="$JOB_NAME, else seed",
              help="Full name of the seed job whose last successful build archived the "
                   "previous manifest.")
@click.option("--previous", type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="The previous manifest.json, instead of the seed's archived one.")
@click.option("--previous-at", metavar="INSTANT",
              help="With --previous: when the run that applied it started "
                   "(2026-12-01T09:00:00Z).")
@click.option("--zone", default=lambda: os.environ.get("JOBSMITH_CONTROLLER_ZONE", "UTC"),
              show_default="UTC", help="Controller time zone [env JOBSMITH_CONTROLLER_ZONE].")
@click.option("--now", "at", metavar="INSTANT",
              help="Plan as if it were INSTANT (with --dry-run: what a seed run then would do).")
@click.option("--dry-run", is_flag=True, help="Print the plan; send nothing.")
@_connection_options
def expect(**kwargs: Any) -> None:
    """After the seed's Job DSL step: tell Sensu what the new specs expect of each job."""
    from jobsmith.cron.errors import CronError
    from jobsmith.cron.lookup import parse_instant
    from jobsmith.seed.after_seed import (
        Previous,
        expect_after_seed,
        job_state,
        previous_from_seed,
        read_manifest,
    )

    def instant(name: str) -> float | None:
        text = kwargs.pop(name)
        if not text:
            return None
        try:
            return parse_instant(text).timestamp()
        except CronError as error:
            hint = "--now" if name == "at" else "--previous-at"
            raise click.BadParameter(str(error), param_hint=hint) from None

    def action() -> int:
        out, seed = Path(kwargs.pop("out")), kwargs.pop("seed_name")
        previous_file, dry_run, zone = kwargs.pop("previous"), kwargs.pop("dry_run"), \
            kwargs.pop("zone")
        previous_at, now = instant("previous_at"), instant("at")
        manifest = read_manifest(out / "manifest.json")
        client = _client(kwargs)
        if previous_file:
            previous = Previous(read_manifest(Path(previous_file)), previous_at, previous_file)
        else:
            previous = previous_from_seed(client, seed)
        _stderr(f"jobsmith expect: the previous specs: {previous.origin}")
        report = expect_after_seed(
            manifest, previous, lambda job: job_state(client, job), environ=os.environ,
            say=lambda line: _stderr(f"jobsmith expect: {line}"), controller_zone=zone,
            dry_run=dry_run, now=now,
        )
        changed = len(report.steps)
        _stderr(f"jobsmith expect: {changed} job(s) with a new expectation; "
                f"{report.sent} result(s) sent, {report.queued} stored in the outbox")
        return 0

    _run(action)
