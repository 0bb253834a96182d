"""Processes and signals under faults: no descendant escapes, stop signals are obeyed at
every moment, and the exit status, the summary line and the alert always agree.

Real processes and real signals. Fork-and-exit chains are perl one-liners (perl-base
is on every Debian machine; a chain of Python processes forks too slowly to race the
wrapper). Each wrapper runs under a small harness that is itself a child subreaper,
so a process that escaped the wrapper lands in the harness's tree, is counted there,
and is killed (stopped first, so a chain cannot run away) before the harness exits.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.wrapper.fake_sensu import FakeSensu

WRAPPER = [sys.executable, "-m", "jobsmith", "run"]

# A chain: each process forks and exits at once, forever. SIGTERM is ignored, so only
# SIGKILL ends it; with `1` every generation also leaves the process group (setsid).
CHAIN = (
    'use POSIX; $SIG{TERM} = "IGNORE"; my $leave = shift;'
    " while (1) { my $pid = fork; next unless defined $pid;"
    " POSIX::_exit(0) if $pid; POSIX::setsid() if $leave; }"
)

HARNESS = r"""
import ctypes, json, os, signal, subprocess, sys
ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
wrapper = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

def live_descendants():
    found, pending = [], [os.getpid()]
    while pending:
        pid = pending.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = open(f"/proc/{pid}/task/{task}/children").read().split()
            except OSError:
                continue
            for child in map(int, children):
                pending.append(child)
                try:
                    stat = open(f"/proc/{child}/stat", "rb").read()
                except OSError:
                    continue
                if live(child):
                    found.append(child)
    return found

def live(pid):  # a zombie main thread with live threads is a live process
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for task in tasks:
        try:
            stat = open(f"/proc/{pid}/task/{task}/stat", "rb").read()
        except OSError:
            continue
        if stat[stat.rindex(b")") + 2:][:1] not in (b"Z", b"X"):
            return True
    return False

escaped = len(live_descendants())
quiet = 0
while quiet < 50:  # stop, then kill, until 50 scans in a row find nothing
    found = live_descendants()
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for pid in found:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break
    quiet = 0 if found else quiet + 1
print(json.dumps({"code": wrapper.returncode, "escaped": escaped,
                  "stderr": wrapper.stderr.decode(errors="replace")}))
"""


def supervised(args: list[str], env: dict[str, str]) -> dict[str, object]:
    """Run the wrapper under the harness: its exit status, stderr and escaped processes."""
    result = subprocess.run([sys.executable, "-c", HARNESS, *WRAPPER, *args], env=env,
                            capture_output=True, timeout=120, check=True)
    report: dict[str, object] = json.loads(result.stdout)
    return report


@pytest.mark.parametrize("leave_group", ["0", "1"], ids=["in-group", "setsid"])
def test_no_fork_and_exit_chain_escapes(leave_group: str, wrapper_env: dict[str, str]) -> None:
    for _ in range(4):  # before the fix about half the runs left a chain running
        report = supervised(["--job", "chain", "--kill-after", "0.2s", "--",
                             "perl", "-e", CHAIN, leave_group], wrapper_env)
        assert report["escaped"] == 0, report
        assert report["code"] == 0  # the command itself exited 0 at once
        assert "succeeded (exit 0)" in str(report["stderr"])


# A process whose main thread ends while another thread runs on: /proc shows it as a
# zombie, yet it lives. It says `ready` once its main thread is gone; the command waits
# for that line, then exits.
HIDDEN = """
import ctypes, os, threading, time
main = threading.get_native_id()
def run():
    while True:
        with open(f"/proc/self/task/{main}/stat", "rb") as handle:
            data = handle.read()
        if data[data.rindex(b")") + 2:][:1] == b"Z":
            break
        time.sleep(0.001)
    os.write(1, b"ready\\n")
    time.sleep(60)
