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
useless), `UNCONFIRMED` (every byte was written, then silence until the time ran out) or
`UNDELIVERABLE` (nothing reached Sensu: try again later), with a reason. An unconfirmed
result is not sent again: a Sensu that answers in 3 s has parsed and published it (the
1.x socket publishes as soon as the JSON parses, before it answers), and sending it
again would show every result twice; the wrapper says so on stderr. Its `timeout` bounds the
whole call, name lookup and every read included (`deadline.py`); HTTP is a plain
HTTP/1.1 request for that reason (`http.client` times each socket call separately).
"""

from __future__ import annotations

import contextlib
import json
import socket
import time

from jobsmith.wrapper.deadline import DeadlinePassed, connect, receive, send_all

DELIVERED = "delivered"
REJECTED = "rejected"
UNDELIVERABLE = "undeliverable"
UNCONFIRMED = "unconfirmed"
UDP_REFUSAL_WAIT = 0.05
MAX_RESPONSE = 1 << 16

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from jobsmith.wrapper.settings import SensuAddress


def send_check(check: dict[str, Any], address: SensuAddress, timeout: float) -> tuple[str, str]:
    """Deliver `check` (Sensu 1.x form) to `address` within `timeout` seconds in all."""
    if timeout <= 0:
        return UNDELIVERABLE, "no time left"
    deadline = time.monotonic() + timeout
    try:
        if address.scheme == "tcp":
            return _send_tcp(_encode(check), address, deadline)
        if address.scheme == "udp":
            return _send_udp(_encode(check), address, deadline)
        from jobsmith.wrapper.alerts import sensu_go_event

        return _send_http(_encode(sensu_go_event(check)), address, deadline)
    except TimeoutError as error:
        reason = str(error) if isinstance(error, DeadlinePassed) else "no answer in time"
        return UNDELIVERABLE, f"{address}: timed out: {reason} ({timeout:.1f}s were left)"
    except OSError as error:  # refused, unreachable, name not resolved
        return UNDELIVERABLE, f"{address}: {error}"


def _encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _send_tcp(data: bytes, address: SensuAddress, deadline: float) -> tuple[str, str]:
    with connect(address.host, address.port, socket.SOCK_STREAM, deadline) as sock:
        send_all(sock, data, deadline)
        answer = b""
        try:
            while len(answer) < 64:
                chunk = receive(sock, 64, deadline)
                if not chunk:
                    break
                answer += chunk
                if answer.strip() in (b"ok", b"invalid"):
                    break
        except TimeoutError:
            if answer:  # it talks, but not as Sensu does: nothing says it took the result
                raise
            return UNCONFIRMED, "sent; the Sensu client did not answer in time"
    word = answer.strip()
    if word == b"ok":
        return DELIVERED, "ok"
    if word == b"invalid":
        return REJECTED, "the Sensu client answered 'invalid'"
    return UNDELIVERABLE, f"unexpected answer {answer[:64]!r}"


def _send_udp(data: bytes, address: SensuAddress, deadline: float) -> tuple[str, str]:
    with connect(address.host, address.port, socket.SOCK_DGRAM, deadline) as sock:
        send_all(sock, data, deadline)
        sock.settimeout(min(UDP_REFUSAL_WAIT, max(deadline - time.monotonic(), 0.001)))
        with contextlib.suppress(TimeoutError):  # silence is all UDP ever gives
            sock.recv(1)
    return DELIVERED, "sent"


def _send_http(data: bytes, address: SensuAddress, deadline: float) -> tuple[str, str]:
    host = f"[{address.host}]" if ":" in address.host else address.host
    head = (
        f"POST {address.path} HTTP/1.1\r\nHost: {host}:{address.port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        "Connection: close\r\n\r\n"
    )
    response = b""
    with connect(address.host, address.port, socket.SOCK_STREAM, deadline) as sock:
        send_all(sock, head.encode("ascii") + data, deadline)
        try:
            while not _complete(response) and len(response) < MAX_RESPONSE:
                chunk = receive(sock, 4096, deadline)
                if not chunk:
                    break
                response += chunk
        except TimeoutError:
            if response:
                raise
            return UNCONFIRMED, "sent; the Sensu agent did not answer in time"
    status_line, _, rest = response.partition(b"\r\n")
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        return UNDELIVERABLE, f"{address}: not an HTTP answer {response[:64]!r}"
    status = int(parts[1])
    body = rest.partition(b"\r\n\r\n")[2][:512].decode("utf-8", errors="replace").strip()
    if 200 <= status < 300:
        return DELIVERED, str(status)
    if status == 400:
        return REJECTED, f"HTTP 400: {body}"
    return UNDELIVERABLE, f"HTTP {status}: {body}"


def _complete(response: bytes) -> bool:
    """Whether `response` holds the whole head and the body its Content-Length announces."""
    head, separator, body = response.partition(b"\r\n\r\n")
    if not separator:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return len(body) >= int(value.strip())
    return False  # no length: the server closes the connection at the end
