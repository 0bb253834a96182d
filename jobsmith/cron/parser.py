"""Jenkins cron syntax: one line of text to five fields of terms, validated as Jenkins does.

Follows `CrontabLexer.g4`/`CrontabParser.g4` and `BaseParser` (Jenkins 2.4xx): numbers only
(no names, `L`, `W`, `?`, `#`), `*`, `a-b`, `/step`, `H`, `H(a-b)`, commas, and the `@`
aliases. Terms stay unresolved here; `CronLine.resolve_fields` draws `H` for one job.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from enum import Enum

from jobsmith.cron.errors import CronError
from jobsmith.cron.hash import JenkinsHash

FIELD_NAMES = ("minute", "hour", "day of month", "month", "day of week")
LOWER = (0, 0, 1, 1, 0)
UPPER = (59, 23, 31, 12, 7)
# A plain `H` keeps day of month within 1..28 (valid in every month) and day of week
# within 0..6 (0 and 7 are both Sunday), as BaseParser.doHash does.
HASH_UPPER = (59, 23, 28, 12, 6)
NO_STEP = 1

# What each alias means; expanded and parsed with the same hash (CrontabParser.g4).
ALIASES = {
    "yearly": "H H H H *",
    "annually": "H H H H *",
    "monthly": "H H H * *",
    "weekly": "H H * * H",
    "daily": "H H * * *",
    "midnight": "H H(0-2) * * *",
    "hourly": "H * * * *",
}

_NUMBER = re.compile(r"\d+")
_FIELD_SPLIT = re.compile(r"[ \t]+")
_NAMES = re.compile(r"[A-Za-z]{3,}")
_ZERO = JenkinsHash.zero()


class TermKind(Enum):
    VALUE = "value"  # 5
    RANGE = "range"  # 1-5, 1-5/2
    STAR = "star"  # *, */15
    HASH = "hash"  # H, H/15
    HASH_RANGE = "hash_range"  # H(0-29), H(0-29)/10


_HASHED = (TermKind.HASH, TermKind.HASH_RANGE)


@dataclass(frozen=True)
class Term:
    kind: TermKind
    start: int = 0
    end: int = 0
    step: int = NO_STEP
    col: int = 1  # 1-based column in the spec line

    @property
    def hashed(self) -> bool:
        return self.kind in (TermKind.HASH, TermKind.HASH_RANGE)


@dataclass(frozen=True)
class CronLine:
    """One schedule line: five fields of terms, or an alias (then `fields` is its expansion)."""

    fields: tuple[tuple[Term, ...], ...]
    alias: str | None
    line: int  # 1-based line number in the spec text
    text: str  # the line as written, trimmed
    # The values of each field without `H`, computed once; None where `H` draws.
    plain: tuple[tuple[int, ...] | None, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        plain = tuple(
            None if any(term.hashed for term in terms) else _evaluate(terms, index, _ZERO)
            for index, terms in enumerate(self.fields)
        )
        object.__setattr__(self, "plain", plain)

    def resolve_fields(self, hash_: JenkinsHash) -> list[tuple[int, ...]]:
        """Each field's sorted values; `H` terms draw from `hash_` left to right."""
        return [
            values if values is not None else _evaluate(terms, index, hash_)
            for index, (terms, values) in enumerate(zip(self.fields, self.plain, strict=True))
        ]

    def expanded_text(self) -> str:
        """The line in five-field form (`@daily` -> `H H * * *`)."""
        return ALIASES[self.alias] if self.alias is not None else self.text


def java_trim(text: str) -> str:
    """`String.trim()`: strips every character up to U+0020 at both ends."""
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


@functools.lru_cache(maxsize=4096)  # many jobs share lines; CronLine is immutable
def parse_line(text: str, line: int, col: int) -> CronLine:
    """Parse one trimmed, non-empty, non-comment line starting at column `col`."""
    if text.startswith("@"):
        name = text[1:]
        if name not in ALIASES:
            known = ", ".join("@" + alias for alias in ALIASES)
            raise CronError(f"'{text}' is not a Jenkins alias; use one of {known}", line, col)
        fields = _parse_fields(ALIASES[name], line, col, alias=True)
        return CronLine(fields, name, line, text)
    return CronLine(_parse_fields(text, line, col, alias=False), None, line, text)


def _parse_fields(text: str, line: int, col: int, *, alias: bool) -> tuple[tuple[Term, ...], ...]:
    pieces = [(m.group(), m.start()) for m in re.finditer(r"[^ \t]+", text)]
    if len(pieces) != 5:
        where = col + pieces[5][1] if len(pieces) > 5 else col
        raise CronError(
            f"expected 5 fields (minute hour day-of-month month day-of-week), found "
            f"{len(pieces)}; Jenkins has no seconds or year field",
            line,
            where,
        )
    fields = []
    for index, (piece, offset) in enumerate(pieces):
        # An alias's terms all point at the alias itself.
        fields.append(_parse_field(piece, index, line, col if alias else col + offset))
    return tuple(fields)


def _parse_field(text: str, field: int, line: int, col: int) -> tuple[Term, ...]:
    terms = []
    offset = 0
    for piece in text.split(","):
        if not piece:
            raise CronError(
                f"empty term in the {FIELD_NAMES[field]} field '{text}'", line, col + offset
            )
        terms.append(_parse_term(piece, field, line, col + offset))
        offset += len(piece) + 1
    return tuple(terms)


