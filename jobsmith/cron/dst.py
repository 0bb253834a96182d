"""Runs that a daylight-saving change skips or doubles, as Jenkins really fires them.

Jenkins checks every real minute once (`hudson.triggers.Trigger.Cron.doRun` adds one
minute to a Calendar, an instant, after each `checkTriggers`) and a line fires when the
local time of that instant, in the line's zone, matches all five fields
(`hudson.scheduler.CronTab.check` reads MINUTE, HOUR_OF_DAY, ... of a Calendar set to the
instant in the `TZ=` zone). So when the clocks jump forward, a local time in the jump is
never seen: its run is skipped; when they go back, a local time in the repeated stretch
is seen twice: its run fires twice, one change apart (an hour; 30 minutes on Lord Howe).

Not every such minute loses or adds a run in real time: `0 * * * *` fires every real hour
across both changes. A change matters to a schedule exactly when it fires differently
around the change under the old and under the new offset: over the real minutes
`[change - g, change + g)` (g the size of the change), Jenkins fires as the old offset
says before the change and as the new one says after it, so when both offsets give the
same instants there, nothing is skipped or doubled.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime

from jobsmith.cron.runs import MINUTES_PER_DAY, _plus_years, to_minute
from jobsmith.cron.schedule import ResolvedLine, ResolvedSchedule
from jobsmith.cron.zones import offset_changes

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class DstEffect:
    """One change of a zone's offset that skips or doubles runs of a schedule."""

    zone: str
    kind: str  # "skipped" (clocks jump forward) or "doubled" (clocks go back)
    change: int  # UTC epoch minute of the change
    local_from: int  # local epoch minute where the jumped or repeated stretch starts
    size: int  # minutes jumped or repeated
    runs: tuple[int, ...]  # local epoch minutes of the runs skipped or doubled

    @property
    def day(self) -> date:
        return date.fromordinal(self.local_from // MINUTES_PER_DAY + _EPOCH_ORDINAL)


def _matching(lines: tuple[ResolvedLine, ...], low: int, high: int) -> list[int]:
    """Local epoch minutes in `[low, high)` that some line matches (all five fields)."""
    found: set[int] = set()
    for day in range(low // MINUTES_PER_DAY, (high - 1) // MINUTES_PER_DAY + 1):
        current = date.fromordinal(day + _EPOCH_ORDINAL)
        base = day * MINUTES_PER_DAY
        for line in lines:
            if (current.month not in line.months or current.day not in line.days
                    or (day + 4) % 7 not in line.weekdays):  # 1970-01-01 was a Thursday
                continue
            spread = line.minutes_of_day
            for index in range(bisect.bisect_left(spread, low - base),
                               bisect.bisect_left(spread, high - base)):
                found.add(base + spread[index])
    return sorted(found)


def dst_effects_after(resolved: ResolvedSchedule, after: datetime,
                      years: int = 2) -> list[DstEffect]:
    """`dst_effects` over the `years` years from `after`."""
    utc = after.astimezone(UTC)
    return dst_effects(resolved, int(to_minute(utc)), int(to_minute(_plus_years(utc, years))))


def dst_effects(resolved: ResolvedSchedule, start: int, end: int) -> list[DstEffect]:
    """Every change in UTC minutes `[start, end)` that skips or doubles a run of the
    lines that have a zone (lines in the controller's zone are not known here)."""
    by_zone: dict[str, list[ResolvedLine]] = {}
    for line in resolved.lines:
        if line.zone is not None and line.can_fire():
            by_zone.setdefault(line.zone, []).append(line)
    effects = []
    for zone, zone_lines in sorted(by_zone.items()):
        lines = tuple(zone_lines)
        for change, old, new in offset_changes(zone, start, end):
            effect = _effect(zone, lines, change, old, new)
            if effect is not None:
                effects.append(effect)
    return effects


def _effect(zone: str, lines: tuple[ResolvedLine, ...], change: int, old: int,
            new: int) -> DstEffect | None:
    size = abs(new - old)
    # Forward: local [change+old, change+new) never happens. Back: local
    # [change+new, change+old) happens twice, first under `old`, then under `new`.
    local_from = change + min(old, new)
    runs = _matching(lines, local_from, local_from + size)
    if not runs:
        return None
    low, high = change - size, change + size
    under_old = [m - old for m in _matching(lines, low + old, high + old)]
    under_new = [m - new for m in _matching(lines, low + new, high + new)]
    if under_old == under_new:  # the same real rhythm either way: nothing lost or added
        return None
    kind = "skipped" if new > old else "doubled"
    return DstEffect(zone, kind, change, local_from, size, tuple(runs))
