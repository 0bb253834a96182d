"""`jobsmith run`: wire the wrapper's pieces together; `main(argv)` returns the exit status.

Reached from `jobsmith.cli.main` before click is imported. Imports stay lazy: statsd,
sockets and json only when metrics or alerts are configured, `jobsmith.errors` only
when something failed. A wrapper failure of any kind is exit status 125, as with
coreutils `timeout`; an unexpected one also prints its traceback, because it is a bug.
"""

import os
import time

from jobsmith.wrapper.channels import Channels, fill_closed_standard_fds
from jobsmith.wrapper.jobenv import restore_empty
from jobsmith.wrapper.options import (
    DELIVERY_SECONDS,
    EXIT_WRAPPER_FAILED,
    HELP,
    HelpRequested,
    parse_args,
    wants_drain,
)
from jobsmith.wrapper.settings import AgentSettings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from jobsmith.wrapper.options import RunOptions
    from jobsmith.wrapper.runner import RunReport
    from jobsmith.wrapper.signals import SignalWatch


# The wrapper's stdout and stderr; every line of its own goes through `_say`.
_channels = Channels()


def main(argv: list[str], *, restore_signals: bool = False) -> int:
    """`jobsmith run ARGV`; its exit status.

    The signal handlers stay in place (and stop signals blocked) after it returns, so no
    late signal can change the status on the way out; `restore_signals` puts back the
    previous ones, for a program that runs the wrapper in-process and goes on.
    """
    global _channels
    _channels = Channels(closed_at_start=tuple(fill_closed_standard_fds()))
    from jobsmith.wrapper.signals import SignalWatch, StopRequested

    # First thing: from here on a stop signal is obeyed, and never shows a traceback.
    watch = SignalWatch()  # records a stop signal; raises it only once armed, in the `try`
    try:
        try:
            watch.arm()
            code = _main(argv, watch)
            # The status is decided, on every path (help and usage errors too): a later
            # signal must not raise where nothing catches it, on the way out.
            watch.block()
        except StopRequested as stop:  # arrived outside _main's own `try`
            watch.block()
            _say(f"jobsmith run: stopped by signal {stop.signum} before the command started")
            code = 128 + stop.signum
        return code
    finally:
        if restore_signals:
            watch.close()


def _main(argv: list[str], watch: "SignalWatch") -> int:
    from jobsmith.wrapper.signals import StopRequested

    try:
        if wants_drain(argv):  # no command: deliver the outbox (its own module)
            from jobsmith.wrapper import drain

            watch.block()  # bounded by its budget; a stop would only leave claims behind
            return drain.main(argv, lambda: AgentSettings.from_environ(os.environ), _say)
        options = parse_args(argv)
        settings = AgentSettings.from_environ(os.environ)
        restore_empty(os.environ)
        return run(options, settings, watch)
    except StopRequested as stop:
        watch.block()
        _say(f"jobsmith run: stopped by signal {stop.signum} before the command started")
        return 128 + stop.signum
    except HelpRequested:
        _channels.write(1, HELP.encode(), output=False)
        return 0
    except Exception as error:
        from jobsmith.errors import JobsmithError

        if isinstance(error, JobsmithError):
            _say(f"jobsmith run: {error}")
            return int(error.exit_code)
        import traceback

        _say(traceback.format_exc().rstrip("\n"))
        _say("jobsmith run: internal error (exit 125)")
        return EXIT_WRAPPER_FAILED


def run(options: "RunOptions", settings: AgentSettings, watch: "SignalWatch") -> int:
    """Run the job step; report it on stderr, to statsd and to Sensu; its exit status.

    `watch` raises `StopRequested` until the command is about to start.
    """
    from jobsmith.wrapper.process import run_attempt
    from jobsmith.wrapper.proctree import set_child_subreaper
    from jobsmith.wrapper.runner import run_job, summary
    from jobsmith.wrapper.tail import OutputTail, secret_values, window_size

    if options.finish is not None:
        from jobsmith.wrapper.finish import finish_build

        watch.block()  # the build's last word: no signal cuts it short
        return finish_build(options, settings, os.environ, _say)
    command = options.command
    if options.artifact is not None:
        from jobsmith.wrapper.artifact import ArtifactError, cache_root, fetch_artifact

        assert options.sha256 is not None
        started = time.time()
        try:
            path = fetch_artifact(options.artifact, options.sha256, cache_root(os.environ))
        except ArtifactError as error:
            watch.block()
            return _artifact_failed(options, settings, error.alert_line, started)
        command = [str(path), *options.command]
    if not set_child_subreaper():
        _say("jobsmith: warning: cannot become a child subreaper; daemons may escape")
    secrets = secret_values(os.environb, settings.mask)
    tail = OutputTail(window_size(secrets))
    watch.raise_on_stop = False  # recorded from now on; run_attempt checks it first
    report = run_job(
        options,
        attempt=lambda number: run_attempt(
            command,
            watch=watch,
            tail=tail,
            timeout=options.timeout,
            kill_after=options.kill_after,
            channels=_channels,
        ),
        wait=watch.wait,
        stop_signal=lambda: watch.stop_signal,
        announce=_say,
        clock=time.monotonic,
        wall_clock=time.time,
        jitter=_jitter,
    )
    # The final status is decided: no later signal may change it (nor cut an outbox
    # write short), so the exit status, the summary line and the alert agree.
    watch.block()
    deadline = time.monotonic() + DELIVERY_SECONDS  # for everything after the command
    line = summary(report, options.max_duration)
    _say(f"jobsmith: {line}")
    # What the wrapper could not write travels with the alert, under the summary.
    text = "\n".join([line, *_channels.notes()])
    if options.stage is not None:
        _finish_part(report, options, settings, text, tail.getvalue(), secrets, deadline)
    else:
        if settings.statsd is not None:
            _send_metrics(report, settings, deadline)
        if settings.sensu is not None:
            _send_alert(report, options, settings, text, tail.getvalue(), secrets, deadline)
    _channels.report()
    return report.exit_code


