"""Time zones: validation, and the UTC offset over time as a list of constant stretches.

Everything downstream counts in whole minutes since the Unix epoch (UTC), so finding
runs is integer arithmetic: a stretch `(start, end, offset)` says that local time is
`utc + offset` for every UTC minute in `[start, end)`.
"""

from __future__ import annotations

import calendar
import functools
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from jobsmith.cron.errors import CronError

# Sampling step when looking for offset changes. Zones change offset at most a few
# times a year, never twice within six hours, so a change is never missed.
_PROBE_MINUTES = 6 * 60


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_known_zone(name: str) -> bool:
    return name in _known_zones()


def get_zone(name: str, line: int = 0, col: int = 0) -> ZoneInfo:
    """The zone called `name` (an IANA id such as `Europe/Berlin`), else CronError."""
    if not is_known_zone(name):
        raise CronError(f"Invalid or unsupported timezone '{name}'{zone_hint(name)}", line, col)
    try:
        return _zone(name)
    except (ZoneInfoNotFoundError, ValueError) as error:  # pragma: no cover - tzdata gap
        raise CronError(f"Invalid or unsupported timezone '{name}'", line, col) from error


# Abbreviations people type for a zone (Java still accepts some of them as ids).
_ABBREVIATIONS = {
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "MST": "America/Denver",
    "MDT": "America/Denver", "CST": "America/Chicago", "CDT": "America/Chicago",
    "EST": "America/New_York", "EDT": "America/New_York", "BST": "Europe/London",
    "CEST": "Europe/Berlin", "IST": "Asia/Kolkata", "JST": "Asia/Tokyo",
    "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney",
}


def zone_hint(name: str) -> str:
    """`; use an IANA zone id such as America/Los_Angeles` for an unknown zone."""
    import difflib

    guess = _ABBREVIATIONS.get(name.strip().upper())
    if guess is None:
        close = difflib.get_close_matches(name, sorted(_known_zones()), n=1)
        guess = close[0] if close else None
    if guess is not None:
        return f"; use an IANA zone id such as {guess}"
    return "; use an IANA zone id such as Europe/Berlin or UTC"


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def offset_at(zone: ZoneInfo, minute: int) -> int:
    """UTC offset in whole minutes at UTC epoch minute `minute` (seconds are dropped)."""
    offset = datetime.fromtimestamp(minute * 60, zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds()) // 60


def _year_start(year: int) -> int:
    return calendar.timegm((year, 1, 1, 0, 0, 0)) // 60


def _year_of(minute: int) -> int:
    return datetime.fromtimestamp(minute * 60, UTC).year


@cache
def _changes_in_year(name: str, year: int) -> tuple[tuple[int, int], ...]:
    """(UTC minute, new offset) for every offset change within one UTC year."""
    zone = _zone(name)
    changes: list[tuple[int, int]] = []
    low, end = _year_start(year), _year_start(year + 1)
    low_offset = offset_at(zone, low)
    while low < end:
        high = min(low + _PROBE_MINUTES, end)
        high_offset = offset_at(zone, high)
        if high_offset == low_offset:
            low = high
            continue
        # Binary search the first minute with a different offset, then go on from it.
        a, b = low, high
        while b - a > 1:
            middle = (a + b) // 2
            if offset_at(zone, middle) == low_offset:
                a = middle
            else:
                b = middle
        low, low_offset = b, offset_at(zone, b)
        if low < end:
            changes.append((low, low_offset))
    return tuple(changes)


@functools.lru_cache(maxsize=256)
def offset_stretches_list(name: str, start: int, end: int) -> tuple[tuple[int, int, int], ...]:
    """`offset_stretches` computed once per zone and window (many jobs share a window)."""
    return tuple(offset_stretches(_zone(name), start, end))


def offset_stretches(zone: ZoneInfo, start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """`(from, to, offset)` covering UTC minutes `[start, end)`, computed lazily by year."""
    if start >= end:
        return
    name = zone.key
    offset = offset_at(zone, start)
    current = start
    year = _year_of(start)
    while current < end:
        for change, new_offset in _changes_in_year(name, year):
            if change <= current:
                continue
            if change >= end:
                break
            yield current, change, offset
            current, offset = change, new_offset
        year += 1
        boundary = min(_year_start(year), end)
        if boundary > current:
            yield current, boundary, offset
            current = boundary
            if current < end:
                offset = offset_at(zone, current)


def offset_changes(name: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """(UTC minute, offset before, offset after) of each change in UTC minutes
    `[start, end)` of the zone `name`."""
    zone = _zone(name)
    found = []
    for year in range(_year_of(start), _year_of(end) + 1):
        for minute, new in _changes_in_year(name, year):
            if start <= minute < end:
                found.append((minute, offset_at(zone, minute - 1), new))
    return found
