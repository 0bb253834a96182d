"""Fixtures of the wrapper's tests: the reference statsd daemon, the fake Sensu, and a
helper that runs `jobsmith run` as a real process."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.wrapper.fake_sensu import FakeSensu

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DAEMON = REPO / ".deps" / "node_modules" / "statsd" / "stats.js"


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class StatsdDaemon:
    """The npm `statsd` daemon on free ports, read back through its management port.

    statsd takes its ports from its config (port 0 would mean 8125), so they are picked
    free and then bound by the daemon: another process can take one in between. Such a
    daemon exits (EADDRINUSE), or its management port answers for someone else, so the
    daemon is used only once both ports are its own (its sockets in /proc/net), and is
    started again on new ports otherwise.
    """

    def __init__(self, directory: Path) -> None:
        script = Path(os.environ.get("JOBSMITH_STATSD_DAEMON") or DEFAULT_DAEMON)
        node = shutil.which("node") or shutil.which("nodejs")
        if not script.exists() or node is None:
            pytest.skip(
                f"the reference statsd daemon is not installed ({script}); run make system-deps"
            )
        for _ in range(10):
            if self._start(node, script, directory):
                return
        raise RuntimeError("the statsd daemon did not start")

    def _start(self, node: str, script: Path, directory: Path) -> bool:
        self.port = free_port(socket.SOCK_DGRAM)
        self.mgmt_port = free_port()
        config = directory / "statsd-config.js"
        config.write_text(
            "{\n"
            f'  port: {self.port}, address: "127.0.0.1",\n'
            f'  mgmt_port: {self.mgmt_port}, mgmt_address: "127.0.0.1",\n'
            "  flushInterval: 3600000, backends: [], deleteIdleStats: false\n"
            "}\n"
        )
        self.process = subprocess.Popen(
            [node, str(script), str(config)],
            cwd=script.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        end = time.monotonic() + 60  # a loaded machine starts node slowly
        pid = self.process.pid
        while self.process.poll() is None and time.monotonic() < end:
            ours = _owns_port(pid, "udp", self.port) and _owns_port(pid, "tcp", self.mgmt_port)
            if ours and self._healthy():
                return True
            time.sleep(0.05)
        self.stop()
        return False

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _healthy(self) -> bool:
        try:
            return self.command("health").startswith("health: up")
        except OSError:
            return False

    def command(self, name: str) -> str:
        # 30 s: only a stalled daemon on a loaded machine takes more than milliseconds.
        with socket.create_connection(("127.0.0.1", self.mgmt_port), timeout=30) as sock:
            sock.sendall(name.encode() + b"\n")
            data = b""
            while not data.rstrip().endswith(b"END") and not data.startswith(b"health"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        return data.decode()

    def counters(self) -> dict[str, float]:
        return _numbers(self.command("counters"))

    def gauges(self) -> dict[str, float]:
        return _numbers(self.command("gauges"))

    def timers(self) -> dict[str, list[float]]:
        text = self.command("timers")
        return {
            key: [float(value) for value in values.replace("\n", " ").split(",") if value.strip()]
            for key, values in re.findall(r"'([^']+)':\s*\[([^\]]*)\]", text)
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _owns_port(pid: int, protocol: str, port: int) -> bool:
    """Whether process `pid` holds the socket bound to 127.0.0.1:`port` (TCP: listening)."""
    try:
        links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        lines = Path(f"/proc/net/{protocol}").read_text().splitlines()[1:]
    except OSError:
        return False
    mine = {link[8:-1] for link in links if link.startswith("socket:[")}
    loopback = int.from_bytes(socket.inet_aton("127.0.0.1"), sys.byteorder)
    wanted = f"{loopback:08X}:{port:04X}"  # as the kernel prints it: host byte order
    for line in lines:
        fields = line.split()
        listening = protocol == "udp" or fields[3] == "0A"
        if fields[1] == wanted and listening and fields[9] in mine:
            return True
    return False


def _numbers(text: str) -> dict[str, float]:
    """Parse node's util.inspect of a flat object of numbers."""
    return {key: float(value) for key, value in re.findall(r"'([^']+)':\s*(-?[\d.e+-]+)", text)}


@pytest.fixture(scope="module")
def statsd_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StatsdDaemon]:
    daemon = StatsdDaemon(tmp_path_factory.mktemp("statsd"))
    yield daemon
    daemon.stop()


@pytest.fixture
def fake_sensu() -> Iterator[FakeSensu]:
    sensu = FakeSensu()
    yield sensu
    sensu.close()


@pytest.fixture
def wrapper_env(tmp_path: Path) -> dict[str, str]:
    """A clean environment for `jobsmith run`: no metrics, no alerts unless a test adds them."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("JOBSMITH_") and key != "BUILD_URL"
    }
    return env


def run_wrapper(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    """`jobsmith run ARGS` in a new process, as Jenkins would start it."""
    return subprocess.run(
        [sys.executable, "-m", "jobsmith", "run", *args],
        env=env,
        capture_output=True,
        timeout=timeout,
        check=False,
    )


def alive(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return False
    return data[data.rfind(b")") + 2 :].split()[0] not in (b"Z", b"X")


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs: a disk that fills up for real. Needs root (mount)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mountpoint = tmp_path / "small"
    mountpoint.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs",
                              str(mountpoint)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield mountpoint
    subprocess.run(["umount", "-l", str(mountpoint)], check=False)
