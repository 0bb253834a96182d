"""A stand-in for Sensu that speaks the documented protocols on 127.0.0.1.

Not Sensu: real TCP, UDP and HTTP servers that accept and reject what the real ones
do, from their documentation and source:
- Sensu 1.x client socket (`lib/sensu/client/socket.rb`): one JSON hash per TCP
  connection, parsed as chunks arrive; `ok` once it parses and validates, `invalid`
  for a check result that fails validation, or when no valid JSON arrived within 0.5 s
  of the last chunk. Only 7-bit ASCII. UDP: one datagram, one result, no answer.
  Validation (`validate_check_result`): name a string matching `\\A[\\w.-]+\\z`, source
  absent or matching too, output a string, status an integer, executed an integer
  (defaults to now), handlers absent or an array of strings, ttl absent or an integer
  > 0 and ttl_status absent or an integer (sensu-settings
  `lib/sensu/settings/validators/check.rb`, `validate_check_handling`/`_ttl`). The
  socket publishes the result as soon as the JSON parses, then answers `ok`
  (`parse_check_result`): `answer_delay` models a slow answer after that.
  Identity: the server stores the result under `<source or client name>:<check name>`
  (`lib/sensu/server/process.rb`, `retrieve_client` then `store_check_result`), the
  last to arrive wins, whatever its `executed`: `current` keeps that.
- Sensu Go agent API (`agent/api.go`, `POST /events`): a JSON event whose check has
  `metadata.name` matching `^[\\w.-]+$`, a non-negative integer status (a uint32 in
  Go), and ttl absent or > the interval (1) and >= 5 (`Check.Validate`). Answers 202
  Accepted, or 400 with the error. Like the socket's 1.x translation, an event without
  output is refused. An event's `entity` other than the agent's own becomes
  `check.proxy_entity_name` (`agent/entity.go`, `getEntities`): the backend keys the
  event by that entity and the check name, so `current` uses it (the agent's own name
  `AGENT_NAME` otherwise).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

NAME = re.compile(r"\A[\w.-]+\Z", re.ASCII)
WATCHDOG = 0.5
CLIENT_NAME = "agent-host"  # the Sensu 1.x client's own name, as in its client.json
AGENT_NAME = "agent-host"  # the Sensu Go agent's name


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_check_result(check: Any) -> str | None:
    """The Sensu 1.x client's objection to `check`, or None when it is accepted."""
    if not isinstance(check, dict):
        return "check result must be a JSON hash"
    if not isinstance(check.get("name"), str) or not NAME.match(check["name"]):
        return "check name must be a string and cannot contain spaces or special characters"
    source = check.get("source")
    if source is not None and (not isinstance(source, str) or not NAME.match(source)):
        return "check source must be a string and cannot contain spaces or special characters"
    if not isinstance(check.get("output"), str):
        return "check output must be a string"
    handlers = check.get("handlers")
    if handlers is not None and (
        not isinstance(handlers, list) or not all(isinstance(h, str) for h in handlers)
    ):
        return "check handlers must be an array of strings"
    check.setdefault("status", 0)
    check.setdefault("executed", int(time.time()))
    if not is_int(check["status"]):
        return "check status must be an integer"
    if not is_int(check["executed"]):
        return "check executed timestamp must be an integer"
    ttl = check.get("ttl")
    if ttl is not None and not (is_int(ttl) and ttl > 0):
        return "check ttl must be an integer greater than 0"
    if check.get("ttl_status") is not None and not is_int(check["ttl_status"]):
        return "check ttl_status must be an integer"
    return None


def result_key(check: dict[str, Any]) -> tuple[str, str]:
    """Where Sensu 1.x stores a result: (source, or the client's own name; check name)."""
    return (check.get("source") or CLIENT_NAME, check["name"])


def event_key(event: dict[str, Any]) -> tuple[str, str]:
    """Where Sensu Go stores an event: (proxy entity, or the agent; check name)."""
    entity = event.get("entity")
    name = entity.get("metadata", {}).get("name") if isinstance(entity, dict) else None
    return (name or AGENT_NAME, event["check"]["metadata"]["name"])