threading.Thread(target=run).start()
ctypes.CDLL(None).pthread_exit(None)
"""


def test_a_process_that_looks_like_a_zombie_but_runs_does_not_escape(
    wrapper_env: dict[str, str]
) -> None:
    script = f'{{ {sys.executable} -c "$0" & }} | head -n1 >/dev/null; exit 0'
    report = supervised(["--job", "hidden", "--kill-after", "0.2s", "--", "sh", "-c", script,
                         HIDDEN], wrapper_env)
    assert report["escaped"] == 0, report
    assert report["code"] == 0


@pytest.mark.parametrize(
    ("signum", "status"),
    [(signal.SIGINT, 130), (signal.SIGHUP, 129), (signal.SIGTERM, 143)],
    ids=["SIGINT", "SIGHUP", "SIGTERM"],
)
def test_stop_signals_exit_as_coreutils_timeout_would(
    signum: int, status: int, fake_sensu: FakeSensu, wrapper_env: dict[str, str]
) -> None:
    """The signal is forwarded; `sleep` dies of it, so the status is 128+N."""
    env = dict(wrapper_env, JOBSMITH_SENSU=fake_sensu.tcp_url)
    wrapper = subprocess.Popen(
        [*WRAPPER, "--job", "stopped", "--retries", "2", "--", "sh", "-c",
         "echo started; exec sleep 30"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert wrapper.stdout is not None
    assert wrapper.stdout.readline() == b"started\n"
    wrapper.send_signal(signum)
    _, err = wrapper.communicate(timeout=30)
    assert wrapper.returncode == status
    assert f"stopped by signal {signum} (exit {status}) after 1 attempt".encode() in err
    (check,) = fake_sensu.wait_for(1)
    assert check["exit_code"] == status


class SignallingSensu:
    """A Sensu 1.x socket that, once the alert arrived, has SIGTERM sent to the wrapper
    over and over (through a pidfd: never to a reused pid) until it exited, then says ok."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.pidfd = -1
        self.alerts: list[dict[str, object]] = []
        self.signals_sent = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.server.getsockname()[1]}"

    def watch(self, pid: int) -> None:
        self.pidfd = os.pidfd_open(pid)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.server.accept()
        with connection:
            data = b""
            while chunk := connection.recv(65536):  # one JSON hash, maybe in pieces
                data += chunk
                try:
                    self.alerts.append(json.loads(data))
                    break
                except ValueError:
                    continue
            hammer = threading.Thread(target=self._hammer, daemon=True)
            hammer.start()
            time.sleep(0.05)  # signals while the wrapper waits for the answer...
            connection.sendall(b"ok")
            hammer.join()  # ...and after it, until the wrapper is gone

    def _hammer(self) -> None:
        while True:
            try:
                signal.pidfd_send_signal(self.pidfd, signal.SIGTERM)
            except ProcessLookupError:
                return  # exited (a zombie cannot be signalled... nor can it be reused)
            self.signals_sent += 1
            time.sleep(0.0002)

    def close(self) -> None:
        self.server.close()
        if self.pidfd >= 0:
            os.close(self.pidfd)


