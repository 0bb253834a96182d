"""One deadline (2 s) for everything after the command ended, whatever the peer does.

Peers that trickle: real listeners on free 127.0.0.1 ports that accept, then send one
byte every half second and never a whole answer. A DNS server that never answers: a
black-hole UDP/TCP listener on 127.0.0.77:53, made the resolver of the wrapper's own
mount namespace (`unshare -m` and a bind-mounted resolv.conf; needs root).

The bound on each run is the subprocess timeout; what the tests assert is the reason
the wrapper gives, which only a deadline over the whole delivery produces.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

WRAPPER = [sys.executable, "-m", "jobsmith", "run"]
BOUND = 20.0  # seconds: a run before the fix took over 30 s with these peers


class Trickler:
    """Accepts connections and answers one byte per half second, forever."""

    def __init__(self, first: bytes = b"") -> None:
        self.first = first  # sent whole before the trickle (e.g. an HTTP status line)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.stop = threading.Event()
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server.getsockname()[1])

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)
                if self.first:
                    connection.sendall(self.first)
                while not self.stop.wait(0.5):
                    connection.sendall(b" ")
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.server.close()


@pytest.fixture
def trickler() -> Iterator[Trickler]:
    peer = Trickler()
    yield peer
    peer.close()


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*WRAPPER, *args], env=env, capture_output=True, timeout=BOUND,
                          check=False)


def stored(outbox: Path) -> list[str]:
    return sorted(json.loads((outbox / name).read_bytes())["name"]
                  for name in os.listdir(outbox) if name.endswith(".json"))


def test_a_trickling_sensu_socket_costs_the_deadline_and_the_alert_is_stored(
    tmp_path: Path, trickler: Trickler, wrapper_env: dict[str, str]
) -> None:
    outbox = tmp_path / "outbox"
    env = dict(wrapper_env, JOBSMITH_SENSU=f"tcp://127.0.0.1:{trickler.port}",
               JOBSMITH_OUTBOX=str(outbox))
    result = run(["--job", "slow-peer", "--", "sh", "-c", "exit 3"], env)
    assert result.returncode == 3
    assert b"timed out" in result.stderr and b"alert stored in" in result.stderr
    assert stored(outbox) == ["jobsmith.slow-peer"]


def test_a_trickling_http_answer_costs_the_deadline(
    tmp_path: Path, wrapper_env: dict[str, str]
) -> None:
    peer = Trickler(first=b"HTTP/1.1 202 Accepted\r\nContent-Length: 100\r\n\r\n")
    outbox = tmp_path / "outbox"
    try:
        env = dict(wrapper_env, JOBSMITH_SENSU=f"http://127.0.0.1:{peer.port}/events",
                   JOBSMITH_OUTBOX=str(outbox))
        result = run(["--job", "slow-http", "--", "true"], env)
    finally:
        peer.close()
    assert result.returncode == 0
    assert b"timed out" in result.stderr
    assert stored(outbox) == ["jobsmith.slow-http"]


def test_the_outbox_drain_shares_the_deadline_and_keeps_every_entry(
    tmp_path: Path, trickler: Trickler, wrapper_env: dict[str, str]
) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    for index in range(5):
        check = {"name": f"jobsmith.old-{index}", "status": 0, "output": "x\n"}
        (outbox / f"{index:020d}-1-aaaaaa.json").write_text(json.dumps(check))
    env = dict(wrapper_env, JOBSMITH_SENSU=f"tcp://127.0.0.1:{trickler.port}",
               JOBSMITH_OUTBOX=str(outbox))
    result = run(["--job", "drainer", "--", "true"], env)
    assert result.returncode == 0
    assert trickler.connections == 1  # the run's own alert (sent first) used it all
    assert b"alert not delivered" in result.stderr and b"alert stored in" in result.stderr
    assert stored(outbox) == ["jobsmith.drainer", *(f"jobsmith.old-{i}" for i in range(5))]


@pytest.fixture
def dead_dns(tmp_path: Path) -> Iterator[list[str]]:
    """A command prefix that runs its command with a resolver that never answers."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("a private resolv.conf needs root and unshare")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tcp = socket.socket()
    try:
        udp.bind(("127.0.0.77", 53))
        tcp.bind(("127.0.0.77", 53))
        tcp.listen()
    except OSError as error:
        udp.close()
        tcp.close()
        pytest.skip(f"cannot listen on 127.0.0.77:53: {error}")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.77\noptions timeout:5 attempts:2\n")
    script = 'mount --bind "$0" /etc/resolv.conf && exec "$@"'
    yield ["unshare", "-m", "sh", "-c", script, str(resolv)]
    udp.close()
    tcp.close()


def test_a_dns_server_that_never_answers_costs_the_deadline_not_ten_seconds_a_lookup(
    tmp_path: Path, dead_dns: list[str], wrapper_env: dict[str, str]
) -> None:
    outbox = tmp_path / "outbox"
    env = dict(wrapper_env, JOBSMITH_SENSU="tcp://sensu.example.invalid:3030",
               JOBSMITH_STATSD="statsd.example.invalid:8125", JOBSMITH_OUTBOX=str(outbox))
    result = subprocess.run([*dead_dns, *WRAPPER, "--job", "no-dns", "--", "sh", "-c", "exit 5"],
                            env=env, capture_output=True, timeout=BOUND, check=False)
    assert result.returncode == 5, result.stderr
    assert b"looking up 'statsd.example.invalid' took longer than the delivery deadline" \
        in result.stderr
    assert b"alert stored in" in result.stderr
    assert stored(outbox) == ["jobsmith.no-dns"]