def validate_event(event: Any) -> str | None:
    """The Sensu Go agent's objection to `event`, or None when it is accepted."""
    if not isinstance(event, dict) or not isinstance(event.get("check"), dict):
        return "check has not been instantiated for this event"
    check = event["check"]
    metadata = check.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not NAME.match(name):
        return "check name cannot contain spaces or special characters"
    status = check.get("status", 0)
    if not is_int(status) or not 0 <= status < 2**32:
        return "json: cannot unmarshal status into Go struct field Check.status of type uint32"
    if not isinstance(check.get("output"), str) or not check["output"]:
        return "a check output must be provided"
    interval = check.get("interval") or 1
    ttl = check.get("ttl", 0)
    if not is_int(ttl):
        return "json: cannot unmarshal ttl into Go struct field Check.ttl of type int64"
    if ttl > 0 and ttl <= interval:
        return "ttl must be greater than check interval"
    if ttl > 0 and ttl < 5:
        return "minimum ttl is 5 seconds"
    for key in ("labels", "annotations"):
        values = metadata.get(key) or {}
        if not all(isinstance(value, str) for value in values.values()):
            return f"json: cannot unmarshal {key} into map[string]string"
    entity = event.get("entity")
    if entity is not None:
        name = entity.get("metadata", {}).get("name") if isinstance(entity, dict) else None
        if not isinstance(name, str) or not NAME.match(name):
            return "entity name cannot contain spaces or special characters"
    return None


class FakeSensu:
    """TCP, UDP and HTTP listeners on free 127.0.0.1 ports; records what they accept."""

    def __init__(self) -> None:
        self.accepted: list[dict[str, Any]] = []
        self.rejected: list[tuple[bytes, str]] = []
        self.current: dict[tuple[str, str], dict[str, Any]] = {}
        self.http_status = 202
        self.answer_delay = 0.0  # seconds between accepting a result and answering
        self._lock = threading.Lock()
        self._tcp = socket.create_server(("127.0.0.1", 0))
        self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._udp.bind(("127.0.0.1", 0))
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._on_http(self)

            def log_message(self, *args: object) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._threads = [
            threading.Thread(target=self._serve_tcp, daemon=True),
            threading.Thread(target=self._serve_udp, daemon=True),
            threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def tcp_url(self) -> str:
        return f"tcp://127.0.0.1:{self._tcp.getsockname()[1]}"

    @property
    def udp_url(self) -> str:
        return f"udp://127.0.0.1:{self._udp.getsockname()[1]}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/events"

    def wait_for(self, count: int, timeout: float = 60.0) -> list[dict[str, Any]]:
        """The accepted results once there are `count` of them (or after `timeout`).

        It returns as soon as they are there: the long default only matters on a loaded
        machine, where a UDP datagram can wait seconds for the listener's thread."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if len(self.accepted) >= count:
                    return list(self.accepted)
            time.sleep(0.01)
        with self._lock:
            return list(self.accepted)

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._tcp.close()
        self._udp.close()

    def _record(self, raw: bytes, value: Any, problem: str | None) -> None:
        with self._lock:
            if problem is None:
                self.accepted.append(value)
                key = event_key(value) if "check" in value else result_key(value)
                self.current[key] = value
            else:
                self.rejected.append((raw, problem))

    def _serve_tcp(self) -> None:
        while True:
            try:
                connection, _ = self._tcp.accept()
            except OSError:
                return
            threading.Thread(target=self._handle_tcp, args=(connection,), daemon=True).start()

    def _handle_tcp(self, connection: socket.socket) -> None:
        buffer = b""
        with connection:
            connection.settimeout(WATCHDOG)
            while True:
                try:
                    chunk = connection.recv(65536)
                except TimeoutError:
                    self._record(buffer, None, "watchdog: no valid JSON")
                    connection.sendall(b"invalid")
                    return
                if not chunk:
                    return
                buffer += chunk
                if buffer.strip() == b"ping":
                    connection.sendall(b"pong")
                    return
                if any(byte > 127 for byte in buffer):
                    self._record(buffer, None, "not 7-bit ASCII")
                    connection.sendall(b"invalid")
                    return
                try:
                    check = json.loads(buffer)
                except ValueError:
                    continue  # maybe more is coming
                problem = validate_check_result(check)
                self._record(buffer, check, problem)
                if problem is None and self.answer_delay:
                    time.sleep(self.answer_delay)
                # The sender may have given up waiting; the result is published anyway.
                with contextlib.suppress(OSError):
                    connection.sendall(b"ok" if problem is None else b"invalid")
                return

    def _serve_udp(self) -> None:
        while True:
            try:
                data, _ = self._udp.recvfrom(65536)
            except OSError:
                return
            try:
                check = json.loads(data.decode("ascii"))
            except ValueError:
                self._record(data, None, "malformed JSON")
                continue
            self._record(data, check, validate_check_result(check))

    def _on_http(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length)
        if request.path != "/events":
            answer, status = b"404 page not found\n", 404
        else:
            try:
                event = json.loads(body)
                problem = validate_event(event)
            except ValueError as error:
                event, problem = None, str(error)
            self._record(body, event, problem)
            if problem is None and self.answer_delay:
                time.sleep(self.answer_delay)
            if problem is None:
                answer, status = b"", self.http_status
            else:
                answer, status = problem.encode() + b"\n", 400
        request.send_response(status)
        request.send_header("Content-Length", str(len(answer)))
        request.end_headers()
        request.wfile.write(answer)
