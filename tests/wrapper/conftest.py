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
    """The npm `statsd` daemon on free ports, read back through its management port."""

    def __init__(self, directory: Path) -> None:
        script = Path(os.environ.get("JOBSMITH_STATSD_DAEMON") or DEFAULT_DAEMON)
        node = shutil.which("node") or shutil.which("nodejs")
        if not script.exists() or node is None:
            pytest.skip(
                f"the reference statsd daemon is not installed ({script}); run make system-deps"
            )
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
        end = time.monotonic() + 10
        while True:
            try:
                self.command("health")
                break
            except OSError:
                if time.monotonic() > end or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("the statsd daemon did not start") from None
                time.sleep(0.05)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def command(self, name: str) -> str:
        with socket.create_connection(("127.0.0.1", self.mgmt_port), timeout=5) as sock:
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
