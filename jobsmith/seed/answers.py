"""Jenkins' answers mapped to jobsmith's errors; transport failures classified.

A 404 becomes `NotFound` for the caller to name what was missing (job, build,
queue item, API root); resets, read timeouts and 5xx become `Transient` for the
retry loop; everything else becomes the distinct error of `jobsmith.seed.errors`.
"""

from __future__ import annotations

import http.client
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from jobsmith.seed.errors import (
    AuthenticationError,
    CrumbError,
    JenkinsError,
    JenkinsRequestError,
    NotJenkinsError,
    PermissionDeniedError,
    ServerError,
    TLSError,
    UnreachableError,
)


class NotFound(JenkinsError):
    """A 404; callers say what was missing."""

    def __init__(self, url: str) -> None:
        super().__init__(f"not found: {url}")
        self.url = url


class Transient(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def transport(call: Callable[[], requests.Response], url: str) -> requests.Response:
    host = urlsplit(url).netloc
    try:
        return call()
    except requests.exceptions.SSLError as error:
        raise TLSError(
            f"TLS failure talking to {host}: {_reason(error)} "
            "(use --ca-bundle for a private CA)"
        ) from None
    except requests.exceptions.ConnectTimeout:
        raise UnreachableError(f"cannot reach Jenkins at {host}: connection timed out") from None
    except (requests.exceptions.ReadTimeout, requests.exceptions.ChunkedEncodingError) as error:
        raise Transient(f"{url_path(url)}: {_reason(error)}") from None
    except requests.exceptions.ConnectionError as error:
        if _is_reset(error):
            raise Transient(f"{url_path(url)}: connection reset ({_reason(error)})") from None
        raise UnreachableError(f"cannot reach Jenkins at {host}: {_reason(error)}") from None


def check(response: requests.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    body = response.text[:2000]
    if status == 401:
        raise AuthenticationError(
            "Jenkins rejected the user or API token (401); check JOBSMITH_JENKINS_USER "
            "and the token (create one under <user> > Configure > API Token)"
        )
    if status == 403:
        if "No valid crumb" in body:
            raise CrumbError(
                "Jenkins refused the request: 403 No valid crumb was included in the request "
                "(authenticate with an API token, not a password, or check that a proxy "
                "keeps the crumb header and the session cookie)"
            )
        who = response.headers.get("X-You-Are-Authenticated-As", "")
        if who in ("", "anonymous"):
            raise AuthenticationError(
                "Jenkins requires authentication (403 for anonymous): set "
                "JOBSMITH_JENKINS_USER and JOBSMITH_JENKINS_TOKEN"
            )
        needed = response.headers.get("X-Required-Permission", "a permission")
        raise PermissionDeniedError(f"user {who} lacks {needed} for {url_path(response.url)} (403)")
    if status == 404:
        raise NotFound(response.url)
    if status >= 500:
        where = url_path(response.url)
        raise ServerError(f"Jenkins failed on {where}: HTTP {status} {_first(body)}")
    raise JenkinsRequestError(
        f"Jenkins refused {url_path(response.url)}: HTTP {status} {_first(body)}", status
    )


def parse_json(response: requests.Response, url: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise NotJenkinsError(f"{url_path(url)} did not answer JSON; is --url a Jenkins?") from None


def _is_reset(error: BaseException) -> bool:
    cause: object = error.args[0] if error.args else None
    if isinstance(cause, urllib3.exceptions.MaxRetryError):
        cause = cause.reason
    if isinstance(cause, urllib3.exceptions.NewConnectionError):  # refused, DNS
        return False
    if isinstance(cause, urllib3.exceptions.ProtocolError):
        return True
    return isinstance(cause, ConnectionResetError | http.client.RemoteDisconnected)


def _reason(error: BaseException) -> str:
    cause: object = error.args[0] if error.args else error
    if isinstance(cause, urllib3.exceptions.MaxRetryError) and cause.reason is not None:
        cause = cause.reason
    text = str(cause)
    if isinstance(cause, urllib3.exceptions.NewConnectionError):
        text = text.split(": ", 1)[-1]
    return text


def url_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _first(body: str) -> str:
    """The first meaningful line of an error page."""
    text = re.sub(r"<[^>]+>", " ", body)
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""
