"""Send one check result to Sensu within a time budget.

Three transports, picked by `JOBSMITH_SENSU`'s scheme:
- `tcp://`: the Sensu 1.x client socket. One JSON hash per connection; the client
  answers `ok` when it accepted it and `invalid` when it did not (bad JSON, a name
  outside `^[\\w.-]+$`, a non-integer status, ...). Only 7-bit ASCII is accepted, so
  the JSON escapes everything else.
- `udp://`: the same socket over UDP. Sensu never answers; the only failure seen is a
  refused port (an ICMP error on the connected socket), checked for a moment.
- `http://host:port/events`: the Sensu Go agent API. 201/202 accepted, 400 rejected
  (malformed JSON or an event that fails validation), anything else a failure.

`send_check` returns `DELIVERED`, `REJECTED` (Sensu will never take it: retrying is
useless) or `UNDELIVERABLE` (try again later), with a reason.
"""

from __future__ import annotations

import contextlib
import json
import socket

DELIVERED = "delivered"
REJECTED = "rejected"
UNDELIVERABLE = "undeliverable"
UDP_REFUSAL_WAIT = 0.05

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from jobsmith.wrapper.settings import SensuAddress


def send_check(check: dict[str, Any], address: SensuAddress, timeout: float) -> tuple[str, str]:
    """Deliver `check` (Sensu 1.x form) to `address` within `timeout` seconds."""
    if timeout <= 0:
        return UNDELIVERABLE, "no time left"
    try:
        if address.scheme == "tcp":
            return _send_tcp(_encode(check), address, timeout)
        if address.scheme == "udp":
            return _send_udp(_encode(check), address, timeout)
        from jobsmith.wrapper.alerts import sensu_go_event

        return _send_http(_encode(sensu_go_event(check)), address, timeout)
    except OSError as error:  # refused, unreachable, timed out, name not resolved
        return UNDELIVERABLE, f"{address!r}: {error}"


def _encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _send_tcp(data: bytes, address: SensuAddress, timeout: float) -> tuple[str, str]:
    with socket.create_connection((address.host, address.port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while len(answer) < 64:
            chunk = sock.recv(64)
            if not chunk:
                break
            answer += chunk
            if answer.strip() in (b"ok", b"invalid"):
                break
    word = answer.strip()
    if word == b"ok":
        return DELIVERED, "ok"
    if word == b"invalid":
        return REJECTED, "the Sensu client answered 'invalid'"
    return UNDELIVERABLE, f"unexpected answer {answer[:64]!r}"


def _send_udp(data: bytes, address: SensuAddress, timeout: float) -> tuple[str, str]:
    family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.connect((address.host, address.port))
        sock.send(data)
        sock.settimeout(min(UDP_REFUSAL_WAIT, timeout))
        with contextlib.suppress(TimeoutError):  # silence is all UDP ever gives
            sock.recv(1)
    return DELIVERED, "sent"


def _send_http(data: bytes, address: SensuAddress, timeout: float) -> tuple[str, str]:
    import http.client

    connection = http.client.HTTPConnection(address.host, address.port, timeout=timeout)
    try:
        connection.request(
            "POST", address.path, body=data, headers={"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        body = response.read(512).decode("utf-8", errors="replace").strip()
    except http.client.HTTPException as error:
        return UNDELIVERABLE, f"{address!r}: {error!r}"
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return DELIVERED, str(response.status)
    if response.status == 400:
        return REJECTED, f"HTTP 400: {body}"
    return UNDELIVERABLE, f"HTTP {response.status}: {body}"
