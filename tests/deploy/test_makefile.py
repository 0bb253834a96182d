"""On a fresh Debian 12 (Python 3.11 and nothing else), `make demo` and `make test` first
install the Debian packages they miss. Each case runs the real recipe with one thing
missing, the way Debian lacks it; apt-get itself cannot run here (it needs root and the
network), so SUDO names a recorder that writes down the command instead of running it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _recorder(tmp_path: Path) -> tuple[Path, Path]:
    log = tmp_path / "apt.log"
    recorder = tmp_path / "record-sudo"
    recorder.write_text(f'#!/bin/sh\necho "$*" >> {log}\n')
    recorder.chmod(0o755)
    return recorder, log


def _make(target: str, tmp_path: Path, env: dict[str, str], *args: str) -> str:
    recorder, log = _recorder(tmp_path)
    subprocess.run(["make", "-s", target, f"SUDO={recorder}", *args], cwd=ROOT, env=env,
                   capture_output=True, text=True, timeout=300, check=False)
    return log.read_text() if log.exists() else ""


def test_make_demo_installs_python3_venv_when_ensurepip_is_missing(tmp_path: Path) -> None:
    # Debian ships ensurepip in python3.11-venv; without it `python3 -m venv` fails.
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "ensurepip.py").write_text("raise ImportError('Debian: no python3-venv')\n")
    env = {**os.environ, "PYTHONPATH": str(shadow)}
    log = _make(f"{tmp_path}/deps/.python-venv", tmp_path, env, f"DEPS={tmp_path}/deps")
    assert log.splitlines() == [
        "env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
        "env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv",
    ]


def test_make_test_installs_groovy_java_openssl_and_npm_when_missing(tmp_path: Path) -> None:
    # A PATH with the shell tools the recipe uses, and none of the four commands.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("sh", "mkdir", "touch", "grep", "dpkg-query", "env", "echo"):
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    env = {**os.environ, "PATH": str(bin_dir)}
    make = shutil.which("make")
    assert make
    recorder, log = _recorder(tmp_path)
    subprocess.run([make, "-s", f"{tmp_path}/deps/.debian", f"DEPS={tmp_path}/deps",
                    f"SUDO={recorder}"], cwd=ROOT, env=env, capture_output=True, text=True,
                   timeout=300, check=False)
    update, install = log.read_text().splitlines()
    assert update == "env DEBIAN_FRONTEND=noninteractive apt-get update -qq"
    prefix = "env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
    assert install.startswith(prefix)
    packages = install[len(prefix):].split()
    assert packages[:7] == ["groovy", "openjdk-17-jre-headless", "openssl", "npm", "chromium",
                            "git",  # `jobsmith try` clones a spec's checkout
                            "systemd"]  # systemd-analyze: the deploy kit's units are verified
    # The Job DSL engine's libraries and the page tests' font, by dpkg, when this machine
    # lacks them too.
    assert set(packages[7:]) <= {"libxstream-java", "libaccess-modifier-checker-java",
                                 "fonts-dejavu-core"}


def test_nothing_is_installed_when_nothing_is_missing(tmp_path: Path) -> None:
    # This machine ran `make test`: every command is there.
    log = _make(f"{tmp_path}/deps/.debian", tmp_path, dict(os.environ), f"DEPS={tmp_path}/deps")
    assert log == ""


def test_make_demo_and_make_test_check_first(tmp_path: Path) -> None:
    dry = subprocess.run(["make", "-n", "test", f"VENV={tmp_path}/v", f"DEPS={tmp_path}/d"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    lines = dry.stdout.splitlines()
    check = next(i for i, line in enumerate(lines) if "import ensurepip" in line)
    venv = next(i for i, line in enumerate(lines) if " -m venv " in line)
    apt = next(i for i, line in enumerate(lines) if "command -v ${c%%=*}" in line)
    npm = next(i for i, line in enumerate(lines) if line.startswith("npm install"))
    assert check < venv and apt < npm
