"""ISO 8601 repeating intervals (`R/2026-01-01T02:05:00Z/PT15M`) to Jenkins cron lines.

Cron repeats by the local calendar, so an interval maps exactly only when its runs
repeat identically every day or every week: N minutes with N dividing 1,440, one day,
one week. The start instant fixes the phase; without a start, `H` spreads the phase as
Jenkins does for `@daily`. Anything else is an error naming the nearest periods that work.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime

from jobsmith.cron.errors import CronError
from jobsmith.cron.zones import get_zone

DAY = 1440
WEEK = 7 * DAY
_PERIOD = re.compile(
    r"P(?:(?P<Y>\d+)Y)?(?:(?P<MO>\d+)M)?(?:(?P<W>\d+)W)?(?:(?P<D>\d+)D)?"
    r"(?:T(?:(?P<H>\d+)H)?(?:(?P<MI>\d+)M)?(?:(?P<S>\d+(?:[.,]\d+)?)S)?)?"
)
# Periods that work: divisors of a day, a day, a week.
WORKING_MINUTES = (*(n for n in range(1, DAY + 1) if DAY % n == 0), WEEK)


def _describe(minutes: int) -> str:
    if minutes == WEEK:
        return "P1W"
    if minutes == DAY:
        return "P1D"
    hours, rest = divmod(minutes, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{rest}M" if rest else "")


def _nearest(minutes: float) -> str:
    below = [n for n in WORKING_MINUTES if n < minutes]
    above = [n for n in WORKING_MINUTES if n > minutes]
    names = [_describe(n) for n in (below[-1:] + above[:1])]
    return " or ".join(names)


def _period_minutes(text: str, col: int) -> int:
    match = _PERIOD.fullmatch(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise CronError(f"'{text}' is not an ISO 8601 duration such as PT15M, P1D, P1W", 1, col)
    parts = {key: value for key, value in match.groupdict().items() if value is not None}
    if "Y" in parts or "MO" in parts:
        raise CronError(
            f"'{text}': months and years have no fixed length, so cron cannot repeat them "
            "exactly; use P1D or P1W",
            1,
            col,
        )
    seconds = float(parts.get("S", "0").replace(",", "."))
    if seconds % 60:
        raise CronError(
            f"'{text}': Jenkins fires on whole minutes, so a period needs whole minutes; "
            f"use {_nearest(seconds / 60)}",
            1,
            col,
        )
    minutes = (
        int(parts.get("W", 0)) * WEEK
        + int(parts.get("D", 0)) * DAY
        + int(parts.get("H", 0)) * 60
        + int(parts.get("MI", 0))
        + int(seconds) // 60
    )
    if minutes == 0:
        raise CronError(f"'{text}': the period must be longer than zero", 1, col)
    if minutes not in WORKING_MINUTES:
        why = (
            "cron repeats by the day or the week, so a period must divide a day "
            "(1,440 minutes) or be one day or one week"
        )
        raise CronError(
            f"'{text}' cannot be written as Jenkins cron: {why}; use {_nearest(minutes)}", 1, col
        )
    return minutes


def _fixed_offset_zone(start: datetime, col: int) -> str:
    offset = start.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    if rest or not (-14 * 60 <= minutes <= 12 * 60):
        raise CronError(
            f"the offset {start.strftime('%z')} has no fixed zone id; set `timezone` "
            "(an IANA zone such as Asia/Kolkata)",
            1,
            col,
        )
    # POSIX-style ids invert the sign: UTC+2 is Etc/GMT-2.
    return f"Etc/GMT{'-' if minutes > 0 else '+'}{hours}"


def _compact(values: list[int], every: int) -> str:
    """`*` for every value, `0-21/3` for a long arithmetic run, else a comma list."""
    if len(values) == every:
        return "*"
    if len(values) > 4:
        step = values[1] - values[0]
        if all(b - a == step for a, b in itertools.pairwise(values)):
            return f"{values[0]}-{values[-1]}" + (f"/{step}" if step > 1 else "")
    return ",".join(map(str, values))


def _lines_for_phase(minutes: int, phase: int, weekday: int) -> list[str]:
    if minutes == WEEK:
        return [f"{phase % 60} {phase // 60} * * {weekday}"]
    if minutes == DAY:
        return [f"{phase % 60} {phase // 60} * * *"]
    times = range(phase % minutes, DAY, minutes)
    hours_by_minute: dict[int, list[int]] = {}
    for time in times:
        hours_by_minute.setdefault(time % 60, []).append(time // 60)
    minutes_by_hours: dict[tuple[int, ...], list[int]] = {}
    for minute, hours in sorted(hours_by_minute.items()):
        minutes_by_hours.setdefault(tuple(hours), []).append(minute)
    lines = [
        f"{_compact(mins, 60)} {_compact(list(hours), 24)} * * *"
        for hours, mins in minutes_by_hours.items()
    ]
    return sorted(lines, key=lambda line: [int(x) for x in re.findall(r"\d+", line)[:2]])


def _hashed_lines(minutes: int) -> list[str] | None:
    """The `H` form for a period with no start, when one exists."""
    if minutes == WEEK:
        return ["H H * * H"]
    if minutes == DAY:
        return ["H H * * *"]
    if minutes < 60 and 60 % minutes == 0:
        return ["H * * * *" if minutes == 1 else f"H/{minutes} * * * *"]
    if minutes % 60 == 0:
        hours = minutes // 60
        return ["H * * * *" if hours == 1 else f"H H/{hours} * * *"]
    return None


def iso_interval_to_lines(text: str, timezone: str | None) -> tuple[list[str], str | None]:
    """Cron lines and zone for an ISO 8601 repeating interval (see the module doc).

    The zone is `timezone` when given, else the start's: `UTC` for `Z`, `Etc/GMT-2` for
    `+02:00`; None (the controller's zone) for a start without an offset or no start.
    """
    if timezone is not None:
        zone = get_zone(timezone, 1, 1)
    parts = text.strip().split("/")
    if not parts[0].startswith("R"):
        raise CronError(f"'{text}' is not a repeating interval; write R/{text}", 1, 1)
    if parts[0] != "R":
        raise CronError(
            f"'{parts[0]}': cron cannot stop after a number of runs; write R/ without a count",
            1,
            1,
        )
    if len(parts) == 2:
        minutes = _period_minutes(parts[1], 3)
        hashed = _hashed_lines(minutes)
        if hashed is None:
            raise CronError(
                f"'{parts[1]}' with no start needs one to fix its phase: write "
                f"R/2026-01-01T00:00:00Z/{parts[1]}",
                1,
                3,
            )
        return hashed, timezone
    if len(parts) != 3:
        raise CronError(f"'{text}' is not R/START/PERIOD or R/PERIOD", 1, 1)
    start_text, period_text = parts[1], parts[2]
    minutes = _period_minutes(period_text, len(start_text) + 4)
    try:
        start = datetime.fromisoformat(start_text)
    except ValueError as error:
        raise CronError(
            f"'{start_text}' is not an ISO 8601 date and time such as 2026-01-01T02:05:00Z",
            1,
            3,
        ) from error
    if start.second or start.microsecond:
        raise CronError(f"'{start_text}': Jenkins fires on whole minutes; drop the seconds", 1, 3)
    if timezone is not None:
        result_zone: str | None = timezone
        if start.utcoffset() is not None:
            start = start.astimezone(zone)
    elif start.utcoffset() is not None:
        result_zone = _fixed_offset_zone(start, 3)
    else:
        result_zone = None
    phase = start.hour * 60 + start.minute
    weekday = (start.weekday() + 1) % 7  # cron counts from Sunday
    return _lines_for_phase(minutes, phase, weekday), result_zone
