"""`jobsmith schedule`: the forecast of the Jenkins queue over a window, as a table,
JSON, an SVG chart or an HTML page (docs/forecast.md)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from jobsmith.cli.common import reports_errors, spec_root_argument
from jobsmith.cli.jenkins import _connection_options


def _agents(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> Any:
    from jobsmith.forecast.model import AgentsError, parse_agents

    try:
        return [parse_agents(value) for value in values]
    except AgentsError as error:
        raise click.BadParameter(str(error)) from None


def _max_wait(ctx: click.Context, param: click.Parameter, value: str) -> float:
    from jobsmith.durations import DurationError, parse_duration

    try:
        return parse_duration(value)
    except DurationError as error:
        raise click.BadParameter(str(error)) from None


@click.command()
@spec_root_argument
@click.option("--from", "start", metavar="T", help="ISO 8601 instant with a zone; default now.")
@click.option(
    "--hours", default=24.0, show_default=True,
    type=click.FloatRange(min=0, min_open=True, max=24 * 366), help="Length of the window.",
)
@click.option(
    "--format", "output_format", default="table", show_default=True,
    type=click.Choice(["table", "json", "svg", "html"]),
)
@click.option(
    "--agents", multiple=True, metavar="'LABELS=N[:E]'", callback=_agents,
    help="N agents carrying the space-separated LABELS, E executors each (default 1); "
    "repeat for other kinds. Without it, agents are unlimited.",
)
@click.option(
    "--durations", "durations_from", metavar="FILE|jenkins",
    help="Stage durations: a JSON or CSV file, or `jenkins` for recent successful builds "
    "(with the connection options). Default: estimates from the specs.",
)
@click.option("--max-wait", default="5m", show_default=True, callback=_max_wait,
              metavar="DURATION", help="The wait the agent advice allows.")
@click.option("--advice/--no-advice", default=True, show_default=True,
              help="Find the agents each kind needs (re-runs the simulation per kind).")
@click.option(
    "--zone", default="UTC", show_default=True, metavar="CONTROLLER_ZONE",
    help="The Jenkins controller's zone, for schedules without a zone.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of stdout.",
)
@_connection_options
@reports_errors
def schedule(
    spec_root: str, start: str | None, hours: float, output_format: str, agents: list[Any],
    durations_from: str | None, max_wait: float, advice: bool, zone: str,
    output: Path | None, **connection: Any,
) -> None:
    """Forecast what Jenkins does with SPEC_ROOT's schedules: runs, waits, folded ticks,
    late runs and the agents each label needs."""
    from jobsmith.cron.lookup import parse_instant
    from jobsmith.forecast.forecast import forecast_jobs, gc_paused
    from jobsmith.spec import load_tree

    with gc_paused():  # (specs, forecast and output: a million objects and no garbage)
        tree = load_tree(Path(spec_root))
        begin = parse_instant(start) if start is not None else datetime.now(UTC)
        durations = _durations(durations_from, list(tree.jobs), connection)
        forecast = forecast_jobs(tree.jobs, begin, hours, agents=agents, durations=durations,
                                 controller_zone=zone, max_wait=max_wait, advice=advice)
        text = _text(output_format, forecast, tree.jobs)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def _text(output_format: str, forecast: Any, jobs: dict[str, Any]) -> str:
    """The output; warnings (and, in the table, disabled jobs) go to stderr."""
    disabled = sorted(name for name, job in jobs.items()
                      if job.schedule is not None and job.disabled)
    if output_format == "json":
        from jobsmith.cron.report import plan_to_json
        from jobsmith.forecast.report import render_json

        plan = plan_to_json(forecast.plan)
        return render_json(forecast, {"jobs": plan["jobs"], "disabled": disabled})
    text = _render(output_format, forecast)
    for warning in forecast.warnings:
        click.echo(f"warning: {warning.message}", err=True)
    if disabled and output_format == "table":
        text += f"disabled (no runs): {', '.join(disabled)}\n"
    return text


def _render(output_format: str, forecast: Any) -> str:
    if output_format == "table":
        from jobsmith.forecast.report import render_table

        return render_table(forecast)
    if output_format == "svg":
        from jobsmith.forecast.svg import render_svg

        return render_svg(forecast)
    from jobsmith.forecast.html import render_html

    return render_html(forecast)


def _durations(source: str | None, jobs: list[str], connection: dict[str, Any]) -> Any:
    from jobsmith.forecast.durations import Durations, from_jenkins, load_file

    if source is None:
        return Durations()
    if source == "jenkins":
        from jobsmith.seed.connection import JenkinsClient, load_settings

        settings = load_settings(
            url=connection["url"], user=connection["user"],
            token_file=connection["token_file"], ca_bundle=connection["ca_bundle"],
            insecure=connection["insecure"], environ=os.environ,
        )
        return from_jenkins(JenkinsClient(settings), sorted(jobs))
    return load_file(Path(source))
