"""Next runs: DST in 2026, leap days, the all-fields rule, the horizon, several lines."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from jobsmith.cron import CronError, next_runs, parse_schedule, runs_between


def utc(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def runs(spec, after, count=5, zone="UTC", job="team/job"):
    resolved = parse_schedule(spec).resolve(job)
    return [
        t.strftime("%Y-%m-%dT%H:%M")
        for t in next_runs(resolved, datetime.fromisoformat(after), count, zone)
    ]


CASES = [
    # Europe/Berlin springs forward 2026-03-29 02:00 -> 03:00: 02:30 does not exist.
    (
        "TZ=Europe/Berlin\n30 2 * * *",
        "2026-03-27T00:00:00Z",
        4,
        "UTC",
        ["2026-03-27T01:30", "2026-03-28T01:30", "2026-03-30T00:30", "2026-03-31T00:30"],
    ),
    # ...and falls back 2026-10-25 03:00 -> 02:00: 02:30 happens twice, an hour apart.
    (
        "TZ=Europe/Berlin\n30 2 * * *",
        "2026-10-24T00:00:00Z",
        4,
        "UTC",
        ["2026-10-24T00:30", "2026-10-25T00:30", "2026-10-25T01:30", "2026-10-26T01:30"],
    ),
    # Times outside the shifted hour are unaffected; the offset changes.
    (
        "TZ=Europe/Berlin\n0 12 * * *",
        "2026-03-28T00:00:00Z",
        2,
        "UTC",
        ["2026-03-28T11:00", "2026-03-29T10:00"],
    ),
    # The controller zone applies without TZ=.
    (
        "30 2 * * *",
        "2026-03-28T00:00:00Z",
        2,
        "Europe/Berlin",
        ["2026-03-28T01:30", "2026-03-30T00:30"],
    ),
    # America/New_York: 2026-03-08 02:00 -> 03:00 and 2026-11-01 02:00 -> 01:00.
    (
        "TZ=America/New_York\n30 2 * * *",
        "2026-03-07T00:00:00Z",
        3,
        "UTC",
        ["2026-03-07T07:30", "2026-03-09T06:30", "2026-03-10T06:30"],
    ),
    (
        "TZ=America/New_York\n30 1 * * *",
        "2026-10-31T00:00:00Z",
        4,
        "UTC",
        ["2026-10-31T05:30", "2026-11-01T05:30", "2026-11-01T06:30", "2026-11-02T06:30"],
    ),
    # Every minute across the fall-back hour: 120 real minutes, each fired once.
    (
        "TZ=America/New_York\n* 1 1 11 *",
        "2026-11-01T04:58:00Z",
        3,
        "UTC",
        ["2026-11-01T05:00", "2026-11-01T05:01", "2026-11-01T05:02"],
    ),
    # Asia/Kolkata: +05:30, no DST.
    (
        "TZ=Asia/Kolkata\n0 9 * * *",
        "2026-03-28T00:00:00Z",
        2,
        "UTC",
        ["2026-03-28T03:30", "2026-03-29T03:30"],
    ),
    (
        "0 0 * * *",
        "2026-06-30T12:00:00Z",
        2,
        "Asia/Kolkata",
        ["2026-06-30T18:30", "2026-07-01T18:30"],
    ),
    # Australia/Lord_Howe: +11 -> +10:30 on 2026-04-05 at 02:00; 01:45 repeats 30 min later.
    (
        "TZ=Australia/Lord_Howe\n45 1 * * *",
        "2026-04-03T00:00:00Z",
        4,
        "UTC",
        ["2026-04-03T14:45", "2026-04-04T14:45", "2026-04-04T15:15", "2026-04-05T15:15"],
    ),
    # ...and +10:30 -> +11 on 2026-10-04 at 02:00: 02:15 is skipped that day.
    (
        "TZ=Australia/Lord_Howe\n15 2 * * *",
        "2026-10-02T00:00:00Z",
        3,
        "UTC",
        ["2026-10-02T15:45", "2026-10-04T15:15", "2026-10-05T15:15"],
    ),
    # Leap day: from 2026 the next 29 February is in 2028.
    ("0 0 29 2 *", "2026-03-01T00:00:00Z", 2, "UTC", ["2028-02-29T00:00"]),
    # Friday the 13th only: day of month AND day of week.
    (
        "0 0 13 * 5",
        "2026-01-01T00:00:00Z",
        4,
        "UTC",
        ["2026-02-13T00:00", "2026-03-13T00:00", "2026-11-13T00:00", "2027-08-13T00:00"],
    ),
    # The 31st exists in seven months only.
    (
        "0 0 31 * *",
        "2026-01-01T00:00:00Z",
        4,
        "UTC",
        ["2026-01-31T00:00", "2026-03-31T00:00", "2026-05-31T00:00", "2026-07-31T00:00"],
    ),
    # Strictly after FROM, on whole minutes.
    ("* * * * *", "2026-01-01T00:00:00Z", 2, "UTC", ["2026-01-01T00:01", "2026-01-01T00:02"]),
    ("* * * * *", "2026-01-01T00:00:59Z", 1, "UTC", ["2026-01-01T00:01"]),
    # FROM in another zone is the same instant.
    ("0 * * * *", "2026-01-01T02:30:00+02:00", 1, "UTC", ["2026-01-01T01:00"]),
    # Lines that match the same minute fire once.
    (
        "0 * * * *\n0,30 * * * *",
        "2026-01-01T00:00:00Z",
        3,
        "UTC",
        ["2026-01-01T00:30", "2026-01-01T01:00", "2026-01-01T01:30"],
    ),
    # For job "z", @daily and H H * * * both resolve to 18 7 * * *. A TZ= line does not
    # apply to an alias line: 07:18 New York (UTC-5) is 12:18Z; 07:18 Kolkata is 01:48Z.
    (
        "TZ=Asia/Kolkata\n@daily",
        "2026-01-01T00:00:00Z",
        1,
        "America/New_York",
        ["2026-01-01T12:18"],
    ),
    (
        "TZ=Asia/Kolkata\nH H * * *",
        "2026-01-01T00:00:00Z",
        1,
        "America/New_York",
        ["2026-01-01T01:48"],
    ),
]


@pytest.mark.parametrize(("spec", "after", "count", "zone", "expected"), CASES)
def test_next_runs(spec, after, count, zone, expected):
    assert runs(spec, after, count, zone, job="z") == expected


@pytest.mark.parametrize(
    ("spec", "after"),
    [
        ("0 0 30 2 *", "2026-01-01T00:00:00Z"),  # never
        ("0 0 31 4,6,9,11 *", "2026-01-01T00:00:00Z"),  # never
        ("0 0 29 2 *", "2026-03-02T00:00:00Z"),  # 2028-02-29 is within two years...
        ("0 0 29 2 *", "2026-01-01T00:00:00Z"),  # ...but not from New Year 2026
        ("0 0 29 2 0", "2026-01-01T00:00:00Z"),  # a Sunday 29 February: 2032
    ],
)
def test_horizon_and_never(spec, after):
    expected = ["2028-02-29T00:00"] if after.startswith("2026-03-02") else []
    assert runs(spec, after) == expected


def test_two_year_horizon_is_inclusive_of_its_last_minute():
    assert runs("0 0 1 1 *", "2026-01-01T00:00:00Z", 5) == [
        "2027-01-01T00:00",
        "2028-01-01T00:00",
    ]


def test_count_is_respected_and_zero_gives_nothing():
    assert len(runs("* * * * *", "2026-01-01T00:00:00Z", 7)) == 7
    assert runs("* * * * *", "2026-01-01T00:00:00Z", 0) == []


def test_runs_are_utc_datetimes():
    resolved = parse_schedule("0 9 * * *").resolve("j")
    after = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=5)))
    (first,) = next_runs(resolved, after, 1, "Europe/Paris")
    assert first == datetime(2026, 1, 1, 8, 0, tzinfo=UTC) and first.tzinfo is UTC


def test_naive_datetimes_and_unknown_zones_are_rejected():
    resolved = parse_schedule("0 9 * * *").resolve("j")
    with pytest.raises(ValueError, match="time zone"):
        next_runs(resolved, datetime(2026, 1, 1), 1)
    with pytest.raises(CronError, match="Nowhere/City"):
        next_runs(resolved, utc("2026-01-01T00:00:00"), 1, "Nowhere/City")


def test_runs_between_is_half_open():
    resolved = parse_schedule("*/15 * * * *").resolve("j")
    found = list(runs_between(resolved, utc("2026-01-01T00:00:00"), utc("2026-01-01T01:00:00")))
    assert [t.minute for t in found] == [0, 15, 30, 45]


def test_runs_between_agrees_with_a_minute_by_minute_check():
    """Brute force over a DST week: convert every real minute and test all five fields."""
    from zoneinfo import ZoneInfo

    spec = "TZ=Europe/Berlin\n*/7 1-3 * 3,10 0\n0 2 29 * *"
    resolved = parse_schedule(spec).resolve("j")
    zone = ZoneInfo("Europe/Berlin")
    start, end = utc("2026-03-25T00:00:00"), utc("2026-04-01T00:00:00")
    expected = []
    moment = start
    while moment < end:
        local = moment.astimezone(zone)
        if any(
            local.minute in line.minutes
            and local.hour in line.hours
            and local.day in line.days
            and local.month in line.months
            and (local.weekday() + 1) % 7 in line.weekdays
            for line in resolved.lines
        ):
            expected.append(moment)
        moment += timedelta(minutes=1)
    assert list(runs_between(resolved, start, end)) == expected
    assert expected  # the week does hold runs


def test_a_never_firing_spec_returns_quickly_without_looping():
    resolved = parse_schedule("0 0 30 2 *").resolve("j")
    assert not resolved.can_fire()
    assert next_runs(resolved, utc("2026-01-01T00:00:00"), 5) == []
