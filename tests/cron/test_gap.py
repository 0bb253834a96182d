"""longest_gap: the TTL a run-watcher needs (seconds between consecutive runs)."""

from datetime import UTC, datetime

import pytest

from jobsmith.cron import longest_gap, parse_schedule

START = datetime(2026, 1, 1, tzinfo=UTC)
DAY = 86400.0


@pytest.mark.parametrize(
    ("spec", "zone", "expected"),
    [
        ("H * * * *", "UTC", 3600.0),
        ("H/15 * * * *", "UTC", 900.0),
        ("H H * * *", "UTC", DAY),
        # A daily job across DST: 25 hours once a year (autumn), in the controller's zone.
        ("0 12 * * *", "Europe/Berlin", DAY + 3600),
        # The fall-back duplicate of 02:30 does not lengthen anything, but spring's skip does.
        ("30 2 * * *", "Europe/Berlin", 2 * DAY - 3600),
        ("H H * * H", "UTC", 7 * DAY),
        ("H H H * *", "UTC", 31 * DAY),  # monthly: January to February, etc.
        ("0 0 31 * *", "UTC", 61 * DAY),  # only seven months have a 31st
        ("0 0 1 1 *", "UTC", 365 * DAY),
        # Less than once a year: the real gap between the next two runs (2028 -> 2032).
        ("0 0 29 2 *", "UTC", 1461 * DAY),
        ("0 0 29 2 5", "UTC", 10227 * DAY),  # Friday 29 Feb: 2036 -> 2064
        ("0 9-17 * * 1-5", "UTC", (2 * 24 + 16) * 3600.0),  # Friday 17:00 -> Monday 09:00
    ],
)
def test_longest_gap(spec, zone, expected):
    assert longest_gap(parse_schedule(spec).resolve("team/job"), START, zone) == expected


def test_the_gap_wrapping_past_the_year_counts():
    # Two runs a year, close together: the long gap is the one across the year's end.
    resolved = parse_schedule("0 0 1,2 1 *").resolve("j")
    assert longest_gap(resolved, START) == 364 * DAY


def test_never_firing_gives_none():
    assert longest_gap(parse_schedule("0 0 30 2 *").resolve("j"), START) is None
