"""The one exception base of jobsmith, and located problems in user input.

The CLI catches only `JobsmithError` and maps it to its `exit_code`; anything else
keeps its traceback, because it is a bug.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import NamedTuple

EXIT_USAGE = 2


class JobsmithError(Exception):
    """Base of every error jobsmith reports to a user."""

    exit_code = 1


class Location(NamedTuple):
    """A place in a file: 1-based line and column (a tuple: specs record thousands)."""

    path: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with user input, at a location."""

    location: Location
    message: str
    # False: never show a line of the file (a link to a file outside the spec root).
    quote: bool = field(default=True, compare=False)

    def render(self, source_line: str | None = None, label: str = "") -> str:
        """`path:line:col: [label: ]message`, then the offending line and a caret under
        it."""
        text = f"{self.location}: {label + ': ' if label else ''}{self.message}"
        if not self.quote:
            return text
        if source_line is None:
            source_line = _line_of(_source_lines(self.location.path), self.location.line)
        if source_line is not None:
            shown = source_line.rstrip("\r\n").expandtabs(1)
            if shown.strip() and len(shown) <= 300:
                caret = " " * max(self.location.col - 1, 0) + "^"
                text += f"\n  {shown}\n  {caret}"
        return text


def _source_lines(path: str) -> list[str] | None:
    """The lines of a spec file, or None when it cannot be shown (too large, binary, not
    a regular file: a FIFO would block the report forever)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            if handle.seek(0, 2) > 1024 * 1024:
                return None
            handle.seek(0)
            data = handle.read()
        if b"\0" in data:
            return None
        return data.decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None


def _line_of(lines: list[str] | None, number: int) -> str | None:
    if lines is not None and 1 <= number <= len(lines):
        return lines[number - 1]
    return None


class SpecError(JobsmithError):
    """One or more problems in a spec tree; all of them are reported at once."""

    exit_code = EXIT_USAGE

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(self.render())

    def render(self) -> str:
        count = len(self.problems)
        body = render_problems(self.problems)
        if count == 1:
            return f"{body}\n1 problem found"
        files = len({problem.location.path for problem in self.problems})
        return f"{body}\n{count} problems in {files} {'file' if files == 1 else 'files'}"


def render_problems(problems: list[Problem], label: str = "") -> str:
    """Each problem as `Problem.render` shows it, one after the other."""
    sources: dict[str, list[str] | None] = {}  # each file is read once, not per problem
    parts = []
    for problem in problems:
        path = problem.location.path
        if path not in sources and problem.quote:
            sources[path] = _source_lines(path)
        parts.append(problem.render(_line_of(sources.get(path), problem.location.line) or "",
                                    label))
    return "\n".join(parts)
