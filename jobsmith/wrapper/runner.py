"""One run of a job step: attempts, waits between them, and the run's report.

Everything with side effects comes in as an argument: `attempt(n)` runs attempt n,
`wait(seconds)` sleeps and returns True when the wrapper was told to stop meanwhile,
`announce(line)` writes to stderr, `clock`/`wall_clock`/`jitter` give time and chance.
So the retry logic is tested with fakes, and `cli.py` wires in the real ones.
"""

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from jobsmith.wrapper.options import RunOptions
    from jobsmith.wrapper.process import AttemptOutcome


class RunReport:
    """The result of a run: what the metrics, the alert and the exit status say."""

    __slots__ = ("attempts", "duration", "job", "last", "started_at", "stop_signal", "timeouts")

    def __init__(
        self,
        job: str,
        last: "AttemptOutcome",
        *,
        attempts: int,
        timeouts: int,
        duration: float,
        started_at: float,
        stop_signal: int | None = None,
    ) -> None:
        self.job = job
        self.last = last
        self.attempts = attempts
        self.timeouts = timeouts
        self.duration = duration
        self.started_at = started_at
        self.stop_signal = stop_signal

    @property
    def exit_code(self) -> int:
        return self.last.exit_code


def run_job(
    options: "RunOptions",
    *,
    attempt: "Callable[[int], AttemptOutcome]",
    wait: "Callable[[float], bool]",
    stop_signal: "Callable[[], int | None]",
    announce: "Callable[[str], None]",
    clock: "Callable[[], float]",
    wall_clock: "Callable[[], float]",
    jitter: "Callable[[], float]",
) -> RunReport:
    """Run attempts until one succeeds, retries run out, or the wrapper must stop."""
    from jobsmith.wrapper.retry import RetryPolicy

    policy = RetryPolicy(options.retries, options.backoff, options.max_backoff, options.retry_on)
    started, started_at = clock(), wall_clock()
    number, timeouts = 0, 0
    while True:
        number += 1
        outcome = attempt(number)
        timeouts += outcome.timed_out
        if outcome.launch_error is not None:
            announce(f"jobsmith: cannot run {outcome.launch_error}")
            break  # a missing or non-executable command does not appear by retrying
        if stop_signal() is not None:
            break
        if stopped_from_outside(outcome, wait):
            announce(f"jobsmith: the command died of signal {outcome.term_signal} and the "
                     "wrapper was told to stop: the step was stopped, not retried")
            break
        if not policy.should_retry(number, outcome.exit_code, outcome.timed_out):
            reason = policy.not_retried(number, outcome.exit_code, outcome.timed_out)
            if reason:
                announce(f"jobsmith: not retrying: {reason}")
            break
        delay = policy.delay(number, jitter())
        announce(
            f"jobsmith: attempt {number + 1}/{policy.attempts} in {seconds_text(delay)}"
            f" after {ending(outcome)}"
        )
        if wait(delay):
            break
    return RunReport(
        options.job,
        outcome,
        attempts=number,
        timeouts=timeouts,
        duration=clock() - started,
        started_at=started_at,
        stop_signal=stop_signal(),
    )


# Jenkins' abort: durable-task's `launcher.kill(cookie)` -> `ProcessTree.killAll` ->
# `UnixProcess.killRecursively` sends SIGTERM to the children first and waits for each
# (all within `SoftKillWaitSeconds`, 5 s) before the parent: the command can die of that
# SIGTERM before the wrapper gets its own. So a command killed by a stop signal the
# wrapper did not send waits this long for the wrapper's own before it counts as failed.
STOP_GRACE = 5.0
_STOP_SIGNALS = (1, 2, 15)  # SIGHUP, SIGINT, SIGTERM


def stopped_from_outside(outcome: "AttemptOutcome", wait: "Callable[[float], bool]") -> bool:
    """Whether the attempt died of a stop signal that was meant for the whole step."""
    if outcome.timed_out or outcome.term_signal not in _STOP_SIGNALS:
        return False
    return wait(STOP_GRACE)


def ending(outcome: "AttemptOutcome") -> str:
    """How an attempt ended, in a few words: `exit 75`, `timeout`, `signal 9`."""
    if outcome.timed_out:
        return "timeout"
    if outcome.term_signal is not None:
        return f"signal {outcome.term_signal}"
    return f"exit {outcome.exit_code}"


def summary(report: RunReport, max_duration: float | None = None) -> str:
    """One line: the job, its result, exit status, attempts and duration."""
    last = report.last
    if report.stop_signal is not None:
        result = f"stopped by signal {report.stop_signal}"
    elif last.launch_error is not None:
        result = "could not start"
    elif last.timed_out:
        result = "timed out"
    elif last.term_signal is not None:
        result = f"killed by signal {last.term_signal}"
    elif last.exit_code == 0:
        result = "succeeded"
        if max_duration is not None and report.duration > max_duration:
            result += f" but took longer than {seconds_text(max_duration)}"
    else:
        result = "failed"
    noun = "attempt" if report.attempts == 1 else "attempts"
    return (
        f"{report.job} {result} (exit {report.exit_code}) after {report.attempts} {noun}"
        f" in {seconds_text(report.duration)}"
    )


def seconds_text(seconds: float) -> str:
    """`0.5s`, `27.3s`, `1m30s`: tenths under a minute, whole seconds above."""
    if seconds < 60:
        return f"{round(seconds, 1):g}s"
    from jobsmith.durations import format_duration

    return format_duration(round(seconds))
