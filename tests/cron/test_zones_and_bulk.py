"""Offset stretches, and the bulk path (`fire_list`) against the lazy one, against brute force."""

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from jobsmith.cron import parse_schedule, runs_between
from jobsmith.cron.runs import fire_list, fire_minutes
from jobsmith.cron.zones import get_zone, offset_stretches


def minute(text):
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) // 60


def test_berlin_2026_has_two_changes():
    stretches = list(
        offset_stretches(get_zone("Europe/Berlin"), minute("2026-01-01"), minute("2027-01-01"))
    )
    offsets = [(low, offset) for low, _, offset in stretches]
    assert offsets[0] == (minute("2026-01-01"), 60)
    changes = [
        (low, offset)
        for (_, before), (low, offset) in itertools.pairwise(offsets)
        if offset != before
    ]
    assert changes == [(minute("2026-03-29T01:00"), 120), (minute("2026-10-25T01:00"), 60)]
    assert stretches[-1][1] == minute("2027-01-01")
    assert all(a[1] == b[0] for a, b in itertools.pairwise(stretches))  # contiguous


def test_stretches_across_years_and_lord_howe_half_hours():
    zone = get_zone("Australia/Lord_Howe")
    stretches = list(offset_stretches(zone, minute("2025-12-01"), minute("2027-06-01")))
    assert {offset for _, _, offset in stretches} == {630, 660}
    assert stretches[0][0] == minute("2025-12-01") and stretches[-1][1] == minute("2027-06-01")


ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
# Windows of three days around the 2026 transitions of those zones.
STARTS = ["2026-03-07", "2026-03-28", "2026-04-03", "2026-10-02", "2026-10-24", "2026-10-31"]


def field(low, high):
    return st.one_of(
        st.just("*"),
        st.lists(st.integers(low, high), min_size=1, max_size=4, unique=True).map(
            lambda values: ",".join(map(str, values))
        ),
        st.integers(1, high - low + 1).map(lambda step: f"*/{step}"),
        st.just("H"),
    )


LINE = st.tuples(field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(0, 7)).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(LINE, min_size=1, max_size=3),
    tz_line=st.sampled_from([None, *ZONES]),
    controller=st.sampled_from(ZONES),
    start=st.sampled_from(STARTS),
)
def test_bulk_lazy_and_brute_force_agree(lines, tz_line, controller, start):
    text = "\n".join(([f"TZ={tz_line}"] if tz_line else []) + lines)
    resolved = parse_schedule(text).resolve("prop/job")
    begin = datetime.fromisoformat(start).replace(tzinfo=UTC)
    end = begin + timedelta(days=3)
    first, last = minute(start), minute(start) + 3 * 1440
    lazy = list(fire_minutes(resolved, first, last, controller))
    assert fire_list(resolved, first, last, controller) == lazy
    assert [
        int(t.timestamp()) // 60 for t in runs_between(resolved, begin, end, controller)
    ] == lazy
    expected = []
    for m in range(first, last):
        moment = datetime.fromtimestamp(m * 60, UTC)
        for line in resolved.lines:
            local = moment.astimezone(ZoneInfo(line.zone or controller))
            if (
                local.minute in line.minutes
                and local.hour in line.hours
                and local.day in line.days
                and local.month in line.months
                and (local.weekday() + 1) % 7 in line.weekdays
            ):
                expected.append(m)
                break
    assert lazy == expected
