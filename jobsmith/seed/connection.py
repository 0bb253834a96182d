"""Settings, the HTTP client and the mapping of Jenkins' answers to errors.

python-jenkins does the basic authentication and the CSRF crumb dance (it fetches
`crumbIssuer/api/json` once and sends the crumb in the header named by
`crumbRequestField`, within one requests session so the crumb's web session cookie
goes along). Its own error handling folds 401, 403 and 500 into one message, so the
client replaces `jenkins_request` and maps each answer to a distinct error, and
retries transient failures with a bounded, injectable backoff.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jenkins
import requests
import urllib3

from jobsmith.seed.answers import NotFound, Transient, check, parse_json, transport, url_path
from jobsmith.seed.errors import (
    CrumbError,
    JenkinsRequestError,
    NotJenkinsError,
    ServerError,
    UnknownJobError,
    UsageError,
)

ENV_URL = "JOBSMITH_JENKINS_URL"
ENV_USER = "JOBSMITH_JENKINS_USER"
ENV_TOKEN = "JOBSMITH_JENKINS_TOKEN"


@dataclass(frozen=True)
class JenkinsSettings:
    """Where Jenkins is and who we are. `verify`: True, False or a CA bundle path."""

    url: str
    user: str | None = None
    token: str | None = None
    verify: bool | str = True
    timeout: float = 30.0

    def __repr__(self) -> str:  # never show the token
        return f"JenkinsSettings(url={self.url!r}, user={self.user!r}, verify={self.verify!r})"


def load_settings(
    *,
    url: str | None,
    user: str | None,
    token_file: str | None,
    ca_bundle: str | None,
    insecure: bool,
    environ: Mapping[str, str],
) -> JenkinsSettings:
    """Settings from options, falling back to the environment; the token never
    comes from a plain option (it would show in `ps`)."""
    url = url or environ.get(ENV_URL)
    if not url:
        raise UsageError(f"no Jenkins URL: pass --url or set {ENV_URL}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"Jenkins URL {url!r} must start with http:// or https://")
    user = user or environ.get(ENV_USER) or None
    token: str | None
    if token_file:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise UsageError(f"cannot read --token-file {token_file}: {error.strerror}") from None
        if not token:
            raise UsageError(f"--token-file {token_file} is empty")
    else:
        token = environ.get(ENV_TOKEN) or None
    if token and not user:
        raise UsageError(f"an API token needs a user: pass --user or set {ENV_USER}")
    if user and not token:
        raise UsageError(f"no API token for {user}: set {ENV_TOKEN} or pass --token-file")
    if ca_bundle and insecure:
        raise UsageError("--ca-bundle and --insecure exclude each other")
    verify: bool | str = False if insecure else (ca_bundle or True)
    return JenkinsSettings(url=url, user=user, token=token, verify=verify)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries of transient failures: `attempts` tries in all."""

    attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 8.0

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1-based)."""
        return float(min(self.backoff * 2 ** (retry - 1), self.max_backoff))


# A 500 answer to a POST is usually Jenkins refusing the request (an illegal
# choice value, a broken config.xml): retrying would only repeat it.
_RETRY_GET = frozenset({500, 502, 503, 504})
_RETRY_POST = frozenset({502, 503, 504})


def job_path(full_name: str) -> str:
    """`a/b/c` -> `job/a/job/b/job/c/`, each segment URL-quoted."""
    segments = [s for s in full_name.strip("/").split("/") if s]
    if not segments:
        raise UsageError("empty job name")
    return "".join(f"job/{quote(s, safe='')}/" for s in segments)


class _PythonJenkins(jenkins.Jenkins):
    """python-jenkins with our transport: distinct errors, bounded retries."""

    def __init__(self, settings: JenkinsSettings, send: Callable[..., requests.Response]) -> None:
        super().__init__(settings.url, settings.user, settings.token, timeout=settings.timeout)
        self._session.verify = settings.verify
        if settings.verify is False:  # asked for with --insecure: no warning per request
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._send = send
        self.crumb: dict[str, str] | bool | None = None

    def jenkins_request(
        self,
        req: requests.Request,
        add_crumb: bool = True,
        resolve_auth: bool = True,
        stream: bool | None = None,
    ) -> requests.Response:
        if resolve_auth:
            self._maybe_add_auth()
        if add_crumb and req.method != "GET":
            self.maybe_add_crumb(req)
        return self._send(lambda: self._request(req, stream), req.method, req.url)

    def maybe_add_crumb(self, req: requests.Request) -> None:
        if self.crumb is None:
            try:
                response = self.jenkins_request(
                    requests.Request("GET", self._build_url(jenkins.CRUMB_URL)), add_crumb=False
                )
                self.crumb = response.json() if response.content else False
            except NotFound:
                self.crumb = False  # CSRF protection is off
        if isinstance(self.crumb, dict):
            req.headers[self.crumb["crumbRequestField"]] = self.crumb["crumb"]


class JenkinsClient:
    """The few calls jobsmith makes, each answer checked and mapped to an error."""

    def __init__(
        self,
        settings: JenkinsSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.server = settings.url.rstrip("/") + "/"
        self._sleep = sleep
        self._retry = retry or RetryPolicy()
        self._api = _PythonJenkins(settings, self._send)
        self._root: dict[str, Any] | None = None
        self.version: str | None = None

    # -- the API root: is this Jenkins, and may we talk to it? ----------------
    def root(self) -> dict[str, Any]:
        """The API root (once per client); proves the URL and the credentials."""
        if self._root is None:
            url = self.server + "api/json?tree=mode,nodeDescription,useCrumbs,useSecurity"
            try:
                response = self._api.jenkins_request(requests.Request("GET", url))
            except NotFound:
                raise NotJenkinsError(
                    f"no Jenkins API at {self.server} (404 on api/json): --url must be the "
                    "Jenkins root, such as https://ci.example.com/ or https://example.com/jenkins/"
                ) from None
            version = response.headers.get("X-Jenkins")
            if not version:
                raise NotJenkinsError(
                    f"{self.server} answers, but not as Jenkins (no X-Jenkins header); check --url"
                )
            self.version = version
            self._root = parse_json(response, url)
        return self._root

    # -- generic calls ---------------------------------------------------------
    def get(self, path: str, params: Mapping[str, str] | None = None) -> requests.Response:
        self.root()
        request = requests.Request("GET", self.server + path, params=dict(params or {}))
        return self._api.jenkins_request(request)

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        response = self.get(path, params)
        return parse_json(response, response.url)

    def post(
        self,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        self.root()

        def send() -> requests.Response:
            request = requests.Request(
                "POST", self.server + path, params=dict(params or {}), data=data,
                headers=dict(headers or {}),
            )
            return self._api.jenkins_request(request)

        try:
            return send()
        except CrumbError:
            if not isinstance(self._api.crumb, dict):
                raise
            self._api.crumb = None  # the crumb's web session expired: fetch a new one
            return send()

    # -- jobs --------------------------------------------------------------------
    def job_json(self, full_name: str, tree: str | None = None) -> dict[str, Any]:
        params = {"tree": tree} if tree else None
        try:
            data = self.get_json(job_path(full_name) + "api/json", params)
        except NotFound:
            raise UnknownJobError(f"no job {full_name!r} on {self.server}") from None
        assert isinstance(data, dict)
        return data

    def job_config(self, full_name: str) -> str | None:
        """The job's config.xml, or None when there is no such job."""
        try:
            return self.get(job_path(full_name) + "config.xml").content.decode("utf-8")
        except NotFound:
            return None

    def create_job(self, full_name: str, config_xml: str) -> None:
        parent, _, name = full_name.rpartition("/")
        folder = job_path(parent) if parent else ""
        try:
            self.post(
                folder + "createItem", params={"name": name},
                data=config_xml.encode("utf-8"), headers=jenkins.DEFAULT_HEADERS,
            )
        except NotFound:
            raise UnknownJobError(f"cannot create {full_name!r}: no folder {parent!r}") from None

    def update_job(self, full_name: str, config_xml: str) -> None:
        try:
            self.post(
                job_path(full_name) + "config.xml",
                data=config_xml.encode("utf-8"), headers=jenkins.DEFAULT_HEADERS,
            )
        except NotFound:
            raise UnknownJobError(f"no job {full_name!r} on {self.server}") from None

    def start_build(self, full_name: str, parameters: Mapping[str, str] | None) -> int:
        """Queue a build; `parameters` None means the job takes none. -> queue item id."""
        endpoint = "build" if parameters is None else "buildWithParameters"
        try:
            response = self.post(job_path(full_name) + endpoint, params=parameters or {})
        except NotFound:
            raise UnknownJobError(f"no job {full_name!r} on {self.server}") from None
        location = response.headers.get("Location", "")
        tail = location.rstrip("/").rsplit("/", 1)[-1]
        if "/queue/item/" not in location or not tail.isdigit():
            raise JenkinsRequestError(
                f"Jenkins accepted the build of {full_name!r} but sent no queue item "
                f"(Location: {location or 'missing'})", response.status_code,
            )
        return int(tail)

    def queue_item(self, item_id: int) -> dict[str, Any]:
        try:
            data = self.get_json(f"queue/item/{item_id}/api/json")
        except NotFound:
            raise UnknownJobError(
                f"queue item {item_id} is gone (Jenkins forgets items 5 minutes after they leave)"
            ) from None
        assert isinstance(data, dict)
        return data

    def build_json(self, full_name: str, number: int | str) -> dict[str, Any]:
        try:
            data = self.get_json(f"{job_path(full_name)}{number}/api/json")
        except NotFound:
            raise UnknownJobError(f"no build {full_name} #{number}") from None
        assert isinstance(data, dict)
        return data

    def optional_json(self, path: str, params: Mapping[str, str] | None = None) -> Any | None:
        """JSON at `path`, or None on 404."""
        try:
            return self.get_json(path, params)
        except NotFound:
            return None

    # -- transport ---------------------------------------------------------------
    def get_lenient(self, path: str, accept: set[int]) -> requests.Response:
        """GET that hands back answers with a status in `accept` unchecked (the
        Metrics plugin answers 500 for an unhealthy check)."""
        self.root()
        request = requests.Request("GET", self.server + path)
        return self._send(lambda: self._api._request(request), "GET", request.url,
                          accept=frozenset(accept))

    def _send(
        self, call: Callable[[], requests.Response], method: str, url: str,
        accept: frozenset[int] = frozenset(),
    ) -> requests.Response:
        retryable = (_RETRY_GET if method == "GET" else _RETRY_POST) - accept
        attempt = 1
        while True:
            try:
                response = transport(call, url)
                if response.status_code in accept:
                    return response
                if response.status_code not in retryable:
                    check(response)
                    return response
                raise Transient(f"{method} {url_path(url)}: HTTP {response.status_code}")
            except Transient as transient:
                if attempt >= self._retry.attempts:
                    raise ServerError(
                        f"Jenkins kept failing after {attempt} attempts: {transient.message}"
                    ) from None
                self._sleep(self._retry.delay(attempt))
                attempt += 1
