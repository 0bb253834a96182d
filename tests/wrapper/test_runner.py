"""The retry loop with fake attempts, clock and sleep: no process, no real waiting."""

from __future__ import annotations

from jobsmith.wrapper.options import parse_args
from jobsmith.wrapper.process import AttemptOutcome
from jobsmith.wrapper.runner import RunReport, run_job, seconds_text, summary


class Fakes:
    def __init__(self, outcomes: list[AttemptOutcome], stop_after_wait: int | None = None) -> None:
        self.outcomes = outcomes
        self.now = 1000.0
        self.lines: list[str] = []
        self.waits: list[float] = []
        self.attempted: list[int] = []
        self.stop: int | None = None
        self.stop_after_wait = stop_after_wait

    def attempt(self, number: int) -> AttemptOutcome:
        self.attempted.append(number)
        outcome = self.outcomes[number - 1]
        self.now += outcome.duration
        return outcome

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        if self.stop_after_wait is not None and len(self.waits) >= self.stop_after_wait:
            self.stop = 15
            return True
        self.now += seconds
        return False

    def run(self, argv: list[str]) -> RunReport:
        return run_job(
            parse_args(argv),
            attempt=self.attempt,
            wait=self.wait,
            stop_signal=lambda: self.stop,
            announce=self.lines.append,
            clock=lambda: self.now,
            wall_clock=lambda: 1_700_000_000.0,
            jitter=lambda: 0.0,
        )


def test_retries_with_doubling_waits_then_success() -> None:
    fakes = Fakes(
        [
            AttemptOutcome(75, duration=1),
            AttemptOutcome(75, duration=1),
            AttemptOutcome(0, duration=1),
        ]
    )
    report = fakes.run(["--job", "a/b", "--retries", "3", "--backoff", "30s", "--", "x"])
    assert report.exit_code == 0
    assert report.attempts == 3
    assert fakes.waits == [15.0, 30.0]  # jitter 0: the lower half of 30s, 60s
    assert fakes.lines == [
        "jobsmith: attempt 2/4 in 15s after exit 75",
        "jobsmith: attempt 3/4 in 30s after exit 75",
    ]
    assert report.duration == 48.0
    assert report.started_at == 1_700_000_000.0
    assert summary(report) == "a/b succeeded (exit 0) after 3 attempts in 48s"


def test_final_status_is_the_last_attempts() -> None:
    fakes = Fakes([AttemptOutcome(3), AttemptOutcome(4)])
    report = fakes.run(["--job", "x", "--retries", "1", "--backoff", "1s", "--", "x"])
    assert (report.exit_code, report.attempts) == (4, 2)
    assert summary(report) == "x failed (exit 4) after 2 attempts in 0.5s"


def test_retry_on_limits_which_statuses_are_retried() -> None:
    fakes = Fakes([AttemptOutcome(1)])
    report = fakes.run(["--job", "x", "--retries", "5", "--retry-on", "75", "--", "x"])
    assert (report.exit_code, report.attempts, fakes.waits) == (1, 1, [])


def test_timeouts_are_counted_and_retried() -> None:
    timeout = AttemptOutcome(124, timed_out=True, term_signal=15, duration=2)
    fakes = Fakes([timeout, timeout])
    report = fakes.run(["--job", "x", "--retries", "1", "--backoff", "1s", "--", "x"])
    assert (report.exit_code, report.attempts, report.timeouts) == (124, 2, 2)
    assert fakes.lines == ["jobsmith: attempt 2/2 in 0.5s after timeout"]
    assert summary(report).startswith("x timed out (exit 124) after 2 attempts")


def test_no_retry_once_the_wrapper_was_told_to_stop() -> None:
    fakes = Fakes([AttemptOutcome(143, term_signal=15, stop_signal=15)])
    fakes.stop = 15
    report = fakes.run(["--job", "x", "--retries", "3", "--", "x"])
    assert (report.attempts, fakes.waits, report.stop_signal) == (1, [], 15)
    assert summary(report).startswith("x stopped by signal 15 (exit 143)")


def test_a_stop_during_the_wait_ends_the_run() -> None:
    fakes = Fakes([AttemptOutcome(1), AttemptOutcome(1)], stop_after_wait=1)
    report = fakes.run(["--job", "x", "--retries", "3", "--", "x"])
    assert (report.attempts, report.exit_code, fakes.attempted) == (1, 1, [1])


def test_a_command_that_cannot_start_is_not_retried() -> None:
    fakes = Fakes([AttemptOutcome(127, launch_error="nope: No such file or directory")])
    report = fakes.run(["--job", "x", "--retries", "3", "--", "nope"])
    assert (report.exit_code, report.attempts) == (127, 1)
    assert fakes.lines == ["jobsmith: cannot run nope: No such file or directory"]


def test_signal_death_and_slow_success_in_the_summary() -> None:
    fakes = Fakes([AttemptOutcome(137, term_signal=9, duration=1)])
    assert "killed by signal 9 (exit 137)" in summary(fakes.run(["--job", "x", "--", "x"]))
    fakes = Fakes([AttemptOutcome(0, duration=90)])
    report = fakes.run(["--job", "x", "--max-duration", "1m", "--", "x"])
    assert (
        summary(report, 60.0)
        == "x succeeded but took longer than 1m (exit 0) after 1 attempt in 1m30s"
    )


def test_seconds_text() -> None:
    assert [seconds_text(s) for s in (0, 0.04, 0.5, 27.34, 59.9, 60, 5400.4)] == [
        "0s",
        "0s",
        "0.5s",
        "27.3s",
        "59.9s",
        "1m",
        "1h30m",
    ]


def test_a_command_killed_before_the_wrapper_is_a_stop() -> None:
    """Jenkins' abort SIGTERMs the command before the wrapper (`ProcessTree.killRecursively`
    goes children first): the wrapper's own signal within STOP_GRACE makes it a stop."""
    fakes = Fakes([AttemptOutcome(143, term_signal=15, duration=1)], stop_after_wait=1)
    report = fakes.run(["--job", "a/b", "--retries", "3", "--", "x"])
    assert fakes.attempted == [1] and fakes.waits == [5.0]
    assert report.stop_signal == 15 and report.exit_code == 143
    assert "stopped by signal 15" in summary(report)


def test_a_command_killed_by_someone_else_is_retried() -> None:
    fakes = Fakes([AttemptOutcome(143, term_signal=15, duration=1), AttemptOutcome(0)])
    report = fakes.run(["--job", "a/b", "--retries", "1", "--backoff", "2s", "--", "x"])
    assert fakes.attempted == [1, 2] and fakes.waits == [5.0, 1.0]
    assert report.stop_signal is None and report.exit_code == 0