class _Reader:
    def __init__(self, text: str, line: int, col: int, field: int) -> None:
        self.text, self.pos, self.line, self.col, self.field = text, 0, line, col, field

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def eat(self, char: str) -> bool:
        if self.peek() == char:
            self.pos += 1
            return True
        return False

    def expect(self, char: str) -> None:
        if not self.eat(char):
            self.fail(f"expected '{char}'")

    def number(self) -> int:
        match = _NUMBER.match(self.text, self.pos)
        if match is None:
            self.fail("expected a number")
        assert match is not None
        self.pos = match.end()
        return int(match.group())

    def step(self) -> int:
        return self.number() if self.eat("/") else NO_STEP

    def fail(self, expectation: str) -> None:
        raise CronError(self.describe(expectation), self.line, self.col + self.pos)

    def describe(self, expectation: str) -> str:
        field = FIELD_NAMES[self.field]
        rest = self.text[self.pos :]
        if not rest:
            return f"{expectation} in the {field} field, found the end of '{self.text}'"
        char = rest[0]
        if char in "LW?#":
            return (
                f"'{char}' is not Jenkins cron syntax (no L, W, ? or #) in the {field} field "
                f"'{self.text}'"
            )
        if _NAMES.match(rest):
            return f"names are not Jenkins cron syntax; write the {field} as a number, not '{rest}'"
        return f"{expectation} in the {field} field, found '{char}' in '{self.text}'"


def _parse_term(text: str, field: int, line: int, col: int) -> Term:
    reader = _Reader(text, line, col, field)
    if reader.eat("H"):
        if reader.eat("("):
            start = reader.number()
            reader.expect("-")
            end = reader.number()
            reader.expect(")")
            term = Term(TermKind.HASH_RANGE, start, end, reader.step(), col)
        else:
            term = Term(TermKind.HASH, LOWER[field], HASH_UPPER[field], reader.step(), col)
    elif reader.eat("*"):
        term = Term(TermKind.STAR, LOWER[field], UPPER[field], reader.step(), col)
    else:
        start = reader.number()
        if reader.eat("-"):
            end = reader.number()
            term = Term(TermKind.RANGE, start, end, reader.step(), col)
        else:
            term = Term(TermKind.VALUE, start, start, NO_STEP, col)
    if reader.peek():
        if reader.peek() == "/" and term.kind is TermKind.VALUE:
            raise CronError(
                f"a step needs a range: write {start}-{UPPER[field]}{text[reader.pos :]} "
                f"(or */step) in the {FIELD_NAMES[field]} field",
                line,
                col + reader.pos,
            )
        reader.fail("unexpected text")
    _validate(term, field, line)
    return term


def _out_of_range(value: int, low: int, high: int, field: int) -> str:
    return (
        f"{value} is an invalid value for the {FIELD_NAMES[field]} field. "
        f"Must be within {low} and {high}"
    )


def _validate(term: Term, field: int, line: int) -> None:
    """BaseParser's checks (doRange, doHash, rangeCheck), in the same order."""

    def fail(message: str) -> None:
        raise CronError(message, line, term.col)

    def range_check(value: int) -> None:
        if not LOWER[field] <= value <= UPPER[field]:
            fail(_out_of_range(value, LOWER[field], UPPER[field], field))

    if term.kind is TermKind.VALUE:
        range_check(term.start)
    elif term.kind in (TermKind.RANGE, TermKind.STAR):
        range_check(term.start)
        range_check(term.end)
        if term.step <= 0:
            fail(f"step must be positive, but found {term.step}")
        if term.start > term.end:
            fail(f"You mean {term.end}-{term.start}?")
    else:
        range_check(term.start)
        range_check(term.end)
        if term.start > term.end:
            fail(f"You mean H({term.end}-{term.start})?")
        width = term.end - term.start + 1
        if term.step > width:
            fail(
                f"{term.step} is an invalid step for this H in the {FIELD_NAMES[field]} field. "
                f"Must be within 1 and {width}"
            )
        if term.step <= 0:
            fail(f"step must be positive, but found {term.step}")


def _evaluate(terms: tuple[Term, ...], field: int, hash_: JenkinsHash) -> tuple[int, ...]:
    """The sorted values of one field, drawing from `hash_` for each `H`, left to right."""
    if len(terms) == 1 and field != 4 and terms[0].kind in _HASHED:  # `H`, `H/15`: one draw
        term = terms[0]
        if term.step > 1:
            return tuple(range(term.start + hash_.next(term.step), term.end + 1, term.step))
        return (term.start + hash_.next(term.end - term.start + 1),)
    return _evaluate_terms(terms, field, hash_)


def _evaluate_terms(terms: tuple[Term, ...], field: int, hash_: JenkinsHash
                    ) -> tuple[int, ...]:
    """`_evaluate`, for any terms."""
    values: set[int] = set()
    for term in terms:
        if term.kind in (TermKind.VALUE, TermKind.RANGE, TermKind.STAR):
            values.update(range(term.start, term.end + 1, term.step))
        elif term.step > 1:
            offset = hash_.next(term.step)
            values.update(range(term.start + offset, term.end + 1, term.step))
        else:  # H and H/1: one value, not "every value"
            values.add(term.start + hash_.next(term.end - term.start + 1))
    if field == 4 and 7 in values:  # day of week 7 is Sunday
        values.discard(7)
        values.add(0)
    return tuple(sorted(values))
