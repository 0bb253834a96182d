"""Real processes, signals and pipes: supervision, exit statuses, output pass-through."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobsmith.wrapper.process import run_attempt
from jobsmith.wrapper.proctree import set_child_subreaper
from jobsmith.wrapper.signals import SignalWatch
from jobsmith.wrapper.tail import OutputTail
from tests.wrapper.conftest import alive, run_wrapper


def attempt(argv: list[str], **kwargs: float) -> tuple[int, bool, int | None]:
    with SignalWatch() as watch:
        outcome = run_attempt(argv, watch=watch, tail=OutputTail(), **kwargs)  # type: ignore[arg-type]
    return outcome.exit_code, outcome.timed_out, outcome.term_signal


def test_every_exit_status_comes_out_as_it_is() -> None:
    with SignalWatch() as watch:
        codes = [
            run_attempt(["sh", "-c", f"exit {code}"], watch=watch, tail=OutputTail()).exit_code
            for code in range(256)
        ]
    assert codes == list(range(256))


@pytest.mark.parametrize(
    "signum", [signal.SIGHUP, signal.SIGINT, signal.SIGABRT, signal.SIGKILL, signal.SIGTERM]
)
def test_death_by_signal_is_128_plus_n(signum: int) -> None:
    assert attempt(["sh", "-c", f"kill -{int(signum)} $$"]) == (128 + signum, False, signum)


def test_timeout_is_124() -> None:
    assert attempt(["sleep", "30"], timeout=0.3) == (124, True, signal.SIGTERM)


def test_a_command_ignoring_sigterm_is_killed_after_kill_after(tmp_path: Path) -> None:
    # The attempt's clock stands still until the command has set its trap: on a loaded
    # machine `sh` can take longer than the timeout to get there, and a SIGTERM before
    # the trap kills it (SIGTERM, not SIGKILL).
    trapped = tmp_path / "trapped"
    start = time.monotonic()

    def clock() -> float:
        return time.monotonic() if trapped.exists() else start

    with SignalWatch() as watch:
        outcome = run_attempt(
            ["sh", "-c", f"trap '' TERM; : > {trapped}; sleep 30"],
            watch=watch, tail=OutputTail(), timeout=0.3, kill_after=0.3, clock=clock,
        )
    assert (outcome.exit_code, outcome.timed_out, outcome.term_signal) == (
        124, True, signal.SIGKILL
    )


def read_pids(path: Path, count: int) -> list[int]:
    end = time.monotonic() + 10
    while time.monotonic() < end:
        if path.exists():
            pids = [int(line) for line in path.read_text().split()]
            if len(pids) >= count:
                return pids
        time.sleep(0.01)
    raise AssertionError(f"{path} holds fewer than {count} pids")


# A child in the background, and a daemon: double fork (the subshell exits) + setsid,
# which leaves the command's process group and loses its parent.
TREE = (
    'sleep 60 & echo $! >> "$PIDS"; '
    '( setsid sh -c \'echo $$ >> "$PIDS"; trap "" TERM; exec sleep 60\' & ); '
    'echo $$ >> "$PIDS"; '
    'while [ "$(wc -l < "$PIDS")" -lt 3 ]; do sleep 0.01; done; {last}'
)


def test_timeout_leaves_no_process_behind_daemons_included(
    tmp_path: Path, wrapper_env: dict[str, str]
) -> None:
    pids = tmp_path / "pids"
    env = dict(wrapper_env, PIDS=str(pids))
    result = run_wrapper(
        [
            "--job",
            "t",
            "--timeout",
            "3s",  # the three processes are started well before, even on a loaded machine
            "--kill-after",
            "0.3s",
            "--",
            "sh",
            "-c",
            TREE.format(last="sleep 60"),
        ],
        env,
    )
    assert result.returncode == 124
    recorded = read_pids(pids, 3)
    assert [pid for pid in recorded if alive(pid)] == []


def test_processes_left_behind_by_a_finished_command_are_ended(
    tmp_path: Path, wrapper_env: dict[str, str]
) -> None:
    pids = tmp_path / "pids"
    env = dict(wrapper_env, PIDS=str(pids))
    result = run_wrapper(
        ["--job", "t", "--kill-after", "0.3s", "--", "sh", "-c", TREE.format(last="exit 0")], env
    )
    assert result.returncode == 0
    assert [pid for pid in read_pids(pids, 3) if alive(pid)] == []


def test_sigterm_to_the_wrapper_reaches_the_command_and_stops_retries(
    tmp_path: Path, wrapper_env: dict[str, str]
) -> None:
    script = 'trap "echo got-term; exit 7" TERM; echo started; sleep 30 & wait'
    wrapper = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jobsmith",
            "run",
            "--job",
            "t",
            "--retries",
            "3",
            "--backoff",
            "0.1s",
            "--",
            "sh",
            "-c",
            script,
        ],
        env=wrapper_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert wrapper.stdout is not None
    assert wrapper.stdout.readline() == b"started\n"
    wrapper.send_signal(signal.SIGTERM)
    out, err = wrapper.communicate(timeout=30)
    assert wrapper.returncode == 7
    assert out == b"got-term\n"
    assert b"attempt 2/" not in err
    assert b"t stopped by signal 15 (exit 7) after 1 attempt" in err


def test_sigint_to_the_wrapper_of_a_command_that_dies_of_it(wrapper_env: dict[str, str]) -> None:
    wrapper = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jobsmith",
            "run",
            "--job",
            "t",
            "--retries",
            "2",
            "--",
            "sh",
            "-c",
            "echo started; exec sleep 30",
        ],
        env=wrapper_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert wrapper.stdout is not None
    assert wrapper.stdout.readline() == b"started\n"
    wrapper.send_signal(signal.SIGINT)
    wrapper.communicate(timeout=30)
    assert wrapper.returncode == 128 + signal.SIGINT  # forwarded as `timeout` does


@pytest.mark.parametrize(
    ("name", "mode", "content", "status"),
    [
        ("missing", None, b"", 127),
        ("not-executable", 0o644, b"#!/bin/sh\nexit 0\n", 126),
        ("not-a-program", 0o755, b"\x7fELF garbage", 126),
        ("a-directory", "dir", b"", 126),
    ],
)
def test_command_not_found_127_not_executable_126(
    name: str,
    mode: int | str | None,
    content: bytes,
    status: int,
    tmp_path: Path,
    wrapper_env: dict[str, str],
) -> None:
    path = tmp_path / name
    if mode == "dir":
        path.mkdir()
    elif mode is not None:
        path.write_bytes(content)
        path.chmod(mode)  # type: ignore[arg-type]
    result = run_wrapper(["--job", "t", "--retries", "2", "--", str(path)], wrapper_env)
    assert result.returncode == status
    assert result.stderr.startswith(f"jobsmith: cannot run {path}: ".encode())
    assert b"attempt 2/" not in result.stderr


def test_command_not_found_on_path(wrapper_env: dict[str, str]) -> None:
    # A PATH of searchable directories only: a directory this user may not search (root's
    # PATH under another user) makes execvp, and so `timeout` and the wrapper, say 126.
    env = dict(wrapper_env, PATH="/usr/bin:/bin")
    result = run_wrapper(["--job", "t", "--", "no-such-command-anywhere"], env)
    assert result.returncode == 127
    assert b"no-such-command-anywhere: No such file or directory" in result.stderr


def test_misuse_is_125(wrapper_env: dict[str, str]) -> None:
    result = run_wrapper(["--job", "t", "--timeout", "never", "--", "true"], wrapper_env)
    assert result.returncode == 125
    assert b"--timeout" in result.stderr
    bad_env = dict(wrapper_env, JOBSMITH_SENSU="smtp://x:1")
    assert run_wrapper(["--job", "t", "--", "true"], bad_env).returncode == 125


FLOOD = """
import os, threading
def flood(fd, seed):
    block = bytes((seed * 7 + i * 13) % 256 for i in range(65536))
    for i in range(1600):  # 100 MiB
        data = block[i % 256:] + block[:i % 256]
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
threads = [threading.Thread(target=flood, args=(1, 1)), threading.Thread(target=flood, args=(2, 2))]
[t.start() for t in threads]
[t.join() for t in threads]
"""


def expected_flood_digest(seed: int) -> str:
    block = bytes((seed * 7 + i * 13) % 256 for i in range(65536))
    digest = hashlib.sha256()
    for i in range(1600):
        digest.update(block[i % 256 :] + block[: i % 256])
    return digest.hexdigest()


def test_flooding_both_streams_passes_every_byte(
    tmp_path: Path, wrapper_env: dict[str, str]
) -> None:
    out_path, err_path = tmp_path / "out", tmp_path / "err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "jobsmith",
                "run",
                "--job",
                "t",
                "--",
                sys.executable,
                "-c",
                FLOOD,
            ],
            env=wrapper_env,
            stdout=out,
            stderr=err,
            timeout=120,
            check=False,
        )
    assert result.returncode == 0
    summary = b"jobsmith: t succeeded (exit 0) after 1 attempt in "
    err_bytes = err_path.read_bytes()
    at = err_bytes.rindex(summary)
    assert err_bytes[at:].endswith(b"s\n") and err_bytes[at:].count(b"\n") == 1
    assert hashlib.sha256(out_path.read_bytes()).hexdigest() == expected_flood_digest(1)
    assert hashlib.sha256(err_bytes[:at]).hexdigest() == expected_flood_digest(2)


def test_output_order_within_a_stream_and_the_tail() -> None:
    tail = OutputTail(16)
    read, write = __import__("os").pipe()
    with SignalWatch() as watch:
        outcome = run_attempt(
            ["sh", "-c", "printf 'line1\\nline2\\n'; printf 'oops\\n' >&2; printf 'end\\n'"],
            watch=watch,
            tail=tail,
            stdout_fd=write,
            stderr_fd=write,
        )
    import os

    os.close(write)
    data = os.read(read, 1000)
    os.close(read)
    assert outcome.exit_code == 0
    assert sorted(data.splitlines()) == [b"end", b"line1", b"line2", b"oops"]
    assert tail.getvalue() == data[-16:]


def test_subreaper_can_be_set() -> None:
    # The test process becomes a subreaper too; harmless for pytest.
    assert set_child_subreaper() is True
