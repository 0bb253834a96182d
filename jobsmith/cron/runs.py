"""When Jenkins fires a resolved schedule: next runs, runs in a window, the longest gap.

Jenkins wakes once per real minute and fires a job when any line matches the local time
of that minute (line 1's `TZ=` zone, else the controller's). So a local time that does
not exist on a daylight-saving day is skipped, and one that happens twice fires twice.

Instead of testing minute by minute, each line jumps through the sorted values of its
fields: per stretch of constant UTC offset, per local day that matches month, day of
month AND day of week, per matching minute of that day. All arithmetic is on whole
minutes since the epoch (UTC), converted to datetimes only at the edges.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from jobsmith.cron.schedule import ResolvedLine, ResolvedSchedule
from jobsmith.cron.zones import get_zone, offset_stretches, offset_stretches_list

MINUTES_PER_DAY = 1440
HORIZON_YEARS = 2
# How far `longest_gap` looks for the run after the year (a Friday the 29th of February
# recurs within 40 years; a line that only matches a skipped DST hour never does).
GAP_LOOKAHEAD_DAYS = 50 * 366
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def to_minute(instant: datetime) -> float:
    """Minutes since the epoch (fractional) of an aware datetime."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"a time zone is needed: {instant.isoformat()}")
    return instant.timestamp() / 60


def from_minute(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * 60, UTC)


def _matching_days(line: ResolvedLine, first: int, last: int) -> Iterator[int]:
    """Local epoch days in `[first, last]` whose month, day and weekday all match."""
    months, days, weekdays = set(line.months), set(line.days), set(line.weekdays)
    day = first
    while day <= last:
        current = date.fromordinal(day + _EPOCH_ORDINAL)
        if current.month not in months:
            year, month = divmod(current.year * 12 + current.month, 12)  # the next month
            day = date(year, month + 1, 1).toordinal() - _EPOCH_ORDINAL
            continue
        if current.day in days and (day + 4) % 7 in weekdays:  # 1970-01-01 was a Thursday
            yield day
        day += 1


def _line_chunks(
    line: ResolvedLine, zone_name: str, start: int, end: int, *, bulk: bool = False
) -> Iterator[list[int]]:
    """One line's fire minutes in `[start, end)`, in order, one list per matching day.

    `bulk` computes the zone's offsets for the whole window at once and keeps them, for
    many schedules over one short window; otherwise they are found lazily, year by year.
    """
    if not line.can_fire():
        return
    zone = get_zone(zone_name)
    spread = line.minutes_of_day
    stretches = (
        offset_stretches_list(zone_name, start, end) if bulk else offset_stretches(zone, start, end)
    )
    for low, high, offset in stretches:
        local_low, local_high = low + offset, high + offset
        for day in _matching_days(
            line, local_low // MINUTES_PER_DAY, (local_high - 1) // MINUTES_PER_DAY
        ):
            base = day * MINUTES_PER_DAY - offset
            first = bisect.bisect_left(spread, low - base)
            last = bisect.bisect_left(spread, high - base)
            if first < last:
                yield [base + minute for minute in spread[first:last]]


def line_minutes(line: ResolvedLine, zone_name: str, start: int, end: int) -> Iterator[int]:
    """UTC epoch minutes in `[start, end)` at which one line fires, in order."""
    for chunk in _line_chunks(line, zone_name, start, end):
        yield from chunk


def fire_minutes(
    resolved: ResolvedSchedule, start: int, end: int, controller_zone: str = "UTC"
) -> Iterator[int]:
    """UTC epoch minutes in `[start, end)` at which the schedule fires (once per minute)."""
    get_zone(controller_zone)
    streams = [
        line_minutes(line, line.zone or controller_zone, start, end) for line in resolved.lines
    ]
    if len(streams) == 1:
        yield from streams[0]
        return
    previous = None
    for minute in heapq.merge(*streams):
        if minute != previous:  # several lines matching one minute still fire once
            yield minute
            previous = minute


