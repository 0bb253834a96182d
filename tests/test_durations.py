from __future__ import annotations

import pytest

from jobsmith.durations import DurationError, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("1h30m", 5400), ("2d", 172800), ("1d2h3m4s", 93784),
     ("0.5s", 0.5), ("45", 45), (45, 45), (1.5, 1.5), (" 10m ", 600), ("1d4.25s", 86404.25),
     ("3h0s", 10800), ("0d", 0), ("0012m", 720)],
)
def test_parse(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "10 minutes", "1m1h", "-5s", "5x", True, None,
                                  [], -1, float("inf"), float("nan"), "1.5m", ".5s", "1.s",
                                  "1h1h", "m", "1h 30m", "1hm", "1s1", "1.5.5s", "+5s"])
def test_parse_rejects(text: object) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (90, "1m30s"), (5400, "1h30m"), (86400, "1d"), (0.5, "0.5s")]
)
def test_format(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(text) == seconds
