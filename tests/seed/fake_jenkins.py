"""A fake Jenkins: a real HTTP server on 127.0.0.1 that answers the REST API the
way Jenkins does, as python-jenkins and jobsmith use it.

Behaviour copied from Jenkins (core 2.4xx) and its plugins:
- every answer carries `X-Jenkins`; a wrong user or API token gets 401 with
  `WWW-Authenticate: Basic realm="Jenkins"`; anonymous requests get 403 with
  `X-You-Are-Authenticated-As: anonymous` (anonymous has no Overall/Read);
- CSRF: `crumbIssuer/api/json` issues a crumb bound to a web session (cookie),
  POSTs without a valid crumb get 403 "No valid crumb was included in the
  request" - except requests authenticated with an API token (Jenkins 2.96+),
  unless `token_exempt=False` (older Jenkins); `csrf=False` removes the issuer (404);
- folders are `/job/a/job/b`; `createItem?name=` takes a config.xml (400 when the
  item exists, 404 when the folder does not); `config.xml` GET/POST;
- `build` (201, `Location: .../queue/item/N/`), 400 "Nothing is submitted" for a
  parameterised job, `buildWithParameters` (500 for a job without parameters,
  500 for an illegal choice, unknown names dropped), 409 for a disabled job;
- queue items (`why`, then `executable.number`, `cancelled`), builds with `result`
  null while running, `logText/progressiveText?start=N` with `X-Text-Size` and
  `X-More-Data`, `computer/api/json`, `queue/api/json`, Metrics plugin
  `metrics/<key>/healthcheck` (500 when a check is unhealthy);
- `tree=` filters the JSON as Jenkins does (default depth shows builds as number/url).
"""

from __future__ import annotations

import base64
import json
import secrets
import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from tests.seed.fake_api import apply_tree, build_json, computers_json, item_json, queue_json
from tests.seed.fake_state import JenkinsState, Refusal

VERSION = "2.479.1"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    user: str | None = None
    via_token: bool = False


@dataclass
class Injected:
    path_contains: str
    answer: int | str  # a status, or "reset"
    times: int


