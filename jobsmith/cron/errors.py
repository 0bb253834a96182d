"""The one error of the cron package: a schedule Jenkins would reject, with its place."""

from __future__ import annotations

from jobsmith.errors import EXIT_USAGE, JobsmithError


class CronError(JobsmithError):
    """An invalid schedule (or zone, or ISO 8601 interval).

    `line` and `col` are 1-based, within the text given to the parser, so a spec loader
    can add its own offset and point a caret at the offending term. They are 0 for input
    that is not spec text (the controller's zone, a FROM instant).
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        self.message = message
        self.line = line
        self.col = col
        super().__init__(f"line {line}:{col}: {message}" if line else message)
