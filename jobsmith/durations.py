"""Duration strings (`90s`, `30m`, `1h30m`, `2d`) to seconds and back.

Kept free of heavy imports: the wrapper parses its options with it.
"""

from __future__ import annotations

import re

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?")
ALLOWED = "a whole number of seconds or a duration such as 90s, 30m, 1h30m, 2d"


class DurationError(ValueError):
    """Text that is not a duration."""


def parse_duration(value: object) -> float:
    """Seconds in `value`: an int or float (seconds) or a string like `1h30m`."""
    if isinstance(value, bool):
        raise DurationError(f"expected a duration ({ALLOWED}), got {value!r}")
    if isinstance(value, int | float):
        if value < 0 or value != value or value in (float("inf"),):
            raise DurationError(f"a duration cannot be {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise DurationError(f"expected a duration ({ALLOWED}), got {type(value).__name__}")
    text = value.strip()
    if text.isdigit():
        return float(text)
    match = _DURATION.fullmatch(text)
    if not text or match is None or not any(match.groups()):
        raise DurationError(f"{value!r} is not a duration; use {ALLOWED}")
    days, hours, minutes, seconds = match.groups()
    return (
        int(days or 0) * 86400
        + int(hours or 0) * 3600
        + int(minutes or 0) * 60
        + float(seconds or 0)
    )


def format_duration(seconds: float) -> str:
    """The shortest duration string for `seconds` (`5400` -> `1h30m`)."""
    if seconds != int(seconds):
        return f"{seconds:g}s"
    rest = int(seconds)
    if rest == 0:
        return "0s"
    parts = []
    for unit, size in _UNITS.items():
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
