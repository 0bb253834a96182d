"""Faults of the wrapper's own stdout and stderr: the command's status, the alert and the
metrics survive them, and the wrapper says once what it could not write.

Real faults, no mocks: `/dev/full` is a disk that is always full (every write ENOSPC),
`RLIMIT_FSIZE` is `ulimit -f` (EFBIG; Python ignores SIGXFSZ), a pipe whose reader
quit gives EPIPE, and `sh -c 'exec ... >&-'` starts the wrapper with a descriptor closed.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

from tests.wrapper.conftest import StatsdDaemon, run_wrapper
from tests.wrapper.fake_sensu import FakeSensu

WRAPPER = [sys.executable, "-m", "jobsmith", "run"]
LIMIT = 8192  # bytes: the file size limit of the `ulimit -f` cases


def spawn(
    args: list[str], env: dict[str, str], stdout: IO[Any] | int, stderr: IO[Any] | int,
    **kwargs: Any,
) -> int:
    """Run the wrapper with the given descriptors; its exit status."""
    return subprocess.run(
        [*WRAPPER, *args], env=env, stdout=stdout, stderr=stderr, timeout=60, check=False,
        **kwargs,
    ).returncode


def test_a_full_disk_under_both_streams_keeps_the_status_and_the_alert(
    fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    env = dict(wrapper_env, JOBSMITH_SENSU=fake_sensu.tcp_url)
    with open("/dev/full", "wb") as full:
        code = spawn(["--job", "full", "--", "sh", "-c", "echo out; echo err >&2; exit 3"],
                     env, full, full)
    assert code == 3
    (check,) = fake_sensu.wait_for(1)
    assert check["exit_code"] == 3 and check["status"] == 2
    lines = check["output"].splitlines()
    assert lines[0].startswith("full failed (exit 3)")
    assert "cannot write stdout: No space left on device; 4 bytes of the command's output lost" \
        in lines
    assert any(line.startswith("cannot write stderr: No space left on device") for line in lines)
    assert lines[-2:] == ["out", "err"]  # the tail still has the output nobody could see


def test_a_file_size_limit_on_the_shared_log_keeps_status_alert_and_metrics(
    tmp_path: Path, fake_sensu: FakeSensu, statsd_daemon: StatsdDaemon,
    wrapper_env: dict[str, str],
) -> None:
    """Jenkins puts stdout and stderr into one log file; `ulimit -f` caps its size."""
    env = dict(wrapper_env, JOBSMITH_SENSU=fake_sensu.tcp_url,
               JOBSMITH_STATSD=statsd_daemon.address, JOBSMITH_STATSD_PREFIX="faults")
    log = tmp_path / "log"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))

    script = "head -c 100000 /dev/zero | tr '\\0' x; echo done >&2; exit 7"
    with log.open("wb") as handle:
        code = spawn(["--job", "capped", "--", "sh", "-c", script], env, handle, handle,
                     preexec_fn=limit)
    assert code == 7
    assert log.stat().st_size == LIMIT
    (check,) = fake_sensu.wait_for(1)
    assert check["exit_code"] == 7
    assert "cannot write stdout: File too large" in check["output"]
    assert check["output"].endswith("done\n")
    assert statsd_daemon.counters().get("faults.capped.failure") == 1
    assert statsd_daemon.gauges().get("faults.capped.exit_code") == 7


def test_a_reader_that_quit_gives_the_command_its_broken_pipe_and_the_alert_goes(
    fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    """`jobsmith run ... 2>&1 | head -1`, with the reader gone before the first byte."""
    env = dict(wrapper_env, JOBSMITH_SENSU=fake_sensu.tcp_url)
    read, write = os.pipe()
    os.close(read)
    try:
        # seq dies of SIGPIPE as it would without the wrapper; the shell goes on to exit 5.
        code = spawn(["--job", "piped", "--", "sh", "-c", "seq 1 100000; exit 5"], env,
                     write, write)
    finally:
        os.close(write)
    assert code == 5
    (check,) = fake_sensu.wait_for(1)
    assert check["exit_code"] == 5
    assert "cannot write stdout: Broken pipe" in check["output"]


def test_a_closed_stdout_at_start_goes_to_dev_null_and_is_reported_once(
    tmp_path: Path, fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    env = dict(wrapper_env, JOBSMITH_SENSU=fake_sensu.tcp_url)
    err = tmp_path / "err"
    wrapper = " ".join(WRAPPER)
    command = f"exec {wrapper} --job closed -- sh -c 'echo lost; echo kept >&2; exit 4' >&-"
    with err.open("wb") as handle:
        code = subprocess.run(["sh", "-c", command], env=env, stderr=handle, timeout=60,
                              check=False).returncode
    assert code == 4
    text = err.read_text()
    assert "Traceback" not in text
    assert text.startswith("kept\n")
    assert text.count("stdout was closed when the wrapper started") == 1
    (check,) = fake_sensu.wait_for(1)
    assert check["exit_code"] == 4


def test_both_streams_closed_at_start_still_give_status_and_alert(
    fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    env = dict(wrapper_env, JOBSMITH_SENSU=fake_sensu.tcp_url)
    wrapper = " ".join(WRAPPER)
    command = f"exec {wrapper} --job shut -- sh -c 'echo a; echo b >&2; exit 6' >&- 2>&-"
    code = subprocess.run(["sh", "-c", command], env=env, timeout=60, check=False).returncode
    assert code == 6
    (check,) = fake_sensu.wait_for(1)
    assert check["exit_code"] == 6
    assert "stderr was closed when the wrapper started" in check["output"]


def test_wrapper_messages_to_a_full_stderr_do_not_touch_stdout_or_status(
    tmp_path: Path, wrapper_env: dict[str, str]
) -> None:
    """The summary line cannot go to stderr: it goes to stdout, the one channel left."""
    out = tmp_path / "out"
    with out.open("wb") as handle, open("/dev/full", "wb") as full:
        code = spawn(["--job", "loud", "--", "sh", "-c", "echo hello; exit 9"],
                     wrapper_env, handle, full)
    assert code == 9
    lines = out.read_text().splitlines()
    assert lines[0] == "hello"
    assert lines[1].startswith("jobsmith: loud failed (exit 9)")
    assert lines[2].startswith("jobsmith: warning: cannot write stderr: No space left")
    assert len(lines) == 3


def test_run_wrapper_helper_still_sees_plain_runs(wrapper_env: dict[str, str]) -> None:
    result = run_wrapper(["--job", "plain", "--", "sh", "-c", "echo hi"], wrapper_env)
    assert (result.returncode, result.stdout) == (0, b"hi\n")
    assert b"warning" not in result.stderr
