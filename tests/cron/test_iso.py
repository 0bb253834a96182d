"""ISO 8601 repeating intervals to cron lines, and the errors for what cron cannot do."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from jobsmith.cron import CronError, iso_interval_to_lines, parse_schedule, runs_between


@pytest.mark.parametrize(
    ("text", "timezone", "lines", "zone"),
    [
        ("R/2026-01-01T02:05:00Z/PT15M", None, ["5,20,35,50 * * * *"], "UTC"),
        ("R/2026-01-01T02:05Z/PT1M", None, ["* * * * *"], "UTC"),
        ("R/2026-01-01T02:05:00Z/PT5M", None, ["0-55/5 * * * *"], "UTC"),
        ("R/2026-01-01T02:05:00Z/PT1H", None, ["5 * * * *"], "UTC"),
        ("R/2026-01-01T02:05:00Z/PT6H", None, ["5 2,8,14,20 * * *"], "UTC"),
        ("R/2026-01-01T02:05:00Z/PT90M", None, ["5 2-23/3 * * *", "35 0-21/3 * * *"], "UTC"),
        (
            "R/2026-01-01T00:00:00Z/PT45M",
            None,
            ["0,45 0-21/3 * * *", "15 2-23/3 * * *", "30 1-22/3 * * *"],
            "UTC",
        ),
        ("R/2026-01-01T02:05:00Z/P1D", None, ["5 2 * * *"], "UTC"),
        ("R/2026-01-01T02:05:00Z/PT24H", None, ["5 2 * * *"], "UTC"),
        ("R/2026-01-01T02:05:00Z/P1W", None, ["5 2 * * 4"], "UTC"),  # a Thursday
        ("R/2026-01-01T02:05:00Z/P7D", None, ["5 2 * * 4"], "UTC"),
        ("R/2026-01-01T02:05:00+02:00/P1D", None, ["5 2 * * *"], "Etc/GMT-2"),
        ("R/2026-01-01T02:05:00-05:00/P1D", None, ["5 2 * * *"], "Etc/GMT+5"),
        ("R/2026-01-01T02:05:00+00:00/P1D", None, ["5 2 * * *"], "UTC"),
        # `timezone` wins; the start instant is read in it (02:05Z is 03:05 in Berlin).
        ("R/2026-01-01T02:05:00Z/P1D", "Europe/Berlin", ["5 3 * * *"], "Europe/Berlin"),
        ("R/2026-01-01T23:30:00-01:00/P1W", "UTC", ["30 0 * * 5"], "UTC"),
        # A start without an offset is local time: the `timezone`'s, else the controller's.
        ("R/2026-01-01T02:05:00/P1D", "Asia/Kolkata", ["5 2 * * *"], "Asia/Kolkata"),
        ("R/2026-01-01T02:05:00/P1D", None, ["5 2 * * *"], None),
        ("R/20260101T020500Z/PT30M", None, ["5,35 * * * *"], "UTC"),
        # No start: H spreads the phase, as Jenkins does for @daily.
        ("R/PT15M", None, ["H/15 * * * *"], None),
        ("R/PT1M", None, ["H * * * *"], None),
        ("R/PT1H", None, ["H * * * *"], None),
        ("R/PT4H", "UTC", ["H H/4 * * *"], "UTC"),
        ("R/P1D", None, ["H H * * *"], None),
        ("R/P1W", None, ["H H * * H"], None),
    ],
)
def test_accepted_intervals(text, timezone, lines, zone):
    assert iso_interval_to_lines(text, timezone) == (lines, zone)
    parse_schedule("\n".join(lines), zone)  # what comes out is valid Jenkins cron


@pytest.mark.parametrize(
    ("text", "timezone", "message"),
    [
        ("R/2026-01-01T00:00:00Z/PT7M", None, "use PT6M or PT8M"),
        ("R/2026-01-01T00:00:00Z/PT5H", None, "use PT4H48M or PT6H"),
        ("R/2026-01-01T00:00:00Z/P10D", None, "use P1W"),
        ("R/2026-01-01T00:00:00Z/PT25H", None, "use P1D or P1W"),
        ("R/2026-01-01T00:00:00Z/P1M", None, "months and years have no fixed length"),
        ("R/2026-01-01T00:00:00Z/P1Y", None, "months and years"),
        ("R/2026-01-01T00:00:00Z/PT30S", None, "whole minutes; use PT1M"),
        ("R/2026-01-01T00:00:00Z/PT0M", None, "longer than zero"),
        ("R/2026-01-01T00:00:00Z/PT", None, "not an ISO 8601 duration"),
        ("R/2026-01-01T00:00:00Z/15M", None, "not an ISO 8601 duration"),
        ("R5/2026-01-01T00:00:00Z/PT15M", None, "cannot stop after a number of runs"),
        ("PT90M", None, "write R/PT90M"),
        ("R/PT90M", None, "needs one to fix its phase"),
        ("R/2026-13-01T00:00:00Z/P1D", None, "not an ISO 8601 date and time"),
        ("R/2026-01-01T00:00:30Z/P1D", None, "drop the seconds"),
        ("R/2026-01-01T00:00:00+05:30/P1D", None, "+0530 has no fixed zone id"),
        ("R/2026-01-01T00:00:00Z/P1D/P1D", None, "is not R/START/PERIOD"),
        ("R/P1D", "Mars/Olympus", "Invalid or unsupported timezone"),
    ],
)
def test_rejected_intervals(text, timezone, message):
    with pytest.raises(CronError) as caught:
        iso_interval_to_lines(text, timezone)
    assert message in caught.value.message


def test_ninety_minutes_really_runs_every_ninety_minutes():
    lines, zone = iso_interval_to_lines("R/2026-01-01T02:05:00Z/PT90M", None)
    resolved = parse_schedule("\n".join(lines), zone).resolve("j")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    runs = list(runs_between(resolved, start, start + timedelta(days=2)))
    assert runs[0] == datetime(2026, 1, 1, 0, 35, tzinfo=UTC)
    assert {b - a for a, b in itertools.pairwise(runs)} == {timedelta(minutes=90)}
    assert datetime(2026, 1, 1, 2, 5, tzinfo=UTC) in runs


def test_a_fixed_offset_zone_keeps_the_phase():
    lines, zone = iso_interval_to_lines("R/2026-01-01T02:05:00+02:00/P1D", None)
    resolved = parse_schedule("\n".join(lines), zone).resolve("j")
    (first,) = runs_between(
        resolved, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    )
    assert first == datetime(2026, 1, 1, 0, 5, tzinfo=UTC)
