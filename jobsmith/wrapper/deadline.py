"""Network calls bounded by one deadline for the whole delivery, not a timeout per call.

After the command ended, everything the wrapper does on the network (name lookups,
connect, send, reading the answer, for every outbox entry and the run's own alert and
metrics) shares one deadline (`DELIVERY_SECONDS` after the command ended). A peer
that trickles one byte a second, or a DNS server that never answers, costs at most
what is left of it. The C resolver cannot be interrupted, so a name that is not an IP
address is looked up in a daemon thread that is abandoned when time runs out; each
answer is kept for the rest of the run.
"""

from __future__ import annotations

import socket
import time

from jobsmith.wrapper.options import DELIVERY_SECONDS

__all__ = ["DELIVERY_SECONDS", "DeadlinePassed", "connect", "left", "receive", "resolve",
           "send_all"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_resolved: dict[tuple[str, int, int], tuple[int, Any]] = {}


class DeadlinePassed(TimeoutError):
    """The delivery deadline passed before the call could finish."""


def resolve(host: str, port: int, kind: int, deadline: float,
            clock: Callable[[], float] = time.monotonic) -> tuple[int, Any]:
    """(family, socket address) of host:port, looked up within the deadline."""
    key = (host, port, kind)
    if key not in _resolved:
        try:
            infos = socket.getaddrinfo(host, port, 0, kind, 0, socket.AI_NUMERICHOST)
        except socket.gaierror:  # a name, not an address: ask the resolver
            infos = _lookup(host, port, kind, left(deadline, clock))
        family, _, _, _, address = infos[0]
        _resolved[key] = (family, address)
    return _resolved[key]


def connect(host: str, port: int, kind: int, deadline: float,
            clock: Callable[[], float] = time.monotonic) -> socket.socket:
    """A socket connected to host:port, within the deadline."""
    family, address = resolve(host, port, kind, deadline, clock)
    sock = socket.socket(family, kind)
    try:
        sock.settimeout(left(deadline, clock))
        sock.connect(address)
    except BaseException:
        sock.close()
        raise
    return sock


def send_all(sock: socket.socket, data: bytes, deadline: float,
             clock: Callable[[], float] = time.monotonic) -> None:
    sock.settimeout(left(deadline, clock))  # sendall's timeout bounds the whole call
    sock.sendall(data)


def receive(sock: socket.socket, size: int, deadline: float,
            clock: Callable[[], float] = time.monotonic) -> bytes:
    sock.settimeout(left(deadline, clock))
    return sock.recv(size)


def left(deadline: float, clock: Callable[[], float] = time.monotonic) -> float:
    """Seconds left before `deadline`; DeadlinePassed when none are."""
    seconds = deadline - clock()
    if seconds <= 0:
        raise DeadlinePassed("the delivery deadline passed")
    return seconds


def _lookup(host: str, port: int, kind: int, seconds: float) -> list[Any]:
    import threading

    answer: list[Any] = []

    def look_up() -> None:
        try:
            answer.append(socket.getaddrinfo(host, port, 0, kind))
        except OSError as error:
            answer.append(error)

    thread = threading.Thread(target=look_up, name="jobsmith-lookup", daemon=True)
    thread.start()
    thread.join(seconds)
    if not answer:
        raise DeadlinePassed(f"looking up {host!r} took longer than the delivery deadline")
    if isinstance(answer[0], OSError):
        raise answer[0]
    return list(answer[0])
