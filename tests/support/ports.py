"""A 127.0.0.1 port where nobody listens, reserved for the rest of the test session.

Picking a free port and closing it ("a port nobody listens on once closed") is a race:
any process on the machine (another test run, an outgoing connection) can be given the
same port next. A socket that stays bound keeps the port from everyone else and still
refuses: connecting to a bound TCP socket that does not listen is refused (RST), and a
datagram to a UDP socket connected elsewhere matches no socket, so the kernel answers
ICMP port unreachable, as for a closed port.
"""

from __future__ import annotations

import socket

_HELD: list[socket.socket] = []  # held open (so reserved) until the session ends


def refused_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port on 127.0.0.1 that refuses TCP connections (or UDP datagrams: `kind`)."""
    sock = socket.socket(socket.AF_INET, kind)
    sock.bind(("127.0.0.1", 0))
    if kind == socket.SOCK_DGRAM:
        peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        peer.bind(("127.0.0.1", 0))
        sock.connect(peer.getsockname())  # takes datagrams from `peer` only
        _HELD.append(peer)
    _HELD.append(sock)
    return int(sock.getsockname()[1])
