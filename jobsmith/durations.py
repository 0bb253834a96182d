"""Duration strings (`90s`, `30m`, `1h30m`, `2d`) to seconds and back.

Kept free of imports: the wrapper parses its options with it, and `re` alone (with
the `enum` it brings) would add a third to the start-up time of every job step that
has a timeout.
"""

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
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
    counts = _unit_counts(text)
    if counts is None:
        raise DurationError(f"{value!r} is not a duration; use {ALLOWED}")
    whole = sum(int(count) * _UNITS[unit] for unit, count in counts.items() if unit != "s")
    return whole + float(counts.get("s", 0))


def _unit_counts(text: str) -> dict[str, str] | None:
    """`1h30m` -> {"h": "1", "m": "30"}: numbers with units in the order d, h, m, s, each
    at most once, only seconds with a fraction (`0.5s`); None when `text` is not that."""
    counts: dict[str, str] = {}
    units = "dhms"  # what may come next
    position = 0
    while position < len(text):
        start = position
        position = _digits_end(text, position)
        if position == start:
            return None
        if text.startswith(".", position):
            fraction = position + 1
            position = _digits_end(text, fraction)
            if position == fraction or not text.startswith("s", position):
                return None
        unit = text[position : position + 1]
        if not unit or unit not in units:
            return None
        counts[unit] = text[start:position]
        units = units[units.index(unit) + 1 :]
        position += 1
    return counts or None


def _digits_end(text: str, position: int) -> int:
    """Where the run of decimal digits starting at `position` ends."""
    while position < len(text) and text[position].isdecimal():
        position += 1
    return position


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
