"""What goes wrong talking to Jenkins, each with its own exit status.

| exit | error | typical cause |
|---|---|---|
| 2 | usage / spec / parameter error | bad option, unknown parameter, invalid spec |
| 10 | `NotJenkinsError` | the URL answers, but not as a Jenkins API root (404) |
| 11 | `UnreachableError` | DNS failure, connection refused, timeout |
| 12 | `TLSError` | certificate not trusted, wrong host name |
| 13 | `AuthenticationError` | wrong user or API token (401), anonymous refused |
| 14 | `PermissionDeniedError` | authenticated, but the user lacks a permission (403) |
| 15 | `CrumbError` | 403 "No valid crumb": CSRF crumb missing or stale |
| 16 | `UnknownJobError` | the job (or build, queue item) does not exist (404) |
| 17 | `ServerError` | 5xx or connection resets that outlasted the retries |
| 18 | `JenkinsRequestError` | any other refusal (400, 409, 500 to a POST) |
| 20-24 | build results | see `BUILD_RESULT_EXIT` |
"""

from __future__ import annotations

from jobsmith.errors import EXIT_USAGE, JobsmithError


class JenkinsError(JobsmithError):
    """Base of every failure talking to Jenkins."""

    exit_code = 18


class NotJenkinsError(JenkinsError):
    exit_code = 10


class UnreachableError(JenkinsError):
    exit_code = 11


class TLSError(JenkinsError):
    exit_code = 12


class AuthenticationError(JenkinsError):
    exit_code = 13


class PermissionDeniedError(JenkinsError):
    exit_code = 14


class CrumbError(JenkinsError):
    exit_code = 15


class UnknownJobError(JenkinsError):
    exit_code = 16


class ServerError(JenkinsError):
    exit_code = 17


class JenkinsRequestError(JenkinsError):
    """Jenkins refused a request for a reason that is not one of the above."""

    exit_code = 18

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class UsageError(JobsmithError):
    """Bad settings or arguments (missing URL, unknown parameter, wrong type)."""

    exit_code = EXIT_USAGE


# Build result -> exit status, for `deploy` and `trigger --wait`.
BUILD_RESULT_EXIT: dict[str, int] = {
    "SUCCESS": 0,
    "UNSTABLE": 20,
    "FAILURE": 21,
    "ABORTED": 22,
    "NOT_BUILT": 23,
    "CANCELLED": 24,  # the queue item was cancelled before it started
}


class BuildFailedError(JobsmithError):
    """A followed build ended with a result other than SUCCESS."""

    def __init__(self, message: str, result: str) -> None:
        super().__init__(message)
        self.result = result
        self.exit_code = BUILD_RESULT_EXIT.get(result, 21)
