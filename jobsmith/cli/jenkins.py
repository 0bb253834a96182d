"""`jobsmith seed | deploy | trigger | status | health`: thin adapters over
`jobsmith.seed`. Progress goes to stderr, consoles and results to stdout."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any

import click

from jobsmith.errors import JobsmithError

# Injected so tests can drive time; everything that waits goes through it.
SLEEP: Callable[[float], None] = time.sleep
POLL_SECONDS = 1.0


def _connection_options(command: Callable[..., Any]) -> Callable[..., Any]:
    @click.option("--url", metavar="URL", help="Jenkins root URL [env JOBSMITH_JENKINS_URL].")
    @click.option("--user", metavar="USER", help="Jenkins user [env JOBSMITH_JENKINS_USER].")
    @click.option("--token-file", type=click.Path(dir_okay=False), metavar="FILE",
                  help="File holding the API token (else env JOBSMITH_JENKINS_TOKEN).")
    @click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False), metavar="PEM",
                  help="CA certificates to verify Jenkins' TLS certificate.")
    @click.option("--insecure", is_flag=True, help="Do not verify the TLS certificate.")
    @wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        return command(**kwargs)

    return wrapper


def _client(kwargs: dict[str, Any]) -> Any:
    from jobsmith.seed.connection import JenkinsClient, load_settings

    settings = load_settings(
        url=kwargs.pop("url"), user=kwargs.pop("user"), token_file=kwargs.pop("token_file"),
        ca_bundle=kwargs.pop("ca_bundle"), insecure=kwargs.pop("insecure"), environ=os.environ,
    )
    return JenkinsClient(settings, sleep=SLEEP)


def _run(action: Callable[[], int | None]) -> None:
    """Run `action`; a JobsmithError becomes its message and exit status."""
    try:
        code = action() or 0
    except JobsmithError as error:
        click.echo(f"jobsmith: {error}", err=True)
        sys.exit(error.exit_code)
    sys.exit(code)


def _stdout(text: str) -> None:
    click.echo(text, nl=False)
    sys.stdout.flush()


def _stderr(text: str) -> None:
    click.echo(text, err=True)


@click.command()
@click.option("--repo", required=True, metavar="URL", help="Git URL of the spec repository.")
@click.option("--branch", default="main", show_default=True, help="Branch to build from.")
@click.option("--credentials", metavar="ID", help="Jenkins credentials id for the checkout.")
@click.option("--name", default="seed", show_default=True, help="Full name of the seed job.")
@click.option("--dry-run", is_flag=True, help="Print the config.xml diff; change nothing.")
@_connection_options
def seed(**kwargs: Any) -> None:
    """Create or update the seed job (a pipeline running the repository's Jenkinsfile)."""
    from jobsmith.seed.seed_job import SeedJob, apply_seed_job

    def action() -> int:
        job = SeedJob(repo=kwargs.pop("repo"), branch=kwargs.pop("branch"),
                      credentials=kwargs.pop("credentials"), name=kwargs.pop("name"))
        dry_run = kwargs.pop("dry_run")
        result = apply_seed_job(_client(kwargs), job, dry_run=dry_run)
        if result.diff and dry_run:
            _stdout(result.diff)
        _stderr(f"seed job {result.name!r}: {result.action}")
        return 0

    _run(action)


@click.command()
@click.option("--name", default="seed", show_default=True, help="Full name of the seed job.")
@click.option("--no-wait", is_flag=True, help="Return once the build is queued.")
@_connection_options
def deploy(**kwargs: Any) -> None:
    """Run the seed job and follow it; exit 0 only when it succeeded."""
    from jobsmith.seed.deploy import Queued, deploy

    def action() -> int:
        name, wait = kwargs.pop("name"), not kwargs.pop("no_wait")
        outcome = deploy(_client(kwargs), name=name, wait=wait, sleep=SLEEP, poll=POLL_SECONDS,
                         write_console=_stdout, on_progress=_stderr)
        if isinstance(outcome, Queued):
            click.echo(f"queue item {outcome.queue_id}")
        return 0

    _run(action)


@click.command()
@click.argument("job")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A build parameter; repeat for several.")
@click.option("--wait", is_flag=True, help="Follow the build; exit with its result.")
@click.option("--specs", default="jobs", show_default=True, type=click.Path(file_okay=False),
              help="Spec tree the parameters are checked against.")
@_connection_options
def trigger(**kwargs: Any) -> None:
    """Start JOB now (full name such as data/nightly-backup)."""
    from jobsmith.seed.deploy import run_and_follow
    from jobsmith.seed.trigger import prepare

    def action() -> int:
        job, params = kwargs.pop("job").strip("/"), kwargs.pop("params")
        wait, specs = kwargs.pop("wait"), Path(kwargs.pop("specs"))
        client = _client(kwargs)
        values = prepare(client, job, params, specs)
        if wait:
            run_and_follow(client, job, values, sleep=SLEEP, poll=POLL_SECONDS,
                           write_console=_stdout, on_progress=_stderr)
            return 0
        queue_id = client.start_build(job, values)
        click.echo(f"{job}: queue item {queue_id}")
        return 0

    _run(action)


@click.command()
@click.argument("jobs", nargs=-1)
@click.option("--builds", default=5, show_default=True, type=click.IntRange(0, 100),
              help="Recent builds shown per job.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--specs", default="jobs", show_default=True, type=click.Path(file_okay=False),
              help="Spec tree (the jobs listed, and their schedules).")
@click.option("--next", "next_count", default=3, show_default=True, type=click.IntRange(0, 50),
              help="Next runs computed per job.")
@click.option("--zone", default=lambda: os.environ.get("JOBSMITH_CONTROLLER_ZONE", "UTC"),
              show_default="UTC", help="Controller time zone [env JOBSMITH_CONTROLLER_ZONE].")
@_connection_options
def status(**kwargs: Any) -> None:
    """Running builds, recent builds and next runs of JOBS (default: the spec tree)."""
    from jobsmith.seed.status import collect_status, render_table, to_json

    def action() -> int:
        names, specs = kwargs.pop("jobs"), Path(kwargs.pop("specs"))
        builds, as_json = kwargs.pop("builds"), kwargs.pop("as_json")
        next_count, zone = kwargs.pop("next_count"), kwargs.pop("zone")
        tree_jobs: dict[str, Any] = {}
        if specs.is_dir():
            from jobsmith.spec import load_tree

            tree_jobs = dict(load_tree(specs).jobs)
        elif not names:
            raise click.UsageError(f"no spec tree at {specs}: pass --specs or job names")
        selected = [n.strip("/") for n in names] or sorted(tree_jobs)
        statuses = collect_status(
            _client(kwargs), [(n, tree_jobs.get(n)) for n in selected], builds=builds,
            now=datetime.now(UTC), next_count=next_count, controller_zone=zone,
        )
        if as_json:
            click.echo(json.dumps(to_json(statuses), indent=2))
        else:
            _stdout(render_table(statuses))
        return 0

    _run(action)


@click.command()
@click.option("--min-agents", multiple=True, metavar="LABEL=N",
              help="Minimum online agents with LABEL; repeat for several labels.")
@click.option("--metrics-key", metavar="KEY", envvar="JOBSMITH_METRICS_KEY",
              help="Metrics plugin access key [env JOBSMITH_METRICS_KEY].")
@click.option("--seed-name", default="seed", show_default=True)
@click.option("--seed-max-age", metavar="DURATION",
              help="Warn when the last successful seed run is older (e.g. 7d).")
@click.option("--queue-warn", default=10, show_default=True, type=click.IntRange(0))
@click.option("--queue-crit", default=50, show_default=True, type=click.IntRange(0))
@_connection_options
def health(**kwargs: Any) -> None:
    """Sensu check of the controller: one line, exit 0 OK / 1 WARNING / 2 CRITICAL."""
    from jobsmith.durations import DurationError, parse_duration
    from jobsmith.seed.health import HealthOptions, check_health, parse_min_agents

    def action() -> int:
        max_age = kwargs.pop("seed_max_age")
        try:
            max_age_s = parse_duration(max_age) if max_age else None
        except DurationError as error:
            raise click.BadParameter(str(error), param_hint="--seed-max-age") from None
        options = HealthOptions(
            min_agents=parse_min_agents(list(kwargs.pop("min_agents"))),
            metrics_key=kwargs.pop("metrics_key"), seed_name=kwargs.pop("seed_name"),
            seed_max_age_s=max_age_s, queue_warn=kwargs.pop("queue_warn"),
            queue_crit=kwargs.pop("queue_crit"),
        )
        report = check_health(_client(kwargs), options, datetime.now(UTC))
        click.echo(report.line())
        return report.status

    _run(action)
