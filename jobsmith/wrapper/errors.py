"""Errors of the wrapper: every one means exit status 125 (the wrapper failed or was misused).

Imported only when something goes wrong: `jobsmith.errors` pulls in dataclasses (and so
inspect), which would add about 40 % to the wrapper's start-up time.
"""

from __future__ import annotations

from jobsmith.errors import JobsmithError
from jobsmith.wrapper.options import EXIT_WRAPPER_FAILED


class WrapperError(JobsmithError):
    """The wrapper could not do its job (bad option, unusable environment setting)."""

    exit_code = EXIT_WRAPPER_FAILED


class UsageError(WrapperError):
    """`jobsmith run` was called with options it does not accept."""
