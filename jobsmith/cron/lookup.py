"""What `jobsmith cron resolve` and `jobsmith cron next` print, one spec or a TSV batch.

Specs come as one line of text where a literal `\\n` separates schedule lines (as in
`reference.tsv`); real line breaks work as well. In a batch an invalid row gives
`ERROR <message>` as its result and the batch goes on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime

from jobsmith.cron.errors import CronError
from jobsmith.cron.iso import iso_interval_to_lines
from jobsmith.cron.runs import next_runs
from jobsmith.cron.schedule import Schedule, parse_schedule
from jobsmith.cron.zones import get_zone

DEFAULT_COUNT = 5
# An ISO 8601 repeating interval (`R/PT15M`, `R/2026-01-01T02:05:00Z/P1D`), as a spec
# `schedule` may hold one.
ISO_INTERVAL = re.compile(r"^\s*(R\d*/|P)")


def schedule_of(spec: str) -> Schedule:
    """A cron spec, or an ISO 8601 interval read as the cron lines it maps onto."""
    text = spec_text(spec)
    if "\n" not in text.strip() and ISO_INTERVAL.match(text):
        lines, zone = iso_interval_to_lines(text.strip(), None)
        return parse_schedule("\n".join(lines), zone)
    return parse_schedule(text)


def spec_text(spec: str) -> str:
    return spec.replace("\\n", "\n")


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with a zone (`2026-03-28T22:00:00Z`)."""
    try:
        instant = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise CronError(
            f"'{text}' is not an ISO 8601 instant such as 2026-03-28T22:00:00Z", 0, 0
        ) from error
    if instant.utcoffset() is None:
        raise CronError(f"'{text}' has no zone; add Z or an offset such as +01:00", 0, 0)
    return instant


def format_instant(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


def resolve_spec(full_name: str, spec: str) -> str:
    """`6,21,36,51 * * * * | 28 11 * * *` for one job's spec; CronError if invalid."""
    return schedule_of(spec).resolve(full_name).format()


def next_spec(
    full_name: str,
    spec: str,
    after: datetime,
    count: int = DEFAULT_COUNT,
    controller_zone: str = "UTC",
) -> str:
    """Next fire times as space-separated UTC instants, or `NONE`; CronError if invalid."""
    get_zone(controller_zone)
    resolved = schedule_of(spec).resolve(full_name)
    runs = next_runs(resolved, after, count, controller_zone)
    return " ".join(map(format_instant, runs)) if runs else "NONE"


def _rows(lines: Iterable[str]) -> Iterator[list[str]]:
    for line in lines:
        line = line.rstrip("\r\n")
        if line:
            yield line.split("\t")


def resolve_batch(lines: Iterable[str]) -> Iterator[str]:
    """`FULL_NAME<TAB>SPEC` rows to `FULL_NAME<TAB>SPEC<TAB>RESULT` rows."""
    for row in _rows(lines):
        try:
            if len(row) != 2:
                raise CronError(f"expected FULL_NAME<TAB>SPEC, found {len(row)} columns", 0, 0)
            result = resolve_spec(row[0], row[1])
        except CronError as error:
            result = f"ERROR {error}"
        yield "\t".join([*row[:2], result])


def next_batch(lines: Iterable[str], count: int = DEFAULT_COUNT) -> Iterator[str]:
    """`FULL_NAME<TAB>SPEC<TAB>CONTROLLER_ZONE<TAB>FROM` rows, each with `<TAB>NEXT` added."""
    for row in _rows(lines):
        try:
            if len(row) != 4:
                raise CronError(
                    f"expected FULL_NAME<TAB>SPEC<TAB>CONTROLLER_ZONE<TAB>FROM, found "
                    f"{len(row)} columns",
                    0,
                    0,
                )
            full_name, spec, zone, start = row
            result = next_spec(full_name, spec, parse_instant(start), count, zone or "UTC")
        except CronError as error:
            result = f"ERROR {error}"
        yield "\t".join([*row[:4], result])
