"""The one-day shortcut of longest_gap agrees with a year of real runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jobsmith.cron import parse_schedule, runs

START = datetime(2028, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("spec", "zone", "gap"),
    [
        ("H H * * *", "UTC", 86400),
        ("H/15 * * * *", "UTC", 900),
        ("H 2,14 * * *", "UTC", 43200),
        ("0 0 * * *\n30 23 * * *", "UTC", 84600),
        ("TZ=Etc/GMT-2\n5 3 * * *", "UTC", 86400),
        ("*/7 * * * *", "UTC", 420),
        ("0 9 * * *", "Etc/GMT+5", 86400),
    ],
)
def test_shortcut_matches_a_year_of_runs(spec: str, zone: str, gap: float,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    resolved = parse_schedule(spec).resolve("team/job")
    assert runs._daily_gap(resolved, zone) == gap
    monkeypatch.setattr(runs, "_daily_gap", lambda *args: None)
    assert runs.longest_gap(resolved, START, zone) == gap


@pytest.mark.parametrize(
    ("spec", "zone"),
    [
        ("30 2 * * *", "Europe/Berlin"),  # a daylight-saving day skips 02:30
        ("0 0 * * 1-5", "UTC"),  # weekends make a longer gap
        ("0 0 1 * *", "UTC"),
        ("TZ=Europe/Berlin\n0 1 * * *\n0 2 * * *", "UTC"),
    ],
)
def test_shortcut_declines_what_does_not_repeat_daily(spec: str, zone: str) -> None:
    assert runs._daily_gap(parse_schedule(spec).resolve("x"), zone) is None


def test_berlin_daylight_saving_gap_is_found() -> None:
    resolved = parse_schedule("30 2 * * *").resolve("x")
    # spring forward skips 02:30 on 2028-03-26: 47 real hours between two runs
    assert runs.longest_gap(resolved, START, "Europe/Berlin") == 47 * 3600
