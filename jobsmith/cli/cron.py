"""`jobsmith cron resolve` and `jobsmith cron next`: H and fire times exactly as Jenkins."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from jobsmith.cli.common import reports_errors


def _check_mode(batch: bool, full_name: str | None, spec: str | None) -> None:
    if batch and (full_name is not None or spec is not None):
        raise click.UsageError("--batch reads stdin; give neither --job nor SPEC")
    if not batch and (full_name is None or spec is None):
        raise click.UsageError("give --job FULL_NAME and SPEC, or --batch")


@click.group()
def cron() -> None:
    """Resolve H and compute fire times as Jenkins does."""


@cron.command()
@click.option("--job", "full_name", metavar="FULL_NAME", help="The job's full name (a/b).")
@click.option("--batch", is_flag=True, help="Read FULL_NAME<TAB>SPEC lines from stdin.")
@click.argument("spec", required=False)
@reports_errors
def resolve(full_name: str | None, batch: bool, spec: str | None) -> None:
    """Print SPEC with every H resolved for the job (a literal \\n separates lines)."""
    from jobsmith.cron.lookup import resolve_batch, resolve_spec

    _check_mode(batch, full_name, spec)
    if batch:
        for row in resolve_batch(sys.stdin):
            click.echo(row)
    else:
        assert full_name is not None and spec is not None
        click.echo(resolve_spec(full_name, spec))


@cron.command("next")
@click.option("--job", "full_name", metavar="FULL_NAME", help="The job's full name (a/b).")
@click.option("--from", "start", metavar="T", help="ISO 8601 instant with a zone; default now.")
@click.option("--count", default=5, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--zone",
    default="UTC",
    show_default=True,
    metavar="CONTROLLER_ZONE",
    help="The Jenkins controller's zone, for lines without TZ=.",
)
@click.option(
    "--batch",
    is_flag=True,
    help="Read FULL_NAME<TAB>SPEC<TAB>CONTROLLER_ZONE<TAB>FROM lines from stdin.",
)
@click.argument("spec", required=False)
@reports_errors
def next_(
    full_name: str | None,
    start: str | None,
    count: int,
    zone: str,
    batch: bool,
    spec: str | None,
) -> None:
    """Print the next COUNT fire times of SPEC (UTC, within two years), or NONE."""
    from jobsmith.cron.lookup import next_batch, next_spec, parse_instant

    _check_mode(batch, full_name, spec)
    if batch:
        for row in next_batch(sys.stdin, count):
            click.echo(row)
        return
    assert full_name is not None and spec is not None
    after = parse_instant(start) if start is not None else datetime.now(UTC)
    click.echo(next_spec(full_name, spec, after, count, zone))
