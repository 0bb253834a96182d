"""A whole Jenkins schedule (several lines, `TZ=`, comments) and its `H`-resolved form.

A `Schedule` means what its `jenkins_text()` means to Jenkins. With a zone from the
`timezone` argument (the spec's `timezone` key) that text writes aliases in their `H`
form, so the zone holds for every line. A `TZ=` line written in the text itself keeps
Jenkins' own reading: it does not apply to `@alias` lines, which use the controller's zone.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from jobsmith.cron.errors import CronError
from jobsmith.cron.hash import JenkinsHash
from jobsmith.cron.parser import CronLine, java_trim, parse_line
from jobsmith.cron.zones import get_zone

# Days each month can have; February counts its leap day.
MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ALL = (range(60), range(24), range(1, 32), range(1, 13), range(7))


@dataclass(frozen=True)
class ResolvedLine:
    """One line with every `H` drawn: the sorted values of each field, and its zone."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]
    months: tuple[int, ...]
    weekdays: tuple[int, ...]  # 0 = Sunday
    zone: str | None  # None: the controller's zone
    fixed_minute: bool  # the minute field has no `H` (candidates for a thundering herd)
    minutes_of_day: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Sorted already: hours and minutes are sorted and a minute is below 60.
        spread = tuple([h * 60 + m for h in self.hours for m in self.minutes])
        object.__setattr__(self, "minutes_of_day", spread)

    def fields(self) -> tuple[tuple[int, ...], ...]:
        return (self.minutes, self.hours, self.days, self.months, self.weekdays)

    @functools.cached_property
    def text(self) -> str:
        """`6,21,36,51 * * * *`: each field's values, or `*` when it holds all of them."""
        return " ".join(
            "*" if values == tuple(every) else ",".join(map(str, values))
            for values, every in zip(self.fields(), _ALL, strict=True)
        )

    def format(self) -> str:
        return self.text

    def can_fire(self) -> bool:
        """False when no calendar date matches (`0 0 30 2 *`); all five fields must match."""
        return any(day <= MONTH_DAYS[month - 1] for month in self.months for day in self.days)


@dataclass(frozen=True)
class ResolvedSchedule:
    """Every line of a schedule for one job, as Jenkins evaluates it each minute."""

    lines: tuple[ResolvedLine, ...]

    def format(self) -> str:
        """DESIGN's resolve output: `6,21,36,51 * * * * | 28 11 * * *`."""
        return " | ".join(line.text for line in self.lines)

    def can_fire(self) -> bool:
        return any(line.can_fire() for line in self.lines)


# Many jobs share a resolved line (`H/15` has 15 forms): build each one once.
_resolved_line = functools.lru_cache(maxsize=16384)(ResolvedLine)


@dataclass(frozen=True)
class Schedule:
    """A parsed, validated Jenkins schedule (all its lines)."""

    text: str
    timezone: str | None
    lines: tuple[CronLine, ...] = field(repr=False)
    zone_for_aliases: bool = False  # True when the zone came from the `timezone` argument

    def resolve(self, full_name: str | None) -> ResolvedSchedule:
        """Draw every `H` as Jenkins does for the job `full_name` (None: all draws 0)."""
        hash_ = JenkinsHash.zero() if full_name is None else JenkinsHash.for_job(full_name)
        resolved = []
        for line in self.lines:
            minutes, hours, days, months, weekdays = line.resolve_fields(hash_)
            in_zone = line.alias is None or self.zone_for_aliases
            resolved.append(
                _resolved_line(
                    minutes,
                    hours,
                    days,
                    months,
                    weekdays,
                    self.timezone if in_zone else None,
                    line.plain[0] is not None,
                )
            )
        return ResolvedSchedule(tuple(resolved))

    def jenkins_text(self) -> str:
        """The text for the Jenkins job's cron trigger, meaning exactly this Schedule."""
        out = [f"TZ={self.timezone}"] if self.timezone else []
        by_number = {line.line: line for line in self.lines}
        for number, raw in enumerate(_split_lines(self.text), start=1):
            text = java_trim(raw)
            if not text or (number == 1 and text.startswith("TZ=")):
                continue
            line = by_number.get(number)
            if line is not None and line.alias is not None and self.zone_for_aliases:
                out.append(line.expanded_text())
            else:
                out.append(text)
        return "\n".join(out)


def _split_lines(text: str) -> list[str]:
    return re.split(r"\r?\n", text)


def parse_schedule(text: str, timezone: str | None = None) -> Schedule:
    """Parse and validate a Jenkins schedule; `timezone` is the spec's `timezone` key.

    Raises CronError for anything Jenkins rejects, for an unknown zone, for a zone given
    both as `timezone` and as a `TZ=` line, and for a text with no schedule line at all.
    """
    zone_line: str | None = None
    lines: list[CronLine] = []
    for number, raw in enumerate(_split_lines(text), start=1):
        text_line = java_trim(raw)
        col = raw.find(text_line) + 1 if text_line else 1
        if number == 1 and text_line.startswith("TZ="):
            zone_line = text_line[3:]
            get_zone(zone_line, number, col + 3)
            continue
        if not text_line or text_line.startswith("#"):
            continue
        if text_line.startswith(("TZ=", "CRON_TZ=")):
            raise CronError(
                "a time zone goes on the first line, as TZ=Zone/Name (Jenkins reads no "
                "other zone line)",
                number,
                col,
            )
        lines.append(parse_line(text_line, number, col))
    if timezone is not None:
        if zone_line is not None:
            raise CronError(
                f"the zone is given twice: the timezone '{timezone}' and a TZ={zone_line} "
                "line; keep one",
                1,
                1,
            )
        get_zone(timezone, 1, 1)
    if not lines:
        raise CronError("the schedule has no cron line (leave it out for on-demand jobs)")
    return Schedule(
        text=text,
        timezone=timezone if timezone is not None else zone_line,
        lines=tuple(lines),
        zone_for_aliases=timezone is not None,
    )
