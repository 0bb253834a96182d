"""`jobsmith try`: run a job's steps here, as its generated pipeline would."""

from __future__ import annotations

from pathlib import Path

import click

from jobsmith.cli.common import reports_errors


@click.command("try")
@click.argument("job")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter's value (repeatable), checked as `trigger` checks it.")
@click.option("--stage", metavar="NAME", help="Run only this stage (or parallel group).")
@click.option("--specs", default="jobs", show_default=True,
              type=click.Path(path_type=Path), help="The spec tree.")
@click.option("--send-alerts", is_flag=True,
              help="Let the wrapper send its Sensu result (JOBSMITH_SENSU, JOBSMITH_OUTBOX).")
@click.option("--send-metrics", is_flag=True,
              help="Let the wrapper send statsd metrics (JOBSMITH_STATSD).")
@click.option("--keep-workspace", is_flag=True, help="Keep the stages' workspaces.")
@reports_errors
def try_(job: str, params: tuple[str, ...], stage: str | None, specs: Path,
         send_alerts: bool, send_metrics: bool, keep_workspace: bool) -> None:
    """Run JOB's steps on this machine exactly as its generated pipeline would."""
    import signal

    from jobsmith.tryrun import TryOptions, try_job

    # Ctrl-C is this try's "Abort" button even when it was started with SIGINT ignored
    # (a shell's background job, nohup): Python then installs no handler of its own.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    result = try_job(TryOptions(job=job, specs=specs, params=params, stage=stage,
                                send_alerts=send_alerts, send_metrics=send_metrics,
                                keep_workspace=keep_workspace),
                     echo=lambda line: click.echo(line, err=True))
    raise SystemExit(result.exit_code)
