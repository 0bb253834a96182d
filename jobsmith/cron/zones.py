"""Time zones: validation, and the UTC offset over time as a list of constant stretches.

Everything downstream counts in whole minutes since the Unix epoch (UTC), so finding
runs is integer arithmetic: a stretch `(start, end, offset)` says that local time is
`utc + offset` for every UTC minute in `[start, end)`.
"""

from __future__ import annotations

import calendar
import functools
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, _tzpath, available_timezones

from jobsmith.cron.errors import CronError

# Sampling step when looking for offset changes. Zones change offset at most a few
# times a year, never twice within six hours, so a change is never missed.
_PROBE_MINUTES = 6 * 60


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def is_known_zone(name: str) -> bool:
    """`name in zoneinfo.available_timezones()`, without reading every zone file: that
    set is the `tzdata` package's list of zones, plus every file whose first four bytes
    are `TZif` that `os.walk` (not following links to directories) finds below a TZPATH
    directory, except in its `right/` and `posix/` directories, named by its path
    relative to that directory; `posixrules` is never in it. This follows the same
    path, listing each directory on the way as the walk does (so an entry's name is
    matched exactly, whatever the file system's case rules)."""
    if name == "posixrules":
        return False
    if name in _tzdata_zones():
        return True
    parts = name.split("/")
    return any(_walk_finds(root, parts) for root in _tzpath.TZPATH if os.path.exists(root))


@cache
def _tzdata_zones() -> frozenset[str]:
    """The zones the `tzdata` package lists (`available_timezones` reads the same file)."""
    from importlib import resources

    try:
        with resources.files("tzdata").joinpath("zones").open("r") as lines:
            return frozenset(zone.strip() for zone in lines if zone.strip())
    except (ImportError, FileNotFoundError):
        return frozenset()


def _walk_finds(root: str, parts: list[str]) -> bool:
    """Whether `os.walk(root)`, pruned as `available_timezones` prunes it, yields the file
    `"/".join(parts)` below `root`, and the file starts with `TZif`."""
    directory = root
    for depth, part in enumerate(parts):
        try:
            with os.scandir(directory) as listing:  # the walk skips a directory it cannot list
                entry = next((item for item in listing if item.name == part), None)
        except OSError:
            return False
        if entry is None:
            return False
        path = os.path.join(directory, part)
        if depth == len(parts) - 1:  # a directory (or a link to one) is no TZif file
            return _starts_tzif(path)
        try:
            is_dir = entry.is_dir()
        except OSError:  # as the walk counts it
            is_dir = False
        if not is_dir or os.path.islink(path) or (depth == 0 and part in ("right", "posix")):
            return False
        directory = path
    return False  # no parts: the empty name


def _starts_tzif(path: str) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(4) == b"TZif"
    except Exception:  # as `available_timezones` counts it
        return False


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