def test_signals_after_the_status_is_decided_change_nothing(
    wrapper_env: dict[str, str]
) -> None:
    sensu = SignallingSensu()
    try:
        env = dict(wrapper_env, JOBSMITH_SENSU=sensu.url)
        wrapper = subprocess.Popen([*WRAPPER, "--job", "late", "--", "sh", "-c", "exit 3"],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        sensu.watch(wrapper.pid)
        _, err = wrapper.communicate(timeout=30)
        sensu.thread.join(timeout=30)
    finally:
        sensu.close()
    assert sensu.signals_sent > 0
    assert wrapper.returncode == 3
    assert b"late failed (exit 3) after 1 attempt" in err
    assert [alert["exit_code"] for alert in sensu.alerts] == [3]


READY = """
import os, sys

class Ready:
    def find_spec(self, name, path=None, target=None):
        # The first submodule: jobsmith/__init__.py has run (its first lines take SIGINT
        # from Python for `jobsmith run`). A signal before that lands in the import
        # machinery, which is Python's (docs/wrapper.md, "Limits").
        if name.startswith("jobsmith."):
            sys.meta_path.remove(self)
            fd = int(os.environ.pop("JOBSMITH_TEST_READY_FD"))
            os.write(fd, b".")
            os.close(fd)
        return None

if "JOBSMITH_TEST_READY_FD" in os.environ:
    sys.meta_path.insert(0, Ready())
"""


@pytest.mark.parametrize(
    ("signum", "statuses"),
    [(signal.SIGINT, {130, -signal.SIGINT}), (signal.SIGTERM, {143, -signal.SIGTERM})],
    ids=["SIGINT", "SIGTERM"],
)
def test_a_stop_signal_during_start_up_is_obeyed_without_a_traceback(
    signum: int, statuses: set[int], tmp_path: Path, wrapper_env: dict[str, str]
) -> None:
    """At staggered moments from the end of jobsmith's first lines (a `sitecustomize`
    says when; a signal in the interpreter's own start-up and import machinery before
    them is Python's to handle) to the command's start. Killed by the signal, or 128+N:
    both are what `timeout` gives."""
    (tmp_path / "sitecustomize.py").write_text(READY)
    for attempt in range(30):
        read, write = os.pipe()
        env = dict(wrapper_env, PYTHONPATH=str(tmp_path), JOBSMITH_TEST_READY_FD=str(write))
        wrapper = subprocess.Popen([*WRAPPER, "--job", "early", "--", "sleep", "30"],
                                   env=env, stderr=subprocess.PIPE, pass_fds=(write,))
        os.close(write)
        assert os.read(read, 1) == b"."  # jobsmith's package has been imported
        os.close(read)
        time.sleep((attempt + 1) * 0.001)  # after the import machinery found jobsmith
        wrapper.send_signal(signum)
        _, err = wrapper.communicate(timeout=30)
        assert b"Traceback" not in err, err.decode()
        assert b"Exception ignored" not in err, err.decode()  # an unraisable StopRequested
        # Nothing but the wrapper's own lines ("stopped by signal N ...").
        assert all(line.startswith(b"jobsmith") for line in err.splitlines()), err.decode()
        assert wrapper.returncode in statuses, (attempt, wrapper.returncode, err)


def quiet_script(script: str) -> list[str]:
    """Run a Python script in its own process; it must succeed and print nothing on
    stderr (no "Exception ignored", no traceback). Returns its stdout lines."""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b"", done.stderr.decode()
    return done.stdout.decode().splitlines()


UNRAISABLE = r"""
import os, signal
from jobsmith.wrapper.signals import SignalWatch

class Finaliser:
    def __del__(self):  # Python cannot propagate an exception raised in here
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(10000):  # the handler runs at the next bytecode boundary
            pass

watch = SignalWatch(raise_on_stop=True)
finaliser = Finaliser()
del finaliser
print(watch.received, watch.raise_on_stop)
watch.close()
"""


def test_a_stop_signal_inside_a_finaliser_is_recorded_without_a_traceback() -> None:
    """A signal that lands in a `__del__` or a weakref callback (CI once caught one in the
    import machinery's module-lock callback, `_get_module_lock.<locals>.cb`): Python
    cannot propagate the `StopRequested` from there and hands it to `sys.unraisablehook`,
    which by default prints "Exception ignored in" and a traceback. The watch drops it;
    the stop is recorded, and `run_attempt` obeys it before the command starts."""
    assert quiet_script(UNRAISABLE) == [f"[{int(signal.SIGTERM)}] False"]


STOP_BEFORE_ARMED = r"""
import os, signal
from jobsmith.wrapper.signals import SignalWatch, StopRequested

watch = SignalWatch(raise_on_stop=False)  # the handlers are in, not yet armed
os.kill(os.getpid(), signal.SIGTERM)
for _ in range(10000):  # the handler runs at the next bytecode boundary
    pass
print(watch.received, watch.raise_on_stop)
try:
    watch.arm()  # inside the `try`: the stop that came before is raised here
except StopRequested as stop:
    print("raised", stop.signum, watch.raise_on_stop)
watch.close()
"""


def test_a_stop_signal_before_the_watch_is_armed_is_raised_by_arm() -> None:
    """The wrapper creates its watch, then arms it inside the `try` that handles
    `StopRequested`: a signal while the handlers go in must not raise out of the
    constructor, where nothing would catch it (a traceback)."""
    assert quiet_script(STOP_BEFORE_ARMED) == ["[15] False", "raised 15 False"]


IN_THE_UNRAISABLE_HOOK = r"""
import os, signal, sys
from jobsmith.wrapper.signals import SignalWatch

def report(unraisable):  # stands for Python's default hook, slow to print
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(10000):
        pass
    print("reported", unraisable.exc_type.__name__)

sys.unraisablehook = report
watch = SignalWatch(raise_on_stop=True)

class Broken:
    def __del__(self):
        raise ValueError("not a stop")

broken = Broken()
del broken
print(watch.received, watch.raise_on_stop)
watch.close()
"""


def test_a_stop_signal_while_an_unraisable_error_is_reported_is_recorded() -> None:
    """An unraisable error that is not a stop goes to the previous hook; a stop signal
    while that hook runs is recorded, not raised out of the hook (which Python would
    print as "Exception ignored in sys.unraisablehook" and a traceback)."""
    assert quiet_script(IN_THE_UNRAISABLE_HOOK) == ["reported ValueError", "[15] False"]


LATE_STOP = r"""
import os, signal, sys
from jobsmith.wrapper.cli import main

code = main(sys.argv[1:])
os.kill(os.getpid(), signal.SIGTERM)  # the status is decided: held back, never raised
for _ in range(10000):
    pass
print("exit", code)
"""


@pytest.mark.parametrize(
    ("args", "status"),
    [(["--help"], 0), (["--job", "x", "--timeout", "never", "--", "true"], 125),
     (["--job", "x", "--", "true"], 0)],
    ids=["help", "usage-error", "run"],
)
def test_a_stop_signal_after_the_status_is_decided_raises_nothing(
    args: list[str], status: int, wrapper_env: dict[str, str]
) -> None:
    """On every way out of `main`, help and usage errors included, a stop signal that
    comes after the status is decided is held back: nothing is left to catch it."""
    done = subprocess.run([sys.executable, "-c", LATE_STOP, *args], env=wrapper_env,
                          capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr.decode()
    assert b"Traceback" not in done.stderr
    assert done.stdout.decode().splitlines()[-1] == f"exit {status}"


def test_a_stop_signal_during_an_artifact_download_is_obeyed(
    tmp_path: Path, wrapper_env: dict[str, str]
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:  # accepts, never answers
        env = dict(wrapper_env, JOBSMITH_CACHE=str(tmp_path / "cache"))
        url = f"http://127.0.0.1:{server.getsockname()[1]}/tool"
        wrapper = subprocess.Popen(
            [*WRAPPER, "--job", "fetch", "--artifact", url, "--sha256", "0" * 64, "--"],
            env=env, stderr=subprocess.PIPE,
        )
        connection, _ = server.accept()  # the download has started
        with connection:
            wrapper.send_signal(signal.SIGTERM)
            _, err = wrapper.communicate(timeout=30)
    assert wrapper.returncode == 143
    assert b"stopped by signal 15 before the command started" in err
    assert b"Traceback" not in err
