"""`jobsmith schedule`: every job's next runs over a window, as a table, JSON or SVG."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from jobsmith.cli.common import reports_errors, spec_root_argument


@click.command()
@spec_root_argument
@click.option("--from", "start", metavar="T", help="ISO 8601 instant with a zone; default now.")
@click.option(
    "--hours",
    default=24.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True, max=24 * 366),
    help="Length of the window.",
)
@click.option(
    "--format",
    "output_format",
    default="table",
    show_default=True,
    type=click.Choice(["table", "json", "svg"]),
)
@click.option(
    "--zone",
    default="UTC",
    show_default=True,
    metavar="CONTROLLER_ZONE",
    help="The Jenkins controller's zone, for schedules without a zone.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of stdout.",
)
@reports_errors
def schedule(
    spec_root: str,
    start: str | None,
    hours: float,
    output_format: str,
    zone: str,
    output: Path | None,
) -> None:
    """Show each scheduled job of SPEC_ROOT with its runs in the window."""
    from jobsmith.cron.lookup import parse_instant
    from jobsmith.cron.plan import plan_schedule
    from jobsmith.cron.report import render_json, render_table
    from jobsmith.cron.svg import render_svg
    from jobsmith.spec import load_tree

    tree = load_tree(Path(spec_root))
    begin = parse_instant(start) if start is not None else datetime.now(UTC)
    jobs = [
        (name, job.schedule)
        for name, job in tree.jobs.items()
        if job.schedule is not None and not job.disabled
    ]
    disabled = sorted(
        name for name, job in tree.jobs.items() if job.schedule is not None and job.disabled
    )
    plan = plan_schedule(jobs, begin, begin + timedelta(hours=hours), zone)
    if output_format == "json":
        text = render_json(plan, {"disabled": disabled})
    else:
        text = render_table(plan) if output_format == "table" else render_svg(plan)
        for warning in plan.warnings:
            click.echo(f"warning: {warning.message()}", err=True)
        if disabled and output_format == "table":
            text += f"disabled (no runs): {', '.join(disabled)}\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