def fire_list(
    resolved: ResolvedSchedule, start: int, end: int, controller_zone: str = "UTC"
) -> list[int]:
    """`fire_minutes` as a list, built in bulk: for short windows over many jobs."""
    get_zone(controller_zone)
    minutes = [
        minute
        for line in resolved.lines
        for chunk in _line_chunks(line, line.zone or controller_zone, start, end, bulk=True)
        for minute in chunk
    ]
    return minutes if len(resolved.lines) == 1 else sorted(set(minutes))


def _plus_years(instant: datetime, years: int) -> datetime:
    try:
        return instant.replace(year=instant.year + years)
    except ValueError:  # 29 February
        return instant.replace(year=instant.year + years, day=28) + timedelta(days=1)


def next_runs(
    resolved: ResolvedSchedule, after: datetime, count: int, controller_zone: str = "UTC"
) -> list[datetime]:
    """The next `count` fire times strictly after `after`, in UTC, within two years."""
    if count <= 0:
        return []
    start = math.floor(to_minute(after)) + 1
    horizon = math.floor(to_minute(_plus_years(after.astimezone(UTC), HORIZON_YEARS))) + 1
    runs = []
    for minute in fire_minutes(resolved, start, horizon, controller_zone):
        runs.append(from_minute(minute))
        if len(runs) == count:
            break
    return runs


def runs_between(
    resolved: ResolvedSchedule, start: datetime, end: datetime, controller_zone: str = "UTC"
) -> Iterator[datetime]:
    """Fire times `t` with `start <= t < end`, in UTC, in order."""
    first = math.ceil(to_minute(start))
    last = math.ceil(to_minute(end))
    for minute in fire_minutes(resolved, first, last, controller_zone):
        yield from_minute(minute)


_EVERY_DAY = (tuple(range(1, 32)), tuple(range(1, 13)), tuple(range(7)))


def _fixed_offset(zone: str) -> bool:
    return zone in ("UTC", "Etc/UTC", "GMT", "Etc/GMT", "Etc/UCT", "UCT", "Etc/Universal",
                    "Universal", "Zulu", "Etc/Zulu") or zone.startswith("Etc/GMT")


def _daily_gap(resolved: ResolvedSchedule, controller_zone: str) -> float | None:
    """The longest gap of a schedule that fires the same minutes every day in a zone
    without daylight saving: found from one day, not a year (None when that is not so)."""
    lines = resolved.lines
    if not lines or not all(
        (line.days, line.months, line.weekdays) == _EVERY_DAY
        and _fixed_offset(line.zone or controller_zone)
        and (line.zone or controller_zone) == (lines[0].zone or controller_zone)
        for line in lines
    ):
        return None
    minutes = sorted({minute for line in lines for minute in line.minutes_of_day})
    gaps = [b - a for a, b in itertools.pairwise(minutes)]
    gaps.append(minutes[0] + MINUTES_PER_DAY - minutes[-1])
    return float(max(gaps) * 60)


def longest_gap(
    resolved: ResolvedSchedule, start: datetime, controller_zone: str = "UTC"
) -> float | None:
    """Longest time in seconds between consecutive runs over 366 days from `start`.

    Counts the gap from the year's last run to the first run after the year. A schedule
    that fires less than once a year (`0 0 29 2 *`) gives the real gap between its next
    two runs, longer than a year. None when it never fires.
    """
    get_zone(controller_zone)
    if not resolved.can_fire():
        return None
    daily = _daily_gap(resolved, controller_zone)
    if daily is not None:
        return daily
    first = math.ceil(to_minute(start))
    year_end = first + 366 * MINUTES_PER_DAY
    limit = year_end + GAP_LOOKAHEAD_DAYS * MINUTES_PER_DAY
    runs = list(fire_minutes(resolved, first, year_end, controller_zone))
    after_year = fire_minutes(resolved, year_end, limit, controller_zone)
    if not runs:  # fires less than once a year: measure between its next two runs
        runs = [minute for minute, _ in zip(after_year, range(2), strict=False)]
        if len(runs) < 2:
            return None
    else:
        following = next(after_year, None)
        if following is not None:
            runs.append(following)
        if len(runs) < 2:
            return None
    return float(max(b - a for a, b in itertools.pairwise(runs)) * 60)