@dataclass
class FakeJenkins:
    """Configure, then `serve()`; `state` is the Jenkins model the test drives."""

    users: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {"admin": ("s3cret-password", "11aa22bb33cc44dd55ee66ff77889900")}
    )
    csrf: bool = True
    token_exempt: bool = True
    prefix: str = "/"
    drop_cookies: bool = False  # a proxy that strips the session cookie
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> checks
    # pluginManager/api/json: short name -> (version, active)
    plugins: dict[str, tuple[str, bool]] = field(default_factory=dict)
    state: JenkinsState = field(default_factory=JenkinsState)
    requests: list[Request] = field(default_factory=list)
    injected: list[Injected] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    sessions: dict[str, str] = field(default_factory=dict)  # session id -> crumb
    port: int = 0
    tls: tuple[str, str] | None = None  # (certificate, key) PEM files: serve HTTPS

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}{self.prefix}"

    def token(self, user: str = "admin") -> str:
        return self.users[user][1]

    def inject(self, path_contains: str, answer: int | str, times: int = 1) -> None:
        with self.lock:
            self.injected.append(Injected(path_contains, answer, times))

    def tick(self, _seconds: float = 0.0) -> None:
        """Usable as the client's `sleep`: every wait lets one second pass."""
        with self.lock:
            self.state.tick()

    def posts(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST"]

    @contextmanager
    def serve(self) -> Iterator[FakeJenkins]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        if self.tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(5)

    # -- request handling --------------------------------------------------------
    def answer(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append(request)
            if not request.path.startswith(self.prefix):
                return 404, {}, b"<html><body><h2>HTTP ERROR 404 Not Found</h2></body></html>"
            path = request.path[len(self.prefix):]
            if path.startswith("metrics/"):
                return self._metrics(path)
            refusal = self._authenticate(request)
            if refusal is not None:
                return refusal
            if path == "crumbIssuer/api/json":
                return self._crumb(request)
            exempt = request.via_token and self.token_exempt
            if request.method == "POST" and self.csrf and not exempt:
                session = _cookie(request.headers.get("cookie", ""))
                crumb = self.sessions.get(session or "")
                if crumb is None or request.headers.get("jenkins-crumb") != crumb:
                    return _error(403, "No valid crumb was included in the request")
            try:
                return self._route(request, path)
            except Refusal as refusal_:
                return _error(refusal_.status, refusal_.message)

    def _authenticate(self, request: Request) -> tuple[int, dict[str, str], bytes] | None:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            user, _, secret = base64.b64decode(header[6:]).decode("utf-8").partition(":")
            known = self.users.get(user)
            if known is None or secret not in known:
                status, headers, body = _error(401, f"Invalid password/token for user: {user}")
                headers["WWW-Authenticate"] = 'Basic realm="Jenkins"'
                return status, headers, body
            request.user, request.via_token = user, secret == known[1]
            return None
        status, headers, body = _error(403, "Authentication required")
        headers["X-You-Are-Authenticated-As"] = "anonymous"
        headers["X-You-Are-In-Group-Disabled"] = (
            "JENKINS-39402: use -Dhudson.security.AccessDeniedException2.REPORT_GROUP_HEADERS=true"
            " or use /whoAmI to diagnose")
        headers["X-Required-Permission"] = "hudson.model.Hudson.Read"
        return status, headers, body

    def _crumb(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        if not self.csrf:
            return _error(404, "Not Found")
        session = _cookie(request.headers.get("cookie", ""))
        headers: dict[str, str] = {}
        if session is None or session not in self.sessions:
            session = secrets.token_hex(8)
            self.sessions[session] = secrets.token_hex(32)
            headers["Set-Cookie"] = f"JSESSIONID.fake={session}; Path=/; HttpOnly"
        data = {"_class": "hudson.security.csrf.DefaultCrumbIssuer",
                "crumb": self.sessions[session], "crumbRequestField": "Jenkins-Crumb"}
        return 200, {**headers, "Content-Type": "application/json;charset=utf-8"}, \
            json.dumps(data).encode()

    def _metrics(self, path: str) -> tuple[int, dict[str, str], bytes]:
        parts = path.split("/")
        if len(parts) != 3 or parts[2] != "healthcheck" or parts[1] not in self.metrics:
            return _error(403, "Access denied")
        checks = self.metrics[parts[1]]
        status = 200 if all(c.get("healthy") for c in checks.values()) else 500
        return status, {"Content-Type": "application/json"}, json.dumps(checks).encode()

    def _route(self, request: Request, path: str) -> tuple[int, dict[str, str], bytes]:
        segments = [unquote(s) for s in path.split("/")]
        names: list[str] = []
        while len(segments) >= 2 and segments[0] == "job":
            names.append(segments[1])
            segments = segments[2:]
        rest = "/".join(segments)
        full_name = "/".join(names)
        state = self.state
        base = self.url
        if not names:
            return self._route_root(request, rest)
        item = state.item(full_name)
        if rest == "api/json":
            return _json(apply_tree(item_json(state, item, base), request.query.get("tree")))
        if rest == "config.xml":
            if request.method == "POST":
                state.update(full_name, request.body.decode("utf-8"))
                return 200, {}, b""
            return 200, {"Content-Type": "application/xml"}, item.config_xml.encode("utf-8")
        if rest == "createItem" and item.is_folder:
            return self._create(request, full_name)
        if rest in ("build", "buildWithParameters"):
            if request.method != "POST":
                return _error(405, "HTTP ERROR 405 Method Not Allowed")
            given = None if rest == "build" else dict(request.query)
            queued = state.schedule(full_name, given)
            return 201, {"Location": f"{base}queue/item/{queued.id}/"}, b""
        head, _, tail = rest.partition("/")
        number = _build_number(item, head)
        if number is None or number not in item.builds:
            raise Refusal(404, f"no build {head}")
        build = item.builds[number]
        if tail == "api/json":
            return _json(apply_tree(build_json(item, build, base), request.query.get("tree")))
        if tail == "logText/progressiveText":
            start = int(request.query.get("start", "0"))
            if start > len(build.log):
                start = 0  # Jenkins' LargeText starts over when the log shrank
            headers = {"Content-Type": "text/plain;charset=UTF-8",
                       "X-Text-Size": str(len(build.log))}
            if build.result is None:
                headers["X-More-Data"] = "true"
            return 200, headers, build.log[start:]
        if tail == "consoleText":
            return 200, {"Content-Type": "text/plain;charset=UTF-8"}, build.log
        if tail.startswith("artifact/") and tail[len("artifact/"):] in build.artifacts:
            # DirectoryBrowserSupport serves the archived file as it is.
            return 200, {"Content-Type": "application/json"}, build.artifacts[tail[9:]]
        raise Refusal(404, f"no page {rest}")

    def _route_root(self, request: Request, rest: str) -> tuple[int, dict[str, str], bytes]:
        state = self.state
        if rest in ("", "api/json"):
            data = {"_class": "hudson.model.Hudson", "mode": "NORMAL",
                    "nodeDescription": "the Jenkins controller's built-in node",
                    "useCrumbs": self.csrf, "useSecurity": True,
                    "jobs": [{"_class": i.kind, "name": i.name, "url": f"{self.url}job/{i.name}/"}
                             for i in state.children("")]}
            if rest == "":
                return 200, {"Content-Type": "text/html"}, b"<html>Dashboard [Jenkins]</html>"
            return _json(apply_tree(data, request.query.get("tree")))
        if rest == "createItem":
            return self._create(request, "")
        if rest == "queue/api/json":
            items = [queue_json(state, q, self.url) for q in state.queue.values()
                     if q.build is None and not q.cancelled]
            return _json(apply_tree({"_class": "hudson.model.Queue", "discoverableItems": [],
                                     "items": items}, request.query.get("tree")))
        parts = rest.split("/")
        if len(parts) == 5 and parts[:2] == ["queue", "item"] and parts[3:] == ["api", "json"]:
            queued = state.queue.get(int(parts[2])) if parts[2].isdigit() else None
            if queued is None:
                raise Refusal(404, "no such queue item")
            return _json(apply_tree(queue_json(state, queued, self.url), request.query.get("tree")))
        if rest == "computer/api/json":
            return _json(apply_tree(computers_json(state), request.query.get("tree")))
        if rest == "pluginManager/api/json":
            # PluginManager.getPlugins, PluginWrapper's @Exported getters.
            plugins = [{"shortName": name, "version": version, "active": active,
                        "enabled": active} for name, (version, active) in self.plugins.items()]
            return _json(apply_tree({"_class": "hudson.LocalPluginManager",
                                     "plugins": plugins}, request.query.get("tree")))
        if rest == "whoAmI/api/json":
            return _json({"_class": "hudson.security.WhoAmI", "anonymous": False,
                          "authenticated": True, "name": request.user})
        raise Refusal(404, f"no page {rest}")

    def _create(self, request: Request, folder: str) -> tuple[int, dict[str, str], bytes]:
        if request.method != "POST":
            return _error(405, "HTTP ERROR 405 Method Not Allowed")
        content_type = request.headers.get("content-type", "")
        name = request.query.get("name")
        if name is None:
            raise Refusal(400, "Query parameter 'name' is required")
        if not (content_type.startswith("application/xml") or content_type.startswith("text/xml")):
            raise Refusal(400, "No mode given")
        self.state.create(folder, name, request.body.decode("utf-8"))
        return 200, {}, b""


def _build_number(item: Any, head: str) -> int | None:
    if head.isdigit():
        return int(head)
    builds = sorted(item.builds.values(), key=lambda b: b.number, reverse=True)
    chosen = {
        "lastBuild": builds,
        "lastSuccessfulBuild": [b for b in builds if b.result == "SUCCESS"],
        "lastCompletedBuild": [b for b in builds if b.result is not None],
        "lastFailedBuild": [b for b in builds if b.result == "FAILURE"],
    }.get(head)
    if not chosen:
        return None
    return int(chosen[0].number)


def _cookie(header: str) -> str | None:
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "JSESSIONID.fake":
            return value
    return None


def _json(data: Any) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json;charset=utf-8"}, json.dumps(data).encode()


def _error(status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    page = (f"<html><head><title>Error {status} {message}</title></head><body>"
            f"<h2>HTTP ERROR {status} {message}</h2></body></html>")
    return status, {"Content-Type": "text/html;charset=iso-8859-1"}, page.encode("utf-8")


def _handler_for(fake: FakeJenkins) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            if fake.drop_cookies:
                headers.pop("cookie", None)
            request = Request(self.command, parts.path, dict(parse_qsl(parts.query)), headers, body)
            injected = _take_injection(fake, parts.path)
            if injected == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True
                return
            if isinstance(injected, int):
                status, headers, payload = _error(injected, "Service Unavailable")
            else:
                status, headers, payload = fake.answer(request)
            self.send_response(status)
            self.send_header("X-Jenkins", VERSION)
            self.send_header("X-Hudson", "1.395")
            self.send_header("X-Jenkins-Session", "5f8c1e2a")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _handle
        do_POST = _handle

    return Handler


def _take_injection(fake: FakeJenkins, path: str) -> int | str | None:
    with fake.lock:
        for injected in fake.injected:
            if injected.times > 0 and injected.path_contains in path:
                injected.times -= 1
                return injected.answer
    return None
