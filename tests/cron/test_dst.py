"""Runs a daylight-saving change skips or doubles, against a port of how Jenkins fires.

Jenkins core: `hudson.triggers.Trigger.Cron.doRun` calls `checkTriggers(cal)` for every
real minute once (`cal.add(Calendar.MINUTE, 1)` moves an instant), and
`hudson.scheduler.CronTab.check` sets a Calendar of the `TZ=` zone to that instant and
compares its MINUTE, HOUR_OF_DAY, DAY_OF_MONTH, MONTH and DAY_OF_WEEK with the fields.
`_jenkins_fires` below does exactly that, minute by minute, with zoneinfo (the same IANA
data Java's TimeZone uses); the changes are found by probing offsets, independently of
jobsmith.cron.zones. Then every reported skip and double is checked against what that
port fires, and every change that is not reported is shown to keep the real rhythm.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from jobsmith.cron import parse_schedule
from jobsmith.cron.dst import DstEffect, dst_effects, dst_effects_after
from jobsmith.cron.schedule import ResolvedSchedule

FROM = datetime(2026, 12, 1, tzinfo=UTC)
START = int(FROM.timestamp()) // 60
END = START + 2 * 366 * 1440

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Australia/Sydney",
         "America/Santiago", "America/Havana", "Pacific/Chatham", "Europe/London",
         "Asia/Tokyo"]
SCHEDULES = ["30 2 * * *", "0 * * * *", "H/15 * * * *", "0 */2 * * *", "0 2,3 * * *",
             "*/30 0-5 * * *", "H H * * *", "0 0 * * *", "30 23 * * 6", "H/5 1 * * 0",
             "0 1 * * *", "45 2 * * *", "15,45 1,2 * * *", "59 23 * * *", "H 0-3 * * *"]


def _offset(zone: tzinfo, minute: int) -> int:
    offset = datetime.fromtimestamp(minute * 60, zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds()) // 60


def _changes(zone: ZoneInfo) -> list[tuple[int, int, int]]:
    """(minute, old, new) by probing every 15 minutes, then minute by minute."""
    found = []
    previous = _offset(zone, START)
    for probe in range(START + 15, END, 15):
        now = _offset(zone, probe)
        if now != previous:
            first = next(m for m in range(probe - 14, probe + 1) if _offset(zone, m) == now)
            found.append((first, previous, now))
            previous = now
    return found


def _matches(resolved: ResolvedSchedule, local: datetime) -> bool:
    """CronTab.check on one Calendar's fields (DAY_OF_WEEK - 1: Sunday is 0)."""
    return any(local.minute in line.minutes and local.hour in line.hours
               and local.day in line.days and local.month in line.months
               and local.isoweekday() % 7 in line.weekdays for line in resolved.lines)


def _jenkins_fires(resolved: ResolvedSchedule, zone: tzinfo, low: int, high: int) -> list[int]:
    """Trigger.Cron.doRun: each real minute in [low, high) once, checked in `zone`."""
    return [m for m in range(low, high)
            if _matches(resolved, datetime.fromtimestamp(m * 60, zone))]


def _local(minute: int, zone: tzinfo) -> tuple[int, int, int, int, int]:
    t = datetime.fromtimestamp(minute * 60, zone)
    return (t.year, t.month, t.day, t.hour, t.minute)


def _as_local(local_minute: int) -> tuple[int, int, int, int, int]:
    t = datetime.fromtimestamp(local_minute * 60, UTC)
    return (t.year, t.month, t.day, t.hour, t.minute)


def _case(schedule: str, zone: str, name: str = "team/job") -> ResolvedSchedule:
    return parse_schedule(schedule, zone).resolve(name)


@pytest.mark.parametrize("zone_name", ZONES)
def test_each_reported_run_is_skipped_or_doubled_by_jenkins_and_no_other(
        zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    changes = _changes(zone)
    for schedule in SCHEDULES:
        resolved = _case(schedule, zone_name)
        effects = {effect.change: effect for effect in dst_effects(resolved, START, END)}
        for change, old, new in changes:
            size = abs(new - old)
            real = _jenkins_fires(resolved, zone, change - size, change + size)
            fixed_old = _jenkins_fires(resolved, timezone(timedelta(minutes=old)),
                                       change - size, change + size)
            fixed_new = _jenkins_fires(resolved, timezone(timedelta(minutes=new)),
                                       change - size, change + size)
            effect = effects.pop(change, None)
            where = f"{schedule} in {zone_name} at the change {change}"
            around = _jenkins_fires(resolved, zone, change - 2 * size, change + 2 * size)
            fired = [_local(m, zone) for m in around]
            if new > old:  # local times of the jump the schedule names, Jenkins never sees
                local_from = change + old
                lost = [m for m in range(local_from, local_from + size)
                        if _matches(resolved, datetime.fromtimestamp(m * 60, UTC))]
                assert not {_as_local(m) for m in lost} & set(fired), where
            else:  # local times of the repeated stretch Jenkins fires twice
                lost = [m for m in range(change + new, change + old)
                        if fired.count(_as_local(m)) == 2]
                for run in lost:
                    pair = [m for m in around if _local(m, zone) == _as_local(run)]
                    assert pair[1] - pair[0] == size, where
                assert all(fired.count(t) <= 2 for t in fired), where
            if not lost or fixed_old == fixed_new:  # nothing, or the same real rhythm
                assert effect is None, where
                assert not lost or real == fixed_old == fixed_new, where
                continue
            assert effect is not None, where
            assert effect.kind == ("skipped" if new > old else "doubled"), where
            assert list(effect.runs) == lost, where
        assert not effects, f"{schedule} in {zone_name}: effects at no change: {effects}"


def test_the_examples_in_the_docs() -> None:
    def summary(effects: list[DstEffect]) -> list[tuple[str, str, list[str]]]:
        return [(e.kind, e.day.isoformat(), [f"{r % 1440 // 60:02d}:{r % 60:02d}"
                                              for r in e.runs]) for e in effects]

    assert summary(dst_effects_after(_case("30 2 * * *", "Europe/Berlin"), FROM)) == [
        ("skipped", "2027-03-28", ["02:30"]), ("doubled", "2027-10-31", ["02:30"]),
        ("skipped", "2028-03-26", ["02:30"]), ("doubled", "2028-10-29", ["02:30"])]
    for steady in ("0 * * * *", "H/15 * * * *", "*/30 0-5 * * *"):
        assert dst_effects_after(_case(steady, "Europe/Berlin"), FROM) == []
    # One run at 02:00 and one at 03:00: on the spring day only the 03:00 one.
    assert summary(dst_effects_after(_case("0 2,3 * * *", "Europe/Berlin"), FROM))[0] == (
        "skipped", "2027-03-28", ["02:00"])
    # Lord Howe moves by 30 minutes: an hourly schedule then loses its 02:00 run.
    assert summary(dst_effects_after(_case("0 * * * *", "Australia/Lord_Howe"), FROM)) == [
        ("skipped", "2027-10-03", ["02:00"]), ("skipped", "2028-10-01", ["02:00"])]
    assert dst_effects_after(_case("30 2 * * *", "UTC"), FROM) == []


def test_lines_in_the_controllers_zone_are_not_judged() -> None:
    # TZ= does not apply to @alias lines: they run in the controller's zone, unknown here.
    resolved = parse_schedule("TZ=Europe/Berlin\n@daily\n30 2 * * *").resolve("a")
    assert [line.zone for line in resolved.lines] == [None, "Europe/Berlin"]
    effects = dst_effects_after(resolved, FROM)
    assert {e.runs[0] % 1440 for e in effects} == {150}  # only the 02:30 line
