"""Faults of the outbox: no entry, whatever it is, costs a later run its status or its
alert; runs killed while storing or sending leave nothing that is never sent.

Each case is a real `jobsmith run` (a process, or a forked one running as another
user) against the fake Sensu, with the bad entry made for real on disk.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.disk import fill_up
from tests.support.ports import refused_port
from tests.wrapper.conftest import run_wrapper
from tests.wrapper.fake_sensu import FakeSensu

NOBODY = 65534
PRELOAD = ("_ctypes", "ctypes", "http.client", "jobsmith.errors", "jobsmith.wrapper.alerts",
           "jobsmith.wrapper.cli", "jobsmith.wrapper.delivery", "jobsmith.wrapper.errors",
           "jobsmith.wrapper.outbox", "jobsmith.wrapper.process", "jobsmith.wrapper.runner",
           "jobsmith.wrapper.retry", "jobsmith.wrapper.signals", "jobsmith.wrapper.tail",
           "jobsmith.wrapper.sensu", "jobsmith.wrapper.metrics", "traceback")
OLD = time.time() - 3600  # an hour ago: long past the outbox's orphan grace period


def entry(outbox: Path, check: dict[str, object], name: str = "") -> Path:
    """A stored alert as an earlier run wrote it."""
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / (name or f"{time.time_ns():020d}-1-aaaaaa.json")
    path.write_text(json.dumps(check))
    return path


def alert(name: str) -> dict[str, object]:
    return {"name": name, "status": 0, "output": "stored\n", "executed": int(OLD)}


def quarantined(outbox: Path) -> dict[str, str]:
    """Quarantined entry name -> its reason."""
    folder = outbox / "quarantine"
    return {
        path.name: (folder / f"{path.name}.reason").read_text().strip()
        for path in sorted(folder.iterdir()) if not path.name.endswith(".reason")
    }


def test_bad_entries_are_quarantined_with_a_reason_and_block_nothing(
    tmp_path: Path, fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    outbox = tmp_path / "outbox"
    env = dict(wrapper_env, JOBSMITH_SENSU=fake_sensu.tcp_url, JOBSMITH_OUTBOX=str(outbox))
    (outbox / "00000000000000000001-1-dir.json").mkdir(parents=True)
    entry(outbox, {}, "00000000000000000002-1-x.json").write_bytes(b"\x00garbage")
    entry(outbox, {}, "00000000000000000003-1-x.json").write_bytes(b"")
    os.mkfifo(outbox / "00000000000000000004-1-fifo.json")
    (outbox / "00000000000000000005-1-link.json").symlink_to("/etc/passwd")
    entry(outbox, alert("jobsmith.good"), "00000000000000000006-1-good.json")

    result = run_wrapper(["--job", "after-bad", "--", "sh", "-c", "exit 3"], env)
    assert result.returncode == 3
    # The run's own alert first, then the outbox (`deliver`'s `current_first`).
    assert [check["name"] for check in fake_sensu.wait_for(2)] == [
        "jobsmith.after-bad", "jobsmith.good"]
    reasons = quarantined(outbox)
    assert reasons == {
        "00000000000000000001-1-dir.json": "not a regular file (a directory)",
        "00000000000000000002-1-x.json": "half-written or not JSON",
        "00000000000000000003-1-x.json": "empty",
        "00000000000000000004-1-fifo.json": "not a regular file (a FIFO)",
        "00000000000000000005-1-link.json": "a symbolic link, not an entry this outbox wrote",
    }
    assert result.stderr.count(b"outbox entry quarantined") == 5
    assert sorted(os.listdir(outbox)) == [".sent", "quarantine"]  # .sent: ledger.py

    again = run_wrapper(["--job", "later", "--", "true"], env)
    assert again.returncode == 0 and b"outbox" not in again.stderr
    assert len(fake_sensu.wait_for(3)) == 3


@pytest.fixture
def shared_outbox() -> Iterator[Path]:
    """An outbox directory every user may write, as on an agent shared by two users."""
    parent = Path(tempfile.mkdtemp(prefix="jobsmith-shared-"))
    parent.chmod(0o755)
    outbox = parent / "outbox"
    outbox.mkdir(mode=0o777)
    outbox.chmod(0o777)  # no sticky bit: any user may move any entry (quarantine)
    yield outbox
    shutil.rmtree(parent)


def run_as_other_user(args: list[str], env: dict[str, str]) -> int:
    """`jobsmith run ARGS` in a forked process that is not the owner of the outbox's
    entries: user nobody when the tests run as root, else this user (the entry is then
    made unreadable with chmod 000 instead)."""
    # User nobody cannot read this Python's installation: import what the run needs first.
    for module in PRELOAD:
        __import__(module)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 125
        try:
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            os.environ.clear()
            os.environ.update(env)
            from jobsmith.wrapper.cli import main

            code = main(args)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_an_entry_of_another_user_it_cannot_read_is_quarantined(
    shared_outbox: Path, fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    foreign = entry(shared_outbox, alert("jobsmith.roots"))
    foreign.chmod(0o600 if os.geteuid() == 0 else 0o000)
    env = dict(wrapper_env, JOBSMITH_SENSU=fake_sensu.tcp_url, JOBSMITH_OUTBOX=str(shared_outbox))
    assert run_as_other_user(["--job", "mine", "--", "sh", "-c", "exit 4"], env) == 4
    assert [check["name"] for check in fake_sensu.wait_for(1)] == ["jobsmith.mine"]
    (reason,) = quarantined(shared_outbox).values()
    assert reason.startswith("cannot open: Permission denied")
    if os.geteuid() == 0:
        assert f"owner uid 0, mode 0600; this run is uid {NOBODY}" in reason


def test_a_killed_runs_whole_temporary_file_is_sent_and_a_half_one_removed(
    tmp_path: Path, fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    outbox = tmp_path / "outbox"
    whole = entry(outbox, alert("jobsmith.orphan"), ".tmp-123-aaaaaa")
    half = entry(outbox, {}, ".tmp-124-bbbbbb")
    half.write_bytes(b'{"name": "jobsmith.half", "sta')
    for path in (whole, half):
        os.utime(path, (OLD, OLD))
    env = dict(wrapper_env, JOBSMITH_SENSU=fake_sensu.tcp_url, JOBSMITH_OUTBOX=str(outbox))
    result = run_wrapper(["--job", "next", "--", "true"], env)
    assert result.returncode == 0
    assert [check["name"] for check in fake_sensu.wait_for(2)] == [
        "jobsmith.next", "jobsmith.orphan"]
    assert b"removed a half-written alert of a killed run" in result.stderr
    assert os.listdir(outbox) == [".sent"]  # the ledger of what was sent (ledger.py)


def test_a_stale_claim_whose_pid_was_reused_is_retaken(
    tmp_path: Path, fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    """After a reboot the pid in a claim's name may be any live process: here, ours."""
    outbox = tmp_path / "outbox"
    stored = entry(outbox, alert("jobsmith.stale"))
    stored.rename(outbox / f"{stored.name}.sending-{os.getpid()}")
    env = dict(wrapper_env, JOBSMITH_SENSU=fake_sensu.tcp_url, JOBSMITH_OUTBOX=str(outbox))
    assert run_wrapper(["--job", "now", "--", "true"], env).returncode == 0
    assert [check["name"] for check in fake_sensu.wait_for(2)] == ["jobsmith.now", "jobsmith.stale"]
    assert os.listdir(outbox) == [".sent"]  # the ledger of what was sent (ledger.py)


def test_a_garbage_entry_on_a_full_disk_is_quarantined_and_the_status_kept(
    small_tmpfs: Path, wrapper_env: dict[str, str]
) -> None:
    outbox = small_tmpfs / "outbox"
    entry(outbox, {}, "00000000000000000001-1-x.json").write_bytes(b"garbage")
    (outbox / "quarantine").mkdir()
    fill_up(small_tmpfs / "filler")
    port = refused_port()
    env = dict(wrapper_env, JOBSMITH_SENSU=f"tcp://127.0.0.1:{port}", JOBSMITH_OUTBOX=str(outbox))
    result = run_wrapper(["--job", "full", "--", "sh", "-c", "exit 2"], env)
    assert result.returncode == 2
    assert b"alert lost: cannot write to the outbox: [Errno 28] No space left" in result.stderr
    assert "00000000000000000001-1-x.json" in os.listdir(outbox / "quarantine")
    assert b"Traceback" not in result.stderr