def _finish_part(
    report: "RunReport",
    options: "RunOptions",
    settings: AgentSettings,
    line: str,
    window: bytes,
    secrets: list[bytes],
    deadline: float,
) -> None:
    """A part of a build: stage metrics and the record; the build sends the alert."""
    assert options.stage is not None
    if settings.statsd is not None:
        from jobsmith.wrapper.finish import send_values
        from jobsmith.wrapper.metrics import part_metrics

        metrics = part_metrics(report, options.stage) + _folded(report.job)
        send_values(metrics, settings, deadline, _say)
    if options.record is not None:
        from jobsmith.wrapper.build import part_record, record_text
        from jobsmith.wrapper.tail import masked_tail

        record = part_record(report, options.stage, line, masked_tail(window, secrets))
        try:
            directory = os.path.dirname(options.record)
            if directory:
                os.makedirs(directory, exist_ok=True)
            with open(options.record, "w", encoding="utf-8") as handle:
                handle.write(record_text(record))
        except OSError as error:
            _say(f"jobsmith: warning: cannot write the stage record {options.record}: {error}")


def _artifact_failed(
    options: "RunOptions", settings: AgentSettings, reason: str, started: float
) -> int:
    """No attempt ran: the artifact was not fetched or not verified. Exit 125, counted
    as a failed run, with a critical alert that says why."""
    from jobsmith.wrapper.process import AttemptOutcome
    from jobsmith.wrapper.runner import RunReport

    deadline = time.monotonic() + DELIVERY_SECONDS
    duration = time.time() - started
    outcome = AttemptOutcome(EXIT_WRAPPER_FAILED, launch_error=reason, duration=duration)
    report = RunReport(options.job, outcome, attempts=0, timeouts=0, duration=duration,
                       started_at=started)
    line = f"{options.job} did not run (exit {EXIT_WRAPPER_FAILED}): {reason}"
    _say(f"jobsmith: {line}")
    if options.stage is not None:
        _finish_part(report, options, settings, line, b"", [], deadline)
        return EXIT_WRAPPER_FAILED
    if settings.statsd is not None:
        _send_metrics(report, settings, deadline)
    if settings.sensu is not None:
        _send_alert(report, options, settings, line, b"", [], deadline)
    return EXIT_WRAPPER_FAILED


def _send_metrics(report: "RunReport", settings: AgentSettings, deadline: float) -> None:
    from jobsmith.wrapper.finish import send_values
    from jobsmith.wrapper.metrics import run_metrics

    send_values(run_metrics(report) + _folded(report.job), settings, deadline, _say)


def _folded(job: str) -> list[tuple[str, str, float]]:
    from jobsmith.wrapper.jobenv import folded
    from jobsmith.wrapper.metrics import metric_job

    count = folded(os.environ)
    return [] if count is None else [("incr", f"{metric_job(job)}.folded", count)]


def _send_alert(
    report: "RunReport",
    options: "RunOptions",
    settings: AgentSettings,
    line: str,
    window: bytes,
    secrets: list[bytes],
    deadline: float,
) -> None:
    from jobsmith.wrapper.alerts import check_result
    from jobsmith.wrapper.finish import deliver_in_order
    from jobsmith.wrapper.tail import masked_tail

    check = check_result(
        report,
        summary=line,
        tail=masked_tail(window, secrets),
        host=os.uname().nodename,
        max_duration=options.max_duration,
        ttl=options.ttl,
        handlers=options.alert_handlers,
        build_url=settings.build_url,
        source=settings.sensu_source,
    )
    deliver_in_order(check, settings, _say, deadline, now=time.time())


def _jitter() -> float:
    return int.from_bytes(os.urandom(7), "big") / (1 << 56)


def _say(line: str) -> None:
    _channels.say(line)
