from __future__ import annotations

import pytest

from jobsmith.errors import JobsmithError
from jobsmith.wrapper.errors import UsageError
from jobsmith.wrapper.options import HelpRequested, parse_args


def test_defaults_and_command_after_double_dash() -> None:
    options = parse_args(["--job", "data/backup", "--", "sh", "-c", "exit 3"])
    assert options.job == "data/backup"
    assert options.command == ["sh", "-c", "exit 3"]
    assert (options.timeout, options.kill_after, options.retries) == (None, 10.0, 0)
    assert (options.retry_on, options.max_duration, options.ttl, options.alert_handlers) == (
        None,
        None,
        None,
        (),
    )


def test_every_option_in_both_spellings() -> None:
    options = parse_args(
        [
            "--job=a/b",
            "--timeout",
            "1h30m",
            "--kill-after=5s",
            "--retries",
            "3",
            "--backoff=30s",
            "--max-backoff",
            "10m",
            "--retry-on",
            "75, 124",
            "--max-duration=20m",
            "--ttl",
            "2h",
            "--alert-handlers",
            "mail,slack",
            "--",
            "--looks-like-an-option",
        ]
    )
    assert options.timeout == 5400
    assert options.kill_after == 5
    assert options.retries == 3
    assert (options.backoff, options.max_backoff) == (30, 600)
    assert options.retry_on == frozenset({75, 124})
    assert options.max_duration == 1200
    assert options.ttl == 7200
    assert options.alert_handlers == ("mail", "slack")
    assert options.command == ["--looks-like-an-option"]


def test_command_may_start_without_double_dash() -> None:
    assert parse_args(["--job", "x", "echo", "--job"]).command == ["echo", "--job"]


def test_fractional_ttl_rounds_up_to_whole_seconds() -> None:
    assert parse_args(["--job", "x", "--ttl", "5.2s", "--", "true"]).ttl == 6


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--", "true"], "--job FULL_NAME is required"),
        (["--job", "x"], "no command given"),
        (["--job", "x", "--"], "no command given"),
        (["--job"], "needs a value"),
        (["--job", "x", "--jbo", "y", "--", "true"], "unknown option '--jbo'"),
        (["--job", "x", "--timout", "1s", "--", "true"], "did you mean --timeout"),
        (["--job", "x", "--job", "y", "--", "true"], "given twice"),
        (["--job", "x", "--timeout", "soon", "--", "true"], "--timeout"),
        (["--job", "x", "--timeout", "0s", "--", "true"], "longer than 0s"),
        (["--job", "x", "--retries", "-1", "--", "true"], "--retries"),
        (["--job", "x", "--retries", "two", "--", "true"], "--retries"),
        (["--job", "x", "--retry-on", "0", "--", "true"], "1 to 255"),
        (["--job", "x", "--retry-on", "256", "--", "true"], "1 to 255"),
        (["--job", "x", "--retry-on", "75,,1", "--", "true"], "1 to 255"),
        (["--job", "x", "--ttl", "4s", "--", "true"], "at least 5s"),
        (["--job", "x", "--alert-handlers", "a b", "--", "true"], "handler name"),
        (["--job", " ", "--", "true"], "not a job name"),
    ],
)
def test_misuse_is_a_usage_error_with_exit_status_125(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_args(argv)
    assert message in str(caught.value)
    assert isinstance(caught.value, JobsmithError)
    assert caught.value.exit_code == 125


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help(flag: str) -> None:
    with pytest.raises(HelpRequested):
        parse_args(["--job", "x", flag])
